/* Cue windows, the speaker baseline and the scoring models, on frame sequences whose truth is
 * known because the test makes them. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rappel/cues.h"
#include "rappel/model.h"
#include "rappel/model_file.h"
#include "frames.h"

#ifndef RPL_TEST_DATA_DIR
#error "RPL_TEST_DATA_DIR must be defined"
#endif

#define near(a, b, eps) check_near((a), (b), (eps), #a, __LINE__)

static void check_near(double a, double b, double eps, const char *what, int line)
{
    if (!(fabs(a - b) <= eps)) {
        fail_msg("line %d: %s = %.9g, want %.9g +- %.3g", line, what, a, b, eps);
    }
}

static rpl_cue_window *window_with(double window_s)
{
    rpl_cues_config cfg = rpl_cues_config_default();
    cfg.window_s = window_s;
    rpl_cue_window *w = NULL;
    assert_int_equal(rpl_cue_window_create(&cfg, &w), RPL_OK);
    return w;
}

static double st(double hz)
{
    return 12.0 * log2(hz / 100.0);
}

/* F0 alternating between two values: median, range and slope are known. */
static void test_window_f0_statistics(void **state)
{
    (void)state;
    rpl_cue_window *w = window_with(3.0);
    rpl_cues c;
    int steps = 0;
    /* 60 % of the frames at 200 Hz and 40 % at 100 Hz, in runs of 10 */
    for (int64_t i = 0; i < 300; i++) {
        double f0 = (i / 10) % 5 < 3 ? 200.0 : 100.0;
        rpl_frame f = test_frame(i, true, f0, -20.0);
        if (rpl_cue_window_process(w, &f, false, true, &c)) {
            steps++;
        }
    }
    assert_int_equal(steps, 300 / RPL_CUES_STEP_FRAMES);
    near(c.t_s, 3.0, 1e-9);
    near(c.value[RPL_CUE_SPEECH_S], 3.0, 1e-9);
    near(c.value[RPL_CUE_F0_MEDIAN_ST], st(200.0), 1e-9);
    near(c.value[RPL_CUE_F0_RANGE_ST], 12.0, 1e-9);
    /* an octave jump where the runs change: 11 jumps in 299 neighbour pairs */
    near(c.value[RPL_CUE_F0_SLOPE_ST_S], 11.0 * 12.0 / 299.0 / 0.01, 1e-6);
    near(c.value[RPL_CUE_LEVEL_DB], -20.0, 1e-9);
    near(c.value[RPL_CUE_LEVEL_RANGE_DB], 0.0, 1e-9);
    rpl_cue_window_destroy(w);
}

/* The effort quantiles (Hammarberg p10, alpha p25, slope p90) of the window's voiced frames:
 * 200 voiced frames carry the values 0..199 in a shuffled order, mixed with unvoiced speech
 * frames and voiced frames without a spectrum whose values must be ignored. Nearest rank over
 * 200 values: p10 -> rank round(0.1 * 199) = 20, p25 -> 50, p90 -> 179. When the window has
 * moved on to frames of one value, the quantiles are that value; with no voiced frame, NAN. */
static void test_window_effort_quantiles(void **state)
{
    (void)state;
    rpl_cue_window *w = window_with(3.0);
    rpl_cues c;
    unsigned perm[200];
    for (unsigned k = 0; k < 200; k++) {
        perm[k] = k;
    }
    unsigned seed = 12345u;
    for (unsigned k = 199; k > 0; k--) { /* Fisher-Yates with a fixed LCG */
        seed = seed * 1103515245u + 12345u;
        unsigned j = (seed >> 8) % (k + 1);
        unsigned t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
    }
    bool got = false;
    unsigned next = 0;
    for (int64_t i = 0; i < 300; i++) {
        rpl_frame f;
        if (i % 3 == 2 && i < 150) { /* 50 unvoiced speech frames with extreme values */
            f = test_frame(i, true, 0.0, -20.0);
            f.hammarberg_db = f.alpha_db = -100.0f;
            f.slope_db_khz = 100.0f;
        } else if (next < 200) {
            f = test_frame(i, true, 150.0, -20.0);
            f.hammarberg_db = (float)perm[next];
            f.alpha_db = (float)perm[next] - 50.0f;
            f.slope_db_khz = (float)perm[next] / 10.0f;
            next++;
        } else { /* 50 voiced frames without a spectrum */
            f = test_frame(i, true, 150.0, -20.0);
        }
        got = rpl_cue_window_process(w, &f, false, true, &c);
    }
    assert_true(got);
    assert_int_equal(next, 200);
    near(c.value[RPL_CUE_HAMMARBERG_P10_DB], 20.0, 1e-9);
    near(c.value[RPL_CUE_ALPHA_P25_DB], 50.0 - 50.0, 1e-9);
    near(c.value[RPL_CUE_SLOPE_P90_DB_KHZ], 17.9, 1e-6);
    /* the means are those of all 200 values: the quantiles are not the means */
    near(c.value[RPL_CUE_HAMMARBERG_DB], 99.5, 1e-6);
    for (int64_t i = 300; i < 600; i++) {
        rpl_frame f = test_frame(i, true, 150.0, -20.0);
        f.hammarberg_db = 7.0f;
        f.alpha_db = -3.0f;
        f.slope_db_khz = 2.5f;
        rpl_cue_window_process(w, &f, false, true, &c);
    }
    near(c.value[RPL_CUE_HAMMARBERG_P10_DB], 7.0, 1e-9);
    near(c.value[RPL_CUE_ALPHA_P25_DB], -3.0, 1e-9);
    near(c.value[RPL_CUE_SLOPE_P90_DB_KHZ], 2.5, 1e-9);
    for (int64_t i = 600; i < 900; i++) {
        rpl_frame f = test_frame(i, true, 0.0, -20.0); /* unvoiced only */
        f.hammarberg_db = 7.0f;
        rpl_cue_window_process(w, &f, false, true, &c);
    }
    assert_true(isnan(c.value[RPL_CUE_HAMMARBERG_P10_DB]));
    assert_true(isnan(c.value[RPL_CUE_ALPHA_P25_DB]));
    assert_true(isnan(c.value[RPL_CUE_SLOPE_P90_DB_KHZ]));
    rpl_cue_window_destroy(w);
}

/* Pauses: silences inside this party's speech count, not at all up to 0.8 s (the pauses of
 * fluent speech), in part up to 1.5 s and in full from there; a silence while the other party
 * speaks is a turn exchange; too short silences are not pauses. */
static void test_window_pauses(void **state)
{
    (void)state;
    rpl_cue_window *w = window_with(8.0);
    rpl_cues c;
    /* speech 1 s | pause 0.5 s (fluent: 0) | speech 0.8 s | silence 1 s while the other speaks
     * | speech 0.8 s | 0.1 s gap (not a pause) | speech 0.5 s | pause 1.6 s (in full) | speech
     * 0.4 s | pause 1.15 s (half) | speech 0.15 s: 8 s in all */
    struct {
        int frames;
        bool speech, other;
    } plan[] = {{100, true, false}, {50, false, false},  {80, true, false}, {100, false, true},
                {80, true, false},  {10, false, false},  {50, true, false}, {160, false, false},
                {40, true, false},  {115, false, false}, {15, true, false}};
    int64_t i = 0;
    bool got = false;
    for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++) {
        for (int k = 0; k < plan[p].frames; k++, i++) {
            rpl_frame f = test_frame(i, plan[p].speech, 150.0, -25.0);
            got = rpl_cue_window_process(w, &f, plan[p].other, true, &c);
        }
    }
    assert_int_equal(i, 800);
    assert_true(got);
    near(c.value[RPL_CUE_PAUSE_COUNT], 1.5, 1e-9);
    near(c.value[RPL_CUE_PAUSE_S], 1.6 + 0.5 * 1.15, 1e-9);
    near(c.value[RPL_CUE_SPEECH_S], 3.65, 1e-9);
    rpl_cue_window_destroy(w);
}

/* The baseline: established from the first seconds of speech, then relative cues measure
 * change against it; while the caller says the party is alerting, it does not move. */
static void test_baseline_relative_cues(void **state)
{
    (void)state;
    rpl_cue_window *w = window_with(3.0);
    rpl_cues c;
    int64_t i = 0;
    /* 10 s of a calm speaker at 120 Hz and -30 dBFS */
    for (; i < 1000; i++) {
        rpl_frame f = test_frame(i, true, 120.0, -30.0);
        rpl_cue_window_process(w, &f, false, true, &c);
    }
    assert_true(c.baseline_ok);
    near(c.value[RPL_CUE_F0_REL_ST], 0.0, 0.15);
    near(c.value[RPL_CUE_LEVEL_REL_DB], 0.0, 0.3);
    /* then 20 s raised by 5 semitones and 8 dB, marked as alerting: no adaptation */
    double raised_hz = 120.0 * pow(2.0, 5.0 / 12.0);
    for (; i < 3000; i++) {
        rpl_frame f = test_frame(i, true, raised_hz, -22.0);
        rpl_cue_window_process(w, &f, false, false, &c);
    }
    near(c.value[RPL_CUE_F0_REL_ST], 5.0, 0.15);
    near(c.value[RPL_CUE_LEVEL_REL_DB], 8.0, 0.3);
    rpl_cues base;
    rpl_cue_window_baseline(w, &base);
    near(base.value[RPL_CUE_F0_MEDIAN_ST], st(120.0), 0.15);
    /* adapting for long: the baseline follows the new normal, slowly */
    for (; i < 9000; i++) {
        rpl_frame f = test_frame(i, true, raised_hz, -22.0);
        rpl_cue_window_process(w, &f, false, true, &c);
        if (i == 3499) {
            assert_true(c.value[RPL_CUE_F0_REL_ST] > 3.0); /* 5 s later: still mostly old */
        }
    }
    assert_true(c.value[RPL_CUE_F0_REL_ST] < 1.0); /* after 60 s it has moved */
    rpl_cue_window_destroy(w);
}

/* Scores use only what the model names; unknown cues count as the training mean; the parts
 * name what pushed the score up, strongest first. */
static void test_score_eval(void **state)
{
    (void)state;
    rpl_score_model m = {
        .intercept = -1.0,
        .term_count = 3,
        .terms = {{RPL_CUE_F0_REL_ST, 0.0, 2.0, 1.5},
                  {RPL_CUE_LEVEL_REL_DB, 0.0, 4.0, 1.0},
                  {RPL_CUE_HNR_DB, 10.0, 5.0, -0.5}},
        .min_window_speech_s = 1.0,
    };
    rpl_cues c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < RPL_CUE_COUNT; i++) {
        c.value[i] = NAN;
    }
    c.value[RPL_CUE_SPEECH_S] = 0.5;
    assert_true(isnan(rpl_score_eval(&m, &c, NULL, 0, NULL)));
    c.value[RPL_CUE_SPEECH_S] = 2.0;
    near(rpl_score_eval(&m, &c, NULL, 0, NULL), 1.0 / (1.0 + exp(1.0)), 1e-12);
    c.value[RPL_CUE_F0_REL_ST] = 4.0;    /* z = 2, +3.0 */
    c.value[RPL_CUE_LEVEL_REL_DB] = 2.0; /* z = 0.5, +0.5 */
    c.value[RPL_CUE_HNR_DB] = 100.0;     /* z = 18 -> clamped 4, -2.0 */
    rpl_cue_part parts[4];
    size_t n = 0;
    double s = rpl_score_eval(&m, &c, parts, 4, &n);
    near(s, 1.0 / (1.0 + exp(-(-1.0 + 3.0 + 0.5 - 2.0))), 1e-12);
    assert_int_equal(n, 2); /* only parts that push up */
    assert_int_equal(parts[0].cue, RPL_CUE_F0_REL_ST);
    near(parts[0].contribution, 3.0, 1e-12);
    assert_int_equal(parts[1].cue, RPL_CUE_LEVEL_REL_DB);
}

/* The parameter file the training writes is the compiled-in model, term for term. */
static void test_model_file_equals_default(void **state)
{
    (void)state;
    rpl_model loaded;
    char why[256] = "";
    rpl_status s = rpl_model_load(RPL_TEST_DATA_DIR "/../../models/rappel-model.ini", &loaded, why,
                                  sizeof why);
    if (s != RPL_OK) {
        fail_msg("rappel-model.ini: %s", why);
    }
    const rpl_model *def = rpl_model_default();
    assert_string_equal(loaded.version, def->version);
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        const rpl_score_model *a = &loaded.score[k];
        const rpl_score_model *b = &def->score[k];
        assert_int_equal(a->term_count, b->term_count);
        near(a->intercept, b->intercept, 1e-9 * (1.0 + fabs(b->intercept)));
        for (size_t i = 0; i < a->term_count; i++) {
            assert_int_equal(a->terms[i].cue, b->terms[i].cue);
            near(a->terms[i].weight, b->terms[i].weight, 1e-8 * (1.0 + fabs(b->terms[i].weight)));
            near(a->terms[i].mean, b->terms[i].mean, 1e-8 * (1.0 + fabs(b->terms[i].mean)));
            near(a->terms[i].scale, b->terms[i].scale, 1e-8 * b->terms[i].scale);
        }
    }
    assert_int_equal(rpl_model_validate(def), RPL_OK);
}

/* A bad parameter file says which line and why. */
static void test_model_file_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"[model]\nversion = x\n[frustration]\nterm = nosuchcue 0 1 1\n", "4: unknown cue"},
        {"[model]\nversion = x\n[fatigue]\nterm = f0_rel_st 0 0 1\n", "4: bad number"},
        {"[model]\nversion = x\n[fatigue]\nintercept = abc\n", "4: 'abc' is not a number"},
        {"[model]\nversion = x\n[anger]\nintercept = 1\n", "4: unknown section"},
        {"[frustration]\nintercept = 1\n", "no [model] version"},
        {"[model]\nversion = x\n[hesitation]\nterm = f0_rel_st 1 2\n", "4: term wants"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rpl_model m;
        char why[256] = "";
        assert_int_equal(rpl_model_parse(cases[i].text, &m, why, sizeof why), RPL_ERR_FORMAT);
        if (strstr(why, cases[i].why) == NULL) {
            fail_msg("case %zu: '%s' does not say '%s'", i, why, cases[i].why);
        }
    }
    rpl_model m;
    char why[256] = "";
    assert_int_equal(rpl_model_load("/nonexistent/model.ini", &m, why, sizeof why), RPL_ERR_IO);
}

/* A complete model in a few lines: the cases below leave one part of it out. */
#define SCORE_SECTION "intercept = 0\nmin_window_speech_s = 1\nterm = flux 0 1 1\n"
#define MODEL_HEAD                                                                                 \
    "[model]\nversion = x\n[frustration]\n" SCORE_SECTION "[hesitation]\n" SCORE_SECTION

/* A file that leaves out a score's section, its terms or a required key, or gives a value out
 * of range, is refused with the section, the line and what is missing: before, such a model
 * loaded and scored 0.5 (an intercept of 0) wherever its parts were missing. */
static void test_model_file_incomplete(void **state)
{
    (void)state;
    rpl_model m;
    char why[256] = "";
    /* the control: all parts given */
    rpl_status s = rpl_model_parse(MODEL_HEAD "[fatigue]\n" SCORE_SECTION, &m, why, sizeof why);
    if (s != RPL_OK) {
        fail_msg("complete model refused: %s", why);
    }
    assert_int_equal(m.score[RPL_SCORE_FATIGUE].term_count, 1);

    static const struct {
        const char *text, *why;
    } cases[] = {
        {"[model]\nversion = x\n", "[frustration], [hesitation] and [fatigue] are missing: a "
                                   "model needs frustration, hesitation and fatigue"},
        {MODEL_HEAD, "[fatigue] is missing: a model needs frustration, hesitation and fatigue"},
        {MODEL_HEAD "[fatigue]\n", "line 11: [fatigue] is empty: each score needs"},
        {MODEL_HEAD "[fatigue]\n; no terms\nintercept = 0\nmin_window_speech_s = 1\n",
         "line 11: [fatigue] has no term: "},
        {MODEL_HEAD "[fatigue]\nmin_window_speech_s = 1\nterm = flux 0 1 1\n",
         "line 11: [fatigue] has no intercept: "},
        {MODEL_HEAD "[fatigue]\nterm = flux 0 1 1\n",
         "line 11: [fatigue] has no intercept or min_window_speech_s: "},
        {"[model]\nversion = x\n[frustration]\nintercept = 0\nmin_window_speech_s = 100\n",
         "line 5: [frustration] min_window_speech_s = 100: must be from 0 to 60"},
        {"[model]\nversion = x\n[hesitation]\nmin_window_speech_s = -1\n",
         "line 4: [hesitation] min_window_speech_s = -1: must be from 0 to 60"},
        {MODEL_HEAD "[fatigue]\n" SCORE_SECTION "intercept = 1\n",
         "line 15: [fatigue] intercept again (first at line 12)"},
        {MODEL_HEAD "[fatigue]\n" SCORE_SECTION "[hesitation]\nterm = flux 0 1 1\n",
         "line 15: [hesitation] again (first at line 7)"},
        {"[model]\nversion = x\nversion = y\n", "line 3: [model] version again"},
        {"[model]\n[frustration]\nintercept = 1\n", "line 1: no [model] version"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        why[0] = '\0';
        assert_int_equal(rpl_model_parse(cases[i].text, &m, why, sizeof why), RPL_ERR_FORMAT);
        if (strstr(why, cases[i].why) == NULL) {
            fail_msg("case %zu: '%s' does not say '%s'", i, why, cases[i].why);
        }
    }
}

/* The shipped file cut before its [fatigue] section (as a copy cut short would be) is refused,
 * and so is a model whose score has no term (rpl_model_validate). */
static void test_model_file_truncated(void **state)
{
    (void)state;
    FILE *f = fopen(RPL_TEST_DATA_DIR "/../../models/rappel-model.ini", "r");
    assert_non_null(f);
    static char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *fatigue = strstr(text, "\n[fatigue]");
    assert_non_null(fatigue);
    fatigue[1] = '\0';
    rpl_model m;
    char why[256] = "";
    assert_int_equal(rpl_model_parse(text, &m, why, sizeof why), RPL_ERR_FORMAT);
    assert_string_equal(why,
                        "[fatigue] is missing: a model needs frustration, hesitation and fatigue");

    rpl_model copy = *rpl_model_default();
    copy.score[RPL_SCORE_HESITATION].term_count = 0;
    assert_int_equal(rpl_model_validate(&copy), RPL_ERR_INVALID_ARG);
    copy = *rpl_model_default();
    copy.score[RPL_SCORE_FATIGUE].min_window_speech_s = 100.0;
    assert_int_equal(rpl_model_validate(&copy), RPL_ERR_INVALID_ARG);
}

static void test_invalid_config(void **state)
{
    (void)state;
    rpl_cue_window *w = NULL;
    rpl_cues_config cfg = rpl_cues_config_default();
    cfg.window_s = 0.1;
    assert_int_equal(rpl_cue_window_create(&cfg, &w), RPL_ERR_INVALID_ARG);
    cfg = rpl_cues_config_default();
    cfg.max_pause_s = 0.1;
    assert_int_equal(rpl_cue_window_create(&cfg, &w), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_cue_window_create(NULL, &w), RPL_ERR_INVALID_ARG);
    assert_null(w);
    assert_int_equal(rpl_cue_find("f0_rel_st"), RPL_CUE_F0_REL_ST);
    assert_int_equal(rpl_cue_find("nope"), -1);
    assert_null(rpl_cue_info_get(RPL_CUE_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_f0_statistics),
        cmocka_unit_test(test_window_effort_quantiles),
        cmocka_unit_test(test_window_pauses),
        cmocka_unit_test(test_baseline_relative_cues),
        cmocka_unit_test(test_score_eval),
        cmocka_unit_test(test_model_file_equals_default),
        cmocka_unit_test(test_model_file_errors),
        cmocka_unit_test(test_model_file_incomplete),
        cmocka_unit_test(test_model_file_truncated),
        cmocka_unit_test(test_invalid_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
