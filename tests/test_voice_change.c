/* Speaker change across silences on one channel (include/rappel/voice_change.h), the cue
 * window's turn marking (rpl_cue_window_mark_turn), and both in the pipeline on a mono signal
 * of two synthetic voices taking turns against one voice pausing: streams whose truth the test
 * makes. */
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
#include "rappel/pipeline.h"
#include "rappel/voice_change.h"
#include "frames.h"
#include "signals.h"

/* A stretch of a stream: n frames of speech at f0_hz (with a 4th unvoiced frame and +-1.5 st
 * intonation when speaking), or of silence (f0_hz < 0). */
typedef struct stretch {
    int n;
    double f0_hz;
} stretch;

typedef struct decisions {
    int closed, same, change;
    int64_t first[64], last[64]; /* gaps closed */
    rpl_voice_event_type type[64];
    size_t n;
} decisions;

static void record(decisions *d, const rpl_voice_event *ev)
{
    if (ev->type == RPL_VOICE_GAP_CLOSED) {
        d->closed++;
        assert_true(d->n < 64);
        d->first[d->n] = ev->gap_first;
        d->last[d->n] = ev->gap_last;
        d->n++;
        return;
    }
    assert_true(d->n > 0);
    assert_int_equal(ev->gap_first, d->first[d->n - 1]);
    assert_int_equal(ev->gap_last, d->last[d->n - 1]);
    d->type[d->n - 1] = ev->type;
    d->same += ev->type == RPL_VOICE_SAME;
    d->change += ev->type == RPL_VOICE_CHANGE;
}

static void run(rpl_voice_change *v, const stretch *plan, size_t n_plan, decisions *d)
{
    memset(d, 0, sizeof *d);
    int64_t index = 0;
    for (size_t p = 0; p < n_plan; p++) {
        for (int i = 0; i < plan[p].n; i++, index++) {
            bool speech = plan[p].f0_hz >= 0.0;
            double f0 = speech && index % 4 != 3
                            ? plan[p].f0_hz * pow(2.0, 1.5 / 12.0 * sin((double)index * 0.05))
                            : 0.0;
            rpl_frame f = test_frame(index, speech, f0, -25.0);
            rpl_voice_event ev;
            int closed_before = d->closed;
            if (rpl_voice_change_process(v, &f, &ev)) {
                record(d, &ev);
                if (ev.type == RPL_VOICE_GAP_CLOSED) {
                    /* on the first speech frame after the silence, which it names */
                    assert_true(speech);
                    assert_int_equal(ev.gap_last, index - 1);
                    assert_int_equal(ev.gap_last - ev.gap_first + 1, plan[p - 1].n);
                    assert_true(fabs(ev.gap_s - 0.01 * plan[p - 1].n) < 1e-9);
                    assert_int_equal(d->closed, closed_before + 1);
                }
            }
        }
    }
    rpl_voice_event ev;
    if (rpl_voice_change_flush(v, &ev)) {
        record(d, &ev);
    }
    assert_false(rpl_voice_change_flush(v, &ev));
}

static rpl_voice_change *detector(void)
{
    rpl_voice_change_config cfg = rpl_voice_change_config_default();
    rpl_voice_change *v = NULL;
    assert_int_equal(rpl_voice_change_create(&cfg, &v), RPL_OK);
    return v;
}

/* A low and a high voice (110 and 210 Hz: 11 st apart) alternate, 1.5 s turns, silences of
 * 0.3-0.9 s: every silence is a change. */
static void test_two_voices_alternate(void **state)
{
    (void)state;
    rpl_voice_change *v = detector();
    stretch plan[16];
    size_t n = 0;
    for (int t = 0; t < 8; t++) {
        plan[n++] = (stretch){150, t % 2 == 0 ? 110.0 : 210.0};
        plan[n++] = (stretch){30 + 10 * (t % 7), -1.0};
    }
    decisions d;
    run(v, plan, n - 1, &d); /* ends on speech */
    assert_int_equal(d.closed, 7);
    assert_int_equal(d.change, 7);
    assert_int_equal(d.same, 0);
    assert_int_equal(rpl_voice_change_turns(v), 7);
    /* a new stream forgets the count and the voices */
    rpl_voice_change_reset(v);
    assert_int_equal(rpl_voice_change_turns(v), 0);
    rpl_voice_change_destroy(v);
}

/* One voice with intonation and pauses, its register moving 3 st from phrase to phrase (under
 * the 6 st of a change): every silence is a pause; a silence shorter than min_gap_s is not
 * tested at all. */
static void test_one_voice_pauses(void **state)
{
    (void)state;
    rpl_voice_change *v = detector();
    const stretch plan[] = {{120, 130.0}, {40, -1.0}, {80, 155.0}, {25, -1.0},
                            {200, 130.0}, {10, -1.0}, {90, 130.0}, {110, -1.0},
                            {60, 115.0},  {50, -1.0}, {120, 150.0}};
    decisions d;
    run(v, plan, sizeof plan / sizeof plan[0], &d);
    assert_int_equal(d.closed, 4);
    assert_int_equal(d.same, 4);
    assert_int_equal(d.change, 0);
    assert_int_equal(rpl_voice_change_turns(v), 0);
    rpl_voice_change_destroy(v);
}

/* The voice after a silence is too short to tell (10 voiced frames < min_voiced) before the next
 * silence: that one is decided SAME when the next tested silence begins; the last silence is
 * decided by flush, with what there is. */
static void test_short_run_and_flush(void **state)
{
    (void)state;
    rpl_voice_change *v = detector();
    const stretch plan[] = {{150, 110.0}, {40, -1.0}, {13, 220.0}, {40, -1.0}, {30, 220.0}};
    decisions d;
    run(v, plan, sizeof plan / sizeof plan[0], &d);
    assert_int_equal(d.closed, 2);
    assert_int_equal(d.type[0], RPL_VOICE_SAME);   /* too short: no evidence */
    assert_int_equal(d.type[1], RPL_VOICE_CHANGE); /* 22 voiced frames at 220 Hz, by flush */
    rpl_voice_change_destroy(v);
}

static void test_invalid_config(void **state)
{
    (void)state;
    rpl_voice_change *v = NULL;
    rpl_voice_change_config ok = rpl_voice_change_config_default();
    assert_int_equal(rpl_voice_change_create(NULL, &v), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_voice_change_create(&ok, NULL), RPL_ERR_INVALID_ARG);
    rpl_voice_change_config bad[6];
    for (size_t i = 0; i < 6; i++) {
        bad[i] = ok;
    }
    bad[0].min_gap_s = 0.0;
    bad[1].decide_voiced = 1;
    bad[2].min_voiced = ok.decide_voiced + 1;
    bad[3].history_voiced = ok.decide_voiced - 1;
    bad[4].threshold_st = 0.0;
    bad[5].threshold_st = NAN;
    for (size_t i = 0; i < 6; i++) {
        v = (rpl_voice_change *)&ok; /* must be reset to NULL */
        assert_int_equal(rpl_voice_change_create(&bad[i], &v), RPL_ERR_INVALID_ARG);
        assert_null(v);
    }
    rpl_voice_change_destroy(NULL);
}

/* The cue window: a 0.5 s silence between speech counts as a pause until marked a turn
 * exchange; unmarking counts it again; frames outside the range and a silence during which the
 * other party spoke are left alone; peek sees the marks. */
static void test_window_mark_turn(void **state)
{
    (void)state;
    rpl_cues_config cfg = rpl_cues_config_default();
    cfg.window_s = 4.0;
    cfg.part_pause_s = cfg.min_pause_s; /* the 0.5 s silence counts in full here */
    cfg.full_pause_s = 0.4;
    rpl_cue_window *w = NULL;
    assert_int_equal(rpl_cue_window_create(&cfg, &w), RPL_OK);
    /* speech 0-0.8 s | silence 0.8-1.3 (frames 80..129) | speech 1.3-1.8 | silence 1.8-2.1
     * while the other party speaks (180..209) | speech 2.1-2.5 */
    rpl_cues c;
    int steps = 0;
    for (int64_t i = 0; i < 250; i++) {
        bool speech = !((i >= 80 && i < 130) || (i >= 180 && i < 210));
        rpl_frame f = test_frame(i, speech, speech ? 120.0 : 0.0, -25.0);
        steps += rpl_cue_window_process(w, &f, i >= 180 && i < 210, true, &c);
    }
    assert_int_equal(steps, 5);
    assert_true(fabs(c.value[RPL_CUE_PAUSE_COUNT] - 1.0) < 1e-9);
    assert_true(fabs(c.value[RPL_CUE_PAUSE_S] - 0.5) < 1e-9);

    /* mark the silence (and only part of a range reaching past it: still the whole pause) */
    rpl_cue_window_mark_turn(w, 120, 125, true);
    rpl_cues peeked;
    rpl_cue_window_peek(w, NULL, NULL, 0, &peeked);
    assert_true(fabs(peeked.value[RPL_CUE_PAUSE_COUNT]) < 1e-9);
    for (int64_t i = 250; i < 300; i++) {
        rpl_frame f = test_frame(i, true, 120.0, -25.0);
        steps += rpl_cue_window_process(w, &f, false, true, &c);
    }
    assert_int_equal(steps, 6);
    assert_true(fabs(c.value[RPL_CUE_PAUSE_COUNT]) < 1e-9);
    assert_true(fabs(c.value[RPL_CUE_PAUSE_S]) < 1e-9);

    /* unmark it all, and the other party's silence too: only the marks go */
    rpl_cue_window_mark_turn(w, 0, 299, false);
    for (int64_t i = 300; i < 350; i++) {
        rpl_frame f = test_frame(i, true, 120.0, -25.0);
        steps += rpl_cue_window_process(w, &f, false, true, &c);
    }
    assert_true(fabs(c.value[RPL_CUE_PAUSE_COUNT] - 1.0) < 1e-9);
    assert_true(fabs(c.value[RPL_CUE_PAUSE_S] - 0.5) < 1e-9);

    /* a range that misses the silence changes nothing */
    rpl_cue_window_mark_turn(w, 130, 179, true);
    rpl_cue_window_peek(w, NULL, NULL, 0, &peeked);
    assert_true(fabs(peeked.value[RPL_CUE_PAUSE_COUNT] - 1.0) < 1e-9);
    rpl_cue_window_destroy(w);
}

/* ---- the pipeline, on a synthetic mono signal -------------------------------------------- */

enum { RATE = 8000 };

typedef struct pipeline_result {
    bool two_voices;
    size_t turns;
    rpl_store_channel_stats stats;
} pipeline_result;

/* 12 turns of 1.8 s of syllables (0.2 s vowels, 0.05 s apart) separated by 0.6 s silences,
 * alternately at f0_a and f0_b; line noise at -60 dBFS. Mono. */
static pipeline_result run_pipeline(double f0_a, double f0_b, uint64_t seed)
{
    const double turn_s = 1.8, gap_s = 0.6;
    const int turns = 12;
    size_t n = (size_t)((0.5 + turns * (turn_s + gap_s)) * RATE);
    float *x = calloc(n, sizeof *x);
    assert_non_null(x);
    test_white(x, n, 0.001f, &seed);
    double t = 0.5;
    for (int k = 0; k < turns; k++, t += turn_s + gap_s) {
        for (double s = 0.0; s + 0.2 <= turn_s + 1e-9; s += 0.25) {
            test_vowel(x, (size_t)((t + s) * RATE), (size_t)(0.2 * RATE), RATE,
                       k % 2 == 0 ? f0_a : f0_b, 0.3f);
        }
    }
    rpl_pipeline_config cfg = rpl_pipeline_config_default(1);
    rpl_pipeline *pl = NULL;
    assert_int_equal(rpl_pipeline_create(&cfg, &pl), RPL_OK);
    assert_int_equal(rpl_pipeline_process(pl, x, n, NULL), RPL_OK);
    assert_int_equal(rpl_pipeline_finish(pl, NULL), RPL_OK);
    pipeline_result r;
    r.two_voices = rpl_pipeline_two_voices(pl, &r.turns, NULL);
    assert_true(rpl_pipeline_channel_stats(pl, RPL_STORE_ROLE_CUSTOMER, &r.stats));
    rpl_pipeline_destroy(pl);
    free(x);
    return r;
}

/* Two voices (110 and 220 Hz) taking turns: the 11 silences are turn exchanges, not pauses,
 * and the call is said to hold two voices. One voice (its phrases at 120 and 130 Hz) with the
 * same silences: they are its pauses (1.5 s at most on mono, so 0.6 s counts), and no
 * second voice. */
static void test_pipeline_mono_mix(void **state)
{
    (void)state;
    uint64_t seed = test_seed("test_pipeline_mono_mix");
    pipeline_result two = run_pipeline(110.0, 220.0, seed);
    printf("two voices: %zu turn exchanges, %zu pauses (%.2f s)\n", two.turns,
           two.stats.pause_count, two.stats.pause_total_s);
    assert_true(two.two_voices);
    assert_true(two.turns >= 10 && two.turns <= 11);
    assert_true(two.stats.pause_count <= 1);

    pipeline_result one = run_pipeline(120.0, 130.0, seed);
    printf("one voice: %zu turn exchanges, %zu pauses (%.2f s)\n", one.turns, one.stats.pause_count,
           one.stats.pause_total_s);
    assert_false(one.two_voices);
    assert_int_equal(one.turns, 0);
    assert_true(one.stats.pause_count >= 10 && one.stats.pause_count <= 11);
    assert_true(fabs(one.stats.pause_total_s / (double)one.stats.pause_count - 0.6) < 0.15);
}

/* Stereo calls never look for a second voice on a channel. */
static void test_pipeline_stereo_has_none(void **state)
{
    (void)state;
    rpl_pipeline_config cfg = rpl_pipeline_config_default(2);
    rpl_pipeline *pl = NULL;
    assert_int_equal(rpl_pipeline_create(&cfg, &pl), RPL_OK);
    float x[2 * RATE];
    uint64_t seed = 7;
    test_white(x, 2 * RATE, 0.01f, &seed);
    assert_int_equal(rpl_pipeline_process(pl, x, RATE, NULL), RPL_OK);
    assert_int_equal(rpl_pipeline_finish(pl, NULL), RPL_OK);
    size_t turns = 99;
    assert_false(rpl_pipeline_two_voices(pl, &turns, NULL));
    assert_int_equal(turns, 0);
    rpl_pipeline_destroy(pl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_voices_alternate),     cmocka_unit_test(test_one_voice_pauses),
        cmocka_unit_test(test_short_run_and_flush),      cmocka_unit_test(test_invalid_config),
        cmocka_unit_test(test_window_mark_turn),         cmocka_unit_test(test_pipeline_mono_mix),
        cmocka_unit_test(test_pipeline_stereo_has_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
