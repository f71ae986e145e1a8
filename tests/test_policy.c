/* Alert policy: hysteresis, minimum duration, close hold, cooldown, minimum speech, no storms,
 * flush, span use, and the evidence JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rappel/policy.h"
#include "rappel/store.h"
#include "signals.h"

/* |a - b| <= tol, saying both values on failure. */
#define assert_near(a, b, tol)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol))) {                                                           \
            print_error("%s = %.9g, expected %.9g\n", #a, a_, b_);                                 \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* A rule with everything off but the thresholds, changed per test. */
static rpl_policy_rule bare_rule(void)
{
    rpl_policy_rule r = {.enabled = true,
                         .open = 0.65,
                         .close = 0.45,
                         .min_duration_s = 0.0,
                         .close_hold_s = 0.0,
                         .cooldown_s = 0.0,
                         .min_speech_s = 0.0};
    return r;
}

static rpl_policy *make(rpl_policy_rule rule)
{
    rpl_policy_config cfg = {.kind = RPL_ALERT_FRUSTRATION, .rule = rule};
    rpl_policy *p = NULL;
    assert_int_equal(rpl_policy_create(&cfg, &p), RPL_OK);
    assert_non_null(p);
    return p;
}

/* One update with plenty of speech; returns the event type. */
static rpl_policy_event_type step(rpl_policy *p, double t, double score, rpl_policy_event *ev)
{
    rpl_policy_input in = {.t_s = t, .score = score, .speech_s = 100.0, .evidence = NULL};
    assert_int_equal(rpl_policy_update(p, &in, ev), RPL_OK);
    return ev->type;
}

static void hysteresis_opens_at_open_and_closes_below_close(void **state)
{
    (void)state;
    rpl_policy *p = make(bare_rule());
    rpl_policy_event ev;
    assert_int_equal(step(p, 0.0, 0.64, &ev), RPL_POLICY_NONE);         /* below open */
    assert_int_equal(step(p, 0.5, 0.65, &ev), RPL_POLICY_ALERT_RAISED); /* == open opens */
    assert_int_equal(ev.kind, RPL_ALERT_FRUSTRATION);
    assert_near(ev.t_start_s, 0.5, 1e-12);
    assert_near(ev.score, 0.65, 1e-12);
    /* Between close and open the alert stays open. */
    assert_int_equal(step(p, 1.0, 0.50, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 1.5, 0.90, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 2.0, 0.45, &ev), RPL_POLICY_NONE); /* == close is not below */
    assert_int_equal(step(p, 2.5, 0.449, &ev), RPL_POLICY_ALERT_CLOSED);
    assert_near(ev.t_start_s, 0.5, 1e-12);
    assert_near(ev.t_end_s, 2.5, 1e-12);
    assert_near(ev.score, 0.90, 1e-12);
    assert_near(ev.t_peak_s, 1.5, 1e-12);
    /* Back between close and open: no new episode without reaching open again. */
    assert_int_equal(step(p, 3.0, 0.60, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 3.5, 0.70, &ev), RPL_POLICY_ALERT_RAISED);
    assert_near(ev.t_start_s, 3.5, 1e-12);
    rpl_policy_destroy(p);
}

static void min_duration_drops_short_episodes(void **state)
{
    (void)state;
    rpl_policy_rule r = bare_rule();
    r.min_duration_s = 2.0;
    rpl_policy *p = make(r);
    rpl_policy_event ev;
    /* 1.5 s above close, then down: dropped, nothing emitted. */
    for (int i = 0; i <= 3; i++) {
        assert_int_equal(step(p, 0.5 * i, 0.8, &ev), RPL_POLICY_NONE);
    }
    assert_int_equal(step(p, 2.0, 0.1, &ev), RPL_POLICY_NONE);
    /* Starting at 3.0, above close (not necessarily above open) for 2 s: raised at 5.0. */
    assert_int_equal(step(p, 3.0, 0.7, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 3.5, 0.5, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 4.0, 0.5, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 4.5, 0.5, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 5.0, 0.5, &ev), RPL_POLICY_ALERT_RAISED);
    assert_near(ev.t_start_s, 3.0, 1e-12);
    assert_near(ev.t_end_s, 5.0, 1e-12);
    assert_near(ev.score, 0.7, 1e-12);
    rpl_policy_destroy(p);
}

static void close_hold_bridges_short_dips(void **state)
{
    (void)state;
    rpl_policy_rule r = bare_rule();
    r.close_hold_s = 1.0;
    rpl_policy *p = make(r);
    rpl_policy_event ev;
    assert_int_equal(step(p, 0.0, 0.8, &ev), RPL_POLICY_ALERT_RAISED);
    /* A 0.5 s dip (one update below close) is bridged. */
    assert_int_equal(step(p, 0.5, 0.2, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 1.0, 0.6, &ev), RPL_POLICY_NONE);
    /* A dip held 1 s ends the alert at the dip's first update. */
    assert_int_equal(step(p, 1.5, 0.2, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 2.0, 0.2, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 2.5, 0.2, &ev), RPL_POLICY_ALERT_CLOSED);
    assert_near(ev.t_start_s, 0.0, 1e-12);
    assert_near(ev.t_end_s, 1.5, 1e-12);
    rpl_policy_destroy(p);
}

static void cooldown_blocks_a_new_alert(void **state)
{
    (void)state;
    rpl_policy_rule r = bare_rule();
    r.cooldown_s = 30.0;
    rpl_policy *p = make(r);
    rpl_policy_event ev;
    assert_int_equal(step(p, 5.0, 0.9, &ev), RPL_POLICY_ALERT_RAISED);
    assert_int_equal(step(p, 10.0, 0.1, &ev), RPL_POLICY_ALERT_CLOSED);
    /* High again during the cooldown (ends at 40 s): nothing. */
    for (double t = 10.5; t < 40.0; t += 0.5) {
        assert_int_equal(step(p, t, 0.95, &ev), RPL_POLICY_NONE);
    }
    /* Exactly at the end of the cooldown an episode may open. */
    assert_int_equal(step(p, 40.0, 0.95, &ev), RPL_POLICY_ALERT_RAISED);
    assert_near(ev.t_start_s, 40.0, 1e-12);
    /* A dropped (unqualified) episode starts no cooldown. */
    rpl_policy_rule r2 = bare_rule();
    r2.cooldown_s = 30.0;
    r2.min_duration_s = 5.0;
    rpl_policy *q = make(r2);
    assert_int_equal(step(q, 0.0, 0.9, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(q, 1.0, 0.1, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(q, 2.0, 0.9, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(q, 7.0, 0.9, &ev), RPL_POLICY_ALERT_RAISED);
    assert_near(ev.t_start_s, 2.0, 1e-12);
    rpl_policy_destroy(q);
    rpl_policy_destroy(p);
}

static void min_speech_gates_the_start(void **state)
{
    (void)state;
    rpl_policy_rule r = bare_rule();
    r.min_speech_s = 4.0;
    rpl_policy *p = make(r);
    rpl_policy_event ev;
    /* A caller angry from the first second: high score, but only 3.9 s of speech. */
    for (int i = 0; i < 10; i++) {
        rpl_policy_input in = {.t_s = 0.5 * i, .score = 0.95, .speech_s = 0.39 * i};
        assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
        assert_int_equal(ev.type, RPL_POLICY_NONE);
    }
    rpl_policy_input in = {.t_s = 5.0, .score = 0.95, .speech_s = 4.0};
    assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_RAISED);
    assert_near(ev.t_start_s, 5.0, 1e-12);
    rpl_policy_destroy(p);
}

/* Gaussian-ish (sum of 4 uniforms), unit variance. */
static double gauss(uint64_t *s)
{
    double u = (double)test_uniform(s) + (double)test_uniform(s) + (double)test_uniform(s) +
               (double)test_uniform(s);
    return u * 0.8660254037844386;
}

static double clamp01(double x)
{
    return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

static void noisy_score_inside_the_hysteresis_is_one_alert(void **state)
{
    (void)state;
    uint64_t seed = test_seed("noisy_score_inside_the_hysteresis_is_one_alert");
    rpl_policy *p = make(rpl_policy_rule_default(RPL_ALERT_FRUSTRATION));
    rpl_policy_rule r = rpl_policy_rule_default(RPL_ALERT_FRUSTRATION);
    rpl_policy_event ev;
    /* Five minutes of a score hovering around open: uniform in open +- (open - close) * 0.9,
     * so it crosses open about every other update but never falls below close. */
    const double half = (r.open - r.close) * 0.9;
    int raised = 0, closed = 0, crossings = 0;
    double first_t = -1.0, prev = 0.0;
    for (int i = 0; i < 600; i++) {
        double t = 0.5 * i;
        double score = r.open + half * (double)test_uniform(&seed);
        if (i > 0 && (prev < r.open) != (score < r.open)) {
            crossings++;
        }
        if (first_t < 0.0 && score >= r.open) {
            first_t = t;
        }
        prev = score;
        rpl_policy_event_type type = step(p, t, score, &ev);
        raised += type == RPL_POLICY_ALERT_RAISED;
        closed += type == RPL_POLICY_ALERT_CLOSED;
        if (type == RPL_POLICY_ALERT_RAISED) {
            assert_near(ev.t_start_s, first_t, 1e-12);
            assert_true(ev.t_end_s - ev.t_start_s >= r.min_duration_s);
        }
    }
    printf("open crossings %d (a bare threshold would raise %d alerts), raised %d\n", crossings,
           (crossings + 1) / 2, raised);
    assert_true(crossings > 100); /* the test means something */
    assert_int_equal(raised, 1);
    assert_int_equal(closed, 0);
    assert_int_equal(rpl_policy_flush(p, 300.0, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_CLOSED);
    assert_near(ev.t_end_s, 300.0, 1e-12);
    rpl_policy_destroy(p);
}

static void noisy_score_never_storms(void **state)
{
    (void)state;
    uint64_t seed = test_seed("noisy_score_never_storms");
    rpl_policy_rule r = rpl_policy_rule_default(RPL_ALERT_FRUSTRATION);
    rpl_policy *p = make(r);
    rpl_policy_event ev;
    /* One hour of a score around the threshold with noise wider than the hysteresis. */
    const int n = 7200;
    int raised = 0, closed = 0, crossings = 0;
    double last_end = -1e9, prev = 0.0;
    bool open_alert = false;
    for (int i = 0; i < n; i++) {
        double t = 0.5 * i;
        double score = clamp01(0.6 + 0.15 * gauss(&seed));
        if (i > 0 && (prev < r.open) != (score < r.open)) {
            crossings++;
        }
        prev = score;
        rpl_policy_event_type type = step(p, t, score, &ev);
        if (type == RPL_POLICY_ALERT_RAISED) {
            assert_false(open_alert);
            assert_true(ev.t_start_s >= last_end + r.cooldown_s);
            open_alert = true;
            raised++;
        } else if (type == RPL_POLICY_ALERT_CLOSED) {
            assert_true(open_alert);
            assert_true(ev.t_end_s >= ev.t_start_s + r.min_duration_s);
            last_end = ev.t_end_s;
            open_alert = false;
            closed++;
        }
    }
    printf("1 h noisy score: %d threshold crossings, %d alerts\n", crossings, raised);
    assert_true(crossings > 1000);
    /* Alerts are at least min_duration + cooldown apart: at most 3600 / 62 + 1 per hour. */
    assert_true(raised >= 1);
    assert_true(raised <= (int)(3600.0 / (r.min_duration_s + r.cooldown_s)) + 1);
    assert_true(closed == raised || closed == raised - 1);
    rpl_policy_destroy(p);
}

static void flush_closes_or_drops(void **state)
{
    (void)state;
    rpl_policy_rule r = bare_rule();
    r.min_duration_s = 2.0;
    r.close_hold_s = 1.0;
    r.cooldown_s = 60.0;
    rpl_policy *p = make(r);
    rpl_policy_event ev;
    /* Unqualified episode at the end of the stream: dropped. */
    assert_int_equal(step(p, 0.0, 0.9, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 1.5, 0.9, &ev), RPL_POLICY_NONE);
    assert_int_equal(rpl_policy_flush(p, 10.0, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_NONE);
    /* Open alert: closed at the flush time. */
    assert_int_equal(step(p, 0.0, 0.9, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 2.0, 0.7, &ev), RPL_POLICY_ALERT_RAISED);
    assert_int_equal(rpl_policy_flush(p, 3.25, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_CLOSED);
    assert_near(ev.t_start_s, 0.0, 1e-12);
    assert_near(ev.t_end_s, 3.25, 1e-12);
    assert_near(ev.score, 0.9, 1e-12);
    /* The flush reset the stream: no cooldown carried over, time may restart. Alert in a dip
     * at the end: it ended where the dip began. */
    assert_int_equal(step(p, 0.0, 0.9, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 2.0, 0.9, &ev), RPL_POLICY_ALERT_RAISED);
    assert_int_equal(step(p, 2.5, 0.1, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 3.0, 0.1, &ev), RPL_POLICY_NONE);
    assert_int_equal(rpl_policy_flush(p, 3.25, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_CLOSED);
    assert_near(ev.t_end_s, 2.5, 1e-12);
    /* A flush time before the last update counts as the last update. */
    assert_int_equal(step(p, 0.0, 0.9, &ev), RPL_POLICY_NONE);
    assert_int_equal(step(p, 2.0, 0.9, &ev), RPL_POLICY_ALERT_RAISED);
    assert_int_equal(step(p, 4.0, 0.9, &ev), RPL_POLICY_NONE);
    assert_int_equal(rpl_policy_flush(p, 1.0, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_CLOSED);
    assert_near(ev.t_end_s, 4.0, 1e-12);
    assert_int_equal(rpl_policy_flush(p, 5.0, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_NONE);
    rpl_policy_destroy(p);
}

static void evidence_is_kept_from_the_peak(void **state)
{
    (void)state;
    rpl_policy_rule r = bare_rule();
    r.min_duration_s = 1.0;
    rpl_policy *p = make(r);
    rpl_policy_event ev;
    const double scores[] = {0.7, 0.9, 0.8, 0.85};
    for (int i = 0; i < 4; i++) {
        rpl_evidence e = {0};
        char name[16];
        snprintf(name, sizeof name, "cue_at_%d", i);
        assert_true(rpl_evidence_add(&e, name, scores[i] * 10.0, "st", 1.0 + i));
        rpl_policy_input in = {
            .t_s = 0.5 * i, .score = scores[i], .speech_s = 10.0, .evidence = &e};
        assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
        if (i == 2) {
            /* Raised at 1.0 s with the evidence of the peak so far (0.9 at 0.5 s). */
            assert_int_equal(ev.type, RPL_POLICY_ALERT_RAISED);
            assert_int_equal(ev.evidence.count, 1);
            assert_string_equal(ev.evidence.cues[0].name, "cue_at_1");
            assert_near(ev.t_peak_s, 0.5, 1e-12);
        }
    }
    assert_int_equal(rpl_policy_flush(p, 2.0, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_CLOSED);
    assert_string_equal(ev.evidence.cues[0].name, "cue_at_1");
    assert_near(ev.evidence.cues[0].value, 9.0, 1e-12);
    assert_string_equal(ev.evidence.cues[0].unit, "st");
    assert_near(ev.evidence.cues[0].deviation, 2.0, 1e-12);
    rpl_policy_destroy(p);
}

static void spans_go_through_the_default_span_rule(void **state)
{
    (void)state;
    rpl_policy_config cfg = {.kind = RPL_ALERT_DEAD_AIR,
                             .rule = rpl_policy_rule_default(RPL_ALERT_DEAD_AIR)};
    rpl_policy *p = NULL;
    assert_int_equal(rpl_policy_create(&cfg, &p), RPL_OK);
    rpl_policy_event ev;
    rpl_policy_input in = {.t_s = 12.3, .score = 1.0, .speech_s = 0.0};
    assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_RAISED);
    assert_int_equal(ev.kind, RPL_ALERT_DEAD_AIR);
    in.t_s = 16.8;
    in.score = 0.0;
    assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_CLOSED);
    assert_near(ev.t_start_s, 12.3, 1e-12);
    assert_near(ev.t_end_s, 16.8, 1e-12);
    /* A second span 3 s later is inside the 5 s cooldown; one 5 s after the first ends is
     * not. */
    in.t_s = 19.8;
    in.score = 1.0;
    assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_NONE);
    in.t_s = 21.0;
    in.score = 0.0;
    assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_NONE);
    in.t_s = 21.8;
    in.score = 1.0;
    assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_ALERT_RAISED);
    rpl_policy_destroy(p);
}

static void disabled_rule_never_alerts(void **state)
{
    (void)state;
    rpl_policy_rule r = bare_rule();
    r.enabled = false;
    rpl_policy *p = make(r);
    rpl_policy_event ev;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(step(p, i, 1.0, &ev), RPL_POLICY_NONE);
    }
    assert_int_equal(rpl_policy_flush(p, 20.0, &ev), RPL_OK);
    assert_int_equal(ev.type, RPL_POLICY_NONE);
    rpl_policy_destroy(p);
}

static void invalid_arguments(void **state)
{
    (void)state;
    rpl_policy *p = (rpl_policy *)&p;
    assert_int_equal(rpl_policy_create(NULL, &p), RPL_ERR_INVALID_ARG);
    assert_null(p);
    rpl_policy_config cfg = rpl_policy_config_default();
    assert_int_equal(rpl_policy_create(&cfg, NULL), RPL_ERR_INVALID_ARG);
    rpl_policy_config bad[8];
    for (int i = 0; i < 8; i++) {
        bad[i] = cfg;
    }
    bad[0].rule.close = 0.7; /* above open */
    bad[1].rule.open = 1.5;
    bad[2].rule.close = -0.1;
    bad[3].rule.min_duration_s = -1.0;
    bad[4].rule.cooldown_s = NAN;
    bad[5].rule.min_speech_s = INFINITY;
    bad[6].rule.close_hold_s = 1e6;
    bad[7].kind = (rpl_alert_kind)7;
    for (int i = 0; i < 8; i++) {
        p = (rpl_policy *)&p;
        assert_int_equal(rpl_policy_create(&bad[i], &p), RPL_ERR_INVALID_ARG);
        assert_null(p);
        if (i < 7) {
            assert_non_null(rpl_policy_rule_check(&bad[i].rule));
        }
    }
    assert_null(rpl_policy_rule_check(&cfg.rule));
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        rpl_policy_rule d = rpl_policy_rule_default((rpl_alert_kind)k);
        assert_null(rpl_policy_rule_check(&d));
    }

    assert_int_equal(rpl_policy_create(&cfg, &p), RPL_OK);
    rpl_policy_event ev;
    rpl_policy_input in = {.t_s = 1.0, .score = 0.5, .speech_s = 10.0};
    assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
    const double bad_scores[] = {NAN, -0.01, 1.01, INFINITY};
    for (int i = 0; i < 4; i++) {
        rpl_policy_input b = in;
        b.score = bad_scores[i];
        ev.type = RPL_POLICY_ALERT_RAISED;
        assert_int_equal(rpl_policy_update(p, &b, &ev), RPL_ERR_INVALID_ARG);
        assert_int_equal(ev.type, RPL_POLICY_NONE);
    }
    rpl_policy_input back = {.t_s = 0.5, .score = 0.5, .speech_s = 10.0};
    assert_int_equal(rpl_policy_update(p, &back, &ev), RPL_ERR_INVALID_ARG);
    rpl_policy_input nan_t = {.t_s = NAN, .score = 0.5, .speech_s = 10.0};
    assert_int_equal(rpl_policy_update(p, &nan_t, &ev), RPL_ERR_INVALID_ARG);
    rpl_policy_input nan_speech = {.t_s = 2.0, .score = 0.5, .speech_s = NAN};
    assert_int_equal(rpl_policy_update(p, &nan_speech, &ev), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_policy_update(p, NULL, &ev), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_policy_update(p, &in, NULL), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_policy_update(NULL, &in, &ev), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_policy_flush(NULL, 1.0, &ev), RPL_ERR_INVALID_ARG);
    /* The rejected inputs left the state alone: time 1.0 is still accepted. */
    assert_int_equal(rpl_policy_update(p, &in, &ev), RPL_OK);
    rpl_policy_destroy(p);
    rpl_policy_destroy(NULL);

    assert_string_equal(rpl_alert_kind_name(RPL_ALERT_DEAD_AIR), "dead_air");
    assert_string_equal(rpl_alert_kind_name((rpl_alert_kind)-1), "?");
    assert_true(rpl_alert_kind_is_span(RPL_ALERT_OVERTALK));
    assert_false(rpl_alert_kind_is_span(RPL_ALERT_FATIGUE));
}

/* ---- a strict JSON checker (RFC 8259) for the evidence text ------------------------------ */

typedef struct json_in {
    const char *p;
    char last_string[256]; /* decoded, UTF-8 */
    size_t last_len;
} json_in;

static void ws(json_in *j)
{
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r') {
        j->p++;
    }
}

static void put_utf8(json_in *j, unsigned cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    }
    for (size_t i = 0; i < n && j->last_len + 1 < sizeof j->last_string; i++) {
        j->last_string[j->last_len++] = (char)b[i];
    }
}

static bool json_string(json_in *j)
{
    if (*j->p != '"') {
        return false;
    }
    j->p++;
    j->last_len = 0;
    while (*j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20) {
            return false;
        }
        if (c == '\\') {
            j->p++;
            char e = *j->p;
            if (e == 'u') {
                unsigned cp = 0;
                for (int i = 1; i <= 4; i++) {
                    char h = j->p[i];
                    unsigned v;
                    if (h >= '0' && h <= '9') {
                        v = (unsigned)(h - '0');
                    } else if (h >= 'a' && h <= 'f') {
                        v = (unsigned)(h - 'a' + 10);
                    } else if (h >= 'A' && h <= 'F') {
                        v = (unsigned)(h - 'A' + 10);
                    } else {
                        return false;
                    }
                    cp = cp * 16 + v;
                }
                put_utf8(j, cp);
                j->p += 5;
                continue;
            }
            const char *from = "\"\\/bfnrt";
            const char *to = "\"\\/\b\f\n\r\t";
            const char *hit = strchr(from, e);
            if (e == '\0' || hit == NULL) {
                return false;
            }
            put_utf8(j, (unsigned char)to[hit - from]);
            j->p++;
            continue;
        }
        if (j->last_len + 1 < sizeof j->last_string) {
            j->last_string[j->last_len++] = (char)c;
        }
        j->p++;
    }
    j->last_string[j->last_len] = '\0';
    j->p++;
    return true;
}

static bool json_number(json_in *j)
{
    const char *s = j->p;
    if (*s == '-') {
        s++;
    }
    if (*s == '0') {
        s++;
    } else if (*s >= '1' && *s <= '9') {
        while (*s >= '0' && *s <= '9') {
            s++;
        }
    } else {
        return false;
    }
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9')) {
            return false;
        }
        while (*s >= '0' && *s <= '9') {
            s++;
        }
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') {
            s++;
        }
        if (!(*s >= '0' && *s <= '9')) {
            return false;
        }
        while (*s >= '0' && *s <= '9') {
            s++;
        }
    }
    j->p = s;
    return true;
}

static bool json_value(json_in *j);

static bool json_container(json_in *j, char open, char close, bool object)
{
    if (*j->p != open) {
        return false;
    }
    j->p++;
    ws(j);
    if (*j->p == close) {
        j->p++;
        return true;
    }
    for (;;) {
        ws(j);
        if (object) {
            if (!json_string(j)) {
                return false;
            }
            ws(j);
            if (*j->p != ':') {
                return false;
            }
            j->p++;
            ws(j);
        }
        if (!json_value(j)) {
            return false;
        }
        ws(j);
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p == close) {
            j->p++;
            return true;
        }
        return false;
    }
}

static bool json_value(json_in *j)
{
    switch (*j->p) {
    case '{':
        return json_container(j, '{', '}', true);
    case '[':
        return json_container(j, '[', ']', false);
    case '"':
        return json_string(j);
    case 'n':
        if (strncmp(j->p, "null", 4) != 0) {
            return false;
        }
        j->p += 4;
        return true;
    default:
        return json_number(j);
    }
}

static bool json_valid_object(const char *text)
{
    json_in j = {.p = text};
    ws(&j);
    if (*j.p != '{' || !json_value(&j)) {
        return false;
    }
    ws(&j);
    return *j.p == '\0';
}

/* The decoded text of the n-th string value that follows the key `"key":` in text. */
static bool json_string_after(const char *text, const char *key, int n, char *out, size_t size)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *s = text;
    for (int i = 0; i <= n; i++) {
        s = strstr(s, pattern);
        if (s == NULL) {
            return false;
        }
        s += strlen(pattern);
    }
    json_in j = {.p = s};
    if (!json_string(&j)) {
        return false;
    }
    snprintf(out, size, "%s", j.last_string);
    return true;
}

static void evidence_json_is_valid_and_escaped(void **state)
{
    (void)state;
    char buf[RPL_EVIDENCE_JSON_MAX];
    size_t len = 0;
    /* Empty evidence. */
    assert_int_equal(rpl_policy_evidence_json(NULL, NAN, buf, sizeof buf, &len), RPL_OK);
    assert_string_equal(buf, "{\"cues\":[]}");
    assert_int_equal(len, strlen(buf));

    rpl_evidence ev = {0};
    assert_true(rpl_evidence_add(&ev, "f0_median", 4.2, "st", 2.1));
    assert_true(rpl_evidence_add(&ev, "say \"hi\" \\ now", -3.0, "dB", NAN));
    assert_true(rpl_evidence_add(&ev, "tab\there\nnl\x01", NAN, NULL, INFINITY));
    assert_true(rpl_evidence_add(&ev, "caf\xc3\xa9 bad\xff\xc3 end", 1e300, "\xe2\x82\xac", 0.5));
    assert_int_equal(rpl_policy_evidence_json(&ev, 12.5, buf, sizeof buf, &len), RPL_OK);
    printf("%s\n", buf);
    assert_int_equal(len, strlen(buf));
    assert_true(json_valid_object(buf));
    char s[256];
    assert_true(json_string_after(buf, "name", 0, s, sizeof s));
    assert_string_equal(s, "f0_median");
    assert_true(json_string_after(buf, "name", 1, s, sizeof s));
    assert_string_equal(s, "say \"hi\" \\ now");
    assert_true(json_string_after(buf, "name", 2, s, sizeof s));
    assert_string_equal(s, "tab\there\nnl\x01");
    assert_true(json_string_after(buf, "name", 3, s, sizeof s));
    /* Invalid bytes became U+FFFD (EF BF BD); valid UTF-8 passes through. */
    assert_string_equal(s, "caf\xc3\xa9 bad\xef\xbf\xbd\xef\xbf\xbd end");
    assert_true(json_string_after(buf, "unit", 3, s, sizeof s));
    assert_string_equal(s, "\xe2\x82\xac");
    /* Numbers: finite as %.6g, non-finite value null, NAN deviation left out, the peak time. */
    assert_non_null(strstr(buf, "\"value\":4.2,\"unit\":\"st\",\"deviation\":2.1}"));
    assert_non_null(strstr(buf, "\"value\":-3,\"unit\":\"dB\"}"));
    assert_non_null(strstr(buf, "\"value\":null,\"unit\":\"\",\"deviation\":null}"));
    assert_non_null(strstr(buf, "\"value\":1e+300,"));
    assert_non_null(strstr(buf, "],\"t_peak_s\":12.5}"));
    assert_null(strstr(buf, "nan"));
    assert_null(strstr(buf, "inf"));
}

static void evidence_json_truncation_and_bound(void **state)
{
    (void)state;
    rpl_evidence ev = {0};
    assert_true(rpl_evidence_add(&ev, "f0_median", 4.2, "st", 2.1));
    char small[16];
    size_t len = 0;
    memset(small, 'x', sizeof small);
    assert_int_equal(rpl_policy_evidence_json(&ev, 1.0, small, sizeof small, &len),
                     RPL_ERR_INVALID_ARG);
    assert_string_equal(small, ""); /* never a truncated object */
    char exact[128];
    assert_true(len + 1 <= sizeof exact);
    assert_int_equal(rpl_policy_evidence_json(&ev, 1.0, exact, len + 1, NULL), RPL_OK);
    assert_int_equal(strlen(exact), len);
    assert_int_equal(rpl_policy_evidence_json(&ev, 1.0, exact, len, NULL), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_policy_evidence_json(&ev, 1.0, NULL, 0, &len), RPL_ERR_INVALID_ARG);

    /* Worst case: 8 cues whose names and units are all control bytes (6 bytes each once
     * escaped) and numbers of the longest %.6g form still fit RPL_EVIDENCE_JSON_MAX. */
    rpl_evidence worst = {0};
    char name[RPL_CUE_NAME_MAX + 10];
    char unit[RPL_CUE_UNIT_MAX + 10];
    memset(name, 0x01, sizeof name - 1);
    name[sizeof name - 1] = '\0';
    memset(unit, 0x1f, sizeof unit - 1);
    unit[sizeof unit - 1] = '\0';
    for (int i = 0; i < RPL_EVIDENCE_MAX_CUES; i++) {
        assert_true(rpl_evidence_add(&worst, name, -1.23456e-300, unit, -1.23456e-300));
    }
    assert_false(rpl_evidence_add(&worst, "one too many", 0.0, "", 0.0));
    assert_int_equal(strlen(worst.cues[0].name), RPL_CUE_NAME_MAX - 1);
    assert_int_equal(strlen(worst.cues[0].unit), RPL_CUE_UNIT_MAX - 1);
    char buf[RPL_EVIDENCE_JSON_MAX];
    assert_int_equal(rpl_policy_evidence_json(&worst, -1.23456e-300, buf, sizeof buf, &len),
                     RPL_OK);
    printf("worst-case evidence JSON: %zu of %d bytes\n", len + 1, RPL_EVIDENCE_JSON_MAX);
    assert_true(json_valid_object(buf));

    /* Truncating a name never cuts a UTF-8 character: 31 bytes of 2-byte characters keep 30. */
    rpl_evidence u = {0};
    char accents[64] = "";
    for (int i = 0; i < 20; i++) {
        strcat(accents, "\xc3\xa9");
    }
    assert_true(rpl_evidence_add(&u, accents, 1.0, "", NAN));
    assert_int_equal(strlen(u.cues[0].name), 30);
}

static int keep_alert(const rpl_store_alert *alert, void *user)
{
    char *out = user;
    snprintf(out, 512, "%s|%s", alert->top_cues != NULL ? alert->top_cues : "(null)",
             alert->evidence_json);
    return 0;
}

/* The consumer agrees: the store takes the evidence as a JSON object and reads its cue names
 * (escapes decoded) for the follow-up list. */
static void store_accepts_the_evidence(void **state)
{
    (void)state;
    char dir[] = "/tmp/rappel-policy-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.db", dir);
    rpl_store *store = NULL;
    char detail[256];
    assert_int_equal(rpl_store_open(path, NULL, &store, detail, sizeof detail), RPL_OK);
    rpl_store_call_info call = {
        .id = "call-1", .channel_map = "agent=0,customer=1", .model_version = "test"};
    assert_int_equal(rpl_store_begin_call(store, &call), RPL_OK);

    rpl_evidence ev = {0};
    assert_true(rpl_evidence_add(&ev, "f0 \"rise\"", 4.2, "st", 2.0));
    assert_true(rpl_evidence_add(&ev, "tilt\n", -3.5, "dB", NAN));
    assert_true(rpl_evidence_add(&ev, "caf\xc3\xa9", NAN, "", 1.0));
    assert_true(rpl_evidence_add(&ev, "fourth", 1.0, "", 1.0));
    char json[RPL_EVIDENCE_JSON_MAX];
    assert_int_equal(rpl_policy_evidence_json(&ev, 3.5, json, sizeof json, NULL), RPL_OK);
    rpl_store_alert_info info = {.kind = RPL_STORE_KIND_FRUSTRATION,
                                 .role = RPL_STORE_ROLE_CUSTOMER,
                                 .t_start_s = 1.0,
                                 .t_end_s = 5.0,
                                 .score = 0.8,
                                 .evidence_json = json,
                                 .model_version = "test"};
    int64_t id = 0;
    assert_int_equal(rpl_store_add_alert(store, "call-1", &info, &id), RPL_OK);
    char got[512] = "";
    assert_int_equal(rpl_store_get_alert(store, id, keep_alert, got), RPL_OK);
    printf("stored: %s\n", got);
    assert_true(strncmp(got, "f0 \"rise\", tilt\n, caf\xc3\xa9|", 24) == 0);
    /* A truncated object would be refused: check the store really validates. */
    info.evidence_json = "{\"cues\":[";
    assert_int_equal(rpl_store_add_alert(store, "call-1", &info, NULL), RPL_ERR_INVALID_ARG);
    rpl_store_close(store);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hysteresis_opens_at_open_and_closes_below_close),
        cmocka_unit_test(min_duration_drops_short_episodes),
        cmocka_unit_test(close_hold_bridges_short_dips),
        cmocka_unit_test(cooldown_blocks_a_new_alert),
        cmocka_unit_test(min_speech_gates_the_start),
        cmocka_unit_test(noisy_score_inside_the_hysteresis_is_one_alert),
        cmocka_unit_test(noisy_score_never_storms),
        cmocka_unit_test(flush_closes_or_drops),
        cmocka_unit_test(evidence_is_kept_from_the_peak),
        cmocka_unit_test(spans_go_through_the_default_span_rule),
        cmocka_unit_test(disabled_rule_never_alerts),
        cmocka_unit_test(invalid_arguments),
        cmocka_unit_test(evidence_json_is_valid_and_escaped),
        cmocka_unit_test(evidence_json_truncation_and_bound),
        cmocka_unit_test(store_accepts_the_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
