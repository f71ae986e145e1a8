/* One channel's analysis (framing, energy, voice activity, pauses) on signals of known truth:
 * vowel-like bursts separated by silences of known length, over line noise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rappel/analysis.h"
#include "signals.h"

enum { RATE = 8000, MAX_FRAMES = 4000, MAX_PAUSES = 32 };

typedef struct {
    rpl_frame frames[MAX_FRAMES];
    size_t n_frames;
    rpl_pause pauses[MAX_PAUSES];
    size_t n_pauses;
    rpl_pause_stats stats; /* the analysis's own pause statistics after flush */
} collected;

static void on_frame(void *user, const rpl_frame *f)
{
    collected *c = user;
    assert_true(c->n_frames < MAX_FRAMES);
    c->frames[c->n_frames++] = *f;
}

static void on_pause(void *user, const rpl_pause *p)
{
    collected *c = user;
    assert_true(c->n_pauses < MAX_PAUSES);
    c->pauses[c->n_pauses++] = *p;
}

/* Band-limit x as ingest does, then analyse it in blocks of `block` samples; results in c. */
static void analyse(const float *input, size_t n, size_t block, collected *c)
{
    float *x = malloc(n * sizeof *x);
    memcpy(x, input, n * sizeof *x);
    assert_true(test_band_limit(x, n, RATE));
    rpl_analysis_config cfg = rpl_analysis_config_default();
    rpl_analysis *a = NULL;
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_OK);
    memset(c, 0, sizeof *c);
    rpl_analysis_sink sink = {.on_frame = on_frame, .on_pause = on_pause, .user = c};
    for (size_t i = 0; i < n; i += block) {
        rpl_analysis_process(a, x + i, n - i < block ? n - i : block, &sink);
    }
    rpl_analysis_flush(a, &sink);
    c->stats = rpl_analysis_pause_stats(a);
    rpl_analysis_destroy(a);
    free(x);
}

/* Speech from 0.5 s: bursts of burst_s separated by the given silences; truth in seconds. */
typedef struct {
    float *x;
    size_t n;
    double speech_start[8];
    double speech_end[8];
    size_t bursts;
} speech_signal;

static speech_signal make_speech(const double *gaps_s, size_t n_gaps, float noise_rms,
                                 uint64_t *seed)
{
    speech_signal s = {0};
    const double burst_s = 0.6;
    double total = 0.5 + (double)(n_gaps + 1) * burst_s + 0.8;
    for (size_t g = 0; g < n_gaps; g++) {
        total += gaps_s[g];
    }
    s.n = (size_t)(total * RATE);
    s.x = calloc(s.n, sizeof *s.x);
    double t = 0.5;
    for (size_t b = 0; b <= n_gaps; b++) {
        test_vowel(s.x, (size_t)(t * RATE), (size_t)(burst_s * RATE), RATE,
                   110.0 + 25.0 * (double)b, 0.3f);
        s.speech_start[b] = t;
        s.speech_end[b] = t + burst_s;
        t += burst_s + (b < n_gaps ? gaps_s[b] : 0.0);
    }
    s.bursts = n_gaps + 1;
    if (noise_rms > 0.0f) {
        test_white(s.x, s.n, noise_rms, seed);
    }
    return s;
}

static void frames_cover_the_stream_at_10_ms(void **state)
{
    (void)state;
    static collected c;
    const size_t lengths[] = {1, 79, 80, 81, 8000, 12345};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        float *x = calloc(lengths[k], sizeof *x);
        analyse(x, lengths[k], 4096, &c);
        assert_int_equal(c.n_frames, (lengths[k] + 79) / 80);
        for (size_t i = 0; i < c.n_frames; i++) {
            assert_int_equal(c.frames[i].index, (int64_t)i);
            assert_true(fabs(c.frames[i].time_s - ((double)i + 0.5) * 0.01) < 1e-9);
            assert_false(c.frames[i].speech);
            assert_false(c.frames[i].voiced);
        }
        free(x);
    }
}

static void block_size_does_not_change_the_frames(void **state)
{
    (void)state;
    uint64_t seed = test_seed("block_size_does_not_change_the_frames");
    const double gaps[] = {0.4};
    speech_signal s = make_speech(gaps, 1, 0.001f, &seed);
    static collected whole;
    static collected split;
    analyse(s.x, s.n, s.n, &whole);
    const size_t blocks[] = {1, 37, 80, 1000};
    for (size_t k = 0; k < sizeof blocks / sizeof blocks[0]; k++) {
        analyse(s.x, s.n, blocks[k], &split);
        assert_int_equal(split.n_frames, whole.n_frames);
        assert_memory_equal(split.frames, whole.frames, whole.n_frames * sizeof(rpl_frame));
        assert_int_equal(split.n_pauses, whole.n_pauses);
    }
    free(s.x);
}

/* Every true boundary has a detected speech/non-speech transition within 30 ms, and there
 * are no other transitions; pauses are reported with their true lengths. */
static void check_boundaries(const speech_signal *s, const collected *c, const double *gaps,
                             size_t n_gaps)
{
    size_t transitions = 0;
    for (size_t i = 1; i < c->n_frames; i++) {
        if (c->frames[i].speech == c->frames[i - 1].speech) {
            continue;
        }
        transitions++;
        double t = c->frames[i].time_s - 0.005; /* boundary between the two frames */
        double best = 1e9;
        for (size_t b = 0; b < s->bursts; b++) {
            double truth = c->frames[i].speech ? s->speech_start[b] : s->speech_end[b];
            best = fabs(t - truth) < best ? fabs(t - truth) : best;
        }
        printf("  transition to %s at %.3f s, %.1f ms from truth\n",
               c->frames[i].speech ? "speech" : "silence", t, best * 1000.0);
        assert_true(best <= 0.030);
    }
    assert_int_equal(transitions, 2 * s->bursts);
    assert_int_equal(c->n_pauses, n_gaps);
    assert_int_equal(c->stats.count, n_gaps);
    double total_s = 0.0;
    double max_s = 0.0;
    for (size_t g = 0; g < n_gaps; g++) {
        total_s += c->pauses[g].length_s;
        max_s = c->pauses[g].length_s > max_s ? c->pauses[g].length_s : max_s;
    }
    assert_true(fabs(c->stats.total_s - total_s) < 1e-9);
    assert_true(fabs(c->stats.max_s - max_s) < 1e-9);
    /* Speech heard: the bursts, within a frame per boundary. */
    assert_true(fabs(c->stats.speech_s - 0.6 * (double)s->bursts) <= 0.02 * (double)s->bursts);
    for (size_t g = 0; g < n_gaps; g++) {
        assert_true(fabs(c->pauses[g].start_s - s->speech_end[g]) <= 0.030);
        assert_true(fabs(c->pauses[g].length_s - gaps[g]) <= 0.040);
    }
}

static void pause_boundaries_within_30_ms(void **state)
{
    (void)state;
    uint64_t seed = test_seed("pause_boundaries_within_30_ms");
    const double gaps[] = {0.25, 0.5, 0.8, 1.5};
    static collected c;
    /* Clean, then with white line noise 30 dB and 15 dB below the bursts' level. */
    const float noise_rms[] = {0.0f, 0.003f, 0.017f};
    for (size_t k = 0; k < 3; k++) {
        speech_signal s = make_speech(gaps, 4, noise_rms[k], &seed);
        analyse(s.x, s.n, 4096, &c);
        printf("noise rms %.3f\n", (double)noise_rms[k]);
        check_boundaries(&s, &c, gaps, 4);
        free(s.x);
    }
}

static void short_gaps_are_not_pauses(void **state)
{
    (void)state;
    uint64_t seed = test_seed("short_gaps_are_not_pauses");
    const double gaps[] = {0.06, 0.1};
    speech_signal s = make_speech(gaps, 2, 0.001f, &seed);
    static collected c;
    analyse(s.x, s.n, 4096, &c);
    size_t first = (size_t)(s.speech_start[0] * 100.0) + 3;
    size_t last = (size_t)(s.speech_end[2] * 100.0) - 3;
    for (size_t i = first; i <= last; i++) {
        assert_true(c.frames[i].speech); /* a stop closure is not a pause */
    }
    assert_int_equal(c.n_pauses, 0);
    free(s.x);
}

/* A vowel held for 4 s over line noise stays speech: the floor must not climb onto it. */
static void held_vowel_stays_speech(void **state)
{
    (void)state;
    uint64_t seed = test_seed("held_vowel_stays_speech");
    const size_t n = 6 * RATE;
    float *x = calloc(n, sizeof *x);
    test_vowel(x, RATE / 2, 4 * RATE, RATE, 140.0, 0.3f);
    test_white(x, n, 0.003f, &seed);
    static collected c;
    analyse(x, n, 4096, &c);
    for (size_t i = 53; i < 447; i++) {
        assert_true(c.frames[i].speech);
    }
    assert_false(c.frames[30].speech);
    assert_false(c.frames[480].speech);
    free(x);
}

/* Noise-only audio at a level 10 dB below the speech used above: never speech. */
static void no_speech_in_line_noise(void **state)
{
    (void)state;
    uint64_t seed = test_seed("no_speech_in_line_noise");
    const size_t n = 10 * RATE;
    float *x = calloc(n, sizeof *x);
    static collected c;
    const float speech_rms = 0.1f; /* about the bursts' RMS */
    const float noise_rms = speech_rms / 3.1623f;
    for (int kind = 0; kind < 4; kind++) {
        memset(x, 0, n * sizeof *x);
        if (kind == 0) {
            test_white(x, n, noise_rms, &seed);
        } else if (kind == 1) {
            test_pink(x, n, noise_rms, &seed);
        } else {
            /* Mains hum with harmonics (50 or 60 Hz), as picked up by a bad line. */
            double mains = kind == 2 ? 50.0 : 60.0;
            for (int h = 1; h <= 15; h += 2) {
                test_sine(x, n, RATE, mains * h, noise_rms * 1.41f / (float)h);
            }
            test_white(x, n, noise_rms * 0.05f, &seed);
        }
        analyse(x, n, 4096, &c);
        size_t speech = 0;
        for (size_t i = 0; i < c.n_frames; i++) {
            if (c.frames[i].speech && speech++ < 3) {
                printf("  speech at %.3f s: %.1f dB over a floor of %.1f dB\n", c.frames[i].time_s,
                       (double)c.frames[i].energy_db, (double)c.frames[i].noise_db);
            }
        }
        printf("noise kind %d: %zu of %zu frames speech\n", kind, speech, c.n_frames);
        assert_int_equal(speech, 0);
        assert_int_equal(c.n_pauses, 0);
    }
    free(x);
}

/* Speech needs a voice: noise well above the floor but with no voiced frame within 300 ms
 * before or 150 ms after it (a gain control raising the line noise, typing) is not speech,
 * while a fricative ending a word or starting one stays speech. */
static void unvoiced_stretches_need_a_voice(void **state)
{
    (void)state;
    uint64_t seed = test_seed("unvoiced_stretches_need_a_voice");
    const size_t n = 5 * RATE;
    float *x = calloc(n, sizeof *x);
    float *burst = calloc(n, sizeof *burst);
    test_white(x, n, 0.001f, &seed);
    test_vowel(x, RATE / 2, (size_t)(0.6 * RATE), RATE, 130.0, 0.3f);
    test_vowel(x, 4 * RATE, (size_t)(0.6 * RATE), RATE, 150.0, 0.3f);
    const struct {
        double from_s, to_s;
        float rms;
    } noise[] = {
        {1.10, 1.25, 0.03f}, /* a word-final fricative */
        {2.00, 3.00, 0.01f}, /* a noise swell 20 dB over the floor, no voice near it */
        {3.90, 4.00, 0.03f}, /* a word-initial fricative */
    };
    for (size_t k = 0; k < sizeof noise / sizeof noise[0]; k++) {
        size_t from = (size_t)(noise[k].from_s * RATE),
               len = (size_t)((noise[k].to_s - noise[k].from_s) * RATE);
        memset(burst, 0, len * sizeof *burst);
        test_white(burst, len, noise[k].rms, &seed);
        for (size_t i = 0; i < len; i++) {
            x[from + i] += burst[i];
        }
    }
    static collected c;
    analyse(x, n, 4096, &c);
    size_t swell_speech = 0, fricative_speech = 0, fricative_frames = 0;
    for (size_t i = 0; i < c.n_frames; i++) {
        double t = c.frames[i].time_s;
        if (t > 2.03 && t < 2.97) {
            swell_speech += c.frames[i].speech;
            assert_false(c.frames[i].voiced);
        }
        if ((t > 1.12 && t < 1.22) || (t > 3.92 && t < 3.98)) {
            fricative_frames++;
            fricative_speech += c.frames[i].speech;
        }
    }
    printf("noise swell: %zu speech frames; fricatives: %zu of %zu frames speech\n", swell_speech,
           fricative_speech, fricative_frames);
    assert_int_equal(swell_speech, 0);
    assert_int_equal(fricative_speech, fricative_frames);
    free(burst);
    free(x);
}

static void energy_steps_are_measured(void **state)
{
    (void)state;
    const size_t step = RATE; /* 1 s per level */
    const float levels_db[] = {-10.0f, -20.0f, -35.0f, -50.0f};
    float *x = calloc(4 * step, sizeof *x);
    for (size_t k = 0; k < 4; k++) {
        float amplitude = powf(10.0f, (levels_db[k] + 3.0103f) / 20.0f);
        for (size_t i = 0; i < step; i++) {
            x[k * step + i] = amplitude * (float)sin(test_two_pi * 1000.0 * (double)i / RATE);
        }
    }
    static collected c;
    analyse(x, 4 * step, 4096, &c);
    for (size_t k = 0; k < 4; k++) {
        for (size_t i = k * 100 + 5; i < k * 100 + 95; i++) {
            assert_float_equal(c.frames[i].energy_db, levels_db[k], 0.1f);
        }
    }
    free(x);
}

static void invalid_configs_are_refused(void **state)
{
    (void)state;
    rpl_analysis *a = NULL;
    rpl_analysis_config cfg = rpl_analysis_config_default();
    cfg.vad.enter_db = 1.0f; /* below stay_db */
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_ERR_INVALID_ARG);
    assert_null(a);
    cfg = rpl_analysis_config_default();
    cfg.pauses.min_pause_ms = 0.0f;
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_ERR_INVALID_ARG);
    cfg = rpl_analysis_config_default();
    cfg.pitch.f0_min_hz = 600.0f;
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_analysis_create(NULL, &a), RPL_ERR_INVALID_ARG);
    rpl_analysis_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frames_cover_the_stream_at_10_ms),
        cmocka_unit_test(block_size_does_not_change_the_frames),
        cmocka_unit_test(pause_boundaries_within_30_ms),
        cmocka_unit_test(short_gaps_are_not_pauses),
        cmocka_unit_test(held_vowel_stays_speech),
        cmocka_unit_test(no_speech_in_line_noise),
        cmocka_unit_test(unvoiced_stretches_need_a_voice),
        cmocka_unit_test(energy_steps_are_measured),
        cmocka_unit_test(invalid_configs_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
