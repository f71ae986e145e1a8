/* Filled-pause candidates (dsp/filled_pauses.c) on synthetic speech with known inserted
 * hesitations: a source-filter synthesiser makes running "speech" (formants gliding every
 * syllable, F0 moving along a phrase contour) and held schwa-like vowels (fixed formants, low
 * flat F0); everything goes through the real analysis (band-pass, pitch, voice activity) and
 * the detector gets the analysis frames plus windows cut from the same band-limited signal.
 * Recall and false alarms are measured and asserted; decoys (steady vowels that are too short,
 * rising, or high) must not be flagged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rappel/analysis.h"
#include "rappel/filled_pauses.h"
#include "signals.h"

enum { RATE = 8000, MAX_EVENTS = 64 };

/* ---- synthesiser ---- */

typedef struct {
    double phase;   /* glottal phase, cycles */
    double tilt;    /* one-pole source tilt state */
    double y[4][2]; /* resonator states */
    double f[4];    /* current formant frequencies */
    double jitter;  /* this period's relative F0 deviation */
    double shimmer; /* this period's pulse amplitude */
    uint64_t seed;
} synth;

static const double bandwidth_hz[4] = {80.0, 100.0, 140.0, 200.0};

/* n samples at x: F0 from f0_a to f0_b (geometric), formants from fa to fb (linear), level
 * amplitude (with 15 ms ramps). Voiced only, with a human voice's period-to-period jitter
 * (about 1 %) and shimmer (about 5 %): a perfectly periodic pulse train is a machine hum. */
static void synth_segment(synth *s, float *x, size_t n, double f0_a, double f0_b, const double *fa,
                          const double *fb, double amplitude)
{
    size_t ramp = (size_t)(0.015 * RATE);
    for (size_t i = 0; i < n; i++) {
        double u = n > 1 ? (double)i / (double)(n - 1) : 0.0;
        double f0 = f0_a * pow(f0_b / f0_a, u) * (1.0 + s->jitter);
        s->phase += f0 / RATE;
        double pulse = 0.0;
        if (s->phase >= 1.0) {
            s->phase -= 1.0;
            pulse = s->shimmer;
            s->jitter = 0.01 * (double)test_uniform(&s->seed);
            s->shimmer = 1.0 + 0.05 * (double)test_uniform(&s->seed);
        }
        s->tilt = 0.9 * s->tilt + pulse;
        double v = s->tilt - 0.9 * s->tilt * 0.5; /* a little high-frequency back */
        for (int k = 0; k < 4; k++) {
            s->f[k] = fa[k] + (fb[k] - fa[k]) * u;
            double r = exp(-3.141592653589793 * bandwidth_hz[k] / RATE);
            double a1 = -2.0 * r * cos(test_two_pi * s->f[k] / RATE);
            double a2 = r * r;
            double g = 1.0 + a1 + a2; /* unity gain at DC */
            double out = g * v - a1 * s->y[k][0] - a2 * s->y[k][1];
            s->y[k][1] = s->y[k][0];
            s->y[k][0] = out;
            v = out;
        }
        double gain = amplitude;
        if (i < ramp) {
            gain *= (double)i / (double)ramp;
        } else if (n - i <= ramp) {
            gain *= (double)(n - i) / (double)ramp;
        }
        x[i] += (float)(0.05 * gain * v);
    }
}

static double rand_in(uint64_t *seed, double lo, double hi)
{
    return lo + (hi - lo) * 0.5 * ((double)test_uniform(seed) + 1.0);
}

typedef struct {
    double start_s[MAX_EVENTS];
    double end_s[MAX_EVENTS];
    size_t n;
} intervals;

typedef struct {
    float *x;
    size_t n;
    size_t cap;
    double t;        /* seconds written */
    intervals fp;    /* true filled pauses */
    intervals decoy; /* steady vowels that must not be flagged */
    synth s;
} track;

static void add_silence(track *tr, double seconds)
{
    tr->t += seconds;
    uint64_t seed = tr->s.seed;
    memset(&tr->s, 0, sizeof tr->s);
    tr->s.seed = seed;
    tr->s.shimmer = 1.0;
}

static float *at(track *tr, double seconds)
{
    size_t need = (size_t)((tr->t + seconds) * RATE) + 1;
    assert_true(need <= tr->cap);
    return tr->x + (size_t)(tr->t * RATE);
}

/* A phrase of `syllables` syllables: formants glide between random vowel targets, F0 falls
 * from 150 to 115 Hz with random accents, 40 ms low-level voiced links between syllables. */
static void add_phrase(track *tr, int syllables, uint64_t *seed)
{
    /* Every syllable starts from a consonant: F1 low, F2 at a random locus. */
    double f[4] = {300, rand_in(seed, 900, 1800), 2500, 3300};
    for (int k = 0; k < syllables; k++) {
        double len = rand_in(seed, 0.14, 0.24);
        double g[4] = {rand_in(seed, 300, 750), rand_in(seed, 900, 2200), rand_in(seed, 2300, 2800),
                       3300};
        double u0 = (double)k / syllables;
        double u1 = (double)(k + 1) / syllables;
        double accent = rand_in(seed, -1.5, 2.5); /* semitones */
        double f0a = 150.0 * pow(115.0 / 150.0, u0) * pow(2.0, accent / 12.0);
        double f0b = 150.0 * pow(115.0 / 150.0, u1) * pow(2.0, rand_in(seed, -1.5, 2.5) / 12.0);
        synth_segment(&tr->s, at(tr, len), (size_t)(len * RATE), f0a, f0b, f, g, 1.0);
        tr->t += len;
        if (k + 1 < syllables) {
            double link = 0.04;
            double h[4] = {300, rand_in(seed, 900, 1800), 2500, 3300};
            synth_segment(&tr->s, at(tr, link), (size_t)(link * RATE), f0b, f0b, g, h, 0.15);
            tr->t += link;
            memcpy(f, h, sizeof f);
        }
    }
}

/* A held vowel at fixed formants; F0 from f0a to f0b. Recorded as a filled pause or a decoy. */
static void add_held(track *tr, double seconds, double f0a, double f0b, bool is_filled_pause)
{
    static const double schwa[4] = {550, 1500, 2450, 3300};
    synth_segment(&tr->s, at(tr, seconds), (size_t)(seconds * RATE), f0a, f0b, schwa, schwa, 1.0);
    intervals *iv = is_filled_pause ? &tr->fp : &tr->decoy;
    assert_true(iv->n < MAX_EVENTS);
    iv->start_s[iv->n] = tr->t;
    iv->end_s[iv->n] = tr->t + seconds;
    iv->n++;
    tr->t += seconds;
}

/* ---- the detector on the analysis frames ---- */

typedef struct {
    rpl_frame *frames;
    size_t n;
    size_t cap;
} frame_list;

static void on_frame(void *user, const rpl_frame *f)
{
    frame_list *l = user;
    assert_true(l->n < l->cap);
    l->frames[l->n++] = *f;
}

typedef struct {
    rpl_filled_pause_frame *out;
    size_t n;
} detection;

static void detect(const float *input, size_t n, const rpl_filled_pauses_config *cfg, detection *d)
{
    float *x = malloc(n * sizeof *x);
    memcpy(x, input, n * sizeof *x);
    assert_true(test_band_limit(x, n, RATE));

    frame_list l = {.cap = n / 80 + 2};
    l.frames = calloc(l.cap, sizeof *l.frames);
    rpl_analysis_config acfg = rpl_analysis_config_default();
    rpl_analysis *a = NULL;
    assert_int_equal(rpl_analysis_create(&acfg, &a), RPL_OK);
    rpl_analysis_sink sink = {.on_frame = on_frame, .user = &l};
    rpl_analysis_process(a, x, n, &sink);
    rpl_analysis_flush(a, &sink);
    rpl_analysis_destroy(a);

    rpl_filled_pauses *fp = NULL;
    assert_int_equal(rpl_filled_pauses_create(cfg, &fp), RPL_OK);
    size_t w = rpl_filled_pauses_window_samples(fp);
    size_t delay = rpl_filled_pauses_delay_frames(fp);
    float *window = calloc(w, sizeof *window);
    d->out = calloc(l.n, sizeof *d->out);
    d->n = 0;
    for (size_t i = 0; i < l.n; i++) {
        int64_t first = (int64_t)i * 80 + 40 - (int64_t)w / 2;
        for (size_t j = 0; j < w; j++) {
            int64_t k = first + (int64_t)j;
            window[j] = k >= 0 && k < (int64_t)n ? x[k] : 0.0f;
        }
        bool ready = rpl_filled_pauses_process(fp, &l.frames[i], window, &d->out[d->n]);
        assert_true(ready == (i >= delay));
        d->n += ready ? 1 : 0;
    }
    while (rpl_filled_pauses_flush(fp, &d->out[d->n])) {
        d->n++;
    }
    assert_int_equal(d->n, l.n);
    rpl_filled_pauses_destroy(fp);
    free(window);
    free(l.frames);
    free(x);
}

/* Fraction of frames of [start, end] (shrunk by margin each side) flagged. */
static double flagged_fraction(const detection *d, double start, double end, double margin)
{
    size_t total = 0, hit = 0;
    for (size_t i = 0; i < d->n; i++) {
        double t = ((double)i + 0.5) * 0.01;
        if (t >= start + margin && t <= end - margin) {
            total++;
            hit += d->out[i].filled_pause ? 1 : 0;
        }
    }
    return total ? (double)hit / (double)total : 0.0;
}

static bool inside(const intervals *iv, double t, double margin)
{
    for (size_t k = 0; k < iv->n; k++) {
        if (t >= iv->start_s[k] - margin && t <= iv->end_s[k] + margin) {
            return true;
        }
    }
    return false;
}

/* Ten phrases; after each, a filled pause of 300..700 ms at 100..112 Hz (the phrases run
 * 115..150 Hz), half of them after a silent pause, half straight after the phrase; some
 * phrases followed by decoys instead. */
static void recall_and_false_alarms(void **state)
{
    (void)state;
    uint64_t seed = test_seed("recall_and_false_alarms");
    track tr = {.cap = 60 * RATE, .s = {.seed = seed, .shimmer = 1.0}};
    tr.x = calloc(tr.cap, sizeof *tr.x);
    add_silence(&tr, 0.5);
    for (int p = 0; p < 12; p++) {
        add_phrase(&tr, 6 + p % 4, &seed);
        if (p % 2 == 0) {
            add_silence(&tr, rand_in(&seed, 0.25, 0.5));
        }
        double f0 = rand_in(&seed, 100.0, 112.0);
        add_held(&tr, rand_in(&seed, 0.3, 0.7), f0, f0 * rand_in(&seed, 0.97, 1.0), true);
        add_silence(&tr, rand_in(&seed, 0.3, 0.6));
        if (p % 4 == 1) { /* decoys after some phrases */
            add_phrase(&tr, 4, &seed);
            /* too short; after a silence, or the phrase's last syllable, when flat and low,
             * makes it a long enough one with it (1 seed in 500) */
            add_silence(&tr, 0.3);
            add_held(&tr, 0.15, 105.0, 105.0, false);
            add_silence(&tr, 0.4);
            add_held(&tr, 0.45, 110.0, 160.0, false); /* rising 6.9 semitones */
            add_silence(&tr, 0.4);
            add_held(&tr, 0.45, 190.0, 190.0, false); /* flat but 4+ semitones above median */
            add_silence(&tr, 0.4);
        }
    }
    add_silence(&tr, 0.5);
    size_t n = (size_t)(tr.t * RATE);
    test_white(tr.x, n, 0.0003f, &seed);

    rpl_filled_pauses_config cfg = rpl_filled_pauses_config_default();
    detection d;
    detect(tr.x, n, &cfg, &d);

    size_t found = 0;
    for (size_t k = 0; k < tr.fp.n; k++) {
        double frac = flagged_fraction(&d, tr.fp.start_s[k], tr.fp.end_s[k], 0.03);
        printf("  filled pause %.2f..%.2f s: %.0f %% of frames flagged\n", tr.fp.start_s[k],
               tr.fp.end_s[k], 100.0 * frac);
        found += frac >= 0.5 ? 1 : 0;
    }
    size_t decoys_hit = 0;
    for (size_t k = 0; k < tr.decoy.n; k++) {
        double frac = flagged_fraction(&d, tr.decoy.start_s[k], tr.decoy.end_s[k], 0.0);
        printf("  decoy %.2f..%.2f s: %.0f %% flagged\n", tr.decoy.start_s[k], tr.decoy.end_s[k],
               100.0 * frac);
        decoys_hit += frac > 0.0 ? 1 : 0;
    }
    /* False alarms: flagged frames outside every true filled pause (50 ms margin), as a share
     * of the other voiced speech, and as separate events. */
    size_t other = 0, false_frames = 0, false_events = 0;
    bool in_false = false;
    for (size_t i = 0; i < d.n; i++) {
        double t = ((double)i + 0.5) * 0.01;
        bool truth = inside(&tr.fp, t, 0.05);
        bool flagged = d.out[i].filled_pause && !truth;
        other += truth ? 0 : 1;
        false_frames += flagged ? 1 : 0;
        false_events += flagged && !in_false ? 1 : 0;
        in_false = flagged;
    }
    double recall = (double)found / (double)tr.fp.n;
    double fa_rate = (double)false_frames / (double)other;
    printf("recall %zu/%zu (%.0f %%), false-alarm frames %zu of %zu (%.2f %%), false-alarm "
           "events %zu, decoys flagged %zu/%zu, %.1f s of signal\n",
           found, tr.fp.n, 100.0 * recall, false_frames, other, 100.0 * fa_rate, false_events,
           decoys_hit, tr.decoy.n, tr.t);
    assert_true(recall >= 0.9);
    /* 1000 seeds: false-alarm frames 0.13 % on average, 1.25 % at the 99th percentile, 2.05 %
     * at most; events 0 in 737, 1 in 222, 2 in 34, 3 in 7; recall 12/12 and no decoy in all */
    assert_true(fa_rate <= 0.03);
    assert_true(false_events <= 4);
    assert_int_equal(decoys_hit, 0);
    free(d.out);
    free(tr.x);
}

/* The test_vowel of tests/signals.h (two broad fixed formants, 2 % F0 wobble), held 400 ms
 * at a low F0 between moving-formant phrases, is found. */
static void held_test_vowel_is_found(void **state)
{
    (void)state;
    uint64_t seed = test_seed("held_test_vowel_is_found");
    track tr = {.cap = 20 * RATE, .s = {.seed = seed, .shimmer = 1.0}};
    tr.x = calloc(tr.cap, sizeof *tr.x);
    add_silence(&tr, 0.5);
    double starts[3];
    for (int p = 0; p < 3; p++) {
        add_phrase(&tr, 8, &seed);
        add_silence(&tr, 0.3);
        starts[p] = tr.t;
        test_vowel(tr.x, (size_t)(tr.t * RATE), (size_t)(0.4 * RATE), RATE, 105.0, 0.3f);
        tr.t += 0.4;
        add_silence(&tr, 0.3);
    }
    add_silence(&tr, 0.5);
    size_t n = (size_t)(tr.t * RATE);
    rpl_filled_pauses_config cfg = rpl_filled_pauses_config_default();
    detection d;
    detect(tr.x, n, &cfg, &d);
    for (int p = 0; p < 3; p++) {
        double frac = flagged_fraction(&d, starts[p], starts[p] + 0.4, 0.03);
        printf("  test_vowel at %.2f s: %.0f %% flagged\n", starts[p], 100.0 * frac);
        assert_true(frac >= 0.8);
    }
    free(d.out);
    free(tr.x);
}

static void silence_and_restart(void **state)
{
    (void)state;
    rpl_filled_pauses_config cfg = rpl_filled_pauses_config_default();
    rpl_filled_pauses *fp = NULL;
    assert_int_equal(rpl_filled_pauses_create(&cfg, &fp), RPL_OK);
    assert_int_equal(rpl_filled_pauses_window_samples(fp), 256);
    assert_int_equal(rpl_filled_pauses_delay_frames(fp), 24);
    rpl_filled_pause_frame out;
    assert_false(rpl_filled_pauses_flush(fp, &out)); /* empty stream */
    float window[256] = {0};
    rpl_frame f = {0};
    for (int stream = 0; stream < 2; stream++) {
        size_t got = 0;
        for (int i = 0; i < 100; i++) {
            got += rpl_filled_pauses_process(fp, &f, window, &out) ? 1 : 0;
            if (i >= 24) {
                assert_false(out.filled_pause);
            }
        }
        while (rpl_filled_pauses_flush(fp, &out)) {
            assert_false(out.filled_pause);
            assert_true(out.confidence == 0.0f);
            got++;
        }
        assert_int_equal(got, 100);
    }
    rpl_filled_pauses_destroy(fp);
    rpl_filled_pauses_destroy(NULL);
}

static void invalid_configs_are_refused(void **state)
{
    (void)state;
    rpl_filled_pauses *fp = (rpl_filled_pauses *)&fp;
    const rpl_filled_pauses_config good = rpl_filled_pauses_config_default();
    assert_int_equal(rpl_filled_pauses_create(NULL, &fp), RPL_ERR_INVALID_ARG);
    assert_null(fp);
    assert_int_equal(rpl_filled_pauses_create(&good, NULL), RPL_ERR_INVALID_ARG);
    rpl_filled_pauses_config bad[9];
    for (size_t i = 0; i < 9; i++) {
        bad[i] = good;
    }
    bad[0].frame_ms = -1.0f;
    bad[1].sample_rate_hz = 4000.0f;
    bad[2].min_ms = 50.0f;
    bad[3].max_change_db = 0.0f;
    bad[4].max_f0_sd_st = NAN;
    bad[5].max_f0_slope_st_s = 0.0f;
    bad[6].max_above_median_st = 30.0f;
    bad[7].median_window_ms = 10.0f;
    bad[8].threshold = 1.5f;
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(rpl_filled_pauses_create(&bad[i], &fp), RPL_ERR_INVALID_ARG);
        assert_null(fp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recall_and_false_alarms),
        cmocka_unit_test(held_test_vowel_is_found),
        cmocka_unit_test(silence_and_restart),
        cmocka_unit_test(invalid_configs_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
