/* Music on a channel (include/rappel/music.h), on constructed frame streams whose truth is
 * known: melodies of held notes on a tuning grid (any tuning, octave errors of the tracker),
 * against the same notes off any grid, steady synthetic voices on one or two pitches, gliding
 * speech-like contours, and music that stops; then the pipeline on synthetic music audio. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/music.h"
#include "rappel/pipeline.h"
#include "signals.h"

enum {
    STREAM_FRAMES = 6000, /* 60 s */
    RUNS = 20,
    FOUND_WITHIN = 700, /* frames: a melody is found within 7 s of its first note */
};

static double uniform01(uint64_t *state)
{
    return 0.5 * ((double)test_uniform(state) + 1.0);
}

static rpl_frame voiced_frame(int64_t index, double st)
{
    return (rpl_frame){.index = index,
                       .speech = true,
                       .voiced = true,
                       .f0_hz = (float)(100.0 * pow(2.0, st / 12.0)),
                       .energy_db = -25.0f};
}

typedef enum melody_kind {
    ON_GRID,       /* notes semitones apart, from a random tuning */
    OFF_GRID,      /* the same notes, each at its own random fraction of a semitone */
    OCTAVE_ERRORS, /* on the grid, a fifth of the notes tracked an octave low */
} melody_kind;

/* Frames first..first+count-1 of a melody: notes of 150-500 ms with 0-50 ms gaps, pitches up
 * to 7 semitones either side of 200 Hz, 0.01 st of frame-to-frame jitter. */
static void melody(rpl_frame *out, int64_t first, int count, melody_kind kind, uint64_t *seed)
{
    double tuning = uniform01(seed);
    int i = 0;
    while (i < count) {
        int note = 15 + (int)(35.0 * uniform01(seed));
        int gap = (int)(6.0 * uniform01(seed));
        double st = 12.0 + tuning + (double)((int)(15.0 * uniform01(seed)) - 7);
        if (kind == OFF_GRID) {
            st += uniform01(seed);
        } else if (kind == OCTAVE_ERRORS && uniform01(seed) < 0.2) {
            st -= 12.0;
        }
        for (int k = 0; k < note && i < count; k++, i++) {
            out[i] = voiced_frame(first + i, st + 0.01 * (double)test_uniform(seed));
        }
        for (int k = 0; k < gap && i < count; k++, i++) {
            out[i] = (rpl_frame){.index = first + i, .energy_db = -60.0f};
        }
    }
}

/* Syllables of 120-300 ms separated by 60-150 ms of consonant or silence. steady_hz > 0: every
 * syllable held at that F0 or, every other turn, its octave (two synthetic voices taking turns,
 * 0.02 st of jitter); else F0 glides as in speech, 2-12 st/s around a wandering centre. */
static void syllables(rpl_frame *out, int64_t first, int count, double steady_hz, uint64_t *seed)
{
    double centre = 10.0 + 4.0 * uniform01(seed);
    int i = 0;
    int turn = 0;
    while (i < count) {
        int voiced = 12 + (int)(18.0 * uniform01(seed));
        int gap = 6 + (int)(9.0 * uniform01(seed));
        double st, slope;
        if (steady_hz > 0.0) {
            turn = uniform01(seed) < 0.2 ? !turn : turn;
            st = 12.0 * log2(steady_hz / 100.0) + (turn ? 12.0 : 0.0);
            slope = 0.0;
        } else {
            centre += 0.5 * (double)test_uniform(seed);
            st = centre + 2.0 * (double)test_uniform(seed);
            slope = (0.02 + 0.1 * uniform01(seed)) * (test_uniform(seed) < 0.0f ? -1.0 : 1.0);
        }
        for (int k = 0; k < voiced && i < count; k++, i++) {
            double jitter = steady_hz > 0.0 ? 0.02 : 0.05;
            out[i] = voiced_frame(first + i, st + slope * k + jitter * (double)test_uniform(seed));
        }
        for (int k = 0; k < gap && i < count; k++, i++) {
            out[i] = (rpl_frame){.index = first + i, .speech = k < 3, .energy_db = -40.0f};
        }
    }
}

/* Frames found to be music, and the first of them (-1: none). */
static int music_frames(const rpl_frame *frames, int count, int64_t *first_found, int64_t *onset)
{
    rpl_music *m = NULL;
    assert_int_equal(rpl_music_create(&m), RPL_OK);
    int found = 0;
    *first_found = -1;
    for (int i = 0; i < count; i++) {
        if (rpl_music_process(m, &frames[i])) {
            found++;
            *first_found = *first_found < 0 ? frames[i].index : *first_found;
        }
    }
    if (onset != NULL) {
        *onset = rpl_music_onset(m);
    }
    rpl_music_destroy(m);
    return found;
}

static rpl_frame stream[STREAM_FRAMES];

static void test_melody_on_any_tuning(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_melody_on_any_tuning");
    for (int run = 0; run < RUNS; run++) {
        melody(stream, 0, STREAM_FRAMES, run % 2 == 0 ? ON_GRID : OCTAVE_ERRORS, &seed);
        int64_t first, onset;
        int found = music_frames(stream, STREAM_FRAMES, &first, &onset);
        if (first < 0 || first > FOUND_WITHIN || found < STREAM_FRAMES - FOUND_WITHIN) {
            print_error("run %d: music from frame %lld, %d of %d frames\n", run, (long long)first,
                        found, STREAM_FRAMES);
            fail();
        }
        /* the onset is the first note of the window that found it: the melody's start */
        assert_in_range(onset, 0, 60);
    }
}

static void test_off_grid_notes_are_not_music(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_off_grid_notes_are_not_music");
    for (int run = 0; run < RUNS; run++) {
        melody(stream, 0, STREAM_FRAMES, OFF_GRID, &seed);
        int64_t first;
        int found = music_frames(stream, STREAM_FRAMES, &first, NULL);
        if (found != 0) {
            print_error("run %d: %d frames taken for music from %lld\n", run, found,
                        (long long)first);
            fail();
        }
    }
}

/* A synthetic voice holds each syllable at one F0: a steady voice, not a melody. */
static void test_steady_voices_are_not_music(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_steady_voices_are_not_music");
    for (int run = 0; run < RUNS; run++) {
        syllables(stream, 0, STREAM_FRAMES, 100.0 + 100.0 * uniform01(&seed), &seed);
        int64_t first;
        assert_int_equal(music_frames(stream, STREAM_FRAMES, &first, NULL), 0);
    }
}

static void test_gliding_speech_is_not_music(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_gliding_speech_is_not_music");
    for (int run = 0; run < RUNS; run++) {
        syllables(stream, 0, STREAM_FRAMES, 0.0, &seed);
        int64_t first;
        assert_int_equal(music_frames(stream, STREAM_FRAMES, &first, NULL), 0);
    }
}

/* Hold music, then the customer speaks: the music ends within 1.5 s of its last note, and none
 * of the speech is music. */
static void test_music_then_speech(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_music_then_speech");
    enum { MUSIC = 2000 };
    for (int run = 0; run < RUNS; run++) {
        melody(stream, 0, MUSIC, ON_GRID, &seed);
        syllables(stream + MUSIC, MUSIC, STREAM_FRAMES - MUSIC, 0.0, &seed);
        rpl_music *m = NULL;
        assert_int_equal(rpl_music_create(&m), RPL_OK);
        int64_t last = -1;
        for (int i = 0; i < STREAM_FRAMES; i++) {
            if (rpl_music_process(m, &stream[i])) {
                last = i;
            }
        }
        rpl_music_destroy(m);
        assert_in_range(last, MUSIC - 100, MUSIC + 250);
    }
}

/* ---- the pipeline ------------------------------------------------------------------------ */

static void count_alert(void *user, const rpl_pipeline_alert *alert)
{
    (void)alert;
    (*(int *)user)++;
}

/* A plucked melody as audio: harmonic tones of 250-500 ms with a decaying envelope, pitches
 * semitones apart from a random tuning, 8 kHz mono, band-limited; through the whole pipeline it
 * is music, not the customer's speech, and raises no alert. */
static void test_pipeline_takes_music_out(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_pipeline_takes_music_out");
    const double rate = 8000.0, seconds = 30.0;
    size_t n = (size_t)(rate * seconds);
    float *x = calloc(n, sizeof *x);
    assert_non_null(x);
    double tuning = uniform01(&seed);
    for (size_t start = 0; start < n;) {
        size_t len = (size_t)(rate * (0.25 + 0.25 * uniform01(&seed)));
        double st = tuning + (double)((int)(15.0 * uniform01(&seed)) - 7);
        double f0 = 200.0 * pow(2.0, st / 12.0);
        for (size_t i = 0; i < len && start + i < n; i++) {
            double t = (double)i / rate;
            double s = 0.0;
            for (int h = 1; h * f0 < 3400.0; h++) {
                s += sin(test_two_pi * h * f0 * t) / h;
            }
            x[start + i] = (float)(0.2 * s * exp(-3.0 * t) * fmin(1.0, t / 0.005));
        }
        start += len;
    }
    assert_true(test_band_limit(x, n, (float)rate));
    rpl_pipeline_config cfg = rpl_pipeline_config_default(1);
    rpl_pipeline *pl = NULL;
    assert_int_equal(rpl_pipeline_create(&cfg, &pl), RPL_OK);
    int alerts = 0;
    rpl_pipeline_sink sink = {.on_alert = count_alert, .user = &alerts};
    assert_int_equal(rpl_pipeline_process(pl, x, n, &sink), RPL_OK);
    assert_int_equal(rpl_pipeline_finish(pl, &sink), RPL_OK);
    rpl_store_channel_stats stats;
    assert_true(rpl_pipeline_channel_stats(pl, RPL_STORE_ROLE_CUSTOMER, &stats));
    double music_s = stats.music_s;
    printf("music %.1f s, speech %.1f s, %d alerts\n", music_s, stats.speech_s, alerts);
    assert_true(music_s >= seconds - 8.0);
    assert_true(stats.speech_s <= 8.0);
    assert_int_equal(alerts, 0);
    assert_false(rpl_pipeline_channel_stats(pl, RPL_STORE_ROLE_AGENT, &stats));
    rpl_pipeline_destroy(pl);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_melody_on_any_tuning),
        cmocka_unit_test(test_off_grid_notes_are_not_music),
        cmocka_unit_test(test_steady_voices_are_not_music),
        cmocka_unit_test(test_gliding_speech_is_not_music),
        cmocka_unit_test(test_music_then_speech),
        cmocka_unit_test(test_pipeline_takes_music_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
