/* Cross-party cues on constructed speech patterns whose truth is known to the frame: dead air,
 * overtalk with who interrupted, response latency, talk share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rappel/cross_party.h"

/* |a - b| <= tol, saying both values on failure. */
#define assert_near(a, b, tol)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol))) {                                                           \
            print_error("%s = %.9g, expected %.9g\n", #a, a_, b_);                                 \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Times are whole frames of 10 ms: exact to well under a frame. */
#define TOL 1e-9

enum { MAX_FRAMES = 4000, MAX_EVENTS = 64 };

typedef struct span {
    int start, end; /* frames [start, end) */
} span;

typedef struct recorder {
    rpl_cross_party_event ev[MAX_EVENTS];
    int64_t frame[MAX_EVENTS]; /* frame during which it was sent (-1: flush) */
    size_t count;
    int64_t now;
} recorder;

static void record(const rpl_cross_party_event *ev, void *user)
{
    recorder *r = user;
    assert_true(r->count < MAX_EVENTS);
    r->ev[r->count] = *ev;
    r->frame[r->count] = r->now;
    r->count++;
}

static void fill(bool *flags, int n, const span *spans, size_t count)
{
    memset(flags, 0, (size_t)n * sizeof flags[0]);
    for (size_t i = 0; i < count; i++) {
        for (int f = spans[i].start; f < spans[i].end && f < n; f++) {
            flags[f] = true;
        }
    }
}

/* Run n frames of the two patterns (and a flush) through a detector with the default config;
 * events go to rec; returns the detector for its statistics (caller destroys). */
static rpl_cross_party *run(int n, const span *agent, size_t na, const span *customer, size_t nc,
                            recorder *rec)
{
    static bool a[MAX_FRAMES], c[MAX_FRAMES];
    assert_true(n <= MAX_FRAMES);
    fill(a, n, agent, na);
    fill(c, n, customer, nc);
    rpl_cross_party_config cfg = rpl_cross_party_config_default();
    rpl_cross_party *cp = NULL;
    assert_int_equal(rpl_cross_party_create(&cfg, &cp), RPL_OK);
    memset(rec, 0, sizeof *rec);
    for (int f = 0; f < n; f++) {
        rec->now = f;
        size_t before = rec->count;
        size_t k = rpl_cross_party_process(cp, a[f], c[f], false, record, rec);
        assert_int_equal(k, rec->count - before);
        assert_true(k <= RPL_CROSS_PARTY_MAX_EVENTS);
    }
    rec->now = -1;
    size_t before = rec->count;
    size_t k = rpl_cross_party_flush(cp, record, rec);
    assert_int_equal(k, rec->count - before);
    return cp;
}

/* The i-th event of a type, or NULL. */
static const rpl_cross_party_event *nth(const recorder *r, rpl_cross_party_event_type type, int i,
                                        int64_t *frame)
{
    for (size_t k = 0; k < r->count; k++) {
        if (r->ev[k].type == type && i-- == 0) {
            if (frame != NULL) {
                *frame = r->frame[k];
            }
            return &r->ev[k];
        }
    }
    return NULL;
}

static int count_of(const recorder *r, rpl_cross_party_event_type type)
{
    int n = 0;
    for (size_t k = 0; k < r->count; k++) {
        n += r->ev[k].type == type;
    }
    return n;
}

static void dead_air_between_first_and_last_speech_only(void **state)
{
    (void)state;
    /* 4 s leading silence; agent 4-6 s; 3.00 s silence (dead air, exactly the minimum);
     * customer 9-11 s; 2.99 s silence (not dead air); agent 13.99-15 s; 5 s trailing silence. */
    const span agent[] = {{400, 600}, {1399, 1500}};
    const span customer[] = {{900, 1100}};
    recorder rec;
    rpl_cross_party *cp = run(2000, agent, 2, customer, 1, &rec);

    int64_t frame = 0;
    const rpl_cross_party_event *s = nth(&rec, RPL_CROSS_DEAD_AIR_START, 0, &frame);
    assert_non_null(s);
    assert_near(s->t_start_s, 6.00, TOL);
    assert_near(s->t_end_s, 9.00, TOL);
    assert_int_equal(frame, 899); /* sent in the frame that completes 3 s, not later */
    const rpl_cross_party_event *e = nth(&rec, RPL_CROSS_DEAD_AIR_END, 0, &frame);
    assert_non_null(e);
    assert_near(e->t_start_s, 6.00, TOL);
    assert_near(e->t_end_s, 9.00, TOL);
    assert_int_equal(frame, 900);
    assert_null(nth(&rec, RPL_CROSS_DEAD_AIR_END, 1, NULL));

    /* Trailing silence: announced live at 15 + 3 s, dropped at flush. */
    s = nth(&rec, RPL_CROSS_DEAD_AIR_START, 1, &frame);
    assert_non_null(s);
    assert_near(s->t_start_s, 15.00, TOL);
    assert_int_equal(frame, 1799);
    const rpl_cross_party_event *d = nth(&rec, RPL_CROSS_DEAD_AIR_DROPPED, 0, &frame);
    assert_non_null(d);
    assert_int_equal(frame, -1);
    assert_near(d->t_start_s, 15.00, TOL);
    assert_near(d->t_end_s, 20.00, TOL);
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_START), 2);

    rpl_cross_party_stats st = rpl_cross_party_get_stats(cp);
    assert_int_equal(st.dead_air_count, 1);
    assert_near(st.dead_air_total_s, 3.00, TOL);
    assert_near(st.dead_air_max_s, 3.00, TOL);
    assert_near(st.silence_s, 3.00 + 2.99, TOL);
    assert_near(st.talk_span_s, 15.00 - 4.00, TOL);
    assert_near(st.duration_s, 20.00, TOL);
    rpl_cross_party_destroy(cp);
}

static void leading_silence_is_not_dead_air(void **state)
{
    (void)state;
    /* 10 s of silence, then one party, then the end: no dead air at all. */
    const span agent[] = {{1000, 1200}};
    recorder rec;
    rpl_cross_party *cp = run(1250, agent, 1, NULL, 0, &rec);
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_START), 0);
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_END), 0);
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_DROPPED), 0);
    rpl_cross_party_stats st = rpl_cross_party_get_stats(cp);
    assert_int_equal(st.dead_air_count, 0);
    assert_near(st.silence_s, 0.0, TOL);
    rpl_cross_party_destroy(cp);
}

static void overtalk_with_who_interrupted(void **state)
{
    (void)state;
    const span agent[] = {
        {0, 500},     /* customer cuts in at 3 s: 2 s overlap, customer interrupts */
        {1000, 1090}, /* agent backchannel of 0.9 s inside the customer's turn: not overtalk */
        {1300, 1600}, /* agent cuts in at 13 s: exactly 1.00 s overlap, agent interrupts */
        {1800, 1899}, /* 0.99 s overlap: not overtalk */
        {2000, 2200}, /* both start together at 20 s */
        {2500, 2700}, /* both still speaking at the end of the stream */
    };
    const span customer[] = {
        {300, 700}, {800, 1400}, {1700, 1950}, {2000, 2200}, {2550, 2700},
    };
    recorder rec;
    rpl_cross_party *cp = run(2700, agent, 6, customer, 5, &rec);

    assert_int_equal(count_of(&rec, RPL_CROSS_OVERTALK_END), 4);
    assert_int_equal(count_of(&rec, RPL_CROSS_OVERTALK_START), 4);
    int64_t frame = 0;
    const rpl_cross_party_event *s = nth(&rec, RPL_CROSS_OVERTALK_START, 0, &frame);
    assert_near(s->t_start_s, 3.00, TOL);
    assert_near(s->t_end_s, 4.00, TOL);
    assert_int_equal(frame, 399);
    assert_int_equal(s->by, RPL_PARTY_CUSTOMER);
    assert_int_equal(s->to, RPL_PARTY_AGENT);
    const rpl_cross_party_event *e = nth(&rec, RPL_CROSS_OVERTALK_END, 0, &frame);
    assert_near(e->t_start_s, 3.00, TOL);
    assert_near(e->t_end_s, 5.00, TOL);
    assert_int_equal(frame, 530); /* confirmed once the silence is longer than a 0.3 s breath */
    assert_int_equal(e->by, RPL_PARTY_CUSTOMER);

    e = nth(&rec, RPL_CROSS_OVERTALK_END, 1, NULL);
    assert_near(e->t_start_s, 13.00, TOL);
    assert_near(e->t_end_s, 14.00, TOL);
    assert_int_equal(e->by, RPL_PARTY_AGENT);
    assert_int_equal(e->to, RPL_PARTY_CUSTOMER);

    e = nth(&rec, RPL_CROSS_OVERTALK_END, 2, NULL);
    assert_near(e->t_start_s, 20.00, TOL);
    assert_near(e->t_end_s, 22.00, TOL);
    assert_int_equal(e->by, RPL_PARTY_BOTH);
    assert_int_equal(e->to, RPL_PARTY_BOTH);

    /* Closed by the flush at the end of the stream. */
    e = nth(&rec, RPL_CROSS_OVERTALK_END, 3, &frame);
    assert_int_equal(frame, -1);
    assert_near(e->t_start_s, 25.50, TOL);
    assert_near(e->t_end_s, 27.00, TOL);
    assert_int_equal(e->by, RPL_PARTY_CUSTOMER);

    rpl_cross_party_stats st = rpl_cross_party_get_stats(cp);
    assert_int_equal(st.overtalk_count, 4);
    assert_near(st.overtalk_total_s, 2.00 + 1.00 + 2.00 + 1.50, TOL);
    /* All overlap, backchannels included: + 0.90 + 0.99. */
    assert_near(st.overlap_total_s, 6.50 + 0.90 + 0.99, TOL);
    assert_int_equal(st.customer.interruptions, 2);
    assert_int_equal(st.agent.interruptions, 1);
    rpl_cross_party_destroy(cp);
}

/* The talker being talked over breathes (0.2 s) and goes on: still one overtalk, still started
 * by the one who cut in; a 0.5 s silence ends it where that silence began. */
static void breath_inside_overtalk(void **state)
{
    (void)state;
    const span agent[] = {{120, 400}, {600, 900}};
    const span customer[] = {{0, 180}, {200, 500}, {700, 750}, {800, 880}};
    recorder rec;
    rpl_cross_party *cp = run(1000, agent, 2, customer, 4, &rec);
    assert_int_equal(count_of(&rec, RPL_CROSS_OVERTALK_END), 1);
    const rpl_cross_party_event *e = nth(&rec, RPL_CROSS_OVERTALK_END, 0, NULL);
    assert_near(e->t_start_s, 1.20, TOL);
    assert_near(e->t_end_s, 4.00, TOL);
    assert_int_equal(e->by, RPL_PARTY_AGENT);
    assert_int_equal(e->to, RPL_PARTY_CUSTOMER);
    rpl_cross_party_destroy(cp);
}

static void response_latency_per_turn(void **state)
{
    (void)state;
    const span agent[] = {
        {0, 200},     /* agent asks */
        {450, 700},   /* agent answers the customer 0.5 s after; overlapped at its end */
        {1050, 1080}, /* backchannel inside the customer's turn: not a turn */
        {1300, 1400}, /* agent answers 2 s after the customer's turn */
    };
    const span customer[] = {
        {250, 400},  /* answers 0.5 s after the agent */
        {650, 900},  /* starts 0.5 s before the agent stops: latency -0.5 s */
        {1000, 1100} /* own 1 s pause (900-1000): not a turn end */
    };
    recorder rec;
    rpl_cross_party *cp = run(1500, agent, 4, customer, 3, &rec);

    assert_int_equal(count_of(&rec, RPL_CROSS_TURN), 4);
    int64_t frame = 0;
    const rpl_cross_party_event *t = nth(&rec, RPL_CROSS_TURN, 0, &frame);
    assert_int_equal(t->by, RPL_PARTY_CUSTOMER);
    assert_int_equal(t->to, RPL_PARTY_AGENT);
    assert_near(t->t_start_s, 2.00, TOL);
    assert_near(t->t_end_s, 2.50, TOL);
    assert_near(t->latency_s, 0.50, TOL);
    assert_int_equal(frame, 250);

    t = nth(&rec, RPL_CROSS_TURN, 1, NULL);
    assert_int_equal(t->by, RPL_PARTY_AGENT);
    assert_near(t->latency_s, 0.50, TOL);

    /* The overlapped answer is known when the agent stops at 7 s. */
    t = nth(&rec, RPL_CROSS_TURN, 2, &frame);
    assert_int_equal(t->by, RPL_PARTY_CUSTOMER);
    assert_near(t->t_start_s, 7.00, TOL);
    assert_near(t->t_end_s, 6.50, TOL);
    assert_near(t->latency_s, -0.50, TOL);
    assert_int_equal(frame, 700);

    t = nth(&rec, RPL_CROSS_TURN, 3, NULL);
    assert_int_equal(t->by, RPL_PARTY_AGENT);
    assert_int_equal(t->to, RPL_PARTY_CUSTOMER);
    assert_near(t->t_start_s, 11.00, TOL);
    assert_near(t->t_end_s, 13.00, TOL);
    assert_near(t->latency_s, 2.00, TOL);

    rpl_cross_party_stats st = rpl_cross_party_get_stats(cp);
    assert_int_equal(st.customer.turns, 2);
    assert_near(st.customer.latency_mean_s, 0.0, TOL);
    assert_near(st.customer.latency_max_s, 0.5, TOL);
    assert_int_equal(st.agent.turns, 2);
    assert_near(st.agent.latency_mean_s, 1.25, TOL);
    assert_near(st.agent.latency_max_s, 2.0, TOL);
    rpl_cross_party_destroy(cp);
}

static void failed_interruption_is_not_a_turn(void **state)
{
    (void)state;
    /* The customer starts over the agent and gives up first; the agent goes on. */
    const span agent[] = {{0, 600}};
    const span customer[] = {{200, 450}, {700, 800}};
    recorder rec;
    rpl_cross_party *cp = run(900, agent, 1, customer, 2, &rec);
    /* Only the real answer at 7 s (latency 1 s) is a turn; the 2.5 s overlap is overtalk. */
    assert_int_equal(count_of(&rec, RPL_CROSS_TURN), 1);
    const rpl_cross_party_event *t = nth(&rec, RPL_CROSS_TURN, 0, NULL);
    assert_near(t->latency_s, 1.00, TOL);
    const rpl_cross_party_event *o = nth(&rec, RPL_CROSS_OVERTALK_END, 0, NULL);
    assert_non_null(o);
    assert_int_equal(o->by, RPL_PARTY_CUSTOMER);
    assert_near(o->t_end_s - o->t_start_s, 2.50, TOL);
    rpl_cross_party_destroy(cp);
}

static void talk_share_per_party(void **state)
{
    (void)state;
    const span agent[] = {{0, 300}};
    const span customer[] = {{250, 350}};
    recorder rec;
    rpl_cross_party *cp = run(400, agent, 1, customer, 1, &rec);
    rpl_cross_party_stats st = rpl_cross_party_get_stats(cp);
    assert_near(st.agent.speech_s, 3.00, TOL);
    assert_near(st.customer.speech_s, 1.00, TOL);
    assert_near(st.agent.talk_share, 0.75, TOL);
    assert_near(st.customer.talk_share, 0.25, TOL);
    assert_near(st.overlap_total_s, 0.50, TOL);
    assert_near(st.talk_span_s, 3.50, TOL);
    assert_true(isnan(st.agent.latency_mean_s));

    /* Reset forgets everything. */
    rpl_cross_party_reset(cp);
    st = rpl_cross_party_get_stats(cp);
    assert_near(st.agent.speech_s, 0.0, TOL);
    assert_near(st.agent.talk_share, 0.0, TOL);
    assert_near(st.duration_s, 0.0, TOL);
    rpl_cross_party_destroy(cp);
}

static void configured_minimums(void **state)
{
    (void)state;
    rpl_cross_party_config cfg = rpl_cross_party_config_default();
    cfg.min_silence_s = 0.5;
    cfg.min_overlap_s = 0.25;
    rpl_cross_party *cp = NULL;
    assert_int_equal(rpl_cross_party_create(&cfg, &cp), RPL_OK);
    recorder rec;
    memset(&rec, 0, sizeof rec);
    /* agent 0-1 s, silence 0.5 s, customer 1.5-2 s with agent back at 1.75 s (0.25 s). */
    for (int f = 0; f < 200; f++) {
        bool a = f < 100 || f >= 175;
        bool c = f >= 150;
        rec.now = f;
        rpl_cross_party_process(cp, a, c, false, record, &rec);
    }
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_END), 1);
    const rpl_cross_party_event *e = nth(&rec, RPL_CROSS_DEAD_AIR_END, 0, NULL);
    assert_near(e->t_start_s, 1.00, TOL);
    assert_near(e->t_end_s, 1.50, TOL);
    const rpl_cross_party_event *o = nth(&rec, RPL_CROSS_OVERTALK_START, 0, NULL);
    assert_non_null(o);
    assert_near(o->t_start_s, 1.75, TOL);
    assert_int_equal(o->by, RPL_PARTY_AGENT);
    /* Without a sink, only the statistics. */
    rpl_cross_party_reset(cp);
    for (int f = 0; f < 200; f++) {
        assert_true(rpl_cross_party_process(cp, f < 100, f >= 150, false, NULL, NULL) <=
                    RPL_CROSS_PARTY_MAX_EVENTS);
    }
    assert_int_equal(rpl_cross_party_get_stats(cp).dead_air_count, 1);
    rpl_cross_party_destroy(cp);
}

static void hold_is_not_dead_air(void **state)
{
    (void)state;
    /* Agent 0-2 s; 2.5 s silence; a line sound (a hold tone) 4.5-20.5 s; 2.5 s silence;
     * customer 23-25 s: no dead air (no silence runs through the tone, and the one after it is
     * hold). Then agent 25-27 s, 3.5 s silence, a tone 30.5-32 s: that silence was dead air,
     * ended by the tone. */
    rpl_cross_party_config cfg = rpl_cross_party_config_default();
    rpl_cross_party *cp = NULL;
    assert_int_equal(rpl_cross_party_create(&cfg, &cp), RPL_OK);
    recorder rec;
    memset(&rec, 0, sizeof rec);
    for (int f = 0; f < 3300; f++) {
        bool a = f < 200 || (f >= 2500 && f < 2700);
        bool c = f >= 2300 && f < 2500;
        bool tone = (f >= 450 && f < 2050) || (f >= 3050 && f < 3200);
        rec.now = f;
        rpl_cross_party_process(cp, a, c, tone, record, &rec);
    }
    rec.now = -1;
    rpl_cross_party_flush(cp, record, &rec);
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_END), 1);
    const rpl_cross_party_event *e = nth(&rec, RPL_CROSS_DEAD_AIR_END, 0, NULL);
    assert_near(e->t_start_s, 27.0, TOL);
    assert_near(e->t_end_s, 30.5, TOL);
    rpl_cross_party_stats st = rpl_cross_party_get_stats(cp);
    assert_int_equal(st.dead_air_count, 1);
    assert_near(st.silence_s, 2.5 + 3.5, TOL);
    assert_near(st.hold_s, 16.0 + 2.5 + 1.5, TOL);
    /* The same call without the line-sound flag: the hold is one long dead air. */
    rpl_cross_party_reset(cp);
    memset(&rec, 0, sizeof rec);
    for (int f = 0; f < 2500; f++) {
        rec.now = f;
        rpl_cross_party_process(cp, f < 200, f >= 2300, false, record, &rec);
    }
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_END), 1);
    assert_near(nth(&rec, RPL_CROSS_DEAD_AIR_END, 0, NULL)->t_end_s, 23.0, TOL);
    rpl_cross_party_destroy(cp);
}

/* Gives cp agent speech 0-2 s, the line-sound spans, then customer speech from answer_frame
 * for 2 s, and flushes; events go to rec. */
static void ring_then_answer(rpl_cross_party *cp, recorder *rec, const span *tones, size_t n,
                             int answer_frame)
{
    static bool tone[MAX_FRAMES];
    assert_true(answer_frame + 200 <= MAX_FRAMES);
    fill(tone, MAX_FRAMES, tones, n);
    int end = answer_frame + 200;
    for (int f = 0; f < end; f++) {
        rec->now = f;
        rpl_cross_party_process(cp, f < 200, f >= answer_frame, tone[f], record, rec);
    }
    rec->now = -1;
    rpl_cross_party_flush(cp, record, rec);
}

static void ring_back_cadence_is_hold(void **state)
{
    (void)state;
    rpl_cross_party_config cfg = rpl_cross_party_config_default();
    rpl_cross_party *cp = NULL;
    assert_int_equal(rpl_cross_party_create(&cfg, &cp), RPL_OK);
    recorder rec;

    /* Agent 0-2 s, 1 s silence, then ring-back (2 s on, 4 s off) from 3 s: tones 3-5, 9-11,
     * 15-17 s; the customer answers at 21 s, 4 s into a gap. No dead air: every gap is hold. */
    const span ring[] = {{300, 500}, {900, 1100}, {1500, 1700}};
    memset(&rec, 0, sizeof rec);
    ring_then_answer(cp, &rec, ring, 3, 2100);
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_START), 0);
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_END), 0);
    rpl_cross_party_stats st = rpl_cross_party_get_stats(cp);
    assert_near(st.hold_s, 18.0, TOL);
    assert_near(st.silence_s, 1.0, TOL);

    /* One tone, then nobody for 7 s: the ringing stopped, that silence is dead air from the
     * tone's end (5 s), announced once the longest cadence gap (5 s) has passed. */
    const span one[] = {{300, 500}};
    rpl_cross_party_reset(cp);
    memset(&rec, 0, sizeof rec);
    ring_then_answer(cp, &rec, one, 1, 1200);
    assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_START), 1);
    int64_t at = -1;
    const rpl_cross_party_event *e = nth(&rec, RPL_CROSS_DEAD_AIR_START, 0, &at);
    assert_near(e->t_start_s, 5.0, TOL);
    assert_int_equal(at, 500 + 500); /* the frame 5 s after the tone */
    e = nth(&rec, RPL_CROSS_DEAD_AIR_END, 0, NULL);
    assert_non_null(e);
    assert_near(e->t_start_s, 5.0, TOL);
    assert_near(e->t_end_s, 12.0, TOL);
    st = rpl_cross_party_get_stats(cp);
    assert_near(st.hold_s, 2.0, TOL);
    assert_near(st.silence_s, 1.0 + 7.0, TOL);

    /* Gaps longer than the configured cadence are not hold: max_tone_gap_s 3 makes the 4 s
     * gaps dead air; 0 makes every silence after a tone an ordinary silence. */
    for (int k = 0; k < 2; k++) {
        rpl_cross_party_destroy(cp);
        cfg.max_tone_gap_s = k == 0 ? 3.0 : 0.0;
        assert_int_equal(rpl_cross_party_create(&cfg, &cp), RPL_OK);
        memset(&rec, 0, sizeof rec);
        ring_then_answer(cp, &rec, ring, 3, 2100);
        assert_int_equal(count_of(&rec, RPL_CROSS_DEAD_AIR_END), 3);
        assert_near(nth(&rec, RPL_CROSS_DEAD_AIR_END, 0, NULL)->t_start_s, 5.0, TOL);
        assert_near(nth(&rec, RPL_CROSS_DEAD_AIR_END, 2, NULL)->t_end_s, 21.0, TOL);
    }
    rpl_cross_party_destroy(cp);
}

static void invalid_config(void **state)
{
    (void)state;
    rpl_cross_party *cp = (rpl_cross_party *)&cp;
    assert_int_equal(rpl_cross_party_create(NULL, &cp), RPL_ERR_INVALID_ARG);
    assert_null(cp);
    rpl_cross_party_config ok = rpl_cross_party_config_default();
    assert_int_equal(rpl_cross_party_create(&ok, NULL), RPL_ERR_INVALID_ARG);
    rpl_cross_party_config bad[8];
    for (int i = 0; i < 8; i++) {
        bad[i] = ok;
    }
    bad[0].frame_ms = 0.0f;
    bad[1].frame_ms = NAN;
    bad[2].min_silence_s = 0.0;
    bad[3].min_overlap_s = -1.0;
    bad[4].min_silence_s = INFINITY;
    bad[5].min_overlap_s = 0.001; /* under one frame */
    bad[6].max_tone_gap_s = -1.0;
    bad[7].max_tone_gap_s = NAN;
    for (int i = 0; i < 8; i++) {
        cp = (rpl_cross_party *)&cp;
        assert_int_equal(rpl_cross_party_create(&bad[i], &cp), RPL_ERR_INVALID_ARG);
        assert_null(cp);
    }
    rpl_cross_party_destroy(NULL);
    assert_int_equal(rpl_cross_party_process(NULL, true, true, false, NULL, NULL), 0);
    assert_int_equal(rpl_cross_party_flush(NULL, NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dead_air_between_first_and_last_speech_only),
        cmocka_unit_test(leading_silence_is_not_dead_air),
        cmocka_unit_test(overtalk_with_who_interrupted),
        cmocka_unit_test(breath_inside_overtalk),
        cmocka_unit_test(response_latency_per_turn),
        cmocka_unit_test(failed_interruption_is_not_a_turn),
        cmocka_unit_test(talk_share_per_party),
        cmocka_unit_test(configured_minimums),
        cmocka_unit_test(hold_is_not_dead_air),
        cmocka_unit_test(ring_back_cadence_is_hold),
        cmocka_unit_test(invalid_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
