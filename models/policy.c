/* Alert policy: threshold with hysteresis, minimum duration, close hold, cooldown and a
 * minimum of baseline speech, per (kind, party) score stream.
 *
 * Reference: the hysteresis / minimum-duration / refractory ("cooldown") scheme is the usual
 * alarm-management practice for noisy scores (ANSI/ISA-18.2-2016, "Management of Alarm
 * Systems for the Process Industries": deadband, on-delay, off-delay, and shelving to avoid
 * chattering alarms); here deadband = open - close, on-delay = min_duration_s, off-delay =
 * close_hold_s, and the cooldown keeps one incident to one follow-up item. The default values
 * and why are documented in include/rappel/policy.h.
 */
#include "rappel/policy.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest duration in a rule: one day. Anything longer is a typo (ms for s), not a policy. */
#define RPL_POLICY_MAX_DURATION_S 86400.0

static const char *const kind_names[RPL_ALERT_KIND_COUNT] = {"frustration", "hesitation", "fatigue",
                                                             "dead_air", "overtalk"};

const char *rpl_alert_kind_name(rpl_alert_kind kind)
{
    if ((int)kind < 0 || (int)kind >= RPL_ALERT_KIND_COUNT) {
        return "?";
    }
    return kind_names[kind];
}

bool rpl_alert_kind_is_span(rpl_alert_kind kind)
{
    return kind == RPL_ALERT_DEAD_AIR || kind == RPL_ALERT_OVERTALK;
}

/* ---- evidence ------------------------------------------------------------------------- */

/* Copy src into dst (size bytes with the NUL), cutting at a UTF-8 character boundary. */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    if (src != NULL) {
        n = strlen(src);
    }
    if (n > size - 1) {
        n = size - 1;
        /* Back off continuation bytes (10xxxxxx) so no character is cut in half. */
        while (n > 0 && ((unsigned char)src[n] & 0xC0u) == 0x80u) {
            n--;
        }
    }
    if (n > 0) {
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
}

bool rpl_evidence_add(rpl_evidence *ev, const char *name, double value, const char *unit,
                      double deviation)
{
    if (ev == NULL || name == NULL || ev->count >= RPL_EVIDENCE_MAX_CUES) {
        return false;
    }
    rpl_cue *c = &ev->cues[ev->count];
    copy_text(c->name, sizeof c->name, name);
    copy_text(c->unit, sizeof c->unit, unit);
    c->value = value;
    c->deviation = deviation;
    ev->count++;
    return true;
}

/* A bounded writer: counts every byte it would write, stores those that fit. */
typedef struct json_out {
    char *buf;
    size_t size; /* capacity including the NUL */
    size_t len;  /* bytes produced so far (may exceed size) */
} json_out;

static void put_bytes(json_out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (o->len + 1 < o->size) {
            o->buf[o->len] = s[i];
        }
        o->len++;
    }
}

static void put_str(json_out *o, const char *s)
{
    put_bytes(o, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes there are not one
 * (overlong forms, surrogates and code points above U+10FFFF are invalid, RFC 3629). */
static size_t utf8_sequence(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80u) {
        return 1;
    }
    size_t n;
    uint32_t cp;
    if (c >= 0xC2u && c <= 0xDFu) {
        n = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0u && c <= 0xEFu) {
        n = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0u && c <= 0xF4u) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800u) || (n == 4 && cp < 0x10000u) || cp > 0x10FFFFu ||
        (cp >= 0xD800u && cp <= 0xDFFFu)) {
        return 0;
    }
    return n;
}

static void put_json_string(json_out *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    put_bytes(o, "\"", 1);
    while (*p != '\0') {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put_bytes(o, esc, 2);
            p++;
        } else if (c < 0x20u) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put_str(o, esc);
            p++;
        } else {
            size_t n = utf8_sequence(p);
            if (n == 0) {
                put_str(o, "\\ufffd");
                p++;
            } else {
                put_bytes(o, (const char *)p, n);
                p += n;
            }
        }
    }
    put_bytes(o, "\"", 1);
}

static void put_number(json_out *o, double v)
{
    if (!isfinite(v)) {
        put_str(o, "null");
        return;
    }
    char num[32];
    snprintf(num, sizeof num, "%.6g", v);
    put_str(o, num);
}

rpl_status rpl_policy_evidence_json(const rpl_evidence *ev, double t_peak_s, char *buf,
                                    size_t buf_size, size_t *length)
{
    json_out o = {.buf = buf, .size = buf == NULL ? 0 : buf_size, .len = 0};
    put_str(&o, "{\"cues\":[");
    size_t count = ev == NULL ? 0 : ev->count;
    if (count > RPL_EVIDENCE_MAX_CUES) {
        count = RPL_EVIDENCE_MAX_CUES;
    }
    for (size_t i = 0; i < count; i++) {
        const rpl_cue *c = &ev->cues[i];
        /* The fields are fixed arrays: read them as strings only up to their size. */
        char name[RPL_CUE_NAME_MAX];
        char unit[RPL_CUE_UNIT_MAX];
        memcpy(name, c->name, sizeof name);
        name[sizeof name - 1] = '\0';
        memcpy(unit, c->unit, sizeof unit);
        unit[sizeof unit - 1] = '\0';
        put_str(&o, i == 0 ? "{\"name\":" : ",{\"name\":");
        put_json_string(&o, name);
        put_str(&o, ",\"value\":");
        put_number(&o, c->value);
        put_str(&o, ",\"unit\":");
        put_json_string(&o, unit);
        if (!isnan(c->deviation)) {
            put_str(&o, ",\"deviation\":");
            put_number(&o, c->deviation);
        }
        put_str(&o, "}");
    }
    put_str(&o, "]");
    if (isfinite(t_peak_s)) {
        put_str(&o, ",\"t_peak_s\":");
        put_number(&o, t_peak_s);
    }
    put_str(&o, "}");
    if (length != NULL) {
        *length = o.len;
    }
    if (buf == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    if (o.len + 1 > buf_size) {
        if (buf_size > 0) {
            buf[0] = '\0';
        }
        return RPL_ERR_INVALID_ARG;
    }
    buf[o.len] = '\0';
    return RPL_OK;
}

/* ---- rules ---------------------------------------------------------------------------- */

rpl_policy_rule rpl_policy_rule_default(rpl_alert_kind kind)
{
    rpl_policy_rule r = {.enabled = true,
                         .open = 0.65,
                         .close = 0.45,
                         .min_duration_s = 2.0,
                         .close_hold_s = 1.0,
                         .cooldown_s = 60.0,
                         .min_speech_s = 4.0};
    switch (kind) {
    case RPL_ALERT_FRUSTRATION:
        break;
    case RPL_ALERT_HESITATION:
        r.min_duration_s = 3.0;
        r.min_speech_s = 5.0;
        break;
    case RPL_ALERT_FATIGUE:
        r.open = 0.70;
        r.close = 0.50;
        r.min_duration_s = 3.0;
        r.close_hold_s = 1.5;
        r.min_speech_s = 5.0;
        break;
    case RPL_ALERT_DEAD_AIR:
    case RPL_ALERT_OVERTALK:
        /* Binary 0/1 spans, already length-qualified by the cross-party module. */
        r.open = 0.5;
        r.close = 0.5;
        r.min_duration_s = 0.0;
        r.close_hold_s = 0.0;
        r.cooldown_s = 5.0;
        r.min_speech_s = 0.0;
        break;
    default:
        r.enabled = false;
        break;
    }
    return r;
}

static bool duration_ok(double d)
{
    return isfinite(d) && d >= 0.0 && d <= RPL_POLICY_MAX_DURATION_S;
}

const char *rpl_policy_rule_check(const rpl_policy_rule *r)
{
    if (r == NULL) {
        return "no rule";
    }
    if (!isfinite(r->open) || r->open < 0.0 || r->open > 1.0) {
        return "open must be a number from 0 to 1";
    }
    if (!isfinite(r->close) || r->close < 0.0 || r->close > 1.0) {
        return "close must be a number from 0 to 1";
    }
    if (r->close > r->open) {
        return "close must be <= open (hysteresis)";
    }
    if (!duration_ok(r->min_duration_s)) {
        return "min_duration_s must be from 0 to 86400 s";
    }
    if (!duration_ok(r->close_hold_s)) {
        return "close_hold_s must be from 0 to 86400 s";
    }
    if (!duration_ok(r->cooldown_s)) {
        return "cooldown_s must be from 0 to 86400 s";
    }
    if (!duration_ok(r->min_speech_s)) {
        return "min_speech_s must be from 0 to 86400 s";
    }
    return NULL;
}

rpl_policy_config rpl_policy_config_default(void)
{
    rpl_policy_config cfg = {.kind = RPL_ALERT_FRUSTRATION,
                             .rule = rpl_policy_rule_default(RPL_ALERT_FRUSTRATION)};
    return cfg;
}

/* ---- the state machine ---------------------------------------------------------------- */

typedef enum policy_state {
    STATE_IDLE = 0,    /* no episode */
    STATE_PENDING = 1, /* episode started, not yet an alert */
    STATE_ALERT = 2    /* alert raised, not yet closed */
} policy_state;

struct rpl_policy {
    rpl_policy_config cfg;
    policy_state state;
    bool have_time;     /* an update has been seen (t_last_s is valid) */
    double t_last_s;    /* time of the last update */
    bool have_cooldown; /* an alert has ended (cooldown_until_s is valid) */
    double cooldown_until_s;
    double t_start_s; /* episode start */
    bool in_dip;      /* score below close, hold not yet over */
    double t_dip_s;   /* first update of the dip */
    double peak;      /* episode peak score and when */
    double t_peak_s;
    rpl_evidence peak_evidence;
};

rpl_status rpl_policy_create(const rpl_policy_config *cfg, rpl_policy **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || (int)cfg->kind < 0 || (int)cfg->kind >= RPL_ALERT_KIND_COUNT ||
        rpl_policy_rule_check(&cfg->rule) != NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_policy *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    p->cfg = *cfg;
    rpl_policy_reset(p);
    *out = p;
    return RPL_OK;
}

void rpl_policy_destroy(rpl_policy *policy)
{
    free(policy);
}

void rpl_policy_reset(rpl_policy *p)
{
    if (p == NULL) {
        return;
    }
    p->state = STATE_IDLE;
    p->have_time = false;
    p->t_last_s = 0.0;
    p->have_cooldown = false;
    p->cooldown_until_s = 0.0;
    p->t_start_s = 0.0;
    p->in_dip = false;
    p->t_dip_s = 0.0;
    p->peak = 0.0;
    p->t_peak_s = 0.0;
    p->peak_evidence.count = 0;
}

static void set_evidence(rpl_evidence *dst, const rpl_evidence *src)
{
    if (src == NULL) {
        dst->count = 0;
        return;
    }
    size_t n = src->count > RPL_EVIDENCE_MAX_CUES ? RPL_EVIDENCE_MAX_CUES : src->count;
    dst->count = n;
    memcpy(dst->cues, src->cues, n * sizeof src->cues[0]);
}

static void fill_event(const rpl_policy *p, rpl_policy_event_type type, double t_end_s,
                       rpl_policy_event *ev)
{
    ev->type = type;
    ev->kind = p->cfg.kind;
    ev->t_start_s = p->t_start_s;
    ev->t_end_s = t_end_s;
    ev->score = p->peak;
    ev->t_peak_s = p->t_peak_s;
    set_evidence(&ev->evidence, &p->peak_evidence);
}

static void no_event(rpl_policy_event *ev)
{
    ev->type = RPL_POLICY_NONE;
    ev->evidence.count = 0;
}

rpl_status rpl_policy_update(rpl_policy *p, const rpl_policy_input *in, rpl_policy_event *event)
{
    if (event != NULL) {
        no_event(event);
    }
    if (p == NULL || in == NULL || event == NULL || !isfinite(in->t_s) || !isfinite(in->speech_s) ||
        !(in->score >= 0.0 && in->score <= 1.0) || (p->have_time && in->t_s < p->t_last_s)) {
        return RPL_ERR_INVALID_ARG;
    }
    const rpl_policy_rule *r = &p->cfg.rule;
    const double t = in->t_s;
    p->have_time = true;
    p->t_last_s = t;
    if (!r->enabled) {
        return RPL_OK;
    }

    if (p->state == STATE_IDLE) {
        bool cooled = !p->have_cooldown || t >= p->cooldown_until_s;
        if (in->score >= r->open && in->speech_s >= r->min_speech_s && cooled) {
            p->state = STATE_PENDING;
            p->t_start_s = t;
            p->in_dip = false;
            p->peak = in->score;
            p->t_peak_s = t;
            set_evidence(&p->peak_evidence, in->evidence);
        } else {
            return RPL_OK;
        }
    } else if (in->score < r->close) {
        if (!p->in_dip) {
            p->in_dip = true;
            p->t_dip_s = t;
        }
        if (t - p->t_dip_s >= r->close_hold_s) {
            /* The episode is over. */
            policy_state was = p->state;
            p->state = STATE_IDLE;
            p->in_dip = false;
            if (was == STATE_ALERT) {
                fill_event(p, RPL_POLICY_ALERT_CLOSED, p->t_dip_s, event);
                p->have_cooldown = true;
                p->cooldown_until_s = p->t_dip_s + r->cooldown_s;
            }
            return RPL_OK;
        }
    } else {
        p->in_dip = false;
        if (in->score > p->peak) {
            p->peak = in->score;
            p->t_peak_s = t;
            set_evidence(&p->peak_evidence, in->evidence);
        }
    }

    if (p->state == STATE_PENDING && !p->in_dip && t - p->t_start_s >= r->min_duration_s) {
        p->state = STATE_ALERT;
        fill_event(p, RPL_POLICY_ALERT_RAISED, t, event);
    }
    return RPL_OK;
}

rpl_status rpl_policy_flush(rpl_policy *p, double t_end_s, rpl_policy_event *event)
{
    if (event != NULL) {
        no_event(event);
    }
    if (p == NULL || event == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    double t_end = t_end_s;
    if (!isfinite(t_end) || (p->have_time && t_end < p->t_last_s)) {
        t_end = p->t_last_s;
    }
    if (p->state == STATE_ALERT) {
        fill_event(p, RPL_POLICY_ALERT_CLOSED, p->in_dip ? p->t_dip_s : t_end, event);
    }
    rpl_policy_reset(p);
    return RPL_OK;
}
