/* Alert rules: every error class with its file:line, the defaults written out and read back,
 * and the sample file equal to the compiled-in defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rappel/rules.h"
#include "rappel/store.h"

#define SAMPLE_RULES RPL_TEST_DATA_DIR "/../../models/rules-default.ini"

static bool rule_equal(const rpl_policy_rule *a, const rpl_policy_rule *b)
{
    return a->enabled == b->enabled && a->open == b->open && a->close == b->close &&
           a->min_duration_s == b->min_duration_s && a->close_hold_s == b->close_hold_s &&
           a->cooldown_s == b->cooldown_s && a->min_speech_s == b->min_speech_s;
}

static void assert_rules_equal(const rpl_rules *a, const rpl_rules *b)
{
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        if (!rule_equal(&a->kind[k], &b->kind[k])) {
            print_error("rules differ in [%s]\n", rpl_alert_kind_name((rpl_alert_kind)k));
            fail();
        }
    }
    assert_true(a->min_silence_s == b->min_silence_s);
    assert_true(a->min_overlap_s == b->min_overlap_s);
}

static void defaults_are_valid_and_match_the_store(void **state)
{
    (void)state;
    rpl_rules d = rpl_rules_default();
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        assert_null(rpl_policy_rule_check(&d.kind[k]));
        assert_true(d.kind[k].enabled);
        assert_string_equal(rpl_alert_kind_name((rpl_alert_kind)k),
                            rpl_store_kind_name((rpl_store_kind)k));
        rpl_policy_config cfg = rpl_rules_policy_config(&d, (rpl_alert_kind)k);
        assert_int_equal(cfg.kind, k);
        assert_true(rule_equal(&cfg.rule, &d.kind[k]));
        rpl_policy *p = NULL;
        assert_int_equal(rpl_policy_create(&cfg, &p), RPL_OK);
        rpl_policy_destroy(p);
    }
    /* The documented ranges of the task: open 0.6-0.7, close 0.45-0.5, min duration 1.5-3 s,
     * cooldown 30-60 s, min speech 3-5 s for the scored kinds. */
    for (int k = RPL_ALERT_FRUSTRATION; k <= RPL_ALERT_FATIGUE; k++) {
        assert_true(d.kind[k].open >= 0.6 && d.kind[k].open <= 0.7);
        assert_true(d.kind[k].close >= 0.45 && d.kind[k].close <= 0.5);
        assert_true(d.kind[k].min_duration_s >= 1.5 && d.kind[k].min_duration_s <= 3.0);
        assert_true(d.kind[k].cooldown_s >= 30.0 && d.kind[k].cooldown_s <= 60.0);
        assert_true(d.kind[k].min_speech_s >= 3.0 && d.kind[k].min_speech_s <= 5.0);
    }
    assert_true(d.min_silence_s == 3.0);
    assert_true(d.min_overlap_s == 1.0);
    rpl_cross_party_config cp = rpl_cross_party_config_default();
    cp.min_silence_s = 99.0;
    cp = rpl_rules_cross_party_config(&d, cp);
    assert_true(cp.min_silence_s == 3.0 && cp.min_overlap_s == 1.0 && cp.frame_ms == 10.0f);
}

static void sample_file_equals_the_defaults(void **state)
{
    (void)state;
    rpl_rules d = rpl_rules_default();
    rpl_rules loaded;
    memset(&loaded, 0, sizeof loaded);
    char err[512];
    assert_int_equal(rpl_rules_load_file(SAMPLE_RULES, &loaded, err, sizeof err), RPL_OK);
    assert_string_equal(err, "");
    assert_rules_equal(&loaded, &d);

    /* And it is exactly the writer's text (regenerate it from rpl_rules_write_ini). */
    char text[8192];
    size_t n = rpl_rules_write_ini(&d, text, sizeof text);
    assert_true(n < sizeof text);
    assert_int_equal(strlen(text), n);
    FILE *f = fopen(SAMPLE_RULES, "r");
    assert_non_null(f);
    char file_text[8192];
    size_t got = fread(file_text, 1, sizeof file_text - 1, f);
    fclose(f);
    file_text[got] = '\0';
    assert_string_equal(file_text, text);
}

static void written_rules_read_back_exactly(void **state)
{
    (void)state;
    rpl_rules r = rpl_rules_default();
    r.kind[RPL_ALERT_FRUSTRATION].open = 0.123456789012345;
    r.kind[RPL_ALERT_FRUSTRATION].close = 0.1;
    r.kind[RPL_ALERT_HESITATION].enabled = false;
    r.kind[RPL_ALERT_FATIGUE].min_duration_s = 7.25;
    r.kind[RPL_ALERT_FATIGUE].close_hold_s = 0.0;
    r.kind[RPL_ALERT_FATIGUE].min_speech_s = 1.0 / 3.0;
    r.kind[RPL_ALERT_DEAD_AIR].cooldown_s = 86400.0;
    r.kind[RPL_ALERT_OVERTALK].enabled = false;
    r.min_silence_s = 4.5;
    r.min_overlap_s = 0.01;
    char text[8192];
    assert_true(rpl_rules_write_ini(&r, text, sizeof text) < sizeof text);
    rpl_rules back = rpl_rules_default();
    char err[256];
    assert_int_equal(rpl_rules_load_string(text, "written", &back, err, sizeof err), RPL_OK);
    assert_rules_equal(&back, &r);

    /* snprintf-style: the full length even when the buffer is short, always terminated. */
    char small[10];
    size_t full = rpl_rules_write_ini(&r, small, sizeof small);
    assert_int_equal(full, strlen(text));
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(rpl_rules_write_ini(&r, NULL, 0), full);
}

static void partial_files_keep_the_other_defaults(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF; a team's tweak\n"
                       "# hash comments too\n"
                       "[frustration]\n"
                       "  open = 0.8   ; inline comment\n"
                       "\n"
                       "[overtalk]\n"
                       "min_overlap_s=2\n"
                       "enabled = false\n";
    rpl_rules r;
    char err[256];
    assert_int_equal(rpl_rules_load_string(text, "tweak.ini", &r, err, sizeof err), RPL_OK);
    rpl_rules want = rpl_rules_default();
    want.kind[RPL_ALERT_FRUSTRATION].open = 0.8;
    want.min_overlap_s = 2.0;
    want.kind[RPL_ALERT_OVERTALK].enabled = false;
    assert_rules_equal(&r, &want);
    /* An empty file is the defaults. */
    assert_int_equal(rpl_rules_load_string("", "empty.ini", &r, err, sizeof err), RPL_OK);
    rpl_rules d = rpl_rules_default();
    assert_rules_equal(&r, &d);
}

typedef struct bad_case {
    const char *text;
    int line;
    const char *reason; /* a part of the reason */
} bad_case;

static void every_error_names_file_line_and_reason(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"[frustration]\nopen = 0.7\n[anger]\nopen = 0.7\n", 3, "unknown section [anger]"},
        {"[frustration]\n[nope]\n", 2, "unknown section [nope]"},
        {"[Frustration]\nopen = 0.7\n", 1, "unknown section [Frustration]"},
        {"[frustration]\nopne = 0.7\n", 2, "unknown key 'opne'"},
        {"[dead_air]\nopen = 0.5\n", 2, "key 'open' does not apply"},
        {"[frustration]\nmin_silence_s = 3\n", 2, "key 'min_silence_s' does not apply"},
        {"[overtalk]\nmin_silence_s = 3\n", 2, "key 'min_silence_s' does not apply"},
        {"open = 0.5\n", 1, "outside a section"},
        {"[fatigue]\n; comment\nopen = 0.7x\n", 3, "not a number: '0.7x'"},
        {"[fatigue]\nopen =\n", 2, "not a number: ''"},
        {"[fatigue]\nopen = nan\n", 2, "not a number"},
        {"[fatigue]\ncooldown_s = inf\n", 2, "not a number"},
        {"[fatigue]\ncooldown_s = 1e999\n", 2, "not a number"},
        {"[fatigue]\nopen = 1.5\n", 2, "from 0 to 1"},
        {"[fatigue]\nclose = -0.1\n", 2, "from 0 to 1"},
        {"[hesitation]\ncooldown_s = -1\n", 2, "from 0 to 86400"},
        {"[hesitation]\nmin_duration_s = 90000\n", 2, "from 0 to 86400"},
        {"[hesitation]\nmin_speech_s = -0.5\n", 2, "from 0 to 86400"},
        {"[hesitation]\nclose_hold_s = -2\n", 2, "from 0 to 86400"},
        {"[dead_air]\nmin_silence_s = 0\n", 2, "from 0.01 to 86400"},
        {"[overtalk]\nmin_overlap_s = -1\n", 2, "from 0.01 to 86400"},
        {"[hesitation]\nopen = 0.5\nclose = 0.6\n", 3, "close = 0.6 is above open = 0.5"},
        {"[hesitation]\nclose = 0.6\nopen = 0.5\n", 3, "close = 0.6 is above open = 0.5"},
        {"[hesitation]\n\nclose = 0.7\n", 3, "close = 0.7 is above open = 0.65"},
        {"[frustration]\nopen = 0.7\nopen = 0.8\n", 3,
         "duplicate key 'open' (first set on line 2)"},
        {"[frustration]\nopen = 0.7\n[hesitation]\nopen = 0.7\n[frustration]\nopen = 0.7\n", 6,
         "duplicate key 'open' (first set on line 2)"},
        {"[frustration]\nenabled = yes\n", 2, "expected true or false, not 'yes'"},
        {"[frustration]\njust words\n", 2, "syntax error"},
        {"[frustration\nopen = 0.7\n", 1, "syntax error"},
        {"[frustration]\nopen = 0.7\n  0.8\n", 3, "duplicate key 'open'"},
        /* The first error in the file wins. */
        {"[frustration]\nopen = x\nopne = 0.7\n[anger]\n", 2, "not a number"},
        {"[frustration]\njust words\nopen = x\n", 2, "syntax error"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rpl_rules r = rpl_rules_default();
        r.min_silence_s = 42.0; /* a marker: *out must stay unchanged on failure */
        char err[512];
        rpl_status st = rpl_rules_load_string(cases[i].text, "team.ini", &r, err, sizeof err);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "team.ini:%d: ", cases[i].line);
        if (st != RPL_ERR_CONFIG || strncmp(err, prefix, strlen(prefix)) != 0 ||
            strstr(err, cases[i].reason) == NULL) {
            print_error("case %zu: status %d, message \"%s\"; expected \"%s...%s\"\n", i, (int)st,
                        err, prefix, cases[i].reason);
            fail();
        }
        assert_true(r.min_silence_s == 42.0);
    }
    /* A line too long for libinih is an error, not silently split. */
    char longline[1024] = "[frustration]\nopen = 0.7";
    size_t n = strlen(longline);
    memset(longline + n, ' ', 600);
    strcpy(longline + n + 600, "; long comment\n");
    rpl_rules r;
    char err[512];
    assert_int_equal(rpl_rules_load_string(longline, "long.ini", &r, err, sizeof err),
                     RPL_ERR_CONFIG);
    assert_non_null(strstr(err, "long.ini:2: line longer than"));
    /* A short error buffer is cut, still terminated. */
    char tiny[8];
    assert_int_equal(rpl_rules_load_string("[x]\n", "team.ini", &r, tiny, sizeof tiny),
                     RPL_ERR_CONFIG);
    assert_string_equal(tiny, "team.in");
}

static void file_errors(void **state)
{
    (void)state;
    rpl_rules r;
    char err[512];
    assert_int_equal(rpl_rules_load_file("/nonexistent/rules.ini", &r, err, sizeof err),
                     RPL_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "/nonexistent/rules.ini: "));
    assert_int_equal(rpl_rules_load_file("/", &r, err, sizeof err), RPL_ERR_IO);
    assert_non_null(strstr(err, "/: "));
    assert_int_equal(rpl_rules_load_file(NULL, &r, err, sizeof err), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_rules_load_file(SAMPLE_RULES, NULL, err, sizeof err), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_rules_load_string(NULL, NULL, &r, err, sizeof err), RPL_ERR_INVALID_ARG);

    /* A real file with an error: its path and line. */
    char path[] = "/tmp/rappel-rules-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("[frustration]\nopen = 0.7\n\n[dead_air]\nmin_silence_s = 2\nclose = 0.4\n", f);
    fclose(f);
    assert_int_equal(rpl_rules_load_file(path, &r, err, sizeof err), RPL_ERR_CONFIG);
    char want[128];
    snprintf(want, sizeof want, "%s:6: [dead_air]: key 'close' does not apply", path);
    assert_non_null(strstr(err, want));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_valid_and_match_the_store),
        cmocka_unit_test(sample_file_equals_the_defaults),
        cmocka_unit_test(written_rules_read_back_exactly),
        cmocka_unit_test(partial_files_keep_the_other_defaults),
        cmocka_unit_test(every_error_names_file_line_and_reason),
        cmocka_unit_test(file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
