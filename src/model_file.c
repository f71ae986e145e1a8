/* Reading a scoring model from an INI parameter file with libinih: see model_file.h. */
#include "rappel/model_file.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where each part of the model was given (line numbers, 0: not given), so that a part left
 * out can be named: libinih calls back only for keys, so a section without any, or missing,
 * would otherwise pass unseen and score 0.5 with an intercept of 0. */
typedef struct section_seen {
    int line; /* its [header] */
    int intercept_line, min_speech_line;
} section_seen;

typedef struct parse_state {
    rpl_model *model;
    FILE *file;       /* the lines come from this file, or */
    const char *text; /* from this text (what is left of it) */
    int line;         /* lines read so far: the one being parsed (libinih counts the same) */
    int model_line, version_line;
    section_seen seen[RPL_SCORE_COUNT];
    int why_line; /* where why was found */
    char why[256];
} parse_state;

static int fail(parse_state *st, const char *fmt, ...)
{
    if (st->why[0] == '\0') {
        va_list args;
        va_start(args, fmt);
        vsnprintf(st->why, sizeof st->why, fmt, args);
        va_end(args);
        st->why_line = st->line;
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

/* A section header on this raw line: note its line, and refuse a second one of the same name
 * (its terms would silently join the first's). */
static void note_section(parse_state *st, const char *line)
{
    if (st->line == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3; /* a UTF-8 byte order mark, which libinih skips too */
    }
    line += strspn(line, " \t");
    const char *end = line[0] == '[' ? strchr(line, ']') : NULL;
    if (end == NULL) {
        return; /* not a header (or a broken one, which libinih reports) */
    }
    size_t n = (size_t)(end - line - 1);
    const char *name = line + 1;
    int *at = NULL;
    if (n == strlen("model") && strncmp(name, "model", n) == 0) {
        at = &st->model_line;
    }
    for (size_t k = 0; k < RPL_SCORE_COUNT && at == NULL; k++) {
        const char *kind = rpl_score_kind_name((rpl_score_kind)k);
        if (n == strlen(kind) && strncmp(name, kind, n) == 0) {
            at = &st->seen[k].line;
        }
    }
    if (at == NULL) {
        return; /* an unknown section: the handler says so at its first key */
    }
    if (*at != 0) {
        fail(st, "[%.*s] again (first at line %d): give each section once", (int)n, name, *at);
        return;
    }
    *at = st->line;
}

/* libinih's line reader: fgets on the file or on the text, counting lines. */
static char *read_line(char *buf, int size, void *user)
{
    parse_state *st = user;
    if (st->file != NULL) {
        if (fgets(buf, size, st->file) == NULL) {
            return NULL;
        }
    } else {
        if (st->text[0] == '\0' || size < 2) {
            return NULL;
        }
        size_t n = 0;
        while (n + 1 < (size_t)size && st->text[n] != '\0') {
            if (st->text[n++] == '\n') {
                break;
            }
        }
        memcpy(buf, st->text, n);
        buf[n] = '\0';
        st->text += n;
    }
    st->line++;
    note_section(st, buf);
    return buf;
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
        return fail(st, "more than the maximum of %d terms", RPL_MODEL_MAX_TERMS);
    }
    t.cue = (rpl_cue_id)id;
    m->terms[m->term_count++] = t;
    return 1;
}

/* intercept or min_window_speech_s of section kind. */
static int parse_key(parse_state *st, size_t k, const char *name, const char *value)
{
    rpl_score_model *m = &st->model->score[k];
    section_seen *seen = &st->seen[k];
    const char *kind = rpl_score_kind_name((rpl_score_kind)k);
    bool intercept = strcmp(name, "intercept") == 0;
    int *line = intercept ? &seen->intercept_line : &seen->min_speech_line;
    if (*line != 0) {
        return fail(st, "[%s] %s again (first at line %d)", kind, name, *line);
    }
    *line = st->line;
    double *field = intercept ? &m->intercept : &m->min_window_speech_s;
    if (!parse_number(value, field)) {
        return fail(st, "'%s' is not a number", value);
    }
    if (!intercept && !(*field >= 0.0 && *field <= RPL_MODEL_MAX_WINDOW_SPEECH_S)) {
        return fail(st, "[%s] min_window_speech_s = %s: must be from 0 to %g (seconds of speech)",
                    kind, value, RPL_MODEL_MAX_WINDOW_SPEECH_S);
    }
    return 1;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    parse_state *st = user;
    if (strcmp(section, "model") == 0) {
        if (strcmp(name, "version") != 0) {
            return fail(st, "unknown key '%s' in [model]", name);
        }
        if (st->version_line != 0) {
            return fail(st, "[model] version again (first at line %d)", st->version_line);
        }
        size_t n = strlen(value);
        if (n == 0 || n >= RPL_MODEL_VERSION_MAX) {
            return fail(st, "version must be 1 to 63 characters, not '%s'", value);
        }
        memcpy(st->model->version, value, n + 1);
        st->version_line = st->line;
        return 1;
    }
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        if (strcmp(section, rpl_score_kind_name((rpl_score_kind)k)) != 0) {
            continue;
        }
        if (strcmp(name, "term") == 0) {
            return parse_term(st, &st->model->score[k], value);
        }
        if (strcmp(name, "intercept") == 0 || strcmp(name, "min_window_speech_s") == 0) {
            return parse_key(st, k, name, value);
        }
        return fail(st, "unknown key '%s'", name);
    }
    return fail(st, "unknown section [%s]", section);
}

/* "a", "a and b", "a, b and c" (or with "or": last) from the names flagged in want. */
static void join_names(const char *const *names, const bool *want, size_t n, const char *last,
                       char *out, size_t size)
{
    size_t total = 0, done = 0;
    for (size_t i = 0; i < n; i++) {
        total += want[i];
    }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!want[i]) {
            continue;
        }
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s",
                 done == 0           ? ""
                 : done + 1 == total ? last
                                     : ", ",
                 names[i]);
        done++;
    }
}

/* Every score kind needs its section, an intercept, a minimum of speech and a term: the
 * first part missing, or false. */
static bool say_missing(const parse_state *st, char *why, size_t why_size)
{
    static const char *const headers[RPL_SCORE_COUNT] = {"[frustration]", "[hesitation]",
                                                         "[fatigue]"};
    bool absent[RPL_SCORE_COUNT];
    size_t absent_count = 0;
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        absent[k] = st->seen[k].line == 0;
        absent_count += absent[k];
    }
    if (absent_count > 0) {
        char list[64];
        join_names(headers, absent, RPL_SCORE_COUNT, " and ", list, sizeof list);
        snprintf(why, why_size, "%s %s missing: a model needs frustration, hesitation and fatigue",
                 list, absent_count == 1 ? "is" : "are");
        return true;
    }
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        const section_seen *seen = &st->seen[k];
        static const char *const keys[] = {"intercept", "min_window_speech_s", "term"};
        bool lack[] = {seen->intercept_line == 0, seen->min_speech_line == 0,
                       st->model->score[k].term_count == 0};
        if (!lack[0] && !lack[1] && !lack[2]) {
            continue;
        }
        char list[64] = "is empty";
        if (!(lack[0] && lack[1] && lack[2])) {
            memcpy(list, "has no ", sizeof "has no ");
            join_names(keys, lack, 3, " or ", list + strlen(list), sizeof list - strlen(list));
        }
        snprintf(why, why_size,
                 "line %d: %s %s: each score needs intercept, min_window_speech_s and at least "
                 "one term = CUE MEAN SCALE WEIGHT",
                 seen->line, headers[k], list);
        return true;
    }
    return false;
}

static rpl_status finish(int line, parse_state *st, char *why, size_t why_size)
{
    if (st->why[0] != '\0' && (line <= 0 || st->why_line <= line)) {
        snprintf(why, why_size, "line %d: %s", st->why_line, st->why);
        return RPL_ERR_FORMAT;
    }
    if (line > 0) {
        snprintf(why, why_size, "line %d: syntax error", line);
        return RPL_ERR_FORMAT;
    }
    if (st->version_line == 0) {
        if (st->model_line > 0) {
            snprintf(why, why_size, "line %d: no [model] version", st->model_line);
        } else {
            snprintf(why, why_size, "no [model] version");
        }
        return RPL_ERR_FORMAT;
    }
    if (say_missing(st, why, why_size)) {
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
    parse_state st = {.model = out, .text = text};
    return finish(ini_parse_stream(read_line, &st, on_entry, &st), &st, why, why_size);
}

rpl_status rpl_model_load(const char *path, rpl_model *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(why, why_size, "%s", strerror(errno));
        return RPL_ERR_IO;
    }
    parse_state st = {.model = out, .file = f};
    int line = ini_parse_stream(read_line, &st, on_entry, &st);
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (read_error) {
        snprintf(why, why_size, "read error");
        return RPL_ERR_IO;
    }
    return finish(line, &st, why, why_size);
}
