/* Telephone band filter: Butterworth sections from the bilinear transform.
 *
 * Each 4th-order Butterworth is two biquads with Q = 1/(2 cos(pi/8)) and 1/(2 cos(3 pi/8))
 * (the pole angles of the 4th-order prototype); coefficients follow R. Bristow-Johnson's
 * "Cookbook formulae for audio EQ biquad filter coefficients". Transposed direct form II,
 * state in double so that the 300 Hz high-pass stays exact at any rate.
 */
#include "rappel/bandpass.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SECTIONS = 4 };

typedef struct {
    double b0, b1, b2, a1, a2; /* normalised by a0 */
    double s1, s2;             /* transposed direct form II state */
} biquad;

struct rpl_bandpass {
    biquad section[SECTIONS];
};

static biquad biquad_design(double fs, double f0, double q, int highpass)
{
    const double pi = 3.14159265358979323846;
    double w0 = 2.0 * pi * f0 / fs;
    double cw = cos(w0);
    double alpha = sin(w0) / (2.0 * q);
    double a0 = 1.0 + alpha;
    biquad s = {0};
    if (highpass) {
        s.b0 = (1.0 + cw) / 2.0 / a0;
        s.b1 = -(1.0 + cw) / a0;
    } else {
        s.b0 = (1.0 - cw) / 2.0 / a0;
        s.b1 = (1.0 - cw) / a0;
    }
    s.b2 = s.b0;
    s.a1 = -2.0 * cw / a0;
    s.a2 = (1.0 - alpha) / a0;
    return s;
}

rpl_status rpl_bandpass_create(float sample_rate_hz, float low_hz, float high_hz,
                               rpl_bandpass **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!(low_hz > 0.0f) || !(high_hz > low_hz) || !(2.0f * high_hz < sample_rate_hz)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_bandpass *bp = calloc(1, sizeof *bp);
    if (bp == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    const double q_first = 0.54119610014619698; /* 1 / (2 cos(pi/8)) */
    const double q_second = 1.3065629648763766; /* 1 / (2 cos(3 pi/8)) */
    bp->section[0] = biquad_design(sample_rate_hz, low_hz, q_first, 1);
    bp->section[1] = biquad_design(sample_rate_hz, low_hz, q_second, 1);
    bp->section[2] = biquad_design(sample_rate_hz, high_hz, q_first, 0);
    bp->section[3] = biquad_design(sample_rate_hz, high_hz, q_second, 0);
    *out = bp;
    return RPL_OK;
}

void rpl_bandpass_destroy(rpl_bandpass *bp)
{
    free(bp);
}

/* The filters are compiled twice, the AVX copy taken at run time where the CPU has it: its
 * three-operand instructions need no register copies and take unaligned memory operands, which
 * with 28 coefficients and states (more than the 16 registers) saves about a third of the
 * instructions. The same multiplications and additions in the same order (no FMA): the same
 * bits. (A plain run-time test, not an ifunc: ifunc resolvers run before ThreadSanitizer's
 * runtime is up.) */
#if defined(__x86_64__) && defined(__GNUC__)
#define RPL_AVX_COPY 1
#else
#define RPL_AVX_COPY 0
#endif

static inline __attribute__((always_inline)) void process(rpl_bandpass *bp, float *x, size_t n)
{
    /* All sections per sample, state in registers: one pass over the block. */
    biquad sec[SECTIONS];
    memcpy(sec, bp->section, sizeof sec);
    for (size_t i = 0; i < n; i++) {
        double v = (double)x[i];
        for (size_t k = 0; k < SECTIONS; k++) {
            double y = sec[k].b0 * v + sec[k].s1;
            sec[k].s1 = sec[k].b1 * v - sec[k].a1 * y + sec[k].s2;
            sec[k].s2 = sec[k].b2 * v - sec[k].a2 * y;
            v = y;
        }
        x[i] = (float)v;
    }
    for (size_t k = 0; k < SECTIONS; k++) {
        /* Decaying state would end in denormals, which are slow: flush it. */
        bp->section[k].s1 = fabs(sec[k].s1) < 1e-30 ? 0.0 : sec[k].s1;
        bp->section[k].s2 = fabs(sec[k].s2) < 1e-30 ? 0.0 : sec[k].s2;
    }
}

/* Two lanes of doubles (GCC/Clang vector extension): SSE2 on x86-64, NEON on AArch64. Lane
 * arithmetic is the scalar IEEE arithmetic, so each lane gives the bits of
 * rpl_bandpass_process. */
typedef double lanes2 __attribute__((vector_size(2 * sizeof(double))));

static inline __attribute__((always_inline)) void process_pair(rpl_bandpass *a, float *xa,
                                                               rpl_bandpass *b, float *xb, size_t n)
{
    lanes2 b0[SECTIONS], b1[SECTIONS], b2[SECTIONS], a1[SECTIONS], a2[SECTIONS];
    lanes2 s1[SECTIONS], s2[SECTIONS];
    for (size_t k = 0; k < SECTIONS; k++) {
        const biquad *p = &a->section[k];
        const biquad *q = &b->section[k];
        b0[k] = (lanes2){p->b0, q->b0};
        b1[k] = (lanes2){p->b1, q->b1};
        b2[k] = (lanes2){p->b2, q->b2};
        a1[k] = (lanes2){p->a1, q->a1};
        a2[k] = (lanes2){p->a2, q->a2};
        s1[k] = (lanes2){p->s1, q->s1};
        s2[k] = (lanes2){p->s2, q->s2};
    }
    for (size_t i = 0; i < n; i++) {
        lanes2 v = {(double)xa[i], (double)xb[i]};
        for (size_t k = 0; k < SECTIONS; k++) {
            lanes2 y = b0[k] * v + s1[k];
            s1[k] = b1[k] * v - a1[k] * y + s2[k];
            s2[k] = b2[k] * v - a2[k] * y;
            v = y;
        }
        xa[i] = (float)v[0];
        xb[i] = (float)v[1];
    }
    for (size_t k = 0; k < SECTIONS; k++) {
        a->section[k].s1 = fabs(s1[k][0]) < 1e-30 ? 0.0 : s1[k][0];
        a->section[k].s2 = fabs(s2[k][0]) < 1e-30 ? 0.0 : s2[k][0];
        b->section[k].s1 = fabs(s1[k][1]) < 1e-30 ? 0.0 : s1[k][1];
        b->section[k].s2 = fabs(s2[k][1]) < 1e-30 ? 0.0 : s2[k][1];
    }
}

#if RPL_AVX_COPY
__attribute__((target("avx"))) static void process_avx(rpl_bandpass *bp, float *x, size_t n)
{
    process(bp, x, n);
}

__attribute__((target("avx"))) static void process_pair_avx(rpl_bandpass *a, float *xa,
                                                            rpl_bandpass *b, float *xb, size_t n)
{
    process_pair(a, xa, b, xb, n);
}
#endif

void rpl_bandpass_process(rpl_bandpass *bp, float *x, size_t n)
{
#if RPL_AVX_COPY
    if (__builtin_cpu_supports("avx")) {
        process_avx(bp, x, n);
        return;
    }
#endif
    process(bp, x, n);
}

void rpl_bandpass_process_pair(rpl_bandpass *a, float *xa, rpl_bandpass *b, float *xb, size_t n)
{
#if RPL_AVX_COPY
    if (__builtin_cpu_supports("avx")) {
        process_pair_avx(a, xa, b, xb, n);
        return;
    }
#endif
    process_pair(a, xa, b, xb, n);
}

void rpl_bandpass_reset(rpl_bandpass *bp)
{
    for (size_t k = 0; k < SECTIONS; k++) {
        bp->section[k].s1 = 0.0;
        bp->section[k].s2 = 0.0;
    }
}
