/* Voice quality: jitter, shimmer and HNR on synthetic sustained vowels of known perturbation.
 *
 * The vowels are made here: a Rosenberg glottal flow pulse train at 48 kHz whose periods and
 * pulse amplitudes are perturbed at random (known sequences), radiated (first difference),
 * through three formant resonators, plus white noise at a known level, then through ingest
 * (resample to 8 kHz, 300-3400 Hz band) like every rappel input. The truth is computed from
 * the sequences actually generated, with Praat's formulas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/features.h"
#include "rappel/ingest.h"
#include "rappel/voice_quality.h"
#include "signals.h"

enum { SYNTH_RATE = 48000 };
static const double pi = 3.141592653589793;

typedef struct out_buf {
    float *x;
    size_t n;
    size_t cap;
} out_buf;

static void collect(void *user, const float *samples, size_t n)
{
    out_buf *b = user;
    for (size_t i = 0; i < n && b->n < b->cap; i++) {
        b->x[b->n++] = samples[i];
    }
}

/* Through ingest to the 8 kHz analysis signal; returns the sample count written to out. */
static size_t to_analysis(const float *x48, size_t n48, float *out, size_t cap)
{
    rpl_ingest *ing = NULL;
    assert_int_equal(rpl_ingest_create(SYNTH_RATE, &ing), RPL_OK);
    out_buf b = {.x = out, .n = 0, .cap = cap};
    assert_int_equal(rpl_ingest_process(ing, x48, n48, collect, &b), RPL_OK);
    assert_int_equal(rpl_ingest_flush(ing, collect, &b), RPL_OK);
    rpl_ingest_destroy(ing);
    return b.n;
}

static double gauss(uint64_t *state)
{
    /* sum of 12 uniforms in [-1, 1): variance 4, so /2 */
    double s = 0.0;
    for (int i = 0; i < 12; i++) {
        s += (double)test_uniform(state);
    }
    return s / 2.0;
}

typedef struct vowel_truth {
    double jitter_pct;
    double shimmer_db;
    double hnr_db; /* in the analysis band; INFINITY without noise */
} vowel_truth;

/* Local jitter/shimmer of a sequence with Praat's formulas (no outlier exclusion needed: the
 * perturbations used stay far below the 1.3 / 1.6 factors). */
static void sequence_truth(const double *periods, const double *amps, size_t n, vowel_truth *t)
{
    double d = 0.0;
    double p = 0.0;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        p += periods[i];
        if (i > 0) {
            d += fabs(periods[i] - periods[i - 1]);
            s += fabs(20.0 * log10(amps[i] / amps[i - 1]));
        }
    }
    t->jitter_pct = 100.0 * (d / (double)(n - 1)) / (p / (double)n);
    t->shimmer_db = s / (double)(n - 1);
}

/* Second-order resonator (Klatt): centre f, bandwidth bw, unity gain at DC. */
static void resonate(float *x, size_t n, double f, double bw)
{
    double c = -exp(-2.0 * pi * bw / SYNTH_RATE);
    double b = 2.0 * exp(-pi * bw / SYNTH_RATE) * cos(2.0 * pi * f / SYNTH_RATE);
    double a = 1.0 - b - c;
    double y1 = 0.0;
    double y2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double y = a * (double)x[i] + b * y1 + c * y2;
        y2 = y1;
        y1 = y;
        x[i] = (float)y;
    }
}

/* Make a vowel of dur_s at f0_hz with relative period s.d. jit and amplitude s.d. shim_db
 * (dB), and noise so that the band HNR is hnr_db (INFINITY: none). Returns the 8 kHz signal
 * (caller frees) and its length; truth over the pulses that fall in [t_lo, t_hi] s. */
static float *make_vowel(double f0_hz, double dur_s, double jit, double shim_db, double hnr_db,
                         uint64_t *state, size_t *n_out, vowel_truth *truth)
{
    const size_t n48 = (size_t)(dur_s * SYNTH_RATE);
    float *flow = calloc(n48 + 1, sizeof *flow);
    size_t max_pulses = (size_t)(dur_s * f0_hz * 2.0) + 4;
    double *periods = calloc(max_pulses, sizeof *periods);
    double *amps = calloc(max_pulses, sizeof *amps);
    assert_non_null(flow);
    assert_non_null(periods);
    assert_non_null(amps);
    /* Rosenberg (1971) flow pulses of fixed shape (opening 40 %, closing 16 % of the nominal
     * period), placed so that their closures, the excitation instants every period marker
     * sees, are the perturbed periods apart. */
    const double t_nom = 1.0 / f0_hz;
    const double tp = 0.40 * t_nom;
    const double tn = 0.16 * t_nom;
    double closure = tp + tn;
    size_t k = 0;
    size_t truth_lo = 0;
    size_t truth_n = 0;
    while (k < max_pulses) {
        double period = t_nom * (1.0 + jit * gauss(state));
        double amp = pow(10.0, shim_db * gauss(state) / 20.0);
        if (closure + period >= dur_s) {
            break;
        }
        double start = closure - tp - tn;
        size_t i0 = (size_t)ceil(start * SYNTH_RATE);
        size_t i1 = (size_t)ceil(closure * SYNTH_RATE);
        for (size_t i = i0; i < i1 && i < n48; i++) {
            double tau = (double)i / SYNTH_RATE - start;
            double g =
                tau < tp ? 0.5 * (1.0 - cos(pi * tau / tp)) : cos(0.5 * pi * (tau - tp) / tn);
            flow[i] += (float)(amp * g);
        }
        /* truth: the interval from this closure to the next, with this pulse's amplitude,
         * for closures in the middle 80 % (away from the edges) */
        periods[k] = period;
        amps[k] = amp;
        if (closure >= 0.1 * dur_s && closure + period <= 0.9 * dur_s) {
            if (truth_n == 0) {
                truth_lo = k;
            }
            truth_n++;
        }
        closure += period;
        k++;
    }
    sequence_truth(periods + truth_lo, amps + truth_lo, truth_n, truth);
    /* radiation: first difference; then F1-F3 of an /a/-like vowel */
    float *voice = calloc(n48, sizeof *voice);
    assert_non_null(voice);
    for (size_t i = 1; i < n48; i++) {
        voice[i] = flow[i] - flow[i - 1];
    }
    resonate(voice, n48, 700.0, 130.0);
    resonate(voice, n48, 1220.0, 70.0);
    resonate(voice, n48, 2600.0, 160.0);
    const size_t cap = (size_t)(dur_s * 8000.0) + 1000;
    float *clean = calloc(cap, sizeof *clean);
    float *noise8 = calloc(cap, sizeof *noise8);
    assert_non_null(clean);
    assert_non_null(noise8);
    size_t n8 = to_analysis(voice, n48, clean, cap);
    double pc = 0.0;
    for (size_t i = n8 / 10; i < n8 * 9 / 10; i++) {
        pc += (double)clean[i] * (double)clean[i];
    }
    /* scale the voice to -20 dBFS RMS in the band */
    double gain = sqrt(0.01 / (pc / (double)(n8 * 8 / 10)));
    for (size_t i = 0; i < n8; i++) {
        clean[i] = (float)((double)clean[i] * gain);
    }
    pc *= gain * gain;
    truth->hnr_db = INFINITY;
    if (isfinite(hnr_db)) {
        float *noise48 = calloc(n48, sizeof *noise48);
        assert_non_null(noise48);
        test_white(noise48, n48, 0.01f, state);
        size_t m = to_analysis(noise48, n48, noise8, cap);
        assert_int_equal(m, n8);
        double pn = 0.0;
        for (size_t i = n8 / 10; i < n8 * 9 / 10; i++) {
            pn += (double)noise8[i] * (double)noise8[i];
        }
        double want = pc / pow(10.0, hnr_db / 10.0);
        double g = sqrt(want / pn);
        for (size_t i = 0; i < n8; i++) {
            clean[i] += (float)(g * (double)noise8[i]);
        }
        truth->hnr_db = 10.0 * log10(pc / (pn * g * g));
        free(noise48);
    }
    free(flow);
    free(voice);
    free(periods);
    free(amps);
    free(noise8);
    *n_out = n8;
    return clean;
}

/* Run the module over x (8 kHz) with every frame voiced at f0_hz (or unvoiced when f0_hz is
 * 0); per-frame values in frames (may be NULL). Stats over the middle 80 % (the truth span)
 * come from a second pass that only marks frames of that span as voiced. */
static rpl_voice_quality_stats run(rpl_voice_quality *vq, const float *x, size_t n, float f0_hz,
                                   rpl_voice_quality_frame *frames, size_t *n_frames)
{
    const size_t w = rpl_voice_quality_window_samples(vq);
    const size_t pad = w;
    float *padded = calloc(n + 2 * pad, sizeof *padded);
    assert_non_null(padded);
    memcpy(padded + pad, x, n * sizeof *x);
    const size_t count = n / RPL_HOP_SAMPLES;
    rpl_voice_quality_reset(vq);
    for (size_t i = 0; i < count; i++) {
        double t = ((double)i + 0.5) * 0.01;
        double dur = (double)n / 8000.0;
        bool inside = t >= 0.1 * dur && t <= 0.9 * dur;
        rpl_frame fr = {.index = (int64_t)i, .f0_hz = inside ? f0_hz : 0.0f};
        fr.voiced = fr.f0_hz > 0.0f;
        rpl_voice_quality_frame out;
        const float *win = padded + pad + i * RPL_HOP_SAMPLES + RPL_HOP_SAMPLES / 2 - w / 2;
        rpl_voice_quality_process(vq, win, &fr, &out);
        if (frames != NULL) {
            frames[i] = out;
        }
    }
    if (n_frames != NULL) {
        *n_frames = count;
    }
    free(padded);
    return rpl_voice_quality_stats_get(vq);
}

static rpl_voice_quality *make_vq(void)
{
    rpl_voice_quality_config cfg = rpl_voice_quality_config_default();
    rpl_voice_quality *vq = NULL;
    assert_int_equal(rpl_voice_quality_create(&cfg, &vq), RPL_OK);
    return vq;
}

static void test_invalid_args(void **state)
{
    (void)state;
    rpl_voice_quality *vq = (rpl_voice_quality *)1;
    rpl_voice_quality_config cfg = rpl_voice_quality_config_default();
    assert_int_equal(rpl_voice_quality_create(NULL, &vq), RPL_ERR_INVALID_ARG);
    assert_null(vq);
    assert_int_equal(rpl_voice_quality_create(&cfg, NULL), RPL_ERR_INVALID_ARG);
    rpl_voice_quality_config bad = cfg;
    bad.period_ceiling_s = bad.period_floor_s;
    assert_int_equal(rpl_voice_quality_create(&bad, &vq), RPL_ERR_INVALID_ARG);
    bad = cfg;
    bad.max_period_factor = 1.0f;
    assert_int_equal(rpl_voice_quality_create(&bad, &vq), RPL_ERR_INVALID_ARG);
    bad = cfg;
    bad.max_amplitude_factor = 0.5f;
    assert_int_equal(rpl_voice_quality_create(&bad, &vq), RPL_ERR_INVALID_ARG);
    bad = cfg;
    bad.f0_min_hz = 600.0f;
    assert_int_equal(rpl_voice_quality_create(&bad, &vq), RPL_ERR_INVALID_ARG);
    bad = cfg;
    bad.periods_per_window = 0.1f;
    assert_int_equal(rpl_voice_quality_create(&bad, &vq), RPL_ERR_INVALID_ARG);
    bad = cfg;
    bad.window_ms = 10.0f;
    assert_int_equal(rpl_voice_quality_create(&bad, &vq), RPL_ERR_INVALID_ARG);
    bad = cfg;
    bad.min_periods = 2;
    assert_int_equal(rpl_voice_quality_create(&bad, &vq), RPL_ERR_INVALID_ARG);
    bad = cfg;
    bad.f0_max_hz = NAN;
    assert_int_equal(rpl_voice_quality_create(&bad, &vq), RPL_ERR_INVALID_ARG);
    rpl_voice_quality_destroy(NULL);
    vq = make_vq();
    size_t w = rpl_voice_quality_window_samples(vq);
    assert_true(w % 2 == 0 && w >= 256);
    rpl_voice_quality_destroy(vq);
}

/* Known jitter 0..3 %, at a male and a female F0: within 0.15 % + 12 % of the truth, and
 * the estimates rise with the truth. */
static void test_jitter(void **state)
{
    (void)state;
    uint64_t rng = test_seed("test_jitter");
    rpl_voice_quality *vq = make_vq();
    const double f0s[2] = {120.0, 210.0};
    const double targets[4] = {0.0, 1.0, 2.0, 3.0}; /* local jitter, % */
    for (int fi = 0; fi < 2; fi++) {
        double prev = -1.0;
        for (int j = 0; j < 4; j++) {
            /* local jitter of iid Gaussian periods = 2/sqrt(pi) s.d. */
            double sd = targets[j] / 100.0 * sqrt(pi) / 2.0;
            vowel_truth truth;
            size_t n = 0;
            float *x = make_vowel(f0s[fi], 2.0, sd, 0.0, INFINITY, &rng, &n, &truth);
            rpl_voice_quality_stats s = run(vq, x, n, (float)f0s[fi], NULL, NULL);
            printf("f0 %.0f: jitter truth %.3f %% est %.3f %% (shimmer %.3f dB, hnr %.1f dB, "
                   "%zu periods)\n",
                   f0s[fi], truth.jitter_pct, (double)s.jitter_pct, (double)s.shimmer_db,
                   (double)s.hnr_db, s.periods);
            assert_true(isfinite(s.jitter_pct));
            assert_true(fabs((double)s.jitter_pct - truth.jitter_pct) <=
                        0.15 + 0.12 * truth.jitter_pct);
            assert_true((double)s.jitter_pct > prev);
            prev = (double)s.jitter_pct;
            /* one mark per period of the voiced span (80 % of 2 s) */
            double expected = 1.6 * f0s[fi];
            assert_true(fabs((double)s.periods - expected) <= 0.05 * expected);
            free(x);
        }
    }
    rpl_voice_quality_destroy(vq);
}

/* Known shimmer 0..1 dB: within 0.05 dB + 10 %, rising. */
static void test_shimmer(void **state)
{
    (void)state;
    uint64_t rng = test_seed("test_shimmer");
    rpl_voice_quality *vq = make_vq();
    const double f0s[2] = {120.0, 210.0};
    const double targets[4] = {0.0, 0.3, 0.6, 1.0}; /* local shimmer, dB */
    for (int fi = 0; fi < 2; fi++) {
        double prev = -1.0;
        for (int j = 0; j < 4; j++) {
            double sd = targets[j] * sqrt(pi) / 2.0;
            vowel_truth truth;
            size_t n = 0;
            float *x = make_vowel(f0s[fi], 2.0, 0.0, sd, INFINITY, &rng, &n, &truth);
            rpl_voice_quality_stats s = run(vq, x, n, (float)f0s[fi], NULL, NULL);
            printf("f0 %.0f: shimmer truth %.3f dB est %.3f dB (jitter %.3f %%)\n", f0s[fi],
                   truth.shimmer_db, (double)s.shimmer_db, (double)s.jitter_pct);
            assert_true(isfinite(s.shimmer_db));
            assert_true(fabs((double)s.shimmer_db - truth.shimmer_db) <=
                        0.05 + 0.10 * truth.shimmer_db);
            assert_true((double)s.shimmer_db > prev);
            prev = (double)s.shimmer_db;
            free(x);
        }
    }
    rpl_voice_quality_destroy(vq);
}

/* Additive noise at a known band HNR of 0..20 dB: within 1.0 dB, rising; a clean vowel reads
 * above 30 dB. */
static void test_hnr(void **state)
{
    (void)state;
    uint64_t rng = test_seed("test_hnr");
    rpl_voice_quality *vq = make_vq();
    const double f0s[2] = {120.0, 210.0};
    const double targets[5] = {0.0, 5.0, 10.0, 15.0, 20.0};
    for (int fi = 0; fi < 2; fi++) {
        double prev = -100.0;
        for (int j = 0; j < 5; j++) {
            vowel_truth truth;
            size_t n = 0;
            float *x = make_vowel(f0s[fi], 2.0, 0.0, 0.0, targets[j], &rng, &n, &truth);
            rpl_voice_quality_stats s = run(vq, x, n, (float)f0s[fi], NULL, NULL);
            printf("f0 %.0f: hnr truth %.2f dB est %.2f dB\n", f0s[fi], truth.hnr_db,
                   (double)s.hnr_db);
            assert_true(fabs((double)s.hnr_db - truth.hnr_db) <= 1.0);
            assert_true((double)s.hnr_db > prev);
            prev = (double)s.hnr_db;
            free(x);
        }
        vowel_truth truth;
        size_t n = 0;
        float *x = make_vowel(f0s[fi], 2.0, 0.0, 0.0, INFINITY, &rng, &n, &truth);
        rpl_voice_quality_stats s = run(vq, x, n, (float)f0s[fi], NULL, NULL);
        printf("f0 %.0f: clean hnr est %.2f dB\n", f0s[fi], (double)s.hnr_db);
        assert_true(s.hnr_db > 30.0f);
        free(x);
    }
    rpl_voice_quality_destroy(vq);
}

/* Per-frame values: NAN outside the voiced span and for the first frames of it (too few
 * periods), finite after; unvoiced frames of a vowel give NAN; noise claimed voiced gives a
 * low HNR; digital silence claimed voiced gives NAN HNR. */
static void test_frames_and_unvoiced(void **state)
{
    (void)state;
    uint64_t rng = test_seed("test_frames_and_unvoiced");
    rpl_voice_quality *vq = make_vq();
    vowel_truth truth;
    size_t n = 0;
    float *x = make_vowel(150.0, 1.0, 0.01, 0.0, INFINITY, &rng, &n, &truth);
    rpl_voice_quality_frame frames[200];
    size_t count = 0;
    run(vq, x, n, 150.0f, frames, &count);
    assert_true(count >= 95 && count <= 105);
    size_t first_voiced = 10; /* t >= 0.1 s: frame 10 has centre 0.105 */
    for (size_t i = 0; i < count; i++) {
        double t = ((double)i + 0.5) * 0.01;
        bool inside = t >= 0.1 && t <= 0.9;
        if (!inside) {
            assert_true(isnan(frames[i].jitter_pct));
            assert_true(isnan(frames[i].shimmer_db));
            assert_true(isnan(frames[i].hnr_db));
        } else {
            assert_true(isfinite(frames[i].hnr_db));
            if (i < first_voiced + 2) {
                assert_true(isnan(frames[i].jitter_pct)); /* 6 periods of 150 Hz need 40 ms */
            }
            if (i >= first_voiced + 6) {
                assert_true(isfinite(frames[i].jitter_pct));
                assert_true(isfinite(frames[i].shimmer_db));
                assert_true(fabs((double)frames[i].jitter_pct - truth.jitter_pct) < 1.0);
            }
        }
    }
    /* the whole vowel, every frame unvoiced */
    rpl_voice_quality_stats s = run(vq, x, n, 0.0f, frames, &count);
    for (size_t i = 0; i < count; i++) {
        assert_true(isnan(frames[i].jitter_pct) && isnan(frames[i].hnr_db));
    }
    assert_true(isnan(s.jitter_pct) && isnan(s.shimmer_db) && isnan(s.hnr_db));
    assert_int_equal(s.voiced_frames, 0);
    free(x);

    /* white noise claimed voiced at 150 Hz: HNR near or below 0 dB */
    const size_t nn = 16000;
    float *noise = calloc(nn, sizeof *noise);
    assert_non_null(noise);
    test_white(noise, nn, 0.05f, &rng);
    s = run(vq, noise, nn, 150.0f, NULL, NULL);
    printf("noise: hnr %.2f dB jitter %.2f %%\n", (double)s.hnr_db, (double)s.jitter_pct);
    assert_true(s.hnr_db < 3.0f);
    /* digital silence claimed voiced */
    memset(noise, 0, nn * sizeof *noise);
    s = run(vq, noise, nn, 150.0f, frames, &count);
    assert_true(isnan(s.hnr_db));
    free(noise);
    rpl_voice_quality_destroy(vq);
}

/* Frames all voiced at f0_hz except [bad_lo, bad_hi) reported at bad_f0_hz (a tracker octave
 * error), and none voiced before frame first. */
static rpl_voice_quality_stats run_custom(rpl_voice_quality *vq, const float *x, size_t n,
                                          float f0_hz, size_t first, size_t bad_lo, size_t bad_hi,
                                          float bad_f0_hz)
{
    const size_t w = rpl_voice_quality_window_samples(vq);
    float *padded = calloc(n + 2 * w, sizeof *padded);
    assert_non_null(padded);
    memcpy(padded + w, x, n * sizeof *x);
    rpl_voice_quality_reset(vq);
    for (size_t i = 0; i < n / RPL_HOP_SAMPLES; i++) {
        rpl_frame fr = {.index = (int64_t)i, .f0_hz = f0_hz, .voiced = i >= first};
        if (i >= bad_lo && i < bad_hi) {
            fr.f0_hz = bad_f0_hz;
        }
        rpl_voice_quality_frame out;
        rpl_voice_quality_process(
            vq, padded + w + i * RPL_HOP_SAMPLES + RPL_HOP_SAMPLES / 2 - w / 2, &fr, &out);
    }
    free(padded);
    return rpl_voice_quality_stats_get(vq);
}

/* What the tracker and the line do to the marks: additive noise (15 dB HNR) barely moves the
 * jitter; a 50 ms octave error of the tracker inside the vowel and voicing that starts 50 ms
 * before the vowel (in silence) leave jitter and shimmer near the truth. */
static void test_robustness(void **state)
{
    (void)state;
    uint64_t rng = test_seed("test_robustness");
    rpl_voice_quality *vq = make_vq();
    vowel_truth truth;
    size_t n = 0;
    const double sd = 0.01 * sqrt(pi) / 2.0;
    float *x = make_vowel(150.0, 2.0, sd, 0.0, 15.0, &rng, &n, &truth);
    rpl_voice_quality_stats s = run(vq, x, n, 150.0f, NULL, NULL);
    printf("15 dB HNR: jitter truth %.3f est %.3f, shimmer est %.3f\n", truth.jitter_pct,
           (double)s.jitter_pct, (double)s.shimmer_db);
    assert_true(fabs((double)s.jitter_pct - truth.jitter_pct) < 0.35);
    free(x);

    x = make_vowel(150.0, 2.0, sd, 0.0, INFINITY, &rng, &n, &truth);
    s = run_custom(vq, x, n, 150.0f, 20, 100, 105, 300.0f);
    printf("octave error: jitter truth %.3f est %.3f, shimmer est %.3f\n", truth.jitter_pct,
           (double)s.jitter_pct, (double)s.shimmer_db);
    assert_true(fabs((double)s.jitter_pct - truth.jitter_pct) <= 0.15 + 0.12 * truth.jitter_pct);
    assert_true(s.shimmer_db < 0.15f);

    /* 300 ms of silence, then the vowel; voiced from 250 ms */
    const size_t lead = 2400;
    float *y = calloc(n + lead, sizeof *y);
    assert_non_null(y);
    memcpy(y + lead, x, n * sizeof *x);
    s = run_custom(vq, y, n + lead, 150.0f, 25, 0, 0, 0.0f);
    printf("early voicing: jitter truth %.3f est %.3f, shimmer est %.3f\n", truth.jitter_pct,
           (double)s.jitter_pct, (double)s.shimmer_db);
    assert_true(fabs((double)s.jitter_pct - truth.jitter_pct) <= 0.15 + 0.12 * truth.jitter_pct);
    assert_true(s.shimmer_db < 0.15f);
    free(x);
    free(y);
    rpl_voice_quality_destroy(vq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_jitter),
        cmocka_unit_test(test_shimmer),
        cmocka_unit_test(test_hnr),
        cmocka_unit_test(test_frames_and_unvoiced),
        cmocka_unit_test(test_robustness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
