/* Voice quality: jitter (local), shimmer (local, dB), HNR (cc).
 *
 * References: Praat manual, "PointProcess: Get jitter (local)...", "Voice 3. Shimmer",
 * "Sound: To PointProcess (periodic, cc)...", "Harmonicity"; P. Boersma (1993), "Accurate
 * short-term analysis of the fundamental frequency and the harmonics-to-noise ratio of a
 * sampled sound", IFA Proceedings 17: 97-110 (HNR = 10 log10(r / (1 - r))).
 *
 * Period marks, as Praat's "To PointProcess (periodic, cc)": the first mark of a voiced stretch
 * is the waveform extremum in the period around the frame centre; each next one is the
 * previous plus the lag that maximises the cross-correlation of the previous cycle (one
 * tracked period long) with the candidate, lags 0.8..1.25 of the tracked period (Praat's 1.3
 * maximum period factor, a little tighter to stay off octave neighbours). The lag is refined
 * to 1/8 sample and below by windowed-sinc interpolation of the correlation (band-limited in
 * the lag) plus a parabola: at 8 kHz a 1 % jitter of a 200 Hz voice is 0.4 sample, so integer
 * lags would swamp it, and a correlation over a whole cycle is far less disturbed by noise
 * than a single waveform peak.
 * Amplitudes for shimmer, as Praat's PointProcess_Sound_to_AmplitudeTier_period: the
 * Hann-windowed RMS around each mark, over 0.2 of the previous period before it and 0.2 of the
 * next period after it (so a mark gets its amplitude once the next mark is placed).
 */
#include "rappel/voice_quality.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
    HIST_SLACK = 32,  /* frames the history slides before it is moved back (memory vs copies) */
    SINC_TAPS = 16,   /* windowed sinc from -7 to +8 around the integer sample: <0.1 % error */
    SINC_PHASES = 64, /* table resolution 1/64 sample; the peak search steps by 8 of these */
    SINC_LEFT = 7,
};

/* A cycle whose best normalised correlation with the previous one is below this does not
 * repeat it: Praat's default voicing threshold for cc pitch is 0.45; a little higher here
 * because the lag search is already centred on the tracked period. */
static const float MIN_CYCLE_CORRELATION = 0.5f;

/* Dot product with 8 independent partial sums, so that the compiler can use SIMD lanes: the
 * correlations are most of this module's cost. Compiled twice, the AVX copy taken at run time
 * where the CPU has it: the 8 sums are then one 256-bit register instead of two 128-bit ones,
 * about a third fewer instructions, and the same multiplications and additions in the same
 * order (no FMA), so the same bits. (A plain run-time test, not an ifunc: ifunc resolvers run
 * before ThreadSanitizer's runtime is up.) */
#if defined(__x86_64__) && defined(__GNUC__)
#define RPL_AVX_COPY 1
#else
#define RPL_AVX_COPY 0
#endif

static inline __attribute__((always_inline)) float dot_body(const float *a, const float *b, long n)
{
    float acc[8] = {0};
    long k = 0;
    for (; k + 8 <= n; k += 8) {
        for (int j = 0; j < 8; j++) {
            acc[j] += a[k + j] * b[k + j];
        }
    }
    float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; k < n; k++) {
        sum += a[k] * b[k];
    }
    return sum;
}

#if RPL_AVX_COPY
__attribute__((target("avx"))) static float dot_avx(const float *a, const float *b, long n)
{
    return dot_body(a, b, n);
}
#endif

static float dot(const float *a, const float *b, long n)
{
#if RPL_AVX_COPY
    if (__builtin_cpu_supports("avx")) {
        return dot_avx(a, b, n);
    }
#endif
    return dot_body(a, b, n);
}

typedef struct mark {
    double pos;     /* absolute sample position (fractional) */
    float period;   /* samples since the previous mark of the stretch; 0 for the first */
    float amp;      /* Praat's period amplitude (Hann-windowed RMS); 0 until the next mark */
    float abs_diff; /* |period - previous period|, or -1 when the pair does not count */
    float abs_db;   /* |20 log10(amp / previous amp)|, or -1 when the pair does not count */
} mark;

struct rpl_voice_quality {
    rpl_voice_quality_config cfg;
    float rate_hz;
    size_t window;     /* W */
    size_t hnr_len;    /* L, samples of each HNR window */
    size_t hist_len;   /* H */
    float *hist;       /* the signal's last H samples, ending at the current window's end */
    float *hist_buf;   /* hist slides along this (HIST_SLACK frames of room) and moves back
                        * to the start once per HIST_SLACK frames, not every frame */
    float *sinc;       /* (SINC_PHASES + 1) x SINC_TAPS fractional-delay filters */
    float *cc;         /* cross-correlation by lag, for the period search */
    float *hnr_c;      /* HNR: cross-products by lag (W entries) */
    float *hnr_e;      /* HNR: energy of the lagged window by lag (W entries) */
    mark *ring;        /* marks of the current voiced stretch */
    size_t ring_cap;   /* capacity of ring */
    size_t ring_count; /* marks in ring */
    size_t ring_head;  /* index of the next write */
    int64_t frames;    /* frames processed since reset */
    bool have_mark;    /* a voiced stretch is being marked */
    float polarity;    /* +1: marks on maxima, -1: on minima */
    /* stream statistics */
    double sum_abs_diff;
    double sum_period;
    double sum_abs_db;
    double sum_hnr;
    size_t jitter_pairs;
    size_t periods_counted;
    size_t shimmer_pairs;
    size_t marks_total;
    size_t hnr_frames;
};

rpl_voice_quality_config rpl_voice_quality_config_default(void)
{
    rpl_voice_quality_config cfg = {
        .period_floor_s = 0.0001f,
        .period_ceiling_s = 0.02f,
        .max_period_factor = 1.3f,
        .max_amplitude_factor = 1.6f,
        .f0_min_hz = 75.0f,
        .f0_max_hz = 500.0f,
        .periods_per_window = 1.0f,
        .window_ms = 500.0f,
        .min_periods = 6,
    };
    return cfg;
}

static bool config_ok(const rpl_voice_quality_config *c)
{
    return c->period_floor_s > 0.0f && c->period_ceiling_s > c->period_floor_s &&
           c->max_period_factor > 1.0f && c->max_amplitude_factor > 1.0f && c->f0_min_hz > 0.0f &&
           c->f0_max_hz > c->f0_min_hz && c->f0_max_hz <= 1000.0f &&
           c->periods_per_window >= 0.5f && c->periods_per_window <= 6.0f &&
           c->window_ms >= 50.0f && c->window_ms <= 5000.0f && c->min_periods >= 3;
}

static void fill_sinc_table(float *table)
{
    const double pi = 3.141592653589793;
    for (size_t q = 0; q <= SINC_PHASES; q++) {
        double f = (double)q / SINC_PHASES;
        for (int k = 0; k < SINC_TAPS; k++) {
            double t = f - (double)(k - SINC_LEFT); /* distance from tap to the position */
            double s = fabs(t) < 1e-12 ? 1.0 : sin(pi * t) / (pi * t);
            double w = 0.5 + 0.5 * cos(pi * t / (SINC_LEFT + 1.0));
            table[q * SINC_TAPS + (size_t)k] = (float)(s * w);
        }
    }
}

rpl_status rpl_voice_quality_create(const rpl_voice_quality_config *cfg, rpl_voice_quality **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || !config_ok(cfg)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_status status = RPL_ERR_NO_MEMORY;
    rpl_voice_quality *vq = calloc(1, sizeof *vq);
    if (vq == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    vq->cfg = *cfg;
    vq->rate_hz = (float)RPL_ANALYSIS_RATE_HZ;
    const double t_max = (double)vq->rate_hz / (double)cfg->f0_min_hz;
    vq->hnr_len = (size_t)lround((double)cfg->periods_per_window * t_max);
    /* The HNR pair spans L + 1.1 T_max (+ parabola neighbours); the marks need a little
     * look-ahead too: at least 256 samples (32 ms), even. */
    size_t w = vq->hnr_len + (size_t)ceil(1.1 * t_max) + 8;
    w = w < 256 ? 256 : w;
    vq->window = w + (w % 2);
    /* History: the window plus room for the previous mark's cycle behind it. */
    vq->hist_len = vq->window + 2 * (size_t)ceil(1.3 * t_max) + 2 * SINC_TAPS + RPL_HOP_SAMPLES;
    vq->ring_cap = (size_t)ceil((double)cfg->window_ms / 1000.0 * (double)cfg->f0_max_hz * 1.3) +
                   cfg->min_periods + 4;
    vq->hist_buf = calloc(vq->hist_len + HIST_SLACK * RPL_HOP_SAMPLES, sizeof *vq->hist_buf);
    vq->hist = vq->hist_buf;
    vq->sinc = calloc((SINC_PHASES + 1) * SINC_TAPS, sizeof *vq->sinc);
    vq->ring = calloc(vq->ring_cap, sizeof *vq->ring);
    vq->cc = calloc((size_t)ceil(1.25 * t_max) + 2 * SINC_TAPS + 4, sizeof *vq->cc);
    vq->hnr_c = calloc(vq->window, sizeof *vq->hnr_c);
    vq->hnr_e = calloc(vq->window, sizeof *vq->hnr_e);
    if (vq->hist_buf == NULL || vq->sinc == NULL || vq->ring == NULL || vq->cc == NULL ||
        vq->hnr_c == NULL || vq->hnr_e == NULL) {
        goto fail;
    }
    fill_sinc_table(vq->sinc);
    rpl_voice_quality_reset(vq);
    *out = vq;
    return RPL_OK;
fail:
    rpl_voice_quality_destroy(vq);
    return status;
}

void rpl_voice_quality_destroy(rpl_voice_quality *vq)
{
    if (vq == NULL) {
        return;
    }
    free(vq->hist_buf);
    free(vq->sinc);
    free(vq->ring);
    free(vq->cc);
    free(vq->hnr_c);
    free(vq->hnr_e);
    free(vq);
}

size_t rpl_voice_quality_window_samples(const rpl_voice_quality *vq)
{
    return vq->window;
}

void rpl_voice_quality_reset(rpl_voice_quality *vq)
{
    vq->hist = vq->hist_buf;
    memset(vq->hist, 0, vq->hist_len * sizeof *vq->hist);
    vq->ring_count = 0;
    vq->ring_head = 0;
    vq->frames = 0;
    vq->have_mark = false;
    vq->polarity = 1.0f;
    vq->sum_abs_diff = 0.0;
    vq->sum_period = 0.0;
    vq->sum_abs_db = 0.0;
    vq->sum_hnr = 0.0;
    vq->jitter_pairs = 0;
    vq->periods_counted = 0;
    vq->shimmer_pairs = 0;
    vq->marks_total = 0;
    vq->hnr_frames = 0;
}

/* Band-limited value of arr at fractional index p (SINC_LEFT <= p < len - SINC_TAPS). */
static float interp(const rpl_voice_quality *vq, const float *arr, double p)
{
    double fl = floor(p);
    long n = (long)fl;
    /* lround of a value in [0, SINC_PHASES): truncate, then up from an exact half (x - q is
     * exact), as lround rounds halves away from zero; no libm call on the hot path */
    const double x_phase = (p - fl) * SINC_PHASES;
    long q = (long)x_phase;
    q += x_phase - (double)q >= 0.5;
    const float *h = vq->sinc + (size_t)q * SINC_TAPS;
    const float *x = arr + n - SINC_LEFT;
    float acc = 0.0f;
    for (int k = 0; k < SINC_TAPS; k++) {
        acc += h[k] * x[k];
    }
    return acc;
}

/* Maximum of sign * arr near integer index n, to 1/8 sample and below. */
static double refine_peak(const rpl_voice_quality *vq, const float *arr, float sign, long n)
{
    float best = -INFINITY;
    int best_j = 0;
    float v[9];
    for (int j = 0; j < 9; j++) {
        v[j] = sign * interp(vq, arr, (double)n + (j - 4) * 0.125);
        if (v[j] > best) {
            best = v[j];
            best_j = j;
        }
    }
    double offset = (best_j - 4) * 0.125;
    if (best_j > 0 && best_j < 8) {
        float a = v[best_j - 1];
        float b = v[best_j];
        float c = v[best_j + 1];
        float den = a - 2.0f * b + c;
        if (den < 0.0f) {
            float d = 0.5f * (a - c) / den;
            offset += 0.125 * (double)d;
        }
    }
    return (double)n + offset;
}

/* Integer index of the largest polarity * x in [lo, hi]. */
static long argmax_polar(const rpl_voice_quality *vq, long lo, long hi)
{
    long best = lo;
    float best_v = -INFINITY;
    for (long i = lo; i <= hi; i++) {
        float v = vq->polarity * vq->hist[i];
        if (v > best_v) {
            best_v = v;
            best = i;
        }
    }
    return best;
}

static mark *ring_at(rpl_voice_quality *vq, size_t back) /* back = 0: newest */
{
    return &vq->ring[(vq->ring_head + vq->ring_cap - 1 - back) % vq->ring_cap];
}

static bool period_ok(const rpl_voice_quality *vq, float period)
{
    float s = period / vq->rate_hz;
    return period > 0.0f && s >= vq->cfg.period_floor_s && s <= vq->cfg.period_ceiling_s;
}

static bool pair_ok(const rpl_voice_quality *vq, float p1, float p2)
{
    if (!period_ok(vq, p1) || !period_ok(vq, p2)) {
        return false;
    }
    float ratio = p1 > p2 ? p1 / p2 : p2 / p1;
    return ratio <= vq->cfg.max_period_factor;
}

static bool amp_ok(const rpl_voice_quality *vq, float a1, float a2)
{
    if (a1 <= 0.0f || a2 <= 0.0f) {
        return false;
    }
    float ratio = a1 > a2 ? a1 / a2 : a2 / a1;
    return ratio <= vq->cfg.max_amplitude_factor;
}

/* Praat's period amplitude: RMS around history position c weighted by a Hann window rising
 * over `left` samples and falling over `right`. */
static float hann_rms(const rpl_voice_quality *vq, double c, double left, double right)
{
    const double pi = 3.141592653589793;
    long lo = (long)ceil(c - left);
    long hi = (long)floor(c + right);
    lo = lo < 0 ? 0 : lo;
    hi = hi >= (long)vq->hist_len ? (long)vq->hist_len - 1 : hi;
    long mid = (long)floor(c);
    double sw = 0.0;
    double swx = 0.0;
    /* Two halves, each cos(pi d / width) by the recurrence c(k+1) = 2 cos(step) c(k) - c(k-1). */
    for (int side = 0; side < 2; side++) {
        const double width = side == 0 ? left : right;
        const long from = side == 0 ? mid : mid + 1;
        const long to = side == 0 ? lo - 1 : hi + 1;
        const long dir = side == 0 ? -1 : 1;
        if (from == to) {
            continue;
        }
        const double step = pi / width;
        const double two_cos = 2.0 * cos(step);
        const double d0 = fabs((double)from - c);
        double cur = cos(step * d0);
        double prev = cos(step * (d0 - 1.0));
        for (long i = from; i != to; i += dir) {
            double w = 0.5 + 0.5 * cur;
            double x = (double)vq->hist[i];
            sw += w;
            swx += w * x * x;
            double next = two_cos * cur - prev;
            prev = cur;
            cur = next;
        }
    }
    return sw > 0.0 ? (float)sqrt(swx / sw) : 0.0f;
}

/* Add a mark `period` samples after the previous one (0: first of a stretch); the previous
 * mark now has both periods and gets its amplitude. Stream statistics follow. */
static void push_mark(rpl_voice_quality *vq, double pos_abs, float period, double hist_start_abs)
{
    mark m = {.pos = pos_abs, .period = period, .amp = 0.0f, .abs_diff = -1.0f, .abs_db = -1.0f};
    if (vq->ring_count > 0 && period > 0.0f) {
        mark *prev = ring_at(vq, 0);
        if (period_ok(vq, period)) {
            vq->sum_period += (double)period;
            vq->periods_counted++;
        }
        if (prev->period > 0.0f && pair_ok(vq, prev->period, period)) {
            m.abs_diff = fabsf(period - prev->period);
            vq->sum_abs_diff += (double)m.abs_diff;
            vq->jitter_pairs++;
            prev->amp = hann_rms(vq, prev->pos - hist_start_abs, 0.2 * (double)prev->period,
                                 0.2 * (double)period);
            const mark *before = vq->ring_count > 1 ? ring_at(vq, 1) : NULL;
            if (before != NULL && period_ok(vq, prev->period) &&
                amp_ok(vq, before->amp, prev->amp)) {
                prev->abs_db = (float)fabs(20.0 * log10((double)prev->amp / (double)before->amp));
                vq->sum_abs_db += (double)prev->abs_db;
                vq->shimmer_pairs++;
            }
        }
    }
    vq->ring[vq->ring_head] = m;
    vq->ring_head = (vq->ring_head + 1) % vq->ring_cap;
    if (vq->ring_count < vq->ring_cap) {
        vq->ring_count++;
    }
    vq->marks_total++;
}

/* Place every mark of the current stretch that the history allows; t = tracked period in
 * samples. Within a stretch the last measured period wins over a tracked one that jumped by
 * more than the maximum period factor (an octave error of the tracker, not of the voice). */
static void place_marks(rpl_voice_quality *vq, double hist_start_abs, double centre_abs, float t)
{
    if (vq->have_mark && vq->ring_count > 0) {
        float last_period = ring_at(vq, 0)->period;
        float ratio = last_period > 0.0f ? t / last_period : 1.0f;
        if (ratio > vq->cfg.max_period_factor || ratio * vq->cfg.max_period_factor < 1.0f) {
            t = last_period;
        }
    }
    const long h_len = (long)vq->hist_len;
    const long lag_lo = (long)floor(0.8 * (double)t);
    const long lag_hi = (long)ceil(1.25 * (double)t);
    const long ext_lo = lag_lo - SINC_LEFT - 1; /* room for the sinc around any lag */
    const long ext_hi = lag_hi + SINC_TAPS - SINC_LEFT + 1;
    const long seg = (long)lround((double)t);
    const long half = seg / 2;
    if (!vq->have_mark) {
        long lo = (long)floor(centre_abs - hist_start_abs - 0.5 * (double)t);
        long hi = lo + seg;
        float mx = -INFINITY;
        float mn = INFINITY;
        for (long i = lo; i <= hi; i++) {
            mx = vq->hist[i] > mx ? vq->hist[i] : mx;
            mn = vq->hist[i] < mn ? vq->hist[i] : mn;
        }
        vq->polarity = mx >= -mn ? 1.0f : -1.0f;
        double p = refine_peak(vq, vq->hist, vq->polarity, argmax_polar(vq, lo, hi));
        vq->ring_count = 0;
        push_mark(vq, p + hist_start_abs, 0.0f, hist_start_abs);
        vq->have_mark = true;
    }
    for (;;) {
        const mark *last = ring_at(vq, 0);
        double last_rel = last->pos - hist_start_abs;
        long r0 = lround(last_rel) - half;
        if (r0 < 0) {
            /* Lost the previous cycle (should not happen while frames are consecutive). */
            vq->have_mark = false;
            return;
        }
        if (r0 + ext_hi + seg + (long)ceil(0.25 * (double)t) >= h_len) {
            return; /* not enough look-ahead yet: the next frame continues */
        }
        const float *a = vq->hist + r0;
        const float ea = dot(a, a, seg);
        float best = -INFINITY;
        long best_lag = lag_lo;
        float e = dot(vq->hist + r0 + lag_lo, vq->hist + r0 + lag_lo, seg);
        for (long lag = lag_lo; lag <= lag_hi; lag++) {
            const float *b = vq->hist + r0 + lag;
            float c = dot(a, b, seg);
            vq->cc[lag - ext_lo] = c;
            float score = c / sqrtf(ea * e + 1e-30f);
            if (score > best) {
                best = score;
                best_lag = lag;
            }
            e += b[seg] * b[seg] - b[0] * b[0];
        }
        /* the sinc refinement needs the correlation a few lags either side of the best */
        for (long lag = best_lag - SINC_LEFT - 1; lag <= best_lag + SINC_TAPS - SINC_LEFT; lag++) {
            if (lag < lag_lo || lag > lag_hi) {
                vq->cc[lag - ext_lo] = dot(a, vq->hist + r0 + lag, seg);
            }
        }
        if (!(best >= MIN_CYCLE_CORRELATION)) {
            /* The cycle does not repeat (onset, offset, noise): start again from a waveform
             * extremum on the next voiced frame, as Praat starts a new voiced interval. */
            vq->have_mark = false;
            return;
        }
        float period = (float)(refine_peak(vq, vq->cc, 1.0f, best_lag - ext_lo) + (double)ext_lo);
        if (!(period >= 0.75f * t && period <= 1.3f * t)) {
            vq->have_mark = false; /* degenerate: restart the stretch on the next frame */
            return;
        }
        push_mark(vq, last->pos + (double)period, period, hist_start_abs);
    }
}

/* Running jitter and shimmer over the pairs of marks newer than since_abs. */
static void running_values(rpl_voice_quality *vq, double since_abs, rpl_voice_quality_frame *out)
{
    double abs_diff = 0.0;
    double period_sum = 0.0;
    double abs_db = 0.0;
    size_t pairs = 0;
    size_t periods = 0;
    size_t shim = 0;
    size_t idx = (vq->ring_head + vq->ring_cap - 1) % vq->ring_cap;
    for (size_t back = 0; back < vq->ring_count; back++) {
        const mark *m = &vq->ring[idx];
        idx = idx == 0 ? vq->ring_cap - 1 : idx - 1;
        if (m->pos < since_abs) {
            break;
        }
        bool last = back + 1 == vq->ring_count || vq->ring[idx].pos < since_abs;
        if (period_ok(vq, m->period)) {
            period_sum += (double)m->period;
            periods++;
        }
        if (!last && m->abs_diff >= 0.0f) {
            abs_diff += (double)m->abs_diff;
            pairs++;
        }
        if (!last && m->abs_db >= 0.0f) {
            abs_db += (double)m->abs_db;
            shim++;
        }
    }
    if (periods >= vq->cfg.min_periods && pairs > 0) {
        out->jitter_pct =
            (float)(100.0 * (abs_diff / (double)pairs) / (period_sum / (double)periods));
    }
    if (periods >= vq->cfg.min_periods && shim > 0) {
        out->shimmer_db = (float)(abs_db / (double)shim);
    }
}

/* Boersma's HNR from the normalised cross-correlation at the period lag near t samples. */
static float frame_hnr(rpl_voice_quality *vq, const float *window, float t)
{
    const long w = (long)vq->window;
    const long len = (long)vq->hnr_len;
    long lag_lo = (long)floor(0.9 * (double)t) - 1;
    long lag_hi = (long)ceil(1.1 * (double)t) + 1;
    long start = w / 2 - (len + lround((double)t)) / 2;
    if (start < 0) {
        start = 0;
    }
    if (start + lag_hi + len > w) {
        lag_hi = w - len - start;
    }
    if (lag_lo < 2 || lag_hi <= lag_lo + 1) {
        return NAN;
    }
    const float *a = window + start;
    const float ea = dot(a, a, len);
    if (ea <= 0.0f) {
        return NAN;
    }
    float eb = dot(window + start + lag_lo, window + start + lag_lo, len);
    float r_prev2 = 0.0f;
    float r_prev = 0.0f;
    float best = -INFINITY;
    float best_left = 0.0f;
    float best_right = 0.0f;
    long best_lag = 0;
    for (long lag = lag_lo; lag <= lag_hi; lag++) {
        const float *b = window + start + lag;
        float c = dot(a, b, len);
        vq->hnr_c[lag] = c;
        vq->hnr_e[lag] = eb;
        float r = c / sqrtf(ea * eb + 1e-30f);
        if (lag >= lag_lo + 2 && r_prev > best && r_prev >= r_prev2 && r_prev >= r) {
            best = r_prev;
            best_left = r_prev2;
            best_right = r;
            best_lag = lag - 1;
        }
        r_prev2 = r_prev;
        r_prev = r;
        if (lag < lag_hi) {
            eb += b[len] * b[len] - b[0] * b[0];
        }
    }
    if (best_lag == 0) {
        return NAN;
    }
    float r = best;
    const long need_lo = best_lag - SINC_LEFT - 1;
    const long need_hi = best_lag + SINC_TAPS - SINC_LEFT;
    if (need_lo >= 1 && start + need_hi + len <= w) {
        /* The correlation is band-limited in the lag: sinc-interpolate it (and the energy
         * linearly) to 1/8 lag plus a parabola, as Praat interpolates its correlation peak;
         * a parabola through integer lags alone reads 1-2 dB low at 20 dB HNR. */
        for (long lag = need_lo; lag <= need_hi; lag++) {
            if (lag < lag_lo || lag > lag_hi) {
                const float *b = window + start + lag;
                vq->hnr_c[lag] = dot(a, b, len);
                vq->hnr_e[lag] = dot(b, b, len);
            }
        }
        float v[9];
        for (int j = 0; j < 9; j++) {
            double p = (double)best_lag + (j - 4) * 0.125;
            long fl = (long)floor(p);
            float fr = (float)(p - (double)fl);
            float e = (1.0f - fr) * vq->hnr_e[fl] + fr * vq->hnr_e[fl + 1];
            v[j] = interp(vq, vq->hnr_c, p) / sqrtf(ea * e + 1e-30f);
        }
        /* The largest of the nine, the centre on ties (every v[j] is set before any is
         * compared: comparing with a v[j] not yet computed read stack garbage). */
        int best_j = 4;
        for (int j = 0; j < 9; j++) {
            best_j = v[j] > v[best_j] ? j : best_j;
        }
        r = v[best_j];
        if (best_j > 0 && best_j < 8) {
            float den = v[best_j - 1] - 2.0f * v[best_j] + v[best_j + 1];
            if (den < 0.0f) {
                float d = 0.5f * (v[best_j - 1] - v[best_j + 1]) / den;
                r = v[best_j] - 0.25f * (v[best_j - 1] - v[best_j + 1]) * d;
            }
        }
    } else {
        float den = best_left - 2.0f * best + best_right;
        if (den < 0.0f) {
            float d = 0.5f * (best_left - best_right) / den;
            r = best - 0.25f * (best_left - best_right) * d;
        }
    }
    /* Clamp to -10..40 dB: beyond 40 dB the 8 kHz sampling and float sums dominate. */
    const float r_min = 0.0909091f;  /* 10 log10(r / (1 - r)) = -10 dB */
    const float r_max = 0.99990001f; /* = +40 dB */
    r = r < r_min ? r_min : (r > r_max ? r_max : r);
    return 10.0f * log10f(r / (1.0f - r));
}

void rpl_voice_quality_process(rpl_voice_quality *vq, const float *window, const rpl_frame *frame,
                               rpl_voice_quality_frame *out)
{
    const size_t h = vq->hist_len;
    const size_t w = vq->window;
    if ((size_t)(vq->hist - vq->hist_buf) + RPL_HOP_SAMPLES <= HIST_SLACK * RPL_HOP_SAMPLES) {
        vq->hist += RPL_HOP_SAMPLES; /* the last H - hop samples stay where they are */
    } else {
        memmove(vq->hist_buf, vq->hist + RPL_HOP_SAMPLES, (h - RPL_HOP_SAMPLES) * sizeof *vq->hist);
        vq->hist = vq->hist_buf;
    }
    memcpy(vq->hist + h - w, window, w * sizeof *window);
    const int64_t index = vq->frames++;
    const double centre_abs = (double)index * RPL_HOP_SAMPLES + RPL_HOP_SAMPLES / 2.0;
    const double end_abs = centre_abs + (double)(w / 2);
    const double hist_start_abs = end_abs - (double)h;

    out->jitter_pct = NAN;
    out->shimmer_db = NAN;
    out->hnr_db = NAN;
    const float f0 = frame->f0_hz;
    if (!rpl_frame_has_voice(frame) || !(f0 >= vq->cfg.f0_min_hz && f0 <= vq->cfg.f0_max_hz)) {
        vq->have_mark = false;
        vq->ring_count = 0;
        return;
    }
    const float t = vq->rate_hz / f0;
    place_marks(vq, hist_start_abs, centre_abs, t);
    running_values(vq, centre_abs - (double)vq->cfg.window_ms * 0.001 * (double)vq->rate_hz, out);
    out->hnr_db = frame_hnr(vq, window, t);
    if (!isnan(out->hnr_db)) {
        vq->sum_hnr += (double)out->hnr_db;
        vq->hnr_frames++;
    }
}

rpl_voice_quality_stats rpl_voice_quality_stats_get(const rpl_voice_quality *vq)
{
    rpl_voice_quality_stats s = {
        .jitter_pct = NAN,
        .shimmer_db = NAN,
        .hnr_db = NAN,
        .periods = vq->marks_total,
        .voiced_frames = vq->hnr_frames,
    };
    if (vq->jitter_pairs > 0 && vq->periods_counted > 0) {
        s.jitter_pct = (float)(100.0 * (vq->sum_abs_diff / (double)vq->jitter_pairs) /
                               (vq->sum_period / (double)vq->periods_counted));
    }
    if (vq->shimmer_pairs > 0) {
        s.shimmer_db = (float)(vq->sum_abs_db / (double)vq->shimmer_pairs);
    }
    if (vq->hnr_frames > 0) {
        s.hnr_db = (float)(vq->sum_hnr / (double)vq->hnr_frames);
    }
    return s;
}
