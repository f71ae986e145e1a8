/* Leakage of one party's voice into the other's channel, on constructed frame streams whose
 * truth is known to the frame: a source voice with a moving F0, and a target channel that holds
 * its own voice, a delayed and attenuated copy of the source, both, or neither. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "rappel/crosstalk.h"

#define assert_near(a, b, tol)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol))) {                                                           \
            print_error("%s = %.9g, expected %.9g\n", #a, a_, b_);                                 \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

enum { FRAMES = 6000 }; /* 60 s */

static uint32_t rng_state;

static double uniform(void) /* [0, 1), seeded LCG: the same streams every run */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (double)(rng_state >> 8) / 16777216.0;
}

/* A talker: turns of syllables (200 ms voiced, 80 ms unvoiced) with silences between turns.
 * F0 wanders around base_hz (a slow glide and 0.1 st of frame-to-frame jitter); level
 * level_db +-3 dB on voiced frames, 10 dB lower on unvoiced ones. talking(t) says when. */
typedef struct talker {
    double base_hz, level_db;
    int turn_frames, gap_frames, offset;
} talker;

static bool talking(const talker *v, int t)
{
    int period = v->turn_frames + v->gap_frames;
    int u = ((t - v->offset) % period + period) % period;
    return t >= v->offset && u < v->turn_frames;
}

static rpl_frame voice_frame(const talker *v, int t)
{
    rpl_frame f = {.index = t, .energy_db = -75.0f};
    if (!talking(v, t)) {
        return f;
    }
    f.speech = true;
    bool voiced = (t - v->offset) % 28 < 20;
    f.voiced = voiced;
    double st = 3.0 * sin(t * 0.013) + 2.0 * sin(t * 0.071) + 0.1 * (uniform() - 0.5) * 2.0;
    f.f0_hz = voiced ? (float)(v->base_hz * pow(2.0, st / 12.0)) : 0.0f;
    f.energy_db = (float)(v->level_db + (voiced ? 0.0 : -10.0) + 6.0 * (uniform() - 0.5));
    return f;
}

/* The target's frame: its own voice when it talks (louder than any leak), else the source's
 * frame `delay` frames before (none when delay < 0), `loss` dB down, when that was speech; else
 * silence. */
static rpl_frame target_frame(const talker *own, const rpl_frame *source_hist, int t, int delay,
                              double loss, bool *is_leak)
{
    *is_leak = false;
    if (own != NULL && talking(own, t)) {
        return voice_frame(own, t);
    }
    rpl_frame f = {.index = t, .energy_db = -75.0f};
    if (delay >= 0 && t >= delay && source_hist[t - delay].speech) {
        f = source_hist[t - delay];
        f.index = t;
        f.energy_db = (float)((double)f.energy_db - loss);
        *is_leak = true;
    }
    return f;
}

typedef struct outcome {
    int leak_frames, leak_flagged, own_frames, own_flagged, own_over_source, first_flag;
} outcome;

static outcome run(const talker *source, const talker *own, int delay, double loss,
                   rpl_crosstalk *x)
{
    static rpl_frame hist[FRAMES];
    outcome o = {.first_flag = -1};
    for (int t = 0; t < FRAMES; t++) {
        hist[t] = voice_frame(source, t);
        bool is_leak;
        rpl_frame target = target_frame(own, hist, t, delay, loss, &is_leak);
        bool flagged = rpl_crosstalk_process(x, &hist[t], &target);
        if (flagged && o.first_flag < 0) {
            o.first_flag = t;
        }
        if (is_leak) {
            o.leak_frames++;
            o.leak_flagged += flagged;
        } else if (target.speech) {
            o.own_frames++;
            o.own_flagged += flagged;
            o.own_over_source += hist[t].speech;
        }
    }
    return o;
}

static rpl_crosstalk *detector(void)
{
    rpl_crosstalk *x = NULL;
    assert_int_equal(rpl_crosstalk_create(NULL, &x), RPL_OK);
    return x;
}

/* An agent (120 Hz) leaks into the customer's channel 70 ms later, 25 dB down; the customer
 * (210 Hz) talks in the gaps and twice over the agent. The path is found, with its delay and
 * loss; the leaked frames are flagged once it is; none of the customer's own frames is, those
 * spoken over the agent included. */
static void leak_found_and_flagged(void **state)
{
    (void)state;
    rng_state = 1;
    talker agent = {.base_hz = 120.0, .level_db = -18.0, .turn_frames = 400, .gap_frames = 300};
    talker customer = {
        .base_hz = 210.0, .level_db = -22.0, .turn_frames = 250, .gap_frames = 450, .offset = 380};
    rpl_crosstalk *x = detector();
    outcome o = run(&agent, &customer, 7, 25.0, x);
    double delay_s = 0.0, loss_db = 0.0;
    assert_true(rpl_crosstalk_path(x, &delay_s, &loss_db));
    assert_near(delay_s, 0.07, 1e-9);
    assert_near(loss_db, 25.0, 0.5);
    /* established within the agent's first second of voiced speech */
    assert_true(o.first_flag >= 0 && o.first_flag < 100);
    assert_true(o.leak_flagged >= (int)(0.97 * o.leak_frames));
    assert_int_equal(o.own_flagged, 0);
    assert_true(o.own_over_source > 100); /* the overlaps were there to be tested */
    rpl_crosstalk_destroy(x);
}

/* Two independent voices, in the same F0 range or not, overlapping often: no path, nothing
 * flagged. */
static void independent_voices_are_not_a_leak(void **state)
{
    (void)state;
    const double customer_hz[2] = {210.0, 125.0};
    for (int i = 0; i < 2; i++) {
        rng_state = 7u + (uint32_t)i;
        talker agent = {.base_hz = 120.0, .level_db = -18.0, .turn_frames = 300, .gap_frames = 100};
        talker customer = {.base_hz = customer_hz[i],
                           .level_db = -30.0,
                           .turn_frames = 350,
                           .gap_frames = 80,
                           .offset = 150};
        rpl_crosstalk *x = detector();
        outcome o = run(&agent, &customer, -1, 0.0, x); /* -1: the agent never leaks */
        assert_int_equal(o.leak_frames, 0);
        assert_true(o.own_over_source > 1000);
        assert_false(rpl_crosstalk_path(x, NULL, NULL));
        assert_int_equal(o.own_flagged, 0);
        rpl_crosstalk_destroy(x);
    }
}

/* A copy only 3 dB down is a mixed recording, not a leak; and the detector of the other
 * direction (the leaking channel as source) finds no path either: the copy is the quieter. */
static void loud_copy_and_reverse_direction(void **state)
{
    (void)state;
    rng_state = 3;
    talker agent = {.base_hz = 140.0, .level_db = -18.0, .turn_frames = 400, .gap_frames = 300};
    rpl_crosstalk *x = detector();
    outcome o = run(&agent, NULL, 4, 3.0, x);
    assert_true(o.leak_frames > 1000);
    assert_false(rpl_crosstalk_path(x, NULL, NULL));
    assert_int_equal(o.leak_flagged, 0);
    rpl_crosstalk_destroy(x);

    /* reverse: the leaking channel is the source, the agent's own channel the target */
    static rpl_frame hist[FRAMES];
    rng_state = 3;
    x = detector();
    int flagged = 0;
    for (int t = 0; t < FRAMES; t++) {
        hist[t] = voice_frame(&agent, t);
        bool is_leak;
        rpl_frame leaked = target_frame(NULL, hist, t, 4, 20.0, &is_leak);
        flagged += rpl_crosstalk_process(x, &leaked, &hist[t]);
    }
    assert_false(rpl_crosstalk_path(x, NULL, NULL));
    assert_int_equal(flagged, 0);
    rpl_crosstalk_destroy(x);
}

static void invalid_config(void **state)
{
    (void)state;
    rpl_crosstalk_config bad[5];
    for (int i = 0; i < 5; i++) {
        bad[i] = rpl_crosstalk_config_default();
    }
    bad[0].frame_ms = 0.0f;
    bad[1].max_delay_ms = -1.0;
    bad[2].min_matches = 0;
    bad[3].min_share = 1.5;
    bad[4].f0_match_st = NAN;
    for (int i = 0; i < 5; i++) {
        rpl_crosstalk *x = (rpl_crosstalk *)&x;
        assert_int_equal(rpl_crosstalk_create(&bad[i], &x), RPL_ERR_INVALID_ARG);
        assert_null(x);
    }
    assert_int_equal(rpl_crosstalk_create(NULL, NULL), RPL_ERR_INVALID_ARG);
    rpl_crosstalk_destroy(NULL);
    assert_false(rpl_crosstalk_path(NULL, NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_found_and_flagged),
        cmocka_unit_test(independent_voices_are_not_a_leak),
        cmocka_unit_test(loud_copy_and_reverse_direction),
        cmocka_unit_test(invalid_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
