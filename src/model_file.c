/* Reading a scoring model from an INI parameter file with libinih: see model_file.h. */
#include "rappel/model_file.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parse_state {
    rpl_model *model;
    bool have_version;
    char why[160];
} parse_state;

static int fail(parse_state *st, const char *fmt, const char *arg)
{
    if (st->why[0] == '\0') {
        snprintf(st->why, sizeof st->why, fmt, arg);
    }
    return 0;
}

static bool parse_number(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v)) {
        return false;
    }
    *out = v;
    return true;
}

static int parse_term(parse_state *st, rpl_score_model *m, const char *value)
{
    char cue[64];
    char mean[64], scale[64], weight[64];
    char extra[2];
    rpl_model_term t;
    if (sscanf(value, "%63s %63s %63s %63s %1s", cue, mean, scale, weight, extra) != 4) {
        return fail(st, "term wants: CUE MEAN SCALE WEIGHT, not '%s'", value);
    }
    int id = rpl_cue_find(cue);
    if (id < 0) {
        return fail(st, "unknown cue '%s'", cue);
    }
    if (!parse_number(mean, &t.mean) || !parse_number(scale, &t.scale) ||
        !parse_number(weight, &t.weight) || !(t.scale > 0.0)) {
        return fail(st, "bad number in term '%s' (scale must be > 0)", value);
    }
    if (m->term_count == RPL_MODEL_MAX_TERMS) {
        return fail(st, "more than %s terms", "the maximum of 24");
    }
    t.cue = (rpl_cue_id)id;
    m->terms[m->term_count++] = t;
    return 1;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    parse_state *st = user;
    if (strcmp(section, "model") == 0) {
        if (strcmp(name, "version") != 0) {
            return fail(st, "unknown key '%s' in [model]", name);
        }
        size_t n = strlen(value);
        if (n == 0 || n >= RPL_MODEL_VERSION_MAX) {
            return fail(st, "version must be 1 to 63 characters, not '%s'", value);
        }
        memcpy(st->model->version, value, n + 1);
        st->have_version = true;
        return 1;
    }
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        if (strcmp(section, rpl_score_kind_name((rpl_score_kind)k)) != 0) {
            continue;
        }
        rpl_score_model *m = &st->model->score[k];
        if (strcmp(name, "term") == 0) {
            return parse_term(st, m, value);
        }
        double *field = strcmp(name, "intercept") == 0             ? &m->intercept
                        : strcmp(name, "min_window_speech_s") == 0 ? &m->min_window_speech_s
                                                                   : NULL;
        if (field == NULL) {
            return fail(st, "unknown key '%s'", name);
        }
        if (!parse_number(value, field)) {
            return fail(st, "'%s' is not a number", value);
        }
        return 1;
    }
    return fail(st, "unknown section [%s]", section);
}

static rpl_status finish(int line, parse_state *st, char *why, size_t why_size)
{
    if (line > 0) {
        snprintf(why, why_size, "line %d: %s", line, st->why[0] ? st->why : "syntax error");
        return RPL_ERR_FORMAT;
    }
    if (!st->have_version) {
        snprintf(why, why_size, "no [model] version");
        return RPL_ERR_FORMAT;
    }
    if (rpl_model_validate(st->model) != RPL_OK) {
        snprintf(why, why_size, "the model is not valid (a term's scale or a number)");
        return RPL_ERR_FORMAT;
    }
    return RPL_OK;
}

rpl_status rpl_model_parse(const char *text, rpl_model *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    parse_state st = {.model = out};
    return finish(ini_parse_string(text, on_entry, &st), &st, why, why_size);
}

rpl_status rpl_model_load(const char *path, rpl_model *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(why, why_size, "%s", strerror(errno));
        return RPL_ERR_IO;
    }
    parse_state st = {.model = out};
    int line = ini_parse_file(f, on_entry, &st);
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (read_error) {
        snprintf(why, why_size, "read error");
        return RPL_ERR_IO;
    }
    return finish(line, &st, why, why_size);
}
