/* The provisional path of a live call: decisions with no look-ahead (pitch, voice activity),
 * provisional frames, cue windows peeked ahead of their frames, and provisional scores of a
 * whole pipeline on real recorded calls. Truth: signals made in the test, and the final path
 * (which the provisional one must neither change nor lag). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rappel/analysis.h"
#include "rappel/cues.h"
#include "rappel/pipeline.h"
#include "rappel/pitch.h"
#include "rappel/source_file.h"
#include "rappel/vad.h"
#include "signals.h"

#ifndef RPL_SAMPLES_DIR
#error "RPL_SAMPLES_DIR must be defined"
#endif

enum { RATE = 8000, HOP = 80 };

/* F0 of test_vowel at time t into the vowel (its 2 % vibrato at 3 Hz). */
static double vowel_f0(double f0_hz, double t)
{
    return f0_hz * (1.0 + 0.02 * sin(test_two_pi * 3.0 * t));
}

/* ---- pitch and voice activity with no look-ahead ----------------------------------------- */

static void test_pitch_latest(void **state)
{
    (void)state;
    const double f0 = 140.0, start_s = 0.3, len_s = 1.0;
    const size_t n = (size_t)(1.6 * RATE);
    float *x = calloc(n, sizeof *x);
    test_vowel(x, (size_t)(start_s * RATE), (size_t)(len_s * RATE), RATE, f0, 0.5f);
    rpl_pitch_config cfg = rpl_pitch_config_default();
    cfg.sample_rate_hz = RATE;
    cfg.hop_samples = HOP;
    rpl_pitch *with = NULL, *without = NULL;
    assert_int_equal(rpl_pitch_create(&cfg, &with), RPL_OK);
    assert_int_equal(rpl_pitch_create(&cfg, &without), RPL_OK);
    const size_t w = rpl_pitch_window_samples(with);
    float *win = malloc(w * sizeof *win);
    rpl_pitch_frame latest, a, b;
    assert_false(rpl_pitch_latest(with, &latest));
    size_t inside = 0, right = 0, silent = 0, silent_unvoiced = 0;
    for (size_t i = 0; (i + 1) * HOP <= n; i++) {
        long first = (long)(i * HOP + HOP / 2) - (long)(w / 2);
        for (size_t k = 0; k < w; k++) {
            long at = first + (long)k;
            win[k] = at >= 0 && at < (long)n ? x[at] : 0.0f;
        }
        bool ready_a = rpl_pitch_process(with, win, &a);
        assert_true(rpl_pitch_latest(with, &latest));
        bool ready_b = rpl_pitch_process(without, win, &b);
        /* asking for the newest frame changes nothing of the final decisions */
        assert_int_equal(ready_a, ready_b);
        if (ready_a) {
            assert_true(a.f0_hz == b.f0_hz && a.voicing == b.voicing && a.voiced == b.voiced);
        }
        double t = ((double)i + 0.5) * HOP / RATE;
        double half = 0.5 * (double)w / RATE;
        if (t - half > start_s + 0.05 && t + half < start_s + len_s - 0.05) {
            inside++;
            double cents = 1200.0 * log2((double)latest.f0_hz / vowel_f0(f0, t - start_s));
            right += latest.voiced && fabs(cents) < 30.0;
        } else if (t + half < start_s || t - half > start_s + len_s) {
            silent++;
            silent_unvoiced += !latest.voiced;
        }
    }
    printf("pitch latest: %zu/%zu vowel frames within 30 cents, %zu/%zu silent frames unvoiced\n",
           right, inside, silent_unvoiced, silent);
    assert_true(inside > 80 && right >= inside - inside / 50);
    assert_int_equal(silent_unvoiced, silent);
    while (rpl_pitch_flush(with, &a)) {
    }
    assert_false(rpl_pitch_latest(with, &latest)); /* a new stream has no frame yet */
    free(win);
    free(x);
    rpl_pitch_destroy(with);
    rpl_pitch_destroy(without);
}

static void test_vad_latest(void **state)
{
    (void)state;
    uint64_t seed = test_seed("vad_latest");
    rpl_vad_config cfg = rpl_vad_config_default();
    rpl_vad *vad = NULL;
    assert_int_equal(rpl_vad_create(&cfg, &vad), RPL_OK);
    rpl_vad_frame latest, out;
    assert_false(rpl_vad_latest(vad, &latest));
    for (int i = 0; i < 450; i++) {
        bool loud = i >= 300 && i < 350;
        float e = (loud ? -25.0f : -60.0f) + 0.5f * test_uniform(&seed);
        rpl_vad_process(vad, e, &out);
        assert_true(rpl_vad_latest(vad, &latest));
        /* decided at the frame itself, not rpl_vad_delay_frames later */
        assert_int_equal(latest.speech, loud);
        if (i >= 50) {
            assert_true(fabsf(latest.noise_db - -60.0f) < 1.0f);
        }
    }
    while (rpl_vad_flush(vad, &out)) {
    }
    assert_false(rpl_vad_latest(vad, &latest));
    rpl_vad_destroy(vad);
}

/* ---- provisional frames of the analysis ---------------------------------------------------- */

enum { MAX_FRAMES = 400 };

typedef struct early_log {
    rpl_frame early[MAX_FRAMES];
    bool have_early[MAX_FRAMES];
    size_t early_count;
    size_t final_count;
    size_t early_at_final[MAX_FRAMES]; /* provisional frames out when frame i came out final */
    rpl_frame final[MAX_FRAMES];
} early_log;

static void log_early(void *user, const rpl_frame *f)
{
    early_log *log = user;
    assert_int_equal(f->index, (int64_t)log->early_count); /* in order, each once */
    assert_true(f->index < MAX_FRAMES);
    log->early[f->index] = *f;
    log->have_early[f->index] = true;
    log->early_count++;
}

static void log_final(void *user, const rpl_frame *f)
{
    early_log *log = user;
    assert_true(f->index < MAX_FRAMES);
    log->early_at_final[f->index] = log->early_count;
    log->final[f->index] = *f;
    log->final_count++;
}

static void test_analysis_early_frames(void **state)
{
    (void)state;
    const double f0 = 150.0, start_s = 0.5, len_s = 1.5;
    const size_t n = 3 * RATE;
    float *x = calloc(n, sizeof *x);
    uint64_t seed = 7;
    test_white(x, n, 1e-4f, &seed);
    test_vowel(x, (size_t)(start_s * RATE), (size_t)(len_s * RATE), RATE, f0, 0.5f);
    rpl_analysis_config cfg = rpl_analysis_config_default();
    rpl_analysis *a = NULL;
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_OK);
    early_log *log = calloc(1, sizeof *log);
    rpl_analysis_sink sink = {.on_frame = log_final, .on_early = log_early, .user = log};
    for (size_t at = 0; at < n; at += 37) { /* blocks that do not fit the frames */
        rpl_analysis_process(a, x + at, at + 37 <= n ? 37 : n - at, &sink);
    }
    size_t early_before_flush = log->early_count;
    rpl_analysis_flush(a, &sink);
    assert_int_equal(log->early_count, early_before_flush); /* flush gives final frames only */
    assert_int_equal(log->final_count, n / HOP);
    const size_t delay = rpl_analysis_delay_frames(a);
    size_t vowel = 0, voiced = 0, f0_agree = 0, speech = 0;
    for (size_t i = 0; i < log->final_count; i++) {
        if (!log->have_early[i]) {
            continue; /* the last frames, whose windows reach past the input */
        }
        const rpl_frame *e = &log->early[i], *f = &log->final[i];
        /* out as soon as its window is in: the look-ahead before it goes final */
        if (i + delay < early_before_flush) {
            assert_int_equal(log->early_at_final[i], i + delay + 1);
        }
        assert_int_equal(e->index, f->index);
        assert_true(e->energy_db == f->energy_db);
        assert_true(isnan(e->hnr_db) && isnan(e->hammarberg_db) && !e->nucleus);
        double t = f->time_s;
        if (t > start_s + 0.1 && t < start_s + len_s - 0.1) {
            vowel++;
            voiced += e->voiced;
            speech += e->speech;
            f0_agree += e->voiced && f->voiced && fabsf(e->f0_hz - f->f0_hz) < 0.02f * f->f0_hz;
        }
    }
    printf("early frames: %zu of %zu (delay %zu); in the vowel %zu: voiced %zu, speech %zu, F0 as "
           "final %zu\n",
           early_before_flush, log->final_count, delay, vowel, voiced, speech, f0_agree);
    assert_true(early_before_flush + 10 >= log->final_count);
    assert_true(vowel > 100);
    assert_int_equal(voiced, vowel);
    assert_int_equal(speech, vowel);
    assert_true(f0_agree >= vowel - vowel / 50);
    free(log);
    free(x);
    rpl_analysis_destroy(a);
}

/* ---- cue windows peeked ahead -------------------------------------------------------------- */

static rpl_frame made_frame(int64_t index, uint64_t *seed)
{
    rpl_frame f;
    memset(&f, 0, sizeof f);
    f.index = index;
    f.time_s = ((double)index + 0.5) * 0.01;
    int64_t in_syllable = index % 40;
    f.speech = in_syllable < 30 || (index / 40) % 5 == 4; /* words, and a pause now and then */
    f.voiced = f.speech && in_syllable > 3 && in_syllable < 27;
    f.f0_hz = f.voiced ? 180.0f + 30.0f * test_uniform(seed) : 0.0f;
    f.energy_db = f.speech ? -20.0f + 4.0f * test_uniform(seed) : -65.0f;
    f.nucleus = f.speech && in_syllable == 12;
    f.artic_rate_sps = NAN;
    f.jitter_pct = f.shimmer_db = f.hnr_db = f.slope_db_khz = NAN;
    f.loudness_sone = f.band_800_1500_db = NAN;
    f.hammarberg_db = 20.0f + 5.0f * test_uniform(seed);
    f.alpha_db = 3.0f + 2.0f * test_uniform(seed);
    f.flux = 0.3f + 0.1f * test_uniform(seed);
    return f;
}

/* Peeking at window A with the frames B has been given since A: B's cues, except those whose
 * decisions need look-ahead (the latest step's). */
static void test_cue_window_peek(void **state)
{
    (void)state;
    uint64_t seed = test_seed("cue_window_peek");
    rpl_cues_config cfg = rpl_cues_config_default();
    cfg.establish_speech_s = 1.0;
    rpl_cue_window *a = NULL, *b = NULL;
    assert_int_equal(rpl_cue_window_create(&cfg, &a), RPL_OK);
    assert_int_equal(rpl_cue_window_create(&cfg, &b), RPL_OK);
    enum { GIVEN = 1000 + 3, AHEAD = 47 }; /* a step is due after GIVEN + AHEAD frames */
    rpl_frame frames[GIVEN + AHEAD];
    bool other[GIVEN + AHEAD];
    for (int64_t i = 0; i < GIVEN + AHEAD; i++) {
        frames[i] = made_frame(i, &seed);
        other[i] = (i / 40) % 7 == 6 && !frames[i].speech;
    }
    rpl_cues step_a, step_b, peeked, last_a;
    memset(&last_a, 0, sizeof last_a);
    for (int64_t i = 0; i < GIVEN + AHEAD; i++) {
        /* no adaptation after GIVEN: both baselines stay what they were at GIVEN */
        bool adapt = i < GIVEN;
        if (i < GIVEN && rpl_cue_window_process(a, &frames[i], other[i], adapt, &step_a)) {
            last_a = step_a;
        }
        bool stepped = rpl_cue_window_process(b, &frames[i], other[i], adapt, &step_b);
        assert_true(stepped || i + 1 < GIVEN + AHEAD);
    }
    rpl_cue_window_peek(a, frames + GIVEN, other + GIVEN, AHEAD, &peeked);
    assert_true(peeked.t_s == step_b.t_s);
    assert_true(peeked.window_s == step_b.window_s);
    assert_int_equal(peeked.baseline_ok, step_b.baseline_ok);
    assert_true(peeked.baseline_ok);
    for (size_t c = 0; c < RPL_CUE_COUNT; c++) {
        double want = step_b.value[c];
        if (c == RPL_CUE_ARTIC_RATE_SPS || c == RPL_CUE_FILLED_S) {
            want = last_a.value[c];
        } else if (c == RPL_CUE_RATE_REL) {
            continue; /* relative to the latest step's rate: checked through it */
        }
        if (!(isnan(want) && isnan(peeked.value[c])) && fabs(peeked.value[c] - want) > 1e-9) {
            fail_msg("cue %s: peeked %.9g, want %.9g", rpl_cue_info_get(c)->name, peeked.value[c],
                     want);
        }
    }
    /* peeking changed nothing: A's next step is B's */
    for (int64_t i = GIVEN; i < GIVEN + AHEAD; i++) {
        if (rpl_cue_window_process(a, &frames[i], other[i], false, &step_a)) {
            assert_memory_equal(&step_a, &step_b, sizeof step_a);
        }
    }
    /* more recent frames than the window holds: the newest window's worth */
    rpl_cue_window_peek(b, frames, other, GIVEN + AHEAD, &peeked);
    assert_true(fabs(peeked.window_s - cfg.window_s) < 1e-9);
    assert_true(fabs(peeked.value[RPL_CUE_F0_MEDIAN_ST] - step_b.value[RPL_CUE_F0_MEDIAN_ST]) <
                1e-9);
    rpl_cue_window_destroy(a);
    rpl_cue_window_destroy(b);
}

/* ---- a whole pipeline on recorded calls ---------------------------------------------------- */

enum { MAX_ALERTS = 32, MAX_STEPS = 400 };

typedef struct call_log {
    rpl_pipeline_alert alerts[MAX_ALERTS];
    size_t alert_count;
    double final[MAX_STEPS][RPL_SCORE_COUNT]; /* customer's, by 0.5 s step; NAN: none */
} call_log;

static void log_alert(void *user, const rpl_pipeline_alert *alert)
{
    call_log *log = user;
    assert_true(log->alert_count < MAX_ALERTS);
    log->alerts[log->alert_count] = *alert;
    log->alerts[log->alert_count++].evidence_json = NULL;
}

static void log_scores(void *user, const rpl_pipeline_scores *s)
{
    call_log *log = user;
    long step = lround(s->t_s / 0.5);
    if (s->role == RPL_STORE_ROLE_CUSTOMER && step >= 0 && step < MAX_STEPS) {
        memcpy(log->final[step], s->score, sizeof s->score);
    }
}

/* Run path through a pipeline in 10 ms blocks; with provisional, the customer's provisional
 * scores at every 0.5 s step into prov and the largest lag of the newest provisional frame
 * behind the input into *max_lag_s. */
static void run_call(const char *path, bool provisional, call_log *log,
                     double prov[MAX_STEPS][RPL_SCORE_COUNT], double *max_lag_s)
{
    rpl_source_file *src = NULL;
    char why[256];
    assert_int_equal(rpl_source_file_open(path, NULL, &src, why, sizeof why), RPL_OK);
    const rpl_source_info *info = rpl_source_file_info(src);
    rpl_pipeline_config cfg = rpl_pipeline_config_default(info->channels);
    cfg.input_rate_hz = info->sample_rate_hz;
    cfg.provisional = provisional;
    rpl_pipeline *pl = NULL;
    assert_int_equal(rpl_pipeline_create(&cfg, &pl), RPL_OK);
    rpl_pipeline_sink sink = {.on_alert = log_alert, .on_scores = log_scores, .user = log};
    for (size_t s = 0; s < MAX_STEPS; s++) {
        for (int k = 0; k < RPL_SCORE_COUNT; k++) {
            log->final[s][k] = NAN;
            if (prov != NULL) {
                prov[s][k] = NAN;
            }
        }
    }
    const size_t block = (size_t)(info->sample_rate_hz / 100);
    float *buf = malloc(block * (size_t)info->channels * sizeof *buf);
    size_t got = 0;
    double input_s = 0.0;
    *max_lag_s = 0.0;
    while (rpl_source_file_read(src, buf, block, &got, why, sizeof why) == RPL_OK && got > 0) {
        assert_int_equal(rpl_pipeline_process(pl, buf, got, &sink), RPL_OK);
        input_s += (double)got / info->sample_rate_hz;
        rpl_pipeline_scores s;
        bool have = rpl_pipeline_provisional(pl, RPL_STORE_ROLE_CUSTOMER, &s);
        assert_true(provisional ? have || input_s < 0.1 : !have);
        if (!have) {
            continue;
        }
        *max_lag_s = fmax(*max_lag_s, input_s - s.t_s);
        double step = s.t_s / 0.5;
        if (fabs(step - round(step)) < 1e-6 && round(step) < MAX_STEPS) {
            memcpy(prov[(size_t)round(step)], s.score, sizeof s.score);
        }
    }
    assert_int_equal(rpl_pipeline_finish(pl, &sink), RPL_OK);
    free(buf);
    rpl_source_file_close(src);
    rpl_pipeline_destroy(pl);
}

/* The status line's provisional scores come 0.7 s earlier than the final ones and follow them
 * better than the final scores it would otherwise show (those of 1 s before: the 0.71 s
 * look-ahead, on the 0.5 s grid), and better even than those of 0.5 s before; the alerts are
 * those of the call without them. */
static void check_call(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", RPL_SAMPLES_DIR, name);
    call_log *plain = calloc(1, sizeof *plain), *live = calloc(1, sizeof *live);
    double(*prov)[RPL_SCORE_COUNT] = calloc(MAX_STEPS, sizeof *prov);
    double lag_plain, lag_live;
    run_call(path, false, plain, NULL, &lag_plain);
    run_call(path, true, live, prov, &lag_live);
    assert_int_equal(live->alert_count, plain->alert_count);
    assert_true(plain->alert_count > 0);
    for (size_t i = 0; i < plain->alert_count; i++) {
        const rpl_pipeline_alert *x = &live->alerts[i], *y = &plain->alerts[i];
        assert_true(x->closed == y->closed && x->sequence == y->sequence && x->kind == y->kind &&
                    x->role == y->role && x->t_start_s == y->t_start_s &&
                    x->t_end_s == y->t_end_s && x->score == y->score);
    }
    assert_memory_equal(live->final, plain->final, sizeof plain->final);
    printf("%s: newest provisional frame at most %.0f ms behind the input\n", name, 1e3 * lag_live);
    assert_true(lag_live < 0.05);
    for (int k = 0; k < RPL_SCORE_COUNT; k++) {
        double err_prov = 0.0, err_half = 0.0, err_stale = 0.0;
        size_t n = 0;
        for (size_t s = 2; s < MAX_STEPS; s++) {
            double f = plain->final[s][k], p = prov[s][k];
            double half = plain->final[s - 1][k], stale = plain->final[s - 2][k];
            if (isfinite(f) && isfinite(p) && isfinite(half) && isfinite(stale)) {
                err_prov += fabs(p - f);
                err_half += fabs(half - f);
                err_stale += fabs(stale - f);
                n++;
            }
        }
        printf("%s: score %d over %zu steps: provisional off the final by %.3f; the final of 0.5 "
               "s before by %.3f, of 1 s before by %.3f\n",
               name, k, n, err_prov / (double)n, err_half / (double)n, err_stale / (double)n);
        assert_true(n > 30);
        /* closer than even the final score of 0.5 s before, which is not out yet */
        assert_true(err_prov < err_half);
    }
    free(prov);
    free(plain);
    free(live);
}

static void test_pipeline_provisional_calls(void **state)
{
    (void)state;
    check_call("call-angry.wav");
    check_call("call-hesitant.wav");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pitch_latest),
        cmocka_unit_test(test_vad_latest),
        cmocka_unit_test(test_analysis_early_frames),
        cmocka_unit_test(test_cue_window_peek),
        cmocka_unit_test(test_pipeline_provisional_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
