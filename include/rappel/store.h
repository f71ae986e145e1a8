/* rappel — the CRM store: calls, their per-channel statistics, a coarse timeline, alerts and
 * the alert workflow (open -> acknowledged -> done | dismissed, and open -> done | dismissed).
 *
 * The interface is narrow and backend-neutral: no SQLite type appears here, records are plain
 * structs, times are Unix seconds (UTC), offsets into a call are seconds from its start, and
 * queries stream rows to a callback. src/store_sqlite.c implements it for SQLite; a PostgreSQL
 * implementation can sit beside it without touching the analysis code.
 *
 * Writers:
 * - Batch: rpl_store_begin(), then begin_call, add_channel, add_timeline, add_alert...,
 *   finish_call, then rpl_store_commit(): a whole call becomes visible at once or not at all.
 * - Live: each call outside rpl_store_begin() is its own transaction, so every alert is durable
 *   as soon as rpl_store_add_alert() returns RPL_OK. Call rpl_store_touch_call() every few
 *   seconds so other readers know the session is alive.
 * A call left "analysing" by a process that died is reported as RPL_STORE_CALL_UNFINISHED.
 *
 * Threads: a handle is used by one thread at a time (open one handle per thread). Separate
 * handles, in one process or many, may use the same database at once: readers never block a
 * writer and never see uncommitted rows; writers wait up to busy_timeout_ms for each other.
 * No function here is real-time safe (they do file I/O): call them from a store thread only.
 *
 * Failures return a negative rpl_status; rpl_store_errmsg() then says why in words (the
 * database's own message where there is one).
 */
#ifndef RAPPEL_STORE_H
#define RAPPEL_STORE_H

#include "rappel/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rpl_store rpl_store;

/* Schema version this build writes; a database with a higher one is refused. */
#define RPL_STORE_SCHEMA_VERSION 5

/* Longest call id, agent, customer, "by" name or model version, in bytes. */
#define RPL_STORE_NAME_MAX 256

typedef enum rpl_store_role {
    RPL_STORE_ROLE_AGENT = 0,
    RPL_STORE_ROLE_CUSTOMER = 1,
    RPL_STORE_ROLE_BOTH = 2 /* cross-party cues (dead air, overtalk); alerts only */
} rpl_store_role;

typedef enum rpl_store_kind {
    RPL_STORE_KIND_FRUSTRATION = 0,
    RPL_STORE_KIND_HESITATION = 1,
    RPL_STORE_KIND_FATIGUE = 2,
    RPL_STORE_KIND_DEAD_AIR = 3,
    RPL_STORE_KIND_OVERTALK = 4
} rpl_store_kind;

/* Alert status, in follow-up order (open first). */
typedef enum rpl_store_alert_status {
    RPL_STORE_OPEN = 0,
    RPL_STORE_ACKNOWLEDGED = 1,
    RPL_STORE_DONE = 2,
    RPL_STORE_DISMISSED = 3
} rpl_store_alert_status;

typedef enum rpl_store_call_state {
    RPL_STORE_CALL_ANALYSING = 0,
    RPL_STORE_CALL_DONE = 1,
    RPL_STORE_CALL_FAILED = 2,
    RPL_STORE_CALL_UNFINISHED = 3 /* read side only: "analysing", but its writer is gone */
} rpl_store_call_state;

/* Bytes (a file name) as text the store accepts: valid UTF-8 is copied as it is, and each byte
 * that is not part of a valid sequence is read as Latin-1 (ISO 8859-1), the likeliest legacy
 * encoding of an archive's names, so "Müller" written by an old recorder reads as "Müller".
 * *changed tells whether any byte was read so. Returns a malloc'd string, NULL when out of
 * memory. */
char *rpl_store_text_from_bytes(const char *bytes, bool *changed);

/* Names as stored and printed ("agent", "dead_air", "acknowledged", "unfinished"...): static
 * strings, never NULL ("?" for a value outside the enum). Parsers return false for any other
 * text. All real-time safe. */
const char *rpl_store_role_name(rpl_store_role role);
const char *rpl_store_kind_name(rpl_store_kind kind);
const char *rpl_store_status_name(rpl_store_alert_status status);
const char *rpl_store_call_state_name(rpl_store_call_state state);
bool rpl_store_role_parse(const char *text, rpl_store_role *out);
bool rpl_store_kind_parse(const char *text, rpl_store_kind *out);
bool rpl_store_status_parse(const char *text, rpl_store_alert_status *out);

/* True when the workflow allows from -> to: open -> acknowledged | done | dismissed,
 * acknowledged -> done | dismissed, and any other status back to open (reopened, unassigned).
 * No self-transition. */
bool rpl_store_transition_allowed(rpl_store_alert_status from, rpl_store_alert_status to);

/* ---- opening --------------------------------------------------------------------------- */

typedef struct rpl_store_config {
    /* Create the file (mode 0600: it holds customer data) and the schema when missing. When
     * false a missing file is RPL_ERR_NOT_FOUND. Default true. */
    bool create;
    /* How long a writer waits for another writer before RPL_ERR_DB_BUSY, in ms (0..600000).
     * Default 5000. Readers never wait for writers. */
    int busy_timeout_ms;
    /* A call "analysing" whose writer runs on another host, or whose host is unknown, counts
     * as unfinished once it has not been written or touched for this long, in seconds.
     * Default 900. (On the same host a dead writer process is detected at once.) */
    int64_t stale_after_s;
    /* SQLite's page cache, KiB (256..1048576). Default 16384: the follow-up list's queries walk
     * random-key indexes over millions of alerts. A writer that only appends calls (analyze,
     * batch, live) does as well with RPL_STORE_APPEND_CACHE_KIB, and then its memory stays flat
     * however many calls and hours it stores. */
    int cache_kib;
    /* Only read: the file is opened read-only, so that someone without write access to it or
     * its folder (a supervisor's account, a snapshot) can list and export. A file of an older
     * schema is still opened for writing, to upgrade it. Default false. */
    bool read_only;
} rpl_store_config;

#define RPL_STORE_APPEND_CACHE_KIB 2048

/* Defaults described above. Real-time safe. */
rpl_store_config rpl_store_config_default(void);

/* Open (and when cfg->create, create) the store at path, upgrade an older schema in place
 * (each step in its own transaction), and refuse a newer one with RPL_ERR_DB_VERSION without
 * writing to the file. cfg may be NULL for the defaults. On success *out owns the handle
 * (close it with rpl_store_close); on failure *out is NULL and, when detail is not NULL, a
 * NUL-terminated explanation of at most detail_size bytes is written there.
 * Returns RPL_OK, RPL_ERR_INVALID_ARG, RPL_ERR_NO_MEMORY, RPL_ERR_NOT_FOUND (missing file, or
 * a file without rappel's schema such as an empty one, and !create: the file is not written),
 * RPL_ERR_IO (cannot create the file, e.g. missing folder), RPL_ERR_DB (not a database, corrupt,
 * unreadable), RPL_ERR_DB_VERSION, RPL_ERR_DB_BUSY. */
rpl_status rpl_store_open(const char *path, const rpl_store_config *cfg, rpl_store **out,
                          char *detail, size_t detail_size);

/* Close the handle (NULL-safe). An open transaction is rolled back. */
void rpl_store_close(rpl_store *store);

/* Why the last failing call on this handle failed; never NULL, "" after success. Valid until
 * the next call on the handle. */
const char *rpl_store_errmsg(const rpl_store *store);

/* Schema version of the open database (== RPL_STORE_SCHEMA_VERSION after a successful open). */
int rpl_store_schema_version(const rpl_store *store);

/* ---- transactions ---------------------------------------------------------------------- */

/* Start a write transaction (waits for other writers up to busy_timeout_ms): every write
 * until rpl_store_commit() becomes visible at once, or not at all after rpl_store_rollback()
 * or a crash. Not nestable: RPL_ERR_INVALID_ARG if one is already open. */
rpl_status rpl_store_begin(rpl_store *store);
/* Make the open transaction durable. RPL_ERR_INVALID_ARG when none is open. */
rpl_status rpl_store_commit(rpl_store *store);
/* Discard the open transaction (no-op when none is open). */
rpl_status rpl_store_rollback(rpl_store *store);

/* ---- writing a call -------------------------------------------------------------------- */

typedef struct rpl_store_call_info {
    const char *id;            /* required: SHA-256 hex of the audio, or the given call id;
                                  1..RPL_STORE_NAME_MAX bytes of UTF-8 */
    const char *source_file;   /* recorded file, or NULL (live) */
    const char *agent;         /* NULL when unknown */
    const char *customer;      /* NULL when unknown */
    int64_t started_unix_s;    /* when the call took place; 0 means now */
    const char *channel_map;   /* e.g. "agent=0,customer=1" or "customer=0" (mono); required */
    const char *model_version; /* required */
    const char *audio_sha256;  /* SHA-256 of a recording's audio (64 lower-case hex digits), so
                                  that it is known again under another id; NULL for none */
    const char *started_from;  /* where started_unix_s came from ("file name", "--started",
                                  "live"...); NULL: nowhere (0: the time it is stored) */
} rpl_store_call_info;

/* Record a new call in state "analysing", written by this process. The strings are copied.
 * RPL_ERR_EXISTS when the id is already stored, whatever its state: use
 * rpl_store_call_state() first, and rpl_store_delete_call() to redo a failed or unfinished
 * call. RPL_ERR_INVALID_ARG for a missing field, text over RPL_STORE_NAME_MAX or not UTF-8. */
rpl_status rpl_store_begin_call(rpl_store *store, const rpl_store_call_info *info);

/* An alert of a call being analysed again that a person had worked, kept with its history. */
typedef struct rpl_store_kept_alert {
    int64_t id;
    rpl_store_kind kind;
    rpl_store_role role;
    rpl_store_alert_status status;
    double t_start_s, t_end_s;
} rpl_store_kept_alert;

/* Analyse a stored call again (analyze --force, a failed or unfinished call redone) without
 * losing a person's work: its statistics, cross-party figures and timeline go, and so do the
 * alerts nobody worked (open, no history); an alert that was acknowledged, closed or dismissed
 * stays with its status, assignee and history, and is listed in *kept (a new array the caller
 * frees; NULL when none) for rpl_store_renew_alert. The call takes info's source, channel map,
 * model and digest, keeps its agent, customer and start where info leaves them unknown (NULL,
 * 0), and is "analysing" by this process, as after rpl_store_begin_call. RPL_ERR_NOT_FOUND for
 * an unknown id. */
rpl_status rpl_store_redo_call(rpl_store *store, const rpl_store_call_info *info,
                               rpl_store_kept_alert **kept, size_t *kept_count);

/* Whether text is a SHA-256 digest as the store keeps it (an audio digest, a recorded call's
 * id): 64 lower-case hex digits. */
bool rpl_store_is_digest(const char *text);

/* The audio digest stored with a call into sha256_hex ("" when none: a live call, or one
 * stored under a given id before schema 5). RPL_ERR_NOT_FOUND for an unknown call. */
rpl_status rpl_store_call_audio(rpl_store *store, const char *call_id, char sha256_hex[65]);

/* The first done call whose audio has this digest: its id into call_id (size bytes).
 * RPL_ERR_NOT_FOUND when there is none. */
rpl_status rpl_store_find_audio(rpl_store *store, const char *sha256_hex, char *call_id,
                                size_t size);

/* Mark the call done with its duration in seconds (>= 0, finite). RPL_ERR_NOT_FOUND for an
 * unknown id. */
rpl_status rpl_store_finish_call(rpl_store *store, const char *call_id, double duration_s);

/* Mark the call failed with a reason (required, copied). Its rows stay for inspection. */
rpl_status rpl_store_fail_call(rpl_store *store, const char *call_id, const char *reason);

/* Tell readers the writer of this call is alive (updates its last-write time). */
rpl_status rpl_store_touch_call(rpl_store *store, const char *call_id);

/* Remove a call and everything that hangs off it (statistics, timeline, alerts, history).
 * RPL_ERR_NOT_FOUND for an unknown id. */
rpl_status rpl_store_delete_call(rpl_store *store, const char *call_id);

/* State of a stored call (for resumable batches: skip RPL_STORE_CALL_DONE).
 * RPL_ERR_NOT_FOUND when the id is not stored. */
rpl_status rpl_store_get_call_state(rpl_store *store, const char *call_id,
                                    rpl_store_call_state *state);

/* A channel's scores over the call: both NAN when no analysis window was scored. */
typedef struct rpl_store_score {
    double max;  /* 0..1, or NAN */
    double mean; /* 0..1, or NAN */
} rpl_store_score;

typedef struct rpl_store_channel_stats {
    rpl_store_role role;      /* agent or customer (not both) */
    int channel;              /* channel index in the source, >= 0 */
    double speech_s;          /* total speech, s */
    size_t pause_count;       /* pauses inside turns */
    double pause_total_s;     /* s */
    double pause_max_s;       /* s */
    double f0_median_hz;      /* NAN when never voiced */
    double f0_sd_st;          /* F0 spread in semitones; NAN when never voiced */
    double speaking_rate_sps; /* syllables per second of speech; NAN when unknown */
    rpl_store_score frustration, hesitation, fatigue;
    double music_s; /* music found on the channel (on hold: include/rappel/music.h), s */
} rpl_store_channel_stats;

/* Store one channel's statistics for a call (one row per role; RPL_ERR_EXISTS when the role
 * is already stored for this call). Durations must be finite and >= 0, scores in 0..1. */
rpl_status rpl_store_add_channel(rpl_store *store, const char *call_id,
                                 const rpl_store_channel_stats *stats);

/* What passed between the parties of a stereo call (include/rappel/cross_party.h): dead air,
 * overtalk, hold, the customer's answers and talk share. */
typedef struct rpl_store_cross_stats {
    size_t dead_air_count;
    double dead_air_s;
    size_t overtalk_count;
    double overtalk_s;
    double hold_s;                  /* line tones or music, nobody speaking */
    double customer_latency_mean_s; /* NAN when the customer never answered the agent */
    double talk_share_customer;     /* customer speech / both parties' speech, 0..1; NAN when
                                       nobody spoke */
} rpl_store_cross_stats;

/* Store a stereo call's cross-party statistics (one row per call; RPL_ERR_EXISTS when stored
 * already). Durations and counts >= 0, the share in 0..1 or NAN. */
rpl_status rpl_store_add_cross(rpl_store *store, const char *call_id,
                               const rpl_store_cross_stats *cross);

/* One timeline point, about one a second per channel, for pictures. */
typedef struct rpl_store_point {
    double t_s;          /* offset into the call, s, >= 0 */
    rpl_store_role role; /* agent or customer */
    double f0_st;        /* F0 in semitones relative to the speaker's median; NAN when unvoiced */
    double energy_db;    /* NAN when unknown */
    bool speech;         /* voice activity */
    double frustration, hesitation, fatigue; /* 0..1, NAN when not scored yet */
} rpl_store_point;

/* Append count points (count may be 0). All or none are stored. A point at a (role, t_s)
 * already stored for the call is RPL_ERR_EXISTS. */
rpl_status rpl_store_add_timeline(rpl_store *store, const char *call_id,
                                  const rpl_store_point *points, size_t count);

typedef struct rpl_store_alert_info {
    rpl_store_kind kind;
    rpl_store_role role;       /* who the cue is about; RPL_STORE_ROLE_BOTH for cross-party */
    double t_start_s;          /* offset into the call, s, >= 0 */
    double t_end_s;            /* >= t_start_s */
    double score;              /* 0..1 */
    int priority;              /* 0 (normal) .. 100 (most urgent), ranks before score */
    const char *evidence_json; /* a JSON object naming the cues that fired, strongest first:
                                  {"cues":[{"name":"f0_rise","value":4.2,"unit":"st"},...],...}
                                  (cues may also be plain strings). Required, copied. */
    const char *model_version; /* the model that raised it; required */
} rpl_store_alert_info;

/* Store a new open alert. Outside rpl_store_begin() it is durable when this returns RPL_OK.
 * *alert_id (may be NULL) receives its id, unique for the life of the database (never reused,
 * even after a purge). RPL_ERR_INVALID_ARG for a bad field or evidence that is not a JSON
 * object; RPL_ERR_NOT_FOUND for an unknown call. */
rpl_status rpl_store_add_alert(rpl_store *store, const char *call_id,
                               const rpl_store_alert_info *alert, int64_t *alert_id);

/* Bring a stored alert up to date while it goes on (live): its end (t_end_s, finite, >= its
 * t_start_s), its peak score (0..1) and, when evidence_json is not NULL, its evidence (a JSON
 * object, copied; top cues follow it). Status, workflow and history are left alone. One
 * prepared statement; outside rpl_store_begin() it is durable when this returns RPL_OK.
 * RPL_ERR_NOT_FOUND for an unknown id; RPL_ERR_INVALID_ARG for a bad value (errmsg says
 * which). Not real-time safe (file I/O). */
rpl_status rpl_store_update_alert(rpl_store *store, int64_t alert_id, double t_end_s, double score,
                                  const char *evidence_json);

/* Give a kept alert (rpl_store_redo_call) what the new analysis found for the same episode:
 * times, score, priority, evidence and model; its status, assignee and history stay.
 * RPL_ERR_NOT_FOUND for an unknown id; RPL_ERR_INVALID_ARG as rpl_store_add_alert. */
rpl_status rpl_store_renew_alert(rpl_store *store, int64_t alert_id,
                                 const rpl_store_alert_info *alert);

/* ---- the workflow ---------------------------------------------------------------------- */

/* Move an alert to a new status, recording who (required), when (now) and an optional note
 * (stored verbatim) in its history. Acknowledging assigns the alert to `by`.
 * RPL_ERR_NOT_FOUND for an unknown id; RPL_ERR_TRANSITION when the workflow refuses it. */
rpl_status rpl_store_set_alert_status(rpl_store *store, int64_t alert_id, rpl_store_alert_status to,
                                      const char *by, const char *note);

/* ---- reading ----------------------------------------------------------------------------- */
/* Records passed to callbacks point into the store: valid only during the callback. A callback
 * returns 0 to go on, anything else to stop: the query then returns RPL_ERR_INTERRUPTED.
 * A callback must not use the same handle. Text fields that are unknown are NULL. */

typedef struct rpl_store_alert {
    int64_t id;
    const char *call_id;
    rpl_store_kind kind;
    rpl_store_role role;
    rpl_store_alert_status status;
    double t_start_s, t_end_s, score;
    int priority;
    const char *evidence_json; /* as stored */
    const char *top_cues;      /* the first three cue names, ", "-separated; NULL if none */
    const char *model_version;
    const char *assignee;
    int64_t raised_unix_s; /* call start + t_start_s: when it happened */
    int64_t created_unix_s, updated_unix_s;
    const char *agent, *customer, *source_file; /* from the call */
    const char *changed_by;                     /* its latest status change: who (NULL: none), */
    int64_t changed_unix_s;                     /* when (0: none) */
    const char *change_note;                    /* and the note given, or NULL */
} rpl_store_alert;

typedef int (*rpl_store_alert_fn)(const rpl_store_alert *alert, void *user);

/* What a listing narrows to; shared by the alert and call queries. */
typedef struct rpl_store_filter {
    int64_t since_unix_s; /* at or after; default INT64_MIN */
    int64_t until_unix_s; /* before; default INT64_MAX */
    const char *agent;    /* exact agent name, or NULL */
    const char *customer; /* exact customer name, or NULL */
    const char *call_id;  /* a call id (only that call when one has it exactly), else the
                           * first characters of ids; when no id starts with it, the call's
                           * recording by its path as stored or its file name alone; NULL:
                           * any call */
    size_t limit;         /* at most this many rows; 0 = no limit */
} rpl_store_filter;

/* No narrowing: any time, any agent, any call, no limit. Real-time safe. */
rpl_store_filter rpl_store_filter_default(void);

typedef struct rpl_store_alert_query {
    bool any_status;               /* default false */
    rpl_store_alert_status status; /* when !any_status and statuses is 0; default open */
    unsigned statuses;             /* when !any_status: several statuses, a bit each
                                      (1u << status; open + acknowledged: what is still to do);
                                      0 for status alone. Default 0 */
    bool any_kind;                 /* default true */
    rpl_store_kind kind;           /* when !any_kind */
    rpl_store_filter filter;       /* since/until: when the alert was raised */
} rpl_store_alert_query;

/* Open alerts of any kind at any time, no limit. Real-time safe. */
rpl_store_alert_query rpl_store_alert_query_default(void);

/* The follow-up list: alerts matching q (NULL for the default), open first, then higher
 * priority, higher score, more recent, higher id. */
rpl_status rpl_store_query_alerts(rpl_store *store, const rpl_store_alert_query *q,
                                  rpl_store_alert_fn fn, void *user);

/* One alert by id; RPL_ERR_NOT_FOUND when there is none. */
rpl_status rpl_store_get_alert(rpl_store *store, int64_t alert_id, rpl_store_alert_fn fn,
                               void *user);

typedef struct rpl_store_history_entry {
    int64_t alert_id;
    rpl_store_alert_status from, to;
    const char *by;
    int64_t changed_unix_s;
    const char *note; /* NULL when none */
} rpl_store_history_entry;

typedef int (*rpl_store_history_fn)(const rpl_store_history_entry *entry, void *user);

/* An alert's status changes, oldest first. RPL_ERR_NOT_FOUND for an unknown alert. */
rpl_status rpl_store_alert_history(rpl_store *store, int64_t alert_id, rpl_store_history_fn fn,
                                   void *user);

typedef struct rpl_store_call {
    const char *id, *source_file, *agent, *customer, *channel_map, *model_version;
    int64_t started_unix_s, analysed_unix_s, updated_unix_s;
    double duration_s; /* NAN until finished */
    rpl_store_call_state state;
    const char *fail_reason;
    size_t alerts, open_alerts;
    bool has_cross;              /* a stereo call analysed to its end */
    rpl_store_cross_stats cross; /* valid when has_cross */
    const char *started_from;    /* where the start came from; NULL: the time of analysis */
} rpl_store_call;

typedef int (*rpl_store_call_fn)(const rpl_store_call *call, void *user);

typedef struct rpl_store_call_query {
    rpl_store_filter filter; /* since/until: when the call started */
} rpl_store_call_query;

/* Every call, no limit. Real-time safe. */
rpl_store_call_query rpl_store_call_query_default(void);

/* Calls matching q (NULL for the default), most recent first. */
rpl_status rpl_store_query_calls(rpl_store *store, const rpl_store_call_query *q,
                                 rpl_store_call_fn fn, void *user);

typedef int (*rpl_store_channel_fn)(const rpl_store_channel_stats *stats, void *user);
typedef int (*rpl_store_point_fn)(const rpl_store_point *point, void *user);

/* A call's channel statistics (by channel index) and timeline (by role, then time).
 * RPL_ERR_NOT_FOUND for an unknown call. NULL columns come back as NAN. */
rpl_status rpl_store_each_channel(rpl_store *store, const char *call_id, rpl_store_channel_fn fn,
                                  void *user);
rpl_status rpl_store_each_point(rpl_store *store, const char *call_id, rpl_store_point_fn fn,
                                void *user);

/* ---- retention --------------------------------------------------------------------------- */

typedef struct rpl_store_purge_counts {
    size_t calls, channels, points, alerts, history;
    size_t unworked_alerts; /* of those alerts, still open or acknowledged */
    size_t being_written;   /* old enough, but still being written (live): kept */
} rpl_store_purge_counts;

/* Delete the calls that started before before_unix_s and everything that hangs off them, in
 * one transaction, overwriting the freed space (the data is personal). A call whose writer is
 * still at work (state analysing, written within the stale time of rpl_store_config) stays.
 * With dry_run nothing changes and counts say what would go. counts is required. */
rpl_status rpl_store_purge(rpl_store *store, int64_t before_unix_s, bool dry_run,
                           rpl_store_purge_counts *counts);

#endif
