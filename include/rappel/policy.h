/* rappel — alert policy: turns one (kind, party) score stream into alerts.
 *
 * One rpl_policy follows one score stream (e.g. the customer's frustration score, updated every
 * 0.5 s) and decides when it is worth a supervisor's follow-up. Definitions, with the rule's
 * fields (rpl_policy_rule):
 * - An episode STARTS at an update whose score is >= open, provided the party has been heard
 *   for at least min_speech_s of speech (the baseline is established) and the kind's cooldown
 *   is over (the update's time is >= the end of the previous alert + cooldown_s). The start
 *   time t_start_s is that update's time.
 * - The score is DOWN once it has stayed below close for close_hold_s (a shorter dip is
 *   ignored; with close_hold_s = 0 the first update below close is enough). The episode ENDS
 *   when the score is down; its end time t_end_s is the time of the first update of the run
 *   below close. close <= open gives hysteresis: a score hovering around open does not
 *   open and close alerts in turn.
 * - An episode becomes an alert (ALERT_RAISED) at the first update where it has lasted
 *   t - t_start_s >= min_duration_s without ending. An episode that ends sooner is dropped
 *   silently and does not start a cooldown. Qualification is only checked at updates.
 * - The alert closes (ALERT_CLOSED) when the episode ends, or at rpl_policy_flush() (end of
 *   stream). Its score is the episode's peak, its evidence the record given with that peak.
 * So one sustained episode is one alert, and alerts of one stream are at least
 * min_duration_s + cooldown_s apart: no storms.
 *
 * Binary cues (dead air, overtalk) from the cross-party module go through the same policy:
 * for each confirmed span, update(t_start_s, score 1) then update(t_end_s, score 0) with
 * rpl_policy_rule_default(kind) (open = close = 0.5, min_duration_s = close_hold_s =
 * min_speech_s = 0: the span's minimum length is the cross-party module's min_silence_s or
 * min_overlap_s). The policy then contributes `enabled`, the cooldown (a heated exchange with
 * overtalk every few seconds is one follow-up item, not twenty) and the same event shape.
 *
 * Defaults (rpl_policy_rule_default) and why, for scores calibrated to 0..1 (0.5 = even odds):
 * - frustration: open 0.65 (clearly more likely than not), close 0.45 (back below even
 *   odds; the 0.2 gap is wider than the update-to-update jitter of overlapping 2-4 s windows),
 *   min_duration 2 s (four 0.5 s updates: one loud exclamation in one window is not an
 *   alert, and 2 s keeps the "alert within 3 s of the first angry utterance" target),
 *   close_hold 1 s, cooldown 60 s (anger comes in waves; one follow-up item per incident),
 *   min_speech 4 s (the speaker baseline needs a few seconds of speech).
 * - hesitation: open 0.65, close 0.45, min_duration 3 s (hesitation is a pattern over several
 *   pauses, not one long pause), close_hold 1 s, cooldown 60 s, min_speech 5 s (pause and
 *   rate ratios need more speech than pitch to settle).
 * - fatigue: open 0.70 (low arousal is also calm, neutral speech: ask for more), close 0.50,
 *   min_duration 3 s (a slow state), close_hold 1.5 s, cooldown 60 s, min_speech 5 s.
 * - dead_air, overtalk: cooldown 5 s (a hold with a few words in the middle is one item, but
 *   two interruptions some seconds apart are two).
 * These are starting points; the lead tunes them on real speech. They are all configuration
 * (rules.h loads them from an INI file).
 */
#ifndef RAPPEL_POLICY_H
#define RAPPEL_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "rappel/status.h"

/* Alert kinds; the values and names equal the store's rpl_store_kind (src/rules.c checks). */
typedef enum rpl_alert_kind {
    RPL_ALERT_FRUSTRATION = 0,
    RPL_ALERT_HESITATION = 1,
    RPL_ALERT_FATIGUE = 2,
    RPL_ALERT_DEAD_AIR = 3,
    RPL_ALERT_OVERTALK = 4
} rpl_alert_kind;

#define RPL_ALERT_KIND_COUNT 5

/* "frustration", "hesitation", "fatigue", "dead_air", "overtalk"; "?" outside the enum.
 * Static strings. Real-time safe. */
const char *rpl_alert_kind_name(rpl_alert_kind kind);

/* True for the binary cross-party kinds (dead_air, overtalk). Real-time safe. */
bool rpl_alert_kind_is_span(rpl_alert_kind kind);

/* ---- evidence ------------------------------------------------------------------------- */

#define RPL_EVIDENCE_MAX_CUES 8
#define RPL_CUE_NAME_MAX 32 /* bytes including the NUL */
#define RPL_CUE_UNIT_MAX 16 /* bytes including the NUL */

/* One cue that supports a score, e.g. {"f0_median", 4.2, "st", 2.1}. */
typedef struct rpl_cue {
    char name[RPL_CUE_NAME_MAX]; /* NUL-terminated, e.g. "f0_median" */
    double value;                /* in unit; non-finite is written as null */
    char unit[RPL_CUE_UNIT_MAX]; /* NUL-terminated, e.g. "st", "dB", "s", "" */
    double deviation;            /* how far from the speaker's baseline, in robust standard
                                    deviations (z-like, signed); NAN when the cue has none */
} rpl_cue;

/* The cues behind one score, strongest first (the JSON keeps this order). */
typedef struct rpl_evidence {
    size_t count; /* 0..RPL_EVIDENCE_MAX_CUES */
    rpl_cue cues[RPL_EVIDENCE_MAX_CUES];
} rpl_evidence;

/* Append a cue; name and unit are copied and truncated to fit (at a UTF-8 character
 * boundary); NULL unit is "". Returns false (and changes nothing) when ev is full or ev or
 * name is NULL. Real-time safe. */
bool rpl_evidence_add(rpl_evidence *ev, const char *name, double value, const char *unit,
                      double deviation);

/* A buffer of this many bytes always holds rpl_policy_evidence_json()'s output. */
#define RPL_EVIDENCE_JSON_MAX 4096

/* Write ev as the JSON object the store expects, NUL-terminated, into buf:
 *   {"cues":[{"name":"f0_median","value":4.2,"unit":"st","deviation":2.1},...],"t_peak_s":12.5}
 * ev may be NULL or empty ("cues":[]); "deviation" is left out when NAN; a non-finite value is
 * null; "t_peak_s" is left out when t_peak_s is not finite. Names and units are escaped
 * (quote, backslash, control characters as \uXXXX) and bytes that are not valid UTF-8 become
 * U+FFFD, so the result is always valid JSON. Numbers use "%.6g" in the C locale's format
 * (the library never calls setlocale).
 * When length is not NULL it receives the full length (without the NUL) even on truncation.
 * Returns RPL_OK, or RPL_ERR_INVALID_ARG when buf is NULL or the text does not fit in
 * buf_size bytes: then buf holds "" (when buf_size > 0), never a truncated object.
 * Real-time safe (no allocation). */
rpl_status rpl_policy_evidence_json(const rpl_evidence *ev, double t_peak_s, char *buf,
                                    size_t buf_size, size_t *length);

/* ---- the policy ----------------------------------------------------------------------- */

typedef struct rpl_policy_rule {
    bool enabled;          /* false: never raises */
    double open;           /* score that starts an episode, 0..1 */
    double close;          /* score below which it ends, 0..open */
    double min_duration_s; /* an episode becomes an alert after this long, s, >= 0 */
    double close_hold_s;   /* the score must stay below close this long to end it, s, >= 0 */
    double cooldown_s;     /* after an alert ends, no new episode for this long, s, >= 0 */
    double min_speech_s;   /* party speech needed before an episode may start, s, >= 0 */
} rpl_policy_rule;

/* The documented default rule of a kind (see above); a kind outside the enum gets the
 * frustration rule with enabled = false. Real-time safe. */
rpl_policy_rule rpl_policy_rule_default(rpl_alert_kind kind);

/* Why a rule is invalid, as a static sentence naming the field ("close must be <= open"), or
 * NULL when it is valid: thresholds finite in 0..1 with close <= open, durations finite in
 * 0..86400 s. Real-time safe. */
const char *rpl_policy_rule_check(const rpl_policy_rule *rule);

typedef struct rpl_policy_config {
    rpl_alert_kind kind;  /* reported in events */
    rpl_policy_rule rule; /* validated by create */
} rpl_policy_config;

/* Frustration with its default rule. Real-time safe. */
rpl_policy_config rpl_policy_config_default(void);

typedef struct rpl_policy rpl_policy;

/* Validate cfg (kind in the enum, rpl_policy_rule_check) and allocate. *out is owned by the
 * caller (rpl_policy_destroy). RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY; *out is NULL on
 * failure. Not real-time safe. */
rpl_status rpl_policy_create(const rpl_policy_config *cfg, rpl_policy **out);

/* Free; NULL allowed. */
void rpl_policy_destroy(rpl_policy *policy);

/* One analysis step of the stream. */
typedef struct rpl_policy_input {
    double t_s;                   /* offset into the call, s; finite, non-decreasing */
    double score;                 /* 0..1 */
    double speech_s;              /* the party's speech heard so far, s, finite */
    const rpl_evidence *evidence; /* the cues behind this score; NULL for none; copied */
} rpl_policy_input;

typedef enum rpl_policy_event_type {
    RPL_POLICY_NONE = 0,         /* nothing happened at this update */
    RPL_POLICY_ALERT_RAISED = 1, /* the episode qualified: store the alert now (live) */
    RPL_POLICY_ALERT_CLOSED = 2  /* the alert ended: its final times, peak and evidence */
} rpl_policy_event_type;

typedef struct rpl_policy_event {
    rpl_policy_event_type type;
    rpl_alert_kind kind;
    double t_start_s;      /* episode start */
    double t_end_s;        /* RAISED: the update that qualified it; CLOSED: the episode's end */
    double score;          /* peak score so far (RAISED) or of the whole alert (CLOSED) */
    double t_peak_s;       /* when that peak was */
    rpl_evidence evidence; /* given with the peak score (a copy) */
} rpl_policy_event;

/* Give the next update. *event is always written: type RPL_POLICY_NONE, or the one event this
 * update caused (an update causes at most one). Scores are reported by the caller whatever
 * happens here; this only decides alerts.
 * Returns RPL_OK, or RPL_ERR_INVALID_ARG (state unchanged, *event NONE when event is not
 * NULL) for a NULL argument, a non-finite t_s or speech_s, t_s earlier than the previous
 * update, or a score outside 0..1 (NaN included). Real-time safe. */
rpl_status rpl_policy_update(rpl_policy *policy, const rpl_policy_input *in,
                             rpl_policy_event *event);

/* End of stream at t_end_s (>= the last update; an earlier or non-finite value is taken as
 * the last update's time). An alert still open is closed (ALERT_CLOSED, with t_end_s, or the
 * start of a dip below close that was under way); an episode that has not qualified yet is
 * dropped (NONE). Then the policy is reset for a new stream. Returns RPL_OK, or
 * RPL_ERR_INVALID_ARG for a NULL argument. Real-time safe. */
rpl_status rpl_policy_flush(rpl_policy *policy, double t_end_s, rpl_policy_event *event);

/* Forget the stream (episode, cooldown, last time) without events. Real-time safe. */
void rpl_policy_reset(rpl_policy *policy);

#endif
