/* Formants F1 and F2 on synthetic vowels whose formants are known because they are made here:
 * a slightly jittered impulse train (seeded) with a -6 dB/octave source tilt, through
 * cascaded second-order resonators at F1, F2, F3, band-limited to 300-3400 Hz as rpl_ingest
 * does, then framed, Hann-weighted and transformed by the same calls as dsp/analysis.c
 * (rpl_window_hann + rpl_fft_power) before rpl_formants_process_power. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/analysis.h"
#include "rappel/energy.h"
#include "rappel/fft.h"
#include "rappel/formants.h"
#include "signals.h"

enum {
    RATE = 8000,
    W = 256,
    BINS = W / 2 + 1,
    LEN = RATE / 2, /* 0.5 s per vowel */
    SETTLE = 1200,  /* samples before the first frame: resonators and band-pass settled */
    HOP = 160,      /* 20 ms between the frames looked at */
    MAX_FRAMES = (LEN - SETTLE - W) / HOP + 1,
};

typedef struct vowel {
    const char *name;
    double f_hz[3];  /* F1, F2, F3 */
    double bw_hz[3]; /* their bandwidths */
} vowel;

/* Peterson & Barney-like targets (adult male); /i/'s F1 sits at the 300 Hz band edge. */
static const vowel vowels[] = {
    {"a", {700, 1220, 2600}, {80, 90, 120}},  {"i", {300, 2300, 3000}, {60, 100, 120}},
    {"u", {350, 900, 2400}, {60, 80, 120}},   {"ae", {660, 1700, 2400}, {80, 100, 120}},
    {"e", {500, 1900, 2600}, {70, 100, 120}}, {"o", {500, 850, 2500}, {70, 80, 120}},
};

/* A vowel at f0_hz (period jittered by +-1 %, seeded), len samples, peak amplitude peak. */
static void make_vowel(float *x, size_t len, double f0_hz, const double *f_hz, const double *bw_hz,
                       float peak, uint64_t *seed)
{
    double *y = calloc(len, sizeof *y);
    assert_non_null(y);
    for (double t = 0.0; t < (double)len;) {
        y[(size_t)t] = 1.0;
        t += RATE / f0_hz * (1.0 + 0.01 * (double)test_uniform(seed));
    }
    /* source tilt: one pole at 0.9 (the glottal -12 dB/octave and the lips' +6 together) */
    double prev = 0.0;
    for (size_t i = 0; i < len; i++) {
        prev = y[i] + 0.9 * prev;
        y[i] = prev;
    }
    for (size_t r = 0; r < 3; r++) { /* resonators with unit gain at DC (Klatt 1980) */
        const double radius = exp(-test_two_pi / 2.0 * bw_hz[r] / RATE);
        const double c1 = 2.0 * radius * cos(test_two_pi * f_hz[r] / RATE);
        const double c2 = -radius * radius;
        const double g = 1.0 - c1 - c2;
        double y1 = 0.0, y2 = 0.0;
        for (size_t i = 0; i < len; i++) {
            const double v = g * y[i] + c1 * y1 + c2 * y2;
            y2 = y1;
            y1 = v;
            y[i] = v;
        }
    }
    for (size_t i = 0; i < len; i++) {
        x[i] = (float)y[i];
    }
    free(y);
    assert_true(test_band_limit(x, len, RATE));
    float max = 0.0f;
    for (size_t i = SETTLE; i < len; i++) {
        max = fabsf(x[i]) > max ? fabsf(x[i]) : max;
    }
    for (size_t i = 0; i < len; i++) {
        x[i] *= peak / max;
    }
}

typedef struct tracked {
    float f1[MAX_FRAMES], f2[MAX_FRAMES];
    size_t n;
} tracked;

/* Formants of the frames of x after SETTLE, through the analysis's transform. */
static void track(rpl_formants *fm, const float *x, size_t len, tracked *out)
{
    rpl_fft *fft = NULL;
    assert_int_equal(rpl_fft_create(W, &fft), RPL_OK);
    float hann[W], power[BINS];
    rpl_window_hann(hann, W);
    out->n = 0;
    for (size_t s = SETTLE; s + W <= len && out->n < MAX_FRAMES; s += HOP) {
        rpl_fft_power(fft, x + s, hann, W, power);
        rpl_formant_frame f;
        rpl_formants_process_power(fm, power, &f);
        out->f1[out->n] = f.f1_hz;
        out->f2[out->n] = f.f2_hz;
        out->n++;
    }
    rpl_fft_destroy(fft);
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a;
    const float y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median of the defined values (NAN counted out); NAN when none. */
static double median(const float *v, size_t n)
{
    float *tmp = malloc((n > 0 ? n : 1) * sizeof *tmp);
    assert_non_null(tmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(v[i])) {
            tmp[m++] = v[i];
        }
    }
    double result = NAN;
    if (m > 0) {
        qsort(tmp, m, sizeof *tmp, cmp_float);
        result = m % 2 ? (double)tmp[m / 2] : 0.5 * ((double)tmp[m / 2 - 1] + (double)tmp[m / 2]);
    }
    free(tmp);
    return result;
}

/* Allowed error for a formant at f_hz in a vowel at f0_hz: 8 %, 60 Hz or F0 / 2, whichever is
 * largest. Near the 300 Hz band edge the high-pass cuts an F1's lower skirt and pulls the LPC
 * peak up (by up to 60 Hz); at a high F0 the harmonics sample the envelope coarsely and the
 * LPC peak leans towards the harmonic nearest the formant, which is at most F0 / 2 away (the
 * known harmonic bias of LPC formant estimates: an F1 of 795 Hz at F0 239 Hz read 714 Hz,
 * next to the third harmonic, 717 Hz). */
static double tolerance(double f_hz, double f0_hz)
{
    double tol = 0.08 * f_hz;
    tol = tol < 60.0 ? 60.0 : tol;
    return tol < 0.5 * f0_hz ? 0.5 * f0_hz : tol;
}

/* Frames within tolerance of truth (NAN counts as a miss). */
static size_t hits(const float *v, size_t n, double truth, double f0_hz)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += !isnan(v[i]) && fabs((double)v[i] - truth) <= tolerance(truth, f0_hz);
    }
    return k;
}

static rpl_formants *make_fm(void)
{
    rpl_formants_config cfg = rpl_formants_config_default();
    rpl_formants *fm = NULL;
    assert_int_equal(rpl_formants_create(&cfg, &fm), RPL_OK);
    return fm;
}

/* One vowel: the medians within tolerance, and at least 90 % of the frames too. */
static void check_vowel(rpl_formants *fm, const char *name, const double *f_hz, const double *bw_hz,
                        double f0_hz, uint64_t *seed)
{
    float *x = calloc(LEN, sizeof *x);
    assert_non_null(x);
    make_vowel(x, LEN, f0_hz, f_hz, bw_hz, 0.5f, seed);
    tracked t;
    track(fm, x, LEN, &t);
    const double m1 = median(t.f1, t.n), m2 = median(t.f2, t.n);
    const size_t h1 = hits(t.f1, t.n, f_hz[0], f0_hz), h2 = hits(t.f2, t.n, f_hz[1], f0_hz);
    printf("  /%s/ F0 %.0f Hz, F %.0f/%.0f/%.0f: median F1 %.0f F2 %.0f, frames within "
           "tolerance %zu/%zu and %zu/%zu\n",
           name, f0_hz, f_hz[0], f_hz[1], f_hz[2], m1, m2, h1, t.n, h2, t.n);
    fflush(stdout);
    assert_true(fabs(m1 - f_hz[0]) <= tolerance(f_hz[0], f0_hz));
    assert_true(fabs(m2 - f_hz[1]) <= tolerance(f_hz[1], f0_hz));
    assert_true(h1 * 10 >= t.n * 9);
    assert_true(h2 * 10 >= t.n * 9);
    free(x);
}

static void test_invalid_args(void **state)
{
    (void)state;
    rpl_formants *fm = (rpl_formants *)&fm;
    rpl_formants_config cfg = rpl_formants_config_default();
    assert_int_equal(rpl_formants_create(&cfg, NULL), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_formants_create(NULL, &fm), RPL_ERR_INVALID_ARG);
    assert_null(fm);
    const rpl_formants_config good = cfg;
    rpl_formants_config bad[9];
    for (size_t i = 0; i < 9; i++) {
        bad[i] = good;
    }
    bad[0].pre_emphasis = -0.1f;
    bad[1].pre_emphasis = 1.0f;
    bad[2].order = 1;
    bad[3].order = 16;
    bad[4].min_hz = 0.0f;
    bad[5].max_hz = bad[5].min_hz;
    bad[6].max_hz = 3601.0f;
    bad[7].max_bandwidth_hz = 0.0f;
    bad[8].silence_db = NAN;
    for (size_t i = 0; i < 9; i++) {
        fm = (rpl_formants *)&fm;
        assert_int_equal(rpl_formants_create(&bad[i], &fm), RPL_ERR_INVALID_ARG);
        assert_null(fm);
    }
    assert_int_equal(rpl_formants_create(&good, &fm), RPL_OK);
    assert_int_equal(rpl_formants_window_samples(fm), W);
    assert_int_equal(rpl_formants_power_bins(fm), BINS);
    rpl_formants_destroy(fm);
    rpl_formants_destroy(NULL);
}

/* The six reference vowels at a male F0 (110-130 Hz), the open ones also at a female F0
 * (200-250 Hz), and one open vowel at F0 228 Hz. */
static void test_reference_vowels(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_reference_vowels");
    rpl_formants *fm = make_fm();
    for (size_t v = 0; v < sizeof vowels / sizeof vowels[0]; v++) {
        const double f0 = 110.0 + 20.0 * (0.5 + 0.5 * (double)test_uniform(&seed));
        check_vowel(fm, vowels[v].name, vowels[v].f_hz, vowels[v].bw_hz, f0, &seed);
        if (vowels[v].f_hz[0] >= 450.0) { /* no harmonic near a low F1 at a high F0 */
            const double f0_high = 200.0 + 50.0 * (0.5 + 0.5 * (double)test_uniform(&seed));
            check_vowel(fm, vowels[v].name, vowels[v].f_hz, vowels[v].bw_hz, f0_high, &seed);
        }
    }
    /* an open front vowel at a high F0, where the pre-emphasis matters most (without it, or
     * with the wrong sign, F1 reads about 640 Hz) */
    const double open_f[3] = {780.0, 2300.0, 2850.0};
    const double open_bw[3] = {80.0, 100.0, 120.0};
    check_vowel(fm, "open", open_f, open_bw, 228.0, &seed);
    rpl_formants_destroy(fm);
}

/* Random vowels: F1 450-850 Hz, F2 600-1600 Hz above it (below 2600), F3 500-900 Hz above F2
 * (below 3300), bandwidths 60-120 Hz, F0 100-250 Hz. */
static void test_random_vowels(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_random_vowels");
    rpl_formants *fm = make_fm();
    for (int i = 0; i < 8; i++) {
        double f[3], bw[3];
        f[0] = 650.0 + 200.0 * (double)test_uniform(&seed);
        f[1] = f[0] + 1100.0 + 500.0 * (double)test_uniform(&seed);
        f[1] = f[1] > 2600.0 ? 2600.0 : f[1];
        f[2] = f[1] + 700.0 + 200.0 * (double)test_uniform(&seed);
        f[2] = f[2] > 3300.0 ? 3300.0 : f[2];
        for (int r = 0; r < 3; r++) {
            bw[r] = 90.0 + 30.0 * (double)test_uniform(&seed);
        }
        const double f0 = 175.0 + 75.0 * (double)test_uniform(&seed);
        check_vowel(fm, "random", f, bw, f0, &seed);
    }
    rpl_formants_destroy(fm);
}

/* The same vowel with its peak at -6 and -30 dBFS: the same formants within 1 %. */
static void test_gain_invariance(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_gain_invariance");
    rpl_formants *fm = make_fm();
    float *loud = calloc(LEN, sizeof *loud);
    float *soft = calloc(LEN, sizeof *soft);
    assert_non_null(loud);
    assert_non_null(soft);
    for (size_t v = 0; v < sizeof vowels / sizeof vowels[0]; v++) {
        uint64_t s1 = seed + v, s2 = seed + v; /* the same jitter for both */
        make_vowel(loud, LEN, 140.0, vowels[v].f_hz, vowels[v].bw_hz, 0.5f, &s1);
        make_vowel(soft, LEN, 140.0, vowels[v].f_hz, vowels[v].bw_hz, 0.5f / 15.849f, &s2);
        tracked a, b;
        track(fm, loud, LEN, &a);
        track(fm, soft, LEN, &b);
        assert_int_equal(a.n, b.n);
        size_t defined = 0;
        for (size_t i = 0; i < a.n; i++) {
            assert_int_equal(isnan(a.f1[i]), isnan(b.f1[i]));
            assert_int_equal(isnan(a.f2[i]), isnan(b.f2[i]));
            if (!isnan(a.f1[i])) {
                assert_true(fabsf(a.f1[i] - b.f1[i]) <= 0.01f * a.f1[i]);
                defined++;
            }
            if (!isnan(a.f2[i])) {
                assert_true(fabsf(a.f2[i] - b.f2[i]) <= 0.01f * a.f2[i]);
            }
        }
        assert_true(defined * 10 >= a.n * 9);
    }
    free(loud);
    free(soft);
    rpl_formants_destroy(fm);
}

/* F1 stepped 400 -> 800 Hz (F2 1700, F3 2600): the medians rise at every step, each within
 * tolerance. */
static void test_f1_rises(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_f1_rises");
    rpl_formants *fm = make_fm();
    float *x = calloc(LEN, sizeof *x);
    assert_non_null(x);
    double previous = 0.0;
    for (double f1 = 400.0; f1 <= 800.0; f1 += 50.0) {
        const double f[3] = {f1, 1700.0, 2600.0};
        const double bw[3] = {80.0, 100.0, 120.0};
        make_vowel(x, LEN, 150.0, f, bw, 0.5f, &seed);
        tracked t;
        track(fm, x, LEN, &t);
        const double m1 = median(t.f1, t.n);
        printf("  F1 %.0f Hz: median %.1f Hz\n", f1, m1);
        assert_true(fabs(m1 - f1) <= tolerance(f1, 150.0));
        assert_true(m1 > previous);
        previous = m1;
    }
    free(x);
    rpl_formants_destroy(fm);
}

/* The peak picking itself, without LPC's modelling error: a spectrum that is all-pole of order
 * 8 once pre-emphasised (P_k = 1 / (E_k |A(e^jw_k)|^2), E_k the pre-emphasis) gives back
 * A, so F1 and F2 must be the maxima of 1/|A|^2, found here by a 0.01 Hz search, within
 * 1.5 Hz (the fine grid's step is 7.8 Hz). Four pole pairs: F1 400-800 Hz, F2 1200-2000 Hz,
 * 2600 and 3300 Hz, bandwidths 60-120 Hz, seeded. */
static double envelope_db(const double *a, size_t p, double f_hz)
{
    double re = 0.0, im = 0.0;
    for (size_t i = 0; i <= p; i++) {
        re += a[i] * cos(test_two_pi * f_hz * (double)i / RATE);
        im -= a[i] * sin(test_two_pi * f_hz * (double)i / RATE);
    }
    return -10.0 * log10(re * re + im * im);
}

static double envelope_peak(const double *a, size_t p, double near_hz)
{
    double best = near_hz, best_db = -1e300;
    for (double f = near_hz - 100.0; f <= near_hz + 100.0; f += 0.01) {
        const double db = envelope_db(a, p, f);
        if (db > best_db) {
            best_db = db;
            best = f;
        }
    }
    return best;
}

static void test_peak_picking_precision(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_peak_picking_precision");
    rpl_formants_config cfg = rpl_formants_config_default();
    rpl_formants *fm = make_fm();
    double worst = 0.0;
    for (int trial = 0; trial < 20; trial++) {
        const double f[4] = {600.0 + 200.0 * (double)test_uniform(&seed),
                             1600.0 + 400.0 * (double)test_uniform(&seed), 2600.0, 3300.0};
        double a[9] = {1.0};
        size_t p = 0;
        for (int r = 0; r < 4; r++) {
            const double bw = 90.0 + 30.0 * (double)test_uniform(&seed);
            const double radius = exp(-test_two_pi / 2.0 * bw / RATE);
            const double c1 = -2.0 * radius * cos(test_two_pi * f[r] / RATE);
            const double c2 = radius * radius;
            for (size_t i = p + 2; i >= 2; i--) { /* a *= 1 + c1 z^-1 + c2 z^-2 */
                a[i] += c1 * a[i - 1] + c2 * a[i - 2];
            }
            a[1] += c1 * a[0];
            p += 2;
        }
        float power[BINS];
        const double mu = (double)cfg.pre_emphasis;
        for (size_t k = 0; k < BINS; k++) {
            const double w = test_two_pi * (double)k / W;
            const double emphasis = 1.0 + mu * mu - 2.0 * mu * cos(w);
            power[k] = (float)(pow(10.0, 0.1 * envelope_db(a, p, w / test_two_pi * RATE)) /
                               emphasis * 1e3);
        }
        rpl_formant_frame out;
        rpl_formants_process_power(fm, power, &out);
        const double t1 = envelope_peak(a, p, f[0]), t2 = envelope_peak(a, p, f[1]);
        const double e1 = fabs((double)out.f1_hz - t1), e2 = fabs((double)out.f2_hz - t2);
        worst = e1 > worst ? e1 : worst;
        worst = e2 > worst ? e2 : worst;
        if (!(e1 <= 1.5 && e2 <= 1.5)) {
            printf("  poles %.1f/%.1f Hz: envelope peaks %.2f/%.2f, found %.2f/%.2f\n", f[0], f[1],
                   t1, t2, (double)out.f1_hz, (double)out.f2_hz);
        }
        assert_true(e1 <= 1.5);
        assert_true(e2 <= 1.5);
    }
    printf("  worst error %.2f Hz\n", worst);
    rpl_formants_destroy(fm);
}

/* A resonance wider than max_bandwidth_hz is no formant: a vowel with resonances at 600, 1400
 * and 2500 Hz whose middle one is 1000 Hz wide reports 600 and 2500 Hz as F1 and F2. */
static void test_wide_resonance_rejected(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_wide_resonance_rejected");
    rpl_formants *fm = make_fm();
    const double f[3] = {600.0, 1400.0, 2500.0};
    const double bw[3] = {80.0, 1000.0, 100.0};
    float *x = calloc(LEN, sizeof *x);
    assert_non_null(x);
    make_vowel(x, LEN, 130.0, f, bw, 0.5f, &seed);
    tracked t;
    track(fm, x, LEN, &t);
    const double m1 = median(t.f1, t.n), m2 = median(t.f2, t.n);
    printf("  resonances 600/1400 (1000 wide)/2500 Hz: median F1 %.0f F2 %.0f\n", m1, m2);
    assert_true(fabs(m1 - f[0]) <= tolerance(f[0], 130.0));
    assert_true(fabs(m2 - f[2]) <= tolerance(f[2], 130.0));
    free(x);
    rpl_formants_destroy(fm);
}

/* Noise, band-limited like the line, is no vowel, but nothing in one frame's LPC envelope tells
 * it apart: the 300-3400 Hz edges and the periodogram's +-5 dB ripple make peaks as narrow
 * (180-490 Hz) and as prominent (5-20 dB) as real formants, so F1 and F2 are found in most
 * frames (printed). The analysis asks for formants of voiced frames only. What is asserted:
 * no garbage (each value NAN or inside 200-3300 Hz, F2 above F1), and NAN for digital
 * silence. */
static void test_noise_and_silence(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_noise_and_silence");
    rpl_formants *fm = make_fm();
    float *x = calloc(LEN, sizeof *x);
    assert_non_null(x);
    for (int kind = 0; kind < 2; kind++) {
        memset(x, 0, LEN * sizeof *x);
        if (kind == 0) {
            test_white(x, LEN, 0.1f, &seed);
        } else {
            test_pink(x, LEN, 0.1f, &seed);
        }
        assert_true(test_band_limit(x, LEN, RATE));
        tracked t;
        track(fm, x, LEN, &t);
        size_t f1 = 0, f2 = 0;
        for (size_t i = 0; i < t.n; i++) {
            if (!isnan(t.f1[i])) {
                f1++;
                assert_true(t.f1[i] >= 200.0f && t.f1[i] <= 3300.0f);
            }
            if (!isnan(t.f2[i])) {
                f2++;
                assert_true(t.f2[i] > t.f1[i] && t.f2[i] <= 3300.0f);
            }
        }
        printf("  %s noise: F1 in %zu/%zu frames, F2 in %zu\n", kind == 0 ? "white" : "pink", f1,
               t.n, f2);
    }
    memset(x, 0, LEN * sizeof *x);
    tracked t;
    track(fm, x, LEN, &t);
    for (size_t i = 0; i < t.n; i++) {
        assert_true(isnan(t.f1[i]) && isnan(t.f2[i]));
    }
    free(x);
    rpl_formants_destroy(fm);
}

/* rpl_formants_process (its own transform) gives the bits of the shared-spectrum path. */
static void test_samples_path_is_the_power_path(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_samples_path_is_the_power_path");
    rpl_formants *fm = make_fm();
    float *x = calloc(LEN, sizeof *x);
    assert_non_null(x);
    make_vowel(x, LEN, 120.0, vowels[0].f_hz, vowels[0].bw_hz, 0.3f, &seed);
    rpl_fft *fft = NULL;
    assert_int_equal(rpl_fft_create(W, &fft), RPL_OK);
    float hann[W], power[BINS];
    rpl_window_hann(hann, W);
    for (size_t s = SETTLE; s + W <= LEN; s += HOP) {
        rpl_formant_frame a, b;
        rpl_formants_process(fm, x + s, &a);
        rpl_fft_power(fft, x + s, hann, W, power);
        rpl_formants_process_power(fm, power, &b);
        assert_memory_equal(&a, &b, sizeof a);
        assert_false(isnan(a.f1_hz));
    }
    rpl_fft_destroy(fft);
    free(x);
    rpl_formants_destroy(fm);
}

/* Through rpl_analysis: 0.4 s of line noise, 1.2 s of /a/ at F0 120 Hz, 0.15 s of white noise
 * (an "s": speech but unvoiced), 0.45 s of line noise. F1 and F2 are set on voiced speech
 * frames only (NAN on every other frame, unvoiced speech and the provisional records included),
 * and there they read the vowel. */
typedef struct collected {
    float f1[400], f2[400];
    size_t n, other, unvoiced_speech, early, early_defined;
} collected;

static void on_frame(void *user, const rpl_frame *frame)
{
    collected *c = user;
    if (frame->speech && frame->voiced) {
        if (c->n < 400) {
            c->f1[c->n] = frame->f1_hz;
            c->f2[c->n] = frame->f2_hz;
            c->n++;
        }
    } else {
        c->other++;
        c->unvoiced_speech += frame->speech;
        assert_true(isnan(frame->f1_hz) && isnan(frame->f2_hz));
    }
}

static void on_early(void *user, const rpl_frame *frame)
{
    collected *c = user;
    c->early++;
    c->early_defined += !isnan(frame->f1_hz) || !isnan(frame->f2_hz);
}

static void test_analysis_sets_voiced_frames_only(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_analysis_sets_voiced_frames_only");
    enum { LEAD = 3200, VOWEL = 9600, FRICATIVE = 1200, TAIL = 4800, TOTAL = LEAD + VOWEL + TAIL };
    float *x = calloc(TOTAL, sizeof *x);
    float *v = calloc(VOWEL, sizeof *v);
    assert_non_null(x);
    assert_non_null(v);
    make_vowel(v, VOWEL, 120.0, vowels[0].f_hz, vowels[0].bw_hz, 0.3f, &seed);
    for (size_t i = 0; i < VOWEL; i++) { /* 10 ms ramps */
        const float ramp =
            i < 80 ? (float)i / 80.0f : (VOWEL - i < 80 ? (float)(VOWEL - i) / 80.0f : 1.0f);
        x[LEAD + i] = v[i] * ramp;
    }
    test_white(x + LEAD + VOWEL, FRICATIVE, 0.05f, &seed); /* an "s": speech, unvoiced */
    test_white(x, TOTAL, 0.0005f, &seed);                  /* line noise near -66 dBFS */
    rpl_analysis_config cfg = rpl_analysis_config_default();
    rpl_analysis *a = NULL;
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_OK);
    collected c = {.n = 0};
    rpl_analysis_sink sink = {.on_frame = on_frame, .on_early = on_early, .user = &c};
    for (size_t at = 0; at < TOTAL; at += 160) {
        rpl_analysis_process(a, x + at, TOTAL - at < 160 ? TOTAL - at : 160, &sink);
    }
    rpl_analysis_flush(a, &sink);
    const double m1 = median(c.f1, c.n), m2 = median(c.f2, c.n);
    printf("  %zu voiced speech frames (%zu others, %zu of them unvoiced speech): median F1 %.0f "
           "F2 %.0f; provisional records with a formant: %zu/%zu\n",
           c.n, c.other, c.unvoiced_speech, m1, m2, c.early_defined, c.early);
    assert_true(c.n >= 90 && c.n <= 125); /* the vowel lasts 120 frames */
    assert_true(c.other >= 80 && c.unvoiced_speech >= 5);
    assert_true(c.early > 0 && c.early_defined == 0);
    /* the frames whose 32 ms window straddles an edge of the vowel (about 3 at each end) may
     * read anything */
    const size_t h1 = hits(c.f1, c.n, vowels[0].f_hz[0], 120.0);
    const size_t h2 = hits(c.f2, c.n, vowels[0].f_hz[1], 120.0);
    printf("  within tolerance: F1 %zu, F2 %zu\n", h1, h2);
    assert_true(h1 + 8 >= c.n && h2 + 8 >= c.n);
    rpl_analysis_destroy(a);
    free(v);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_reference_vowels),
        cmocka_unit_test(test_random_vowels),
        cmocka_unit_test(test_gain_invariance),
        cmocka_unit_test(test_f1_rises),
        cmocka_unit_test(test_peak_picking_precision),
        cmocka_unit_test(test_wide_resonance_rejected),
        cmocka_unit_test(test_noise_and_silence),
        cmocka_unit_test(test_samples_path_is_the_power_path),
        cmocka_unit_test(test_analysis_sets_voiced_frames_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
