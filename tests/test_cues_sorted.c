/* The cue window's stepping path keeps its percentiles in sorted sets (models/cues.c) while
 * rpl_cue_window_peek still finds them by selection over the window's frames. Right after a
 * step, a peek with no recent frame sees exactly the frames of the step and the same
 * baseline, so its cues must be the step's, bit for bit: these tests drive both paths with
 * random frames (ties, -0 and +0, NaN and infinities included) and compare every cue's bits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rappel/cues.h"
#include "signals.h"

/* A value from a small set (ties are common) or a continuous one; with special values when
 * asked: -0, +0, NaN, infinities. */
static float pick(uint64_t *rng, float centre, float spread, bool special)
{
    float u = test_uniform(rng);
    if (special) {
        float v = test_uniform(rng);
        if (v > 0.85f) {
            return -0.0f;
        }
        if (v > 0.70f) {
            return 0.0f;
        }
        if (v > 0.66f) {
            return NAN;
        }
        if (v > 0.64f) {
            return v > 0.65f ? INFINITY : -INFINITY;
        }
    }
    if (u > 0.3f) {
        return centre + spread * roundf(4.0f * test_uniform(rng)) / 4.0f; /* ties */
    }
    return centre + spread * test_uniform(rng);
}

static rpl_frame random_frame(uint64_t *rng, int64_t index, bool special)
{
    rpl_frame f;
    memset(&f, 0, sizeof f);
    f.index = index;
    f.time_s = ((double)index + 0.5) * 0.01;
    f.speech = test_uniform(rng) > -0.4f;
    f.voiced = f.speech && test_uniform(rng) > -0.2f;
    f.f0_hz = f.voiced ? 100.0f + 60.0f * roundf(8.0f * (1.0f + test_uniform(rng))) / 8.0f : 0.0f;
    f.energy_db = pick(rng, -30.0f, 12.0f, special);
    f.nucleus = f.speech && test_uniform(rng) > 0.6f;
    f.filled_pause = test_uniform(rng) > 0.9f;
    f.hnr_db = pick(rng, 12.0f, 6.0f, false);
    f.jitter_pct = pick(rng, 1.0f, 0.5f, false);
    f.shimmer_db = pick(rng, 0.5f, 0.3f, false);
    f.slope_db_khz = pick(rng, -4.0f, 4.0f, special);
    f.alpha_db = pick(rng, -6.0f, 6.0f, special);
    f.hammarberg_db = pick(rng, 15.0f, 15.0f, special);
    f.band_800_1500_db = pick(rng, -5.0f, 2.0f, false);
    f.flux = pick(rng, 0.3f, 0.2f, false);
    return f;
}

/* Every step of frames frames against the selection path; returns the steps compared. */
static size_t compare_paths(double window_s, bool special, size_t frames, const char *name)
{
    uint64_t rng = test_seed(name);
    rpl_cues_config cfg = rpl_cues_config_default();
    cfg.window_s = window_s;
    cfg.establish_speech_s = 4.0;
    cfg.adapt_speech_s = 20.0;
    rpl_cue_window *w = NULL;
    assert_int_equal(rpl_cue_window_create(&cfg, &w), RPL_OK);
    size_t steps = 0, f0_known = 0, level_known = 0;
    for (size_t i = 0; i < frames; i++) {
        if (i == frames / 2) {
            rpl_cue_window_reset(w); /* a new stream: the sets must be empty again */
        }
        rpl_frame f = random_frame(&rng, (int64_t)i, special);
        bool other = test_uniform(&rng) > 0.5f;
        bool adapt = test_uniform(&rng) > -0.8f;
        rpl_cues stepped, peeked;
        if (!rpl_cue_window_process(w, &f, other, adapt, &stepped)) {
            continue;
        }
        rpl_cue_window_peek(w, NULL, NULL, 0, &peeked);
        for (size_t c = 0; c < RPL_CUE_COUNT; c++) {
            if (memcmp(&stepped.value[c], &peeked.value[c], sizeof(double)) != 0) {
                fail_msg("window %.2f s, frame %zu: cue %s is %.17g stepped, %.17g selected",
                         window_s, i, rpl_cue_info_get(c)->name, stepped.value[c], peeked.value[c]);
            }
        }
        f0_known += isfinite(stepped.value[RPL_CUE_F0_RANGE_ST]);
        level_known += isfinite(stepped.value[RPL_CUE_LEVEL_PEAK_DB]);
        steps++;
    }
    /* the comparison must have been about real percentiles, not NaN against NaN */
    assert_true(f0_known > steps / 2);
    if (!special) {
        assert_true(level_known > steps / 2);
    }
    rpl_cue_window_destroy(w);
    return steps;
}

static void test_plain_values_match_selection(void **state)
{
    (void)state;
    static const double windows_s[] = {0.5, 1.37, 3.0, 8.0};
    for (size_t i = 0; i < sizeof windows_s / sizeof windows_s[0]; i++) {
        assert_int_equal(compare_paths(windows_s[i], false, 6000, "plain"), 6000 / 50);
    }
}

static void test_special_values_match_selection(void **state)
{
    (void)state;
    static const double windows_s[] = {0.5, 3.0, 8.0};
    for (size_t i = 0; i < sizeof windows_s / sizeof windows_s[0]; i++) {
        assert_int_equal(compare_paths(windows_s[i], true, 6000, "special"), 6000 / 50);
    }
}

/* Known truth: a window of 300 voiced frames whose F0 climbs one semitone every 10 frames. */
static void test_known_percentiles(void **state)
{
    (void)state;
    rpl_cues_config cfg = rpl_cues_config_default();
    rpl_cue_window *w = NULL;
    assert_int_equal(rpl_cue_window_create(&cfg, &w), RPL_OK);
    rpl_cues out;
    bool stepped = false;
    for (int i = 0; i < 300; i++) {
        rpl_frame f;
        memset(&f, 0, sizeof f);
        f.index = i;
        f.speech = f.voiced = true;
        f.f0_hz = (float)(100.0 * pow(2.0, (double)(i / 10) / 12.0));
        f.energy_db = (float)(-40 + i % 30); /* -40..-11 dB, ten of each */
        stepped = rpl_cue_window_process(w, &f, false, true, &out);
    }
    assert_true(stepped);
    /* 300 values: nearest rank k = round(p * 299); F0 st of frame k is floor(k / 10) */
    double p10 = floor(round(0.1 * 299) / 10), p90 = floor(round(0.9 * 299) / 10);
    double p50 = floor(round(0.5 * 299) / 10);
    assert_true(fabs(out.value[RPL_CUE_F0_MEDIAN_ST] - p50) < 1e-5);
    assert_true(fabs(out.value[RPL_CUE_F0_RANGE_ST] - (p90 - p10)) < 1e-5);
    /* levels sorted: value k is -40 + floor(k / 10) */
    assert_true(out.value[RPL_CUE_LEVEL_DB] == -40.0 + floor(round(0.5 * 299) / 10));
    assert_true(out.value[RPL_CUE_LEVEL_RANGE_DB] ==
                floor(round(0.9 * 299) / 10) - floor(round(0.1 * 299) / 10));
    rpl_cue_window_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_values_match_selection),
        cmocka_unit_test(test_special_values_match_selection),
        cmocka_unit_test(test_known_percentiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
