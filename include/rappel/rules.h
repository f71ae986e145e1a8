/* rappel — alert rules: the policy of every alert kind, loaded from an INI file (`--rules FILE`).
 *
 * File format (libinih; `;` or `#` starts a comment line, `;` also after a value):
 *
 *   [frustration]          ; also [hesitation] and [fatigue]: scored kinds
 *   enabled = true         ; true | false
 *   open = 0.65            ; 0..1, score that starts an episode
 *   close = 0.45           ; 0..open, score below which it ends (hysteresis)
 *   min_duration_s = 2     ; s, an episode becomes an alert after this long
 *   close_hold_s = 1       ; s, the score must stay below close this long to end it
 *   cooldown_s = 60        ; s, after an alert no new one of this kind/party for this long
 *   min_speech_s = 4       ; s of the party's speech before any alert (baseline)
 *
 *   [dead_air]             ; binary cross-party cues: enabled, cooldown_s and
 *   min_silence_s = 3      ; s, both parties silent at least this long
 *   [overtalk]
 *   min_overlap_s = 1      ; s, both parties speaking at least this long
 *
 * Every key is optional: a key not given keeps its compiled-in default (rpl_rules_default(),
 * documented in rappel/policy.h and written out by rpl_rules_write_ini()). Strict: an unknown
 * section or key, a key outside a section, a key given twice, a value that is not a number (or
 * true/false), a threshold outside 0..1, close above open, a negative or over-a-day duration,
 * a dead-air or overtalk minimum under 10 ms, and INI syntax errors are all errors, reported as
 * "FILE:LINE: reason" (the CLI prints "rappel: analyze: FILE:LINE: reason").
 * Nothing here is real-time safe (file I/O); load once, before analysis.
 */
#ifndef RAPPEL_RULES_H
#define RAPPEL_RULES_H

#include <stddef.h>

#include "rappel/cross_party.h"
#include "rappel/policy.h"
#include "rappel/status.h"

typedef struct rpl_rules {
    /* Indexed by rpl_alert_kind. For dead_air and overtalk only enabled and cooldown_s are
     * configurable; their other fields stay at rpl_policy_rule_default(kind). */
    rpl_policy_rule kind[RPL_ALERT_KIND_COUNT];
    double min_silence_s; /* dead air, s (default 3) */
    double min_overlap_s; /* overtalk, s (default 1) */
} rpl_rules;

/* The compiled-in rules. */
rpl_rules rpl_rules_default(void);

/* Load rules from the INI file at path, starting from the defaults, into *out. On failure *out
 * is left unchanged and, when err is not NULL, err receives a NUL-terminated "PATH:LINE:
 * reason" (or "PATH: reason" when the file cannot be read), cut to err_size bytes.
 * Returns RPL_OK, RPL_ERR_INVALID_ARG (NULL path or out), RPL_ERR_NOT_FOUND (no such file),
 * RPL_ERR_IO (cannot read it), RPL_ERR_NO_MEMORY, or RPL_ERR_CONFIG (content error). */
rpl_status rpl_rules_load_file(const char *path, rpl_rules *out, char *err, size_t err_size);

/* The same from INI text in memory; name stands for the file in messages (NULL: "rules"). */
rpl_status rpl_rules_load_string(const char *text, const char *name, rpl_rules *out, char *err,
                                 size_t err_size);

/* Write rules as INI text (every section and key, with comments; loading it gives back
 * exactly the same values) into buf, snprintf-style: returns the full length without the NUL;
 * the text is complete only when that is < size. buf may be NULL when size is 0.
 * models/rules-default.ini is this output for rpl_rules_default(). */
size_t rpl_rules_write_ini(const rpl_rules *rules, char *buf, size_t size);

/* The policy configuration for one kind (kind and rule). */
rpl_policy_config rpl_rules_policy_config(const rpl_rules *rules, rpl_alert_kind kind);

/* cfg with min_silence_s and min_overlap_s taken from the rules (frame_ms kept). */
rpl_cross_party_config rpl_rules_cross_party_config(const rpl_rules *rules,
                                                    rpl_cross_party_config cfg);

#endif
