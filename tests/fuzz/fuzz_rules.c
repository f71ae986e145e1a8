/* libFuzzer harness: the two INI parsers a user hands files to, on arbitrary text:
 * rpl_rules_load_string (`--rules FILE`) and rpl_model_parse (`--model FILE`).
 *
 * Oracles besides the sanitizers: a failure leaves *out unchanged and gives a reason; rules
 * that load write out (rpl_rules_write_ini) to text that loads back to exactly the same
 * values (the header's promise); a model that parses passes rpl_model_validate. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/model_file.h"
#include "rappel/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise: say which (on fd 2, which the sanitizers and libFuzzer use too) and
 * abort, so libFuzzer keeps the input. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            dprintf(2, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void fuzz_rules(const char *text)
{
    rpl_rules rules;
    memset(&rules, 0x5a, sizeof rules);
    rpl_rules before;
    memcpy(&before, &rules, sizeof rules);
    char err[256] = "";
    rpl_status st = rpl_rules_load_string(text, "fuzz.ini", &rules, err, sizeof err);
    if (st != RPL_OK) {
        CHECK(memcmp(&rules, &before, sizeof rules) == 0);
        CHECK(err[0] != '\0');
        return;
    }
    size_t n = rpl_rules_write_ini(&rules, NULL, 0);
    char *ini = malloc(n + 1);
    CHECK(ini != NULL);
    CHECK(rpl_rules_write_ini(&rules, ini, n + 1) == n);
    rpl_rules again;
    st = rpl_rules_load_string(ini, "written.ini", &again, err, sizeof err);
    CHECK(st == RPL_OK);
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        const rpl_policy_rule *a = &rules.kind[k], *b = &again.kind[k];
        CHECK(a->enabled == b->enabled);
        CHECK(a->open == b->open);
        CHECK(a->close == b->close);
        CHECK(a->min_duration_s == b->min_duration_s);
        CHECK(a->close_hold_s == b->close_hold_s);
        CHECK(a->cooldown_s == b->cooldown_s);
        CHECK(a->min_speech_s == b->min_speech_s);
    }
    CHECK(rules.min_silence_s == again.min_silence_s);
    CHECK(rules.min_overlap_s == again.min_overlap_s);
    free(ini);
}

static void fuzz_model(const char *text)
{
    rpl_model *model = malloc(sizeof *model);
    CHECK(model != NULL);
    char why[256] = "";
    if (rpl_model_parse(text, model, why, sizeof why) == RPL_OK) {
        CHECK(rpl_model_validate(model) == RPL_OK);
    } else {
        CHECK(why[0] != '\0');
    }
    free(model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    fuzz_rules(text);
    fuzz_model(text);
    free(text);
    return 0;
}
