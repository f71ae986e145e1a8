/* Alert rules from an INI file (libinih), strict, with file:line errors; and the defaults as
 * INI text. The meaning and default of every rule is documented in rappel/policy.h. */
#include "rappel/rules.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/store.h"

/* The policy and cross-party enums are the store's, value for value. */
_Static_assert(RPL_ALERT_FRUSTRATION == (int)RPL_STORE_KIND_FRUSTRATION, "kind values");
_Static_assert(RPL_ALERT_HESITATION == (int)RPL_STORE_KIND_HESITATION, "kind values");
_Static_assert(RPL_ALERT_FATIGUE == (int)RPL_STORE_KIND_FATIGUE, "kind values");
_Static_assert(RPL_ALERT_DEAD_AIR == (int)RPL_STORE_KIND_DEAD_AIR, "kind values");
_Static_assert(RPL_ALERT_OVERTALK == (int)RPL_STORE_KIND_OVERTALK, "kind values");
_Static_assert(RPL_PARTY_AGENT == (int)RPL_STORE_ROLE_AGENT, "role values");
_Static_assert(RPL_PARTY_CUSTOMER == (int)RPL_STORE_ROLE_CUSTOMER, "role values");
_Static_assert(RPL_PARTY_BOTH == (int)RPL_STORE_ROLE_BOTH, "role values");

/* Longest duration: one day (as rpl_policy_rule_check). Shortest cross-party span: 10 ms, one
 * analysis frame. */
#define MAX_DURATION_S 86400.0
#define MIN_SPAN_S 0.01

typedef enum key_id {
    KEY_ENABLED,
    KEY_OPEN,
    KEY_CLOSE,
    KEY_MIN_DURATION,
    KEY_CLOSE_HOLD,
    KEY_COOLDOWN,
    KEY_MIN_SPEECH,
    KEY_MIN_SILENCE,
    KEY_MIN_OVERLAP,
    KEY_COUNT
} key_id;

static const char *const key_names[KEY_COUNT] = {
    "enabled",    "open",         "close",         "min_duration_s", "close_hold_s",
    "cooldown_s", "min_speech_s", "min_silence_s", "min_overlap_s"};

/* Does key apply to kind? */
static bool key_applies(rpl_alert_kind kind, key_id key)
{
    if (key == KEY_ENABLED || key == KEY_COOLDOWN) {
        return true;
    }
    switch (kind) {
    case RPL_ALERT_DEAD_AIR:
        return key == KEY_MIN_SILENCE;
    case RPL_ALERT_OVERTALK:
        return key == KEY_MIN_OVERLAP;
    default:
        return key != KEY_MIN_SILENCE && key != KEY_MIN_OVERLAP;
    }
}

static const char *keys_of(rpl_alert_kind kind)
{
    switch (kind) {
    case RPL_ALERT_DEAD_AIR:
        return "enabled, cooldown_s, min_silence_s";
    case RPL_ALERT_OVERTALK:
        return "enabled, cooldown_s, min_overlap_s";
    default:
        return "enabled, open, close, min_duration_s, close_hold_s, cooldown_s, min_speech_s";
    }
}

rpl_rules rpl_rules_default(void)
{
    rpl_rules r;
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        r.kind[k] = rpl_policy_rule_default((rpl_alert_kind)k);
    }
    rpl_cross_party_config cp = rpl_cross_party_config_default();
    r.min_silence_s = cp.min_silence_s;
    r.min_overlap_s = cp.min_overlap_s;
    return r;
}

/* ---- reading -------------------------------------------------------------------------- */

typedef struct load_ctx {
    rpl_rules rules;
    const char *name; /* file name for messages */
    /* Input: either a FILE or a NUL-terminated text. */
    FILE *file;
    const char *text;
    int line;                                  /* number of the line last handed to libinih */
    bool read_error;                           /* ferror on the file */
    int seen[RPL_ALERT_KIND_COUNT][KEY_COUNT]; /* line where each key was set, 0 = not set */
    int err_line;                              /* first error found here (0 = none) */
    char err[256];                             /* its reason */
} load_ctx;

static void set_error(load_ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(load_ctx *c, int line, const char *fmt, ...)
{
    if (c->err_line != 0 && c->err_line <= line) {
        return; /* keep the first error in the file */
    }
    c->err_line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
}

static int next_char(load_ctx *c)
{
    if (c->file != NULL) {
        int ch = getc(c->file);
        if (ch == EOF && ferror(c->file)) {
            c->read_error = true;
        }
        return ch;
    }
    if (*c->text == '\0') {
        return EOF;
    }
    return (unsigned char)*c->text++;
}

static bool parse_kind(const char *section, rpl_alert_kind *kind)
{
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        if (strcmp(section, rpl_alert_kind_name((rpl_alert_kind)k)) == 0) {
            *kind = (rpl_alert_kind)k;
            return true;
        }
    }
    return false;
}

static void check_section(load_ctx *c, const char *section)
{
    rpl_alert_kind kind;
    if (!parse_kind(section, &kind)) {
        set_error(c, c->line,
                  "unknown section [%s] (expected frustration, hesitation, fatigue, dead_air or "
                  "overtalk)",
                  section);
    }
}

/* Section headers are checked here, where each line is seen, so that an unknown section with
 * no keys is an error too (libinih only reports keys). */
static void check_header_line(load_ctx *c, const char *line)
{
    const char *p = line;
    if (c->line == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF) {
        p += 3; /* UTF-8 byte order mark */
    }
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p != '[') {
        return;
    }
    const char *end = strchr(p + 1, ']');
    if (end == NULL) {
        return; /* libinih reports the syntax error */
    }
    char section[64];
    size_t n = (size_t)(end - (p + 1));
    if (n >= sizeof section) {
        set_error(c, c->line, "unknown section (name too long)");
        return;
    }
    memcpy(section, p + 1, n);
    section[n] = '\0';
    check_section(c, section);
}

/* libinih reader: one whole line per call, counting lines. */
static char *read_line(char *str, int num, void *stream)
{
    load_ctx *c = stream;
    int ch = next_char(c);
    if (ch == EOF) {
        return NULL;
    }
    c->line++;
    size_t cap = (size_t)num - 1;
    size_t n = 0;
    bool too_long = false;
    while (ch != EOF) {
        if (n < cap) {
            str[n++] = (char)ch;
        } else {
            too_long = true;
        }
        if (ch == '\n') {
            break;
        }
        ch = next_char(c);
    }
    str[n] = '\0';
    if (too_long) {
        set_error(c, c->line, "line longer than %d characters", num - 2);
        str[0] = '\0';
        return str;
    }
    check_header_line(c, str);
    return str;
}

static bool parse_number(load_ctx *c, const char *section, const char *key, const char *value,
                         double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end != '\0' || !isfinite(v) || errno == ERANGE) {
        set_error(c, c->line, "[%s] %s: not a number: '%s'", section, key, value);
        return false;
    }
    *out = v;
    return true;
}

static int handle(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *c = user;
    if (name == NULL) {
        /* Only when libinih was built to announce new sections. */
        check_section(c, section);
        return c->err_line == c->line ? 0 : 1;
    }
    if (section[0] == '\0') {
        set_error(c, c->line, "key '%s' is outside a section", name);
        return 0;
    }
    rpl_alert_kind kind;
    if (!parse_kind(section, &kind)) {
        check_section(c, section);
        return 0;
    }
    int key = -1;
    for (int k = 0; k < KEY_COUNT; k++) {
        if (strcmp(name, key_names[k]) == 0) {
            key = k;
        }
    }
    if (key < 0) {
        set_error(c, c->line, "[%s]: unknown key '%s' (expected %s)", section, name, keys_of(kind));
        return 0;
    }
    if (!key_applies(kind, (key_id)key)) {
        set_error(c, c->line, "[%s]: key '%s' does not apply here (expected %s)", section, name,
                  keys_of(kind));
        return 0;
    }
    if (c->seen[kind][key] != 0) {
        set_error(c, c->line, "[%s]: duplicate key '%s' (first set on line %d)", section, name,
                  c->seen[kind][key]);
        return 0;
    }
    c->seen[kind][key] = c->line;

    rpl_policy_rule *r = &c->rules.kind[kind];
    if (key == KEY_ENABLED) {
        if (strcmp(value, "true") == 0) {
            r->enabled = true;
        } else if (strcmp(value, "false") == 0) {
            r->enabled = false;
        } else {
            set_error(c, c->line, "[%s] enabled: expected true or false, not '%s'", section, value);
            return 0;
        }
        return 1;
    }
    double v;
    if (!parse_number(c, section, name, value, &v)) {
        return 0;
    }
    switch ((key_id)key) {
    case KEY_OPEN:
    case KEY_CLOSE:
        if (v < 0.0 || v > 1.0) {
            set_error(c, c->line, "[%s] %s = %s: a threshold must be from 0 to 1", section, name,
                      value);
            return 0;
        }
        *(key == KEY_OPEN ? &r->open : &r->close) = v;
        break;
    case KEY_MIN_SILENCE:
    case KEY_MIN_OVERLAP:
        if (v < MIN_SPAN_S || v > MAX_DURATION_S) {
            set_error(c, c->line, "[%s] %s = %s: must be from 0.01 to 86400 s", section, name,
                      value);
            return 0;
        }
        *(key == KEY_MIN_SILENCE ? &c->rules.min_silence_s : &c->rules.min_overlap_s) = v;
        break;
    default:
        if (v < 0.0 || v > MAX_DURATION_S) {
            set_error(c, c->line, "[%s] %s = %s: a duration must be from 0 to 86400 s", section,
                      name, value);
            return 0;
        }
        if (key == KEY_MIN_DURATION) {
            r->min_duration_s = v;
        } else if (key == KEY_CLOSE_HOLD) {
            r->close_hold_s = v;
        } else if (key == KEY_COOLDOWN) {
            r->cooldown_s = v;
        } else {
            r->min_speech_s = v;
        }
        break;
    }
    return 1;
}

/* Checks across keys, once the whole file is read. */
static void check_rules(load_ctx *c)
{
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        const rpl_policy_rule *r = &c->rules.kind[k];
        if (r->close > r->open) {
            int lo = c->seen[k][KEY_OPEN];
            int lc = c->seen[k][KEY_CLOSE];
            int line = lo > lc ? lo : lc;
            char open_s[32];
            char close_s[32];
            snprintf(open_s, sizeof open_s, "%g", r->open);
            snprintf(close_s, sizeof close_s, "%g", r->close);
            set_error(c, line,
                      "[%s] close = %s is above open = %s (hysteresis needs close <= open)",
                      rpl_alert_kind_name((rpl_alert_kind)k), close_s, open_s);
        }
    }
}

static void put_err(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put_err(char *err, size_t err_size, const char *fmt, ...)
{
    if (err == NULL || err_size == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

static rpl_status run_parse(load_ctx *c, rpl_rules *out, char *err, size_t err_size)
{
    int ret = ini_parse_stream(read_line, c, handle, c);
    if (c->read_error) {
        put_err(err, err_size, "%s: cannot read: %s", c->name, strerror(errno));
        return RPL_ERR_IO;
    }
    if (ret == -2) {
        put_err(err, err_size, "%s: %s", c->name, rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_ERR_NO_MEMORY;
    }
    if (ret > 0 && (c->err_line == 0 || ret < c->err_line)) {
        c->err_line = ret;
        snprintf(c->err, sizeof c->err, "syntax error (expected [section] or key = value)");
    }
    if (c->err_line == 0) {
        check_rules(c);
    }
    if (c->err_line != 0) {
        put_err(err, err_size, "%s:%d: %s", c->name, c->err_line, c->err);
        return RPL_ERR_CONFIG;
    }
    *out = c->rules;
    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }
    return RPL_OK;
}

static void init_ctx(load_ctx *c, const char *name)
{
    memset(c, 0, sizeof *c);
    c->rules = rpl_rules_default();
    c->name = name;
}

rpl_status rpl_rules_load_string(const char *text, const char *name, rpl_rules *out, char *err,
                                 size_t err_size)
{
    const char *shown = name != NULL ? name : "rules";
    if (text == NULL || out == NULL) {
        put_err(err, err_size, "%s: %s", shown, rpl_strerror(RPL_ERR_INVALID_ARG));
        return RPL_ERR_INVALID_ARG;
    }
    load_ctx *c = malloc(sizeof *c);
    if (c == NULL) {
        put_err(err, err_size, "%s: %s", shown, rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_ERR_NO_MEMORY;
    }
    init_ctx(c, shown);
    c->text = text;
    rpl_status st = run_parse(c, out, err, err_size);
    free(c);
    return st;
}

rpl_status rpl_rules_load_file(const char *path, rpl_rules *out, char *err, size_t err_size)
{
    if (path == NULL || out == NULL) {
        put_err(err, err_size, "%s: %s", path != NULL ? path : "rules",
                rpl_strerror(RPL_ERR_INVALID_ARG));
        return RPL_ERR_INVALID_ARG;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        int e = errno;
        put_err(err, err_size, "%s: %s", path, strerror(e));
        return e == ENOENT ? RPL_ERR_NOT_FOUND : RPL_ERR_IO;
    }
    load_ctx *c = malloc(sizeof *c);
    if (c == NULL) {
        fclose(f);
        put_err(err, err_size, "%s: %s", path, rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_ERR_NO_MEMORY;
    }
    init_ctx(c, path);
    c->file = f;
    rpl_status st = run_parse(c, out, err, err_size);
    free(c);
    fclose(f);
    return st;
}

/* ---- writing -------------------------------------------------------------------------- */

typedef struct text_out {
    char *buf;
    size_t size;
    size_t len;
} text_out;

static void out_printf(text_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(text_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = o->len < o->size ? o->buf + o->len : NULL;
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0) {
        o->len += (size_t)n;
    }
}

/* Shortest decimal text that reads back as exactly v. */
static void format_exact(double v, char *s, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(s, size, "%.0f", v); /* whole seconds: "60", not "6e+01" */
        return;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(s, size, "%.*g", digits, v);
        if (strtod(s, NULL) == v) {
            return;
        }
    }
}

static void write_rule(text_out *o, const rpl_policy_rule *r, bool span)
{
    char num[32];
    out_printf(o, "enabled = %s\n", r->enabled ? "true" : "false");
    if (!span) {
        format_exact(r->open, num, sizeof num);
        out_printf(o, "open = %s\n", num);
        format_exact(r->close, num, sizeof num);
        out_printf(o, "close = %s\n", num);
        format_exact(r->min_duration_s, num, sizeof num);
        out_printf(o, "min_duration_s = %s\n", num);
        format_exact(r->close_hold_s, num, sizeof num);
        out_printf(o, "close_hold_s = %s\n", num);
    }
    format_exact(r->cooldown_s, num, sizeof num);
    out_printf(o, "cooldown_s = %s\n", num);
    if (!span) {
        format_exact(r->min_speech_s, num, sizeof num);
        out_printf(o, "min_speech_s = %s\n", num);
    }
}

size_t rpl_rules_write_ini(const rpl_rules *rules, char *buf, size_t size)
{
    text_out o = {.buf = buf, .size = buf == NULL ? 0 : size, .len = 0};
    if (buf != NULL && size > 0) {
        buf[0] = '\0';
    }
    if (rules == NULL) {
        return 0;
    }
    char num[32];
    out_printf(&o, "; rappel alert rules (INI). Load a changed copy with --rules FILE; a key left "
                   "out keeps\n"
                   "; its compiled-in default. Reasons for the defaults: include/rappel/policy.h.\n"
                   ";\n"
                   "; Scores are 0..1. An episode starts when the score reaches `open` (once the "
                   "party has\n"
                   "; spoken `min_speech_s` seconds, and not within `cooldown_s` after the last "
                   "alert of the\n"
                   "; same kind and party); it becomes an alert once it has lasted "
                   "`min_duration_s`; it ends\n"
                   "; when the score has stayed below `close` for `close_hold_s`. Durations are in "
                   "seconds.\n");
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        rpl_alert_kind kind = (rpl_alert_kind)k;
        out_printf(&o, "\n");
        if (kind == RPL_ALERT_DEAD_AIR) {
            out_printf(&o, "; Both parties silent at least min_silence_s, between the first and "
                           "last speech.\n");
        } else if (kind == RPL_ALERT_OVERTALK) {
            out_printf(&o, "; Both parties speaking at least min_overlap_s.\n");
        }
        out_printf(&o, "[%s]\n", rpl_alert_kind_name(kind));
        write_rule(&o, &rules->kind[k], rpl_alert_kind_is_span(kind));
        if (kind == RPL_ALERT_DEAD_AIR) {
            format_exact(rules->min_silence_s, num, sizeof num);
            out_printf(&o, "min_silence_s = %s\n", num);
        } else if (kind == RPL_ALERT_OVERTALK) {
            format_exact(rules->min_overlap_s, num, sizeof num);
            out_printf(&o, "min_overlap_s = %s\n", num);
        }
    }
    return o.len;
}

rpl_policy_config rpl_rules_policy_config(const rpl_rules *rules, rpl_alert_kind kind)
{
    rpl_policy_config cfg = {.kind = kind, .rule = rpl_policy_rule_default(kind)};
    if (rules != NULL && (int)kind >= 0 && (int)kind < RPL_ALERT_KIND_COUNT) {
        cfg.rule = rules->kind[kind];
    }
    return cfg;
}

rpl_cross_party_config rpl_rules_cross_party_config(const rpl_rules *rules,
                                                    rpl_cross_party_config cfg)
{
    if (rules != NULL) {
        cfg.min_silence_s = rules->min_silence_s;
        cfg.min_overlap_s = rules->min_overlap_s;
    }
    return cfg;
}
