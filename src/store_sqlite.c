/* The CRM store (include/rappel/store.h) on SQLite.
 *
 * - WAL journal: readers never block the writer and see only committed rows; synchronous=FULL
 *   so a committed alert survives a crash or a power cut; busy_timeout for writer/writer waits;
 *   foreign keys on; STRICT tables; secure_delete because rows hold personal data.
 * - The schema is built by forward migrations from version 0 (an empty file), so a fresh
 *   database and an upgraded one go through the same steps. PRAGMA user_version holds the
 *   version; a newer one is refused before anything is written.
 * - Every statement with a value in it is prepared and bound; the only SQL text assembled at
 *   run time is the alert/call filters, from constant fragments.
 */
#include "rappel/store.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- schema ------------------------------------------------------------------------------ */

/* The names of the first three cues of an evidence object (?8 in the insert, evidence in the
 * backfill), ", "-separated. Cues may be objects with a "name" or plain strings. */
#define RPL_TOP_CUES_SQL(evidence)                                                                 \
    "(SELECT group_concat(n, ', ') FROM (SELECT CASE j.type WHEN 'object' THEN "                   \
    "json_extract(j.value, '$.name') WHEN 'text' THEN j.value END AS n FROM json_each(" evidence   \
    ", '$.cues') AS j LIMIT 3))"

/* migrations[v] takes a database from version v to v + 1. Never edit a released step: add one. */
static const char *const migrations[RPL_STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: the tables. */
    "CREATE TABLE calls ("
    " id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 256),"
    " source_file TEXT,"
    " agent TEXT,"
    " customer TEXT,"
    " started_unix_s INTEGER NOT NULL,"
    " analysed_unix_s INTEGER NOT NULL,"
    " duration_s REAL CHECK (duration_s >= 0),"
    " channel_map TEXT NOT NULL,"
    " model_version TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'analysing' CHECK (state IN ('analysing', 'done', 'failed')),"
    " fail_reason TEXT"
    ") STRICT;"
    "CREATE INDEX calls_started ON calls (started_unix_s);"
    "CREATE INDEX calls_agent ON calls (agent, started_unix_s);"
    "CREATE TABLE channel_stats ("
    " call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,"
    " role TEXT NOT NULL CHECK (role IN ('agent', 'customer')),"
    " channel INTEGER NOT NULL CHECK (channel >= 0),"
    " speech_s REAL NOT NULL CHECK (speech_s >= 0),"
    " pause_count INTEGER NOT NULL CHECK (pause_count >= 0),"
    " pause_total_s REAL NOT NULL CHECK (pause_total_s >= 0),"
    " pause_max_s REAL NOT NULL CHECK (pause_max_s >= 0),"
    " f0_median_hz REAL,"
    " f0_sd_st REAL,"
    " speaking_rate_sps REAL,"
    " frustration_max REAL NOT NULL, frustration_mean REAL NOT NULL,"
    " hesitation_max REAL NOT NULL, hesitation_mean REAL NOT NULL,"
    " fatigue_max REAL NOT NULL, fatigue_mean REAL NOT NULL,"
    " PRIMARY KEY (call_id, role)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE timeline ("
    " call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,"
    " role TEXT NOT NULL CHECK (role IN ('agent', 'customer')),"
    " t_s REAL NOT NULL CHECK (t_s >= 0),"
    " f0_st REAL,"
    " energy_db REAL,"
    " speech INTEGER NOT NULL CHECK (speech IN (0, 1)),"
    " frustration REAL, hesitation REAL, fatigue REAL,"
    " PRIMARY KEY (call_id, role, t_s)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE alerts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL CHECK (kind IN ('frustration', 'hesitation', 'fatigue', 'dead_air',"
    " 'overtalk')),"
    " role TEXT NOT NULL CHECK (role IN ('agent', 'customer', 'both')),"
    " t_start_s REAL NOT NULL CHECK (t_start_s >= 0),"
    " t_end_s REAL NOT NULL CHECK (t_end_s >= t_start_s),"
    " score REAL NOT NULL CHECK (score BETWEEN 0 AND 1),"
    " priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 100),"
    " evidence TEXT NOT NULL CHECK (json_valid(evidence)),"
    " model_version TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'open'"
    " CHECK (status IN ('open', 'acknowledged', 'done', 'dismissed')),"
    " assignee TEXT,"
    " raised_unix_s INTEGER NOT NULL,"
    " created_unix_s INTEGER NOT NULL,"
    " updated_unix_s INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX alerts_call ON alerts (call_id);"
    "CREATE INDEX alerts_status ON alerts (status, score DESC);"
    "CREATE TABLE alert_history ("
    " id INTEGER PRIMARY KEY,"
    " alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,"
    " from_status TEXT NOT NULL,"
    " to_status TEXT NOT NULL,"
    " changed_by TEXT NOT NULL,"
    " changed_unix_s INTEGER NOT NULL,"
    " note TEXT"
    ") STRICT;"
    "CREATE INDEX alert_history_alert ON alert_history (alert_id);",

    /* 1 -> 2: who is writing a call (to tell a live session that died from one still running),
     * the cue summary for the follow-up list, and indexes that serve its order directly. */
    "ALTER TABLE calls ADD COLUMN writer_host TEXT;"
    "ALTER TABLE calls ADD COLUMN writer_pid INTEGER;"
    "ALTER TABLE calls ADD COLUMN updated_unix_s INTEGER NOT NULL DEFAULT 0;"
    "UPDATE calls SET updated_unix_s = analysed_unix_s;"
    "ALTER TABLE alerts ADD COLUMN top_cues TEXT;"
    "UPDATE alerts SET top_cues = " RPL_TOP_CUES_SQL(
        "alerts.evidence") ";"
                           "ALTER TABLE alerts ADD COLUMN status_rank INTEGER GENERATED ALWAYS AS "
                           "(CASE status"
                           " WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 WHEN 'done' THEN 2 ELSE "
                           "3 END) VIRTUAL;"
                           "DROP INDEX alerts_status;"
                           "DROP INDEX alerts_call;"
                           "CREATE INDEX alerts_call ON alerts (call_id, status);"
                           "CREATE INDEX alerts_followup ON alerts"
                           " (status_rank, priority DESC, score DESC, raised_unix_s DESC, id DESC);"
                           "CREATE INDEX alerts_raised ON alerts (raised_unix_s);",

    /* 2 -> 3: music found on a channel, and what passed between the parties of a stereo call
     * (until now only in analyze's output). */
    "ALTER TABLE channel_stats ADD COLUMN music_s REAL NOT NULL DEFAULT 0 CHECK (music_s >= 0);"
    "CREATE TABLE call_cross ("
    " call_id TEXT PRIMARY KEY NOT NULL REFERENCES calls (id) ON DELETE CASCADE,"
    " dead_air_count INTEGER NOT NULL CHECK (dead_air_count >= 0),"
    " dead_air_s REAL NOT NULL CHECK (dead_air_s >= 0),"
    " overtalk_count INTEGER NOT NULL CHECK (overtalk_count >= 0),"
    " overtalk_s REAL NOT NULL CHECK (overtalk_s >= 0),"
    " hold_s REAL NOT NULL CHECK (hold_s >= 0),"
    " customer_latency_mean_s REAL CHECK (customer_latency_mean_s >= 0),"
    " talk_share_customer REAL CHECK (talk_share_customer BETWEEN 0 AND 1)"
    ") STRICT, WITHOUT ROWID;",

    /* 3 -> 4: a channel on which no analysis window was scored (silent, music only, a word too
     * short) has no score, not a score of 0, which read as "calm". SQLite cannot drop a NOT
     * NULL, so the table is rebuilt; rows of earlier versions with no speech had no window
     * either and lose their 0s. Nothing refers to channel_stats, so the old table can be renamed
     * out of the way and the new one keep its plain name. */
    "ALTER TABLE channel_stats RENAME TO channel_stats_v3;"
    "CREATE TABLE channel_stats ("
    " call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,"
    " role TEXT NOT NULL CHECK (role IN ('agent', 'customer')),"
    " channel INTEGER NOT NULL CHECK (channel >= 0),"
    " speech_s REAL NOT NULL CHECK (speech_s >= 0),"
    " pause_count INTEGER NOT NULL CHECK (pause_count >= 0),"
    " pause_total_s REAL NOT NULL CHECK (pause_total_s >= 0),"
    " pause_max_s REAL NOT NULL CHECK (pause_max_s >= 0),"
    " f0_median_hz REAL,"
    " f0_sd_st REAL,"
    " speaking_rate_sps REAL,"
    " frustration_max REAL CHECK (frustration_max BETWEEN 0 AND 1),"
    " frustration_mean REAL CHECK (frustration_mean BETWEEN 0 AND 1),"
    " hesitation_max REAL CHECK (hesitation_max BETWEEN 0 AND 1),"
    " hesitation_mean REAL CHECK (hesitation_mean BETWEEN 0 AND 1),"
    " fatigue_max REAL CHECK (fatigue_max BETWEEN 0 AND 1),"
    " fatigue_mean REAL CHECK (fatigue_mean BETWEEN 0 AND 1),"
    " music_s REAL NOT NULL DEFAULT 0 CHECK (music_s >= 0),"
    " PRIMARY KEY (call_id, role)"
    ") STRICT, WITHOUT ROWID;"
    "INSERT INTO channel_stats SELECT call_id, role, channel, speech_s, pause_count,"
    " pause_total_s, pause_max_s, f0_median_hz, f0_sd_st, speaking_rate_sps,"
    " CASE WHEN speech_s > 0 THEN frustration_max END,"
    " CASE WHEN speech_s > 0 THEN frustration_mean END,"
    " CASE WHEN speech_s > 0 THEN hesitation_max END,"
    " CASE WHEN speech_s > 0 THEN hesitation_mean END,"
    " CASE WHEN speech_s > 0 THEN fatigue_max END,"
    " CASE WHEN speech_s > 0 THEN fatigue_mean END, music_s"
    " FROM channel_stats_v3;"
    "DROP TABLE channel_stats_v3;"
    /* and the follow-up list by customer (alerts --customer: this customer's other calls) */
    "CREATE INDEX calls_customer ON calls (customer, started_unix_s);",

    /* 4 -> 5: the digest of a recording's audio beside its call, so that a recording stored
     * under a given call id is known again under another name or id, and a call id given again
     * for another recording is told apart. A recorded call stored under its digest has it
     * already (failed calls' "file:" ids are not digests). */
    "ALTER TABLE calls ADD COLUMN audio_sha256 TEXT"
    " CHECK (audio_sha256 IS NULL OR (length(audio_sha256) = 64"
    " AND audio_sha256 NOT GLOB '*[^0-9a-f]*'));"
    "UPDATE calls SET audio_sha256 = id WHERE source_file IS NOT NULL AND length(id) = 64"
    " AND id NOT GLOB '*[^0-9a-f]*';"
    "CREATE INDEX calls_audio ON calls (audio_sha256) WHERE audio_sha256 IS NOT NULL;"
    /* and where the call's start came from ("file name", "bext", "--started", "live"...); NULL:
     * nowhere, it is when the call was analysed (calls of earlier versions cannot say) */
    "ALTER TABLE calls ADD COLUMN started_from TEXT;",
};

/* ---- prepared statements, kept for the life of the handle ---------------------------------- */

#define ALERT_COLUMNS                                                                              \
    "a.id, a.call_id, a.kind, a.role, a.status, a.t_start_s, a.t_end_s, a.score, a.priority,"      \
    " a.evidence, a.top_cues, a.model_version, a.assignee, a.raised_unix_s, a.created_unix_s,"     \
    " a.updated_unix_s, c.agent, c.customer, c.source_file, h.changed_by, h.changed_unix_s,"       \
    " h.note"

/* An alert's latest workflow change (who closed it, when, their note), for ALERT_COLUMNS: one
 * lookup in alert_history_alert. */
#define LAST_CHANGE_JOIN                                                                           \
    " LEFT JOIN alert_history h ON h.id = (SELECT max(x.id) FROM alert_history x"                  \
    " WHERE x.alert_id = a.id)"

#define CALL_COLUMNS                                                                               \
    "c.id, c.source_file, c.agent, c.customer, c.channel_map, c.model_version,"                    \
    " c.started_unix_s, c.analysed_unix_s, c.updated_unix_s, c.duration_s, c.state,"               \
    " c.fail_reason, c.writer_host, c.writer_pid,"                                                 \
    " (SELECT count(*) FROM alerts x WHERE x.call_id = c.id),"                                     \
    " (SELECT count(*) FROM alerts x WHERE x.call_id = c.id AND x.status = 'open'),"               \
    " k.call_id, k.dead_air_count, k.dead_air_s, k.overtalk_count, k.overtalk_s, k.hold_s,"        \
    " k.customer_latency_mean_s, k.talk_share_customer, c.started_from"
/* A call retention may remove: not one whose writer is still at work (rpl_store_purge lists
 * them in temp.purge_keep). */
#define PURGEABLE "id NOT IN temp.purge_keep"

/* The calls and their cross-party statistics, for CALL_COLUMNS. */
#define CALL_FROM " FROM calls c LEFT JOIN call_cross k ON k.call_id = c.id"

enum stmt_id {
    ST_CALL_INSERT,
    ST_CALL_REDO,
    ST_CALL_FINISH,
    ST_CALL_FAIL,
    ST_CALL_TOUCH,
    ST_CALL_DELETE,
    ST_CALL_GET,
    ST_CALL_EXISTS,
    ST_CHANNEL_INSERT,
    ST_CROSS_INSERT,
    ST_POINT_INSERT,
    ST_EVIDENCE_CHECK,
    ST_ALERT_INSERT,
    ST_ALERT_GET,
    ST_ALERT_STATUS,
    ST_ALERT_UPDATE,
    ST_ALERT_EXTEND,
    ST_HISTORY_INSERT,
    ST_HISTORY_LIST,
    ST_CHANNEL_LIST,
    ST_POINT_LIST,
    ST_PURGE_COUNT,
    ST_PURGE_DELETE,
    ST_WINDOW_COUNT,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_CALL_INSERT] = "INSERT INTO calls (id, source_file, agent, customer, started_unix_s,"
                       " analysed_unix_s, updated_unix_s, channel_map, model_version, state,"
                       " writer_host, writer_pid, audio_sha256, started_from) VALUES (?1, ?2,"
                       " ?3, ?4, ?5, ?6, ?6, ?7, ?8, 'analysing', ?9, ?10, ?11, ?12)",
    /* a call analysed again: what the new analysis knows, the rest as it was */
    [ST_CALL_REDO] = "UPDATE calls SET source_file = ?2, agent = coalesce(?3, agent),"
                     " customer = coalesce(?4, customer), started_from = CASE WHEN ?5 IS NULL"
                     " THEN started_from ELSE ?12 END, started_unix_s = coalesce(?5,"
                     " started_unix_s), analysed_unix_s = ?6, updated_unix_s = ?6,"
                     " channel_map = ?7, model_version = ?8, state = 'analysing',"
                     " duration_s = NULL, fail_reason = NULL, writer_host = ?9, writer_pid = ?10,"
                     " audio_sha256 = coalesce(?11, audio_sha256) WHERE id = ?1",
    [ST_CALL_FINISH] = "UPDATE calls SET state = 'done', duration_s = ?2, updated_unix_s = ?3,"
                       " fail_reason = NULL WHERE id = ?1",
    [ST_CALL_FAIL] = "UPDATE calls SET state = 'failed', fail_reason = ?2, updated_unix_s = ?3"
                     " WHERE id = ?1",
    [ST_CALL_TOUCH] = "UPDATE calls SET updated_unix_s = ?2 WHERE id = ?1",
    [ST_CALL_DELETE] = "DELETE FROM calls WHERE id = ?1",
    [ST_CALL_GET] = "SELECT " CALL_COLUMNS CALL_FROM " WHERE c.id = ?1",
    [ST_CALL_EXISTS] = "SELECT 1 FROM calls WHERE id = ?1",
    [ST_CHANNEL_INSERT] =
        "INSERT INTO channel_stats (call_id, role, channel, speech_s, pause_count, pause_total_s,"
        " pause_max_s, f0_median_hz, f0_sd_st, speaking_rate_sps, frustration_max,"
        " frustration_mean, hesitation_max, hesitation_mean, fatigue_max, fatigue_mean, music_s)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [ST_CROSS_INSERT] =
        "INSERT INTO call_cross (call_id, dead_air_count, dead_air_s, overtalk_count, overtalk_s,"
        " hold_s, customer_latency_mean_s, talk_share_customer)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_POINT_INSERT] = "INSERT INTO timeline (call_id, role, t_s, f0_st, energy_db, speech,"
                        " frustration, hesitation, fatigue)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_EVIDENCE_CHECK] = "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) = 'object'"
                          " ELSE 0 END",
    [ST_ALERT_INSERT] =
        "INSERT INTO alerts (call_id, kind, role, t_start_s, t_end_s, score, priority, evidence,"
        " top_cues, model_version, status, raised_unix_s, created_unix_s, updated_unix_s)"
        " SELECT c.id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, " RPL_TOP_CUES_SQL(
            "?8") ", ?9, 'open',"
                  " c.started_unix_s + CAST(?4 AS INTEGER), ?10, ?10 FROM calls c WHERE c.id = ?1",
    [ST_ALERT_GET] =
        "SELECT " ALERT_COLUMNS " FROM alerts a JOIN calls c ON c.id = a.call_id" LAST_CHANGE_JOIN
        " WHERE a.id = ?1",
    [ST_ALERT_STATUS] = "SELECT status FROM alerts WHERE id = ?1",
    [ST_ALERT_UPDATE] = "UPDATE alerts SET status = ?2, updated_unix_s = ?3, assignee ="
                        " CASE ?2 WHEN 'acknowledged' THEN ?4 WHEN 'open' THEN NULL"
                        " ELSE coalesce(assignee, ?4) END WHERE id = ?1",
    [ST_ALERT_EXTEND] =
        "UPDATE alerts SET t_end_s = ?2, score = ?3, evidence = coalesce(?4,"
        " evidence), top_cues = CASE WHEN ?4 IS NULL THEN top_cues ELSE " RPL_TOP_CUES_SQL(
            "?4") " END, updated_unix_s = ?5"
                  " WHERE id = ?1 AND t_start_s <= ?2",
    [ST_HISTORY_INSERT] = "INSERT INTO alert_history (alert_id, from_status, to_status,"
                          " changed_by, changed_unix_s, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_HISTORY_LIST] = "SELECT alert_id, from_status, to_status, changed_by, changed_unix_s,"
                        " note FROM alert_history WHERE alert_id = ?1 ORDER BY id",
    [ST_CHANNEL_LIST] = "SELECT role, channel, speech_s, pause_count, pause_total_s, pause_max_s,"
                        " f0_median_hz, f0_sd_st, speaking_rate_sps, frustration_max,"
                        " frustration_mean, hesitation_max, hesitation_mean, fatigue_max,"
                        " fatigue_mean, music_s FROM channel_stats WHERE call_id = ?1"
                        " ORDER BY channel",
    [ST_POINT_LIST] = "SELECT role, t_s, f0_st, energy_db, speech, frustration, hesitation,"
                      " fatigue FROM timeline WHERE call_id = ?1 ORDER BY role, t_s",
    [ST_PURGE_COUNT] =
        "WITH old AS (SELECT id FROM calls WHERE started_unix_s < ?1 AND " PURGEABLE
        "), old_alerts AS (SELECT id, status FROM alerts WHERE call_id IN old)"
        " SELECT (SELECT count(*) FROM old),"
        " (SELECT count(*) FROM channel_stats WHERE call_id IN old),"
        " (SELECT count(*) FROM timeline WHERE call_id IN old),"
        " (SELECT count(*) FROM old_alerts),"
        " (SELECT count(*) FROM alert_history WHERE alert_id IN"
        " (SELECT id FROM old_alerts)),"
        " (SELECT count(*) FROM old_alerts WHERE status IN ('open',"
        " 'acknowledged')),"
        " (SELECT count(*) FROM calls WHERE started_unix_s < ?1 AND NOT " PURGEABLE ")",
    [ST_PURGE_DELETE] = "DELETE FROM calls WHERE started_unix_s < ?1 AND " PURGEABLE,
    [ST_WINDOW_COUNT] = "SELECT count(*) FROM (SELECT 1 FROM alerts WHERE raised_unix_s >= ?1"
                        " AND raised_unix_s < ?2 LIMIT ?3)",
};

struct rpl_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    bool in_txn;
    int version;
    int64_t stale_after_s;
    char host[256];
    char errmsg[512];
};

/* ---- names ------------------------------------------------------------------------------- */

static const char *const role_names[] = {"agent", "customer", "both"};
static const char *const kind_names[] = {"frustration", "hesitation", "fatigue", "dead_air",
                                         "overtalk"};
static const char *const status_names[] = {"open", "acknowledged", "done", "dismissed"};
static const char *const state_names[] = {"analysing", "done", "failed", "unfinished"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool name_parse(const char *const *names, size_t count, const char *text, int *out)
{
    if (text == NULL) {
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (int)i;
            return true;
        }
    }
    return false;
}

const char *rpl_store_role_name(rpl_store_role role)
{
    return (unsigned)role < COUNT_OF(role_names) ? role_names[role] : "?";
}

const char *rpl_store_kind_name(rpl_store_kind kind)
{
    return (unsigned)kind < COUNT_OF(kind_names) ? kind_names[kind] : "?";
}

const char *rpl_store_status_name(rpl_store_alert_status status)
{
    return (unsigned)status < COUNT_OF(status_names) ? status_names[status] : "?";
}

const char *rpl_store_call_state_name(rpl_store_call_state state)
{
    return (unsigned)state < COUNT_OF(state_names) ? state_names[state] : "?";
}

bool rpl_store_role_parse(const char *text, rpl_store_role *out)
{
    int v = 0;
    if (!name_parse(role_names, COUNT_OF(role_names), text, &v)) {
        return false;
    }
    *out = (rpl_store_role)v;
    return true;
}

bool rpl_store_kind_parse(const char *text, rpl_store_kind *out)
{
    int v = 0;
    if (!name_parse(kind_names, COUNT_OF(kind_names), text, &v)) {
        return false;
    }
    *out = (rpl_store_kind)v;
    return true;
}

bool rpl_store_status_parse(const char *text, rpl_store_alert_status *out)
{
    int v = 0;
    if (!name_parse(status_names, COUNT_OF(status_names), text, &v)) {
        return false;
    }
    *out = (rpl_store_alert_status)v;
    return true;
}

bool rpl_store_transition_allowed(rpl_store_alert_status from, rpl_store_alert_status to)
{
    switch (from) {
    case RPL_STORE_OPEN:
        return to == RPL_STORE_ACKNOWLEDGED || to == RPL_STORE_DONE || to == RPL_STORE_DISMISSED;
    case RPL_STORE_ACKNOWLEDGED:
        return to == RPL_STORE_OPEN || to == RPL_STORE_DONE || to == RPL_STORE_DISMISSED;
    case RPL_STORE_DONE:
    case RPL_STORE_DISMISSED:
        return to == RPL_STORE_OPEN; /* reopened: a mistaken click, or the customer calls again */
    }
    return false;
}

/* ---- errors ------------------------------------------------------------------------------ */

static rpl_status fail_msg(rpl_store *s, rpl_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static rpl_status fail_msg(rpl_store *s, rpl_status status, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, args);
    va_end(args);
    return status;
}

static rpl_status status_of_sqlite(int rc)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
        return RPL_ERR_EXISTS;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return RPL_ERR_NOT_FOUND;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
        return RPL_ERR_INVALID_ARG;
    case SQLITE_NOMEM:
        return RPL_ERR_NO_MEMORY;
    default:
        break;
    }
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return RPL_ERR_DB_BUSY;
    case SQLITE_NOMEM:
        return RPL_ERR_NO_MEMORY;
    default:
        return RPL_ERR_DB;
    }
}

/* A write error whose cause SQLite does not say: its unix VFS maps ENOSPC on write to
 * SQLITE_FULL, but a write refused by a file-size limit (`ulimit -f`, with SIGXFSZ ignored:
 * EFBIG) comes out as "disk I/O error", and sqlite3_system_errno() is not reliable after the
 * statement has unwound (it reads errno late). So look at the facts: the database, -wal or
 * -journal file within 64 KiB (more than SQLite's largest page plus WAL frame header) of
 * RLIMIT_FSIZE, or no block left for us on its file system. Into buf, "" if neither. */
static void write_cause(sqlite3 *db, char *buf, size_t size)
{
    const off_t margin = 65536;
    const char *path = sqlite3_db_filename(db, "main");
    if (path == NULL || path[0] == '\0') {
        return;
    }
    struct rlimit limit;
    if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        static const char *const suffixes[] = {"", "-wal", "-journal"};
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            char file[PATH_MAX];
            struct stat sb;
            if ((size_t)snprintf(file, sizeof file, "%s%s", path, suffixes[i]) < sizeof file &&
                stat(file, &sb) == 0 &&
                (uintmax_t)sb.st_size + (uintmax_t)margin >= limit.rlim_cur) {
                snprintf(buf, size, " (file size limit reached: ulimit -f allows %ju KiB)",
                         (uintmax_t)limit.rlim_cur / 1024);
                return;
            }
        }
    }
    struct statvfs fs;
    if (statvfs(path, &fs) == 0 && (uintmax_t)fs.f_bavail * fs.f_frsize < (uintmax_t)margin) {
        snprintf(buf, size, " (the disk is full)");
    }
}

/* What SQLite's words leave out: "database is locked" alone does not say why it gave up, and
 * "disk I/O error" does not say the disk is full or a file-size limit was met (write_cause).
 * db may be NULL. Into buf, "" if nothing to add. */
static const char *sqlite_cause(sqlite3 *db, int rc, char *buf, size_t size)
{
    buf[0] = '\0';
    if ((rc & 0xff) == SQLITE_BUSY) {
        snprintf(buf, size, " (another writer held it longer than the busy timeout)");
    } else if (db != NULL && (rc & 0xff) == SQLITE_IOERR) {
        write_cause(db, buf, size);
    }
    return buf;
}

static rpl_status fail_db(rpl_store *s, int rc)
{
    const char *why = s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    char cause[128];
    sqlite_cause(s->db, rc, cause, sizeof cause);
    return fail_msg(s, status_of_sqlite(rc), "%s%s", why, cause);
}

/* ---- text checks --------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence p starts with (1-4; 1 for ASCII), or 0 when p does not
 * start one (a stray continuation byte, an overlong form, a surrogate, beyond U+10FFFF). */
static size_t utf8_sequence(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (c < 0x80) {
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 1, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 3, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n + 1;
}

static bool utf8_valid(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p != 0) {
        size_t n = utf8_sequence(p);
        if (n == 0) {
            return false;
        }
        p += n;
    }
    return true;
}

char *rpl_store_text_from_bytes(const char *bytes, bool *changed)
{
    *changed = false;
    const unsigned char *p = (const unsigned char *)bytes;
    /* At worst every byte becomes two. */
    char *out = malloc(2 * strlen(bytes) + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t used = 0;
    while (*p != 0) {
        size_t n = utf8_sequence(p);
        if (n > 0) {
            memcpy(out + used, p, n);
            used += n;
            p += n;
        } else {
            /* Latin-1: the byte is the code point, U+0080..U+00FF, two bytes in UTF-8. */
            out[used++] = (char)(0xc0 | (*p >> 6));
            out[used++] = (char)(0x80 | (*p & 0x3f));
            p++;
            *changed = true;
        }
    }
    out[used] = '\0';
    return out;
}

/* A text argument: required or optional (NULL allowed), at most max_bytes, valid UTF-8. */
static rpl_status check_text(rpl_store *s, const char *field, const char *text, bool required,
                             size_t max_bytes)
{
    if (text == NULL) {
        return required ? fail_msg(s, RPL_ERR_INVALID_ARG, "%s is required", field) : RPL_OK;
    }
    if (required && text[0] == '\0') {
        return fail_msg(s, RPL_ERR_INVALID_ARG, "%s is empty", field);
    }
    if (max_bytes > 0 && strlen(text) > max_bytes) {
        return fail_msg(s, RPL_ERR_INVALID_ARG, "%s is longer than %zu bytes", field, max_bytes);
    }
    if (!utf8_valid(text)) {
        return fail_msg(s, RPL_ERR_INVALID_ARG, "%s is not valid UTF-8", field);
    }
    return RPL_OK;
}

static bool finite_nonneg(double v)
{
    return isfinite(v) && v >= 0.0;
}

static bool unit_or_nan(double v)
{
    return isnan(v) || (v >= 0.0 && v <= 1.0);
}

static bool unit(double v)
{
    return isfinite(v) && v >= 0.0 && v <= 1.0;
}

/* A channel's score summary: both in 0..1, or both NaN (no window scored). */
static bool score_ok(const rpl_store_score *score)
{
    return (isnan(score->max) && isnan(score->mean)) || (unit(score->max) && unit(score->mean));
}

/* ---- statement helpers ------------------------------------------------------------------------
 */

static rpl_status stmt_get(rpl_store *s, enum stmt_id id, sqlite3_stmt **out)
{
    if (s->stmt[id] == NULL) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->stmt[id], NULL);
        if (rc != SQLITE_OK) {
            return fail_db(s, rc);
        }
    } else {
        sqlite3_reset(s->stmt[id]);
        sqlite3_clear_bindings(s->stmt[id]);
    }
    *out = s->stmt[id];
    return RPL_OK;
}

/* Leave a cached statement idle so it holds no read snapshot. */
static void stmt_done(sqlite3_stmt *st)
{
    if (st != NULL) {
        sqlite3_reset(st);
    }
}

static int bind_text(sqlite3_stmt *st, int i, const char *text)
{
    return text == NULL ? sqlite3_bind_null(st, i)
                        : sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

static int bind_real(sqlite3_stmt *st, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static double col_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(st, i);
}

/* Step a write statement to completion. */
static rpl_status step_done(rpl_store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    rpl_status status = rc == SQLITE_DONE ? RPL_OK : fail_db(s, rc);
    sqlite3_reset(st);
    return status;
}

static rpl_status exec(rpl_store *s, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        rpl_status status = status_of_sqlite(rc);
        /* Same words as fail_db: "database is locked" alone does not say why. */
        char cause[128];
        fail_msg(s, status, "%s%s", err != NULL ? err : sqlite3_errstr(rc),
                 sqlite_cause(s->db, rc, cause, sizeof cause));
        sqlite3_free(err);
        return status;
    }
    return RPL_OK;
}

/* Open a transaction of our own unless the caller has one; *own says which. */
static rpl_status txn_enter(rpl_store *s, bool *own)
{
    *own = false;
    if (s->in_txn) {
        return RPL_OK;
    }
    rpl_status status = exec(s, "BEGIN IMMEDIATE");
    if (status == RPL_OK) {
        *own = true;
    }
    return status;
}

/* Close a transaction opened by txn_enter: commit on success, roll back otherwise. */
static rpl_status txn_leave(rpl_store *s, bool own, rpl_status status)
{
    if (!own) {
        return status;
    }
    if (status == RPL_OK) {
        status = exec(s, "COMMIT");
        if (status == RPL_OK) {
            return RPL_OK;
        }
    }
    if (!sqlite3_get_autocommit(s->db)) {
        char keep[sizeof s->errmsg];
        memcpy(keep, s->errmsg, sizeof keep);
        exec(s, "ROLLBACK");
        memcpy(s->errmsg, keep, sizeof keep);
    }
    return status;
}

static int64_t now_unix_s(void)
{
    return (int64_t)time(NULL);
}

/* ---- opening and migrations ------------------------------------------------------------------ */

rpl_store_config rpl_store_config_default(void)
{
    rpl_store_config cfg = {
        .create = true, .busy_timeout_ms = 5000, .stale_after_s = 900, .cache_kib = 16384};
    return cfg;
}

static rpl_status read_user_version(rpl_store *s, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_ROW) {
        rpl_status status = fail_db(s, rc);
        sqlite3_finalize(st);
        return status;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return RPL_OK;
}

static rpl_status refuse_newer(rpl_store *s, int version)
{
    return fail_msg(s, RPL_ERR_DB_VERSION,
                    "schema version %d was written by a newer rappel (this one reads up to %d);"
                    " left untouched",
                    version, RPL_STORE_SCHEMA_VERSION);
}

/* Apply the missing steps, each in its own IMMEDIATE transaction so that two processes opening
 * the same old file at once do not both migrate it. */
static rpl_status migrate(rpl_store *s)
{
    for (;;) {
        int version = 0;
        rpl_status status = exec(s, "BEGIN IMMEDIATE");
        if (status != RPL_OK) {
            return status;
        }
        status = read_user_version(s, &version);
        if (status == RPL_OK && version > RPL_STORE_SCHEMA_VERSION) {
            status = refuse_newer(s, version);
        }
        if (status == RPL_OK && version == 0) {
            /* Version 0 is only ours to build on when nothing else lives in the file. */
            sqlite3_stmt *st = NULL;
            int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL);
            if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
                if (sqlite3_column_int(st, 0) != 0) {
                    status = fail_msg(s, RPL_ERR_DB,
                                      "not a rappel database (it has tables but no schema "
                                      "version)");
                }
            } else {
                status = fail_db(s, rc != SQLITE_OK ? rc : sqlite3_errcode(s->db));
            }
            sqlite3_finalize(st);
        }
        if (status == RPL_OK && version == RPL_STORE_SCHEMA_VERSION) {
            s->version = version;
            return exec(s, "COMMIT");
        }
        if (status == RPL_OK) {
            status = exec(s, migrations[version]);
        }
        if (status == RPL_OK) {
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
            status = exec(s, sql);
        }
        if (status == RPL_OK) {
            status = exec(s, "COMMIT");
        }
        if (status != RPL_OK) {
            char keep[sizeof s->errmsg];
            memcpy(keep, s->errmsg, sizeof keep);
            if (!sqlite3_get_autocommit(s->db)) {
                exec(s, "ROLLBACK");
            }
            memcpy(s->errmsg, keep, sizeof keep);
            return status;
        }
    }
}

/* Create the file with mode 0600 ourselves, so that SQLite never creates it with the umask's
 * mode; an existing file keeps its mode. */
static rpl_status ensure_file(rpl_store *s, const char *path, bool create)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode)) {
            return fail_msg(s, RPL_ERR_IO, "not a regular file");
        }
        return RPL_OK;
    }
    if (errno != ENOENT) {
        return fail_msg(s, RPL_ERR_IO, "%s", strerror(errno));
    }
    if (!create) {
        return fail_msg(s, RPL_ERR_NOT_FOUND, "no such database file");
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return fail_msg(s, RPL_ERR_IO, "cannot create: %s", strerror(errno));
    }
    close(fd);
    return RPL_OK;
}

/* A database that cannot be written (read-only file, folder or file system) reaches us from
 * SQLite as "unable to open database file" (WAL needs to create its -shm file) or "attempt to
 * write a readonly database". When that is the cause, say so with the system's reason. */
static void explain_not_writable(rpl_store *s, const char *path, bool read_only)
{
    const char *what = NULL;
    int err = 0;
    if (!read_only && access(path, W_OK) != 0 &&
        (errno == EROFS || errno == EACCES || errno == EPERM)) {
        what = "the database file is not writable";
        err = errno;
    } else {
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        size_t n = slash == NULL ? 1 : (slash == path ? 1 : (size_t)(slash - path));
        if (n >= sizeof dir) {
            return;
        }
        memcpy(dir, slash == NULL ? "." : path, n);
        dir[n] = '\0';
        if (access(dir, W_OK) != 0 && (errno == EROFS || errno == EACCES || errno == EPERM)) {
            what = read_only ? "its folder is not writable and it has no -shm file, which "
                               "SQLite needs to read it (until a writer opens it again)"
                             : "its folder is not writable (SQLite keeps its -wal and -shm "
                               "files there)";
            err = errno;
        }
    }
    if (what != NULL) {
        char sqlite_why[sizeof s->errmsg];
        snprintf(sqlite_why, sizeof sqlite_why, "%s", s->errmsg);
        fail_msg(s, RPL_ERR_DB, "read-only database: %s: %s (%s)", what, strerror(err), sqlite_why);
    }
}

rpl_status rpl_store_open(const char *path, const rpl_store_config *cfg, rpl_store **out,
                          char *detail, size_t detail_size)
{
    rpl_store_config defaults = rpl_store_config_default();
    rpl_store *s = NULL;
    rpl_status status = RPL_OK;
    int rc = SQLITE_OK;

    if (out != NULL) {
        *out = NULL;
    }
    if (detail != NULL && detail_size > 0) {
        detail[0] = '\0';
    }
    if (cfg == NULL) {
        cfg = &defaults;
    }
    if (path == NULL || path[0] == '\0' || out == NULL || cfg->busy_timeout_ms < 0 ||
        cfg->busy_timeout_ms > 600000 || cfg->stale_after_s <= 0 || cfg->cache_kib < 256 ||
        cfg->cache_kib > 1048576) {
        if (detail != NULL && detail_size > 0) {
            snprintf(detail, detail_size, "%s", "invalid store path or configuration");
        }
        return RPL_ERR_INVALID_ARG;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    s->stale_after_s = cfg->stale_after_s;
    if (gethostname(s->host, sizeof s->host - 1) != 0) {
        s->host[0] = '\0';
    }

    bool read_only = cfg->read_only;
    status = ensure_file(s, path, cfg->create);
    if (status != RPL_OK) {
        goto fail;
    }
reopen:
    rc = sqlite3_open_v2(
        path, &s->db,
        (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_EXRESCODE, NULL);
    if (rc != SQLITE_OK) {
        status = fail_db(s, rc);
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, cfg->busy_timeout_ms);
    /* Pragmas that change nothing on disk first: a newer file must stay byte for byte. */
    char sql[64]; /* an integer pragma: negative means KiB */
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", cfg->cache_kib);
    status = exec(s, "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;"
                     " PRAGMA synchronous = FULL");
    if (status == RPL_OK) {
        status = exec(s, sql);
    }
    if (status != RPL_OK) {
        goto fail;
    }
    status = read_user_version(s, &s->version);
    if (status != RPL_OK) {
        goto fail;
    }
    if (s->version > RPL_STORE_SCHEMA_VERSION) {
        status = refuse_newer(s, s->version);
        goto fail;
    }
    if (read_only && s->version < RPL_STORE_SCHEMA_VERSION && s->version > 0) {
        /* an older schema: open it for writing, to upgrade it */
        sqlite3_close_v2(s->db);
        s->db = NULL;
        read_only = false;
        goto reopen;
    }
    if (s->version == 0 && !cfg->create) {
        /* an empty file (or another program's database): a reader must not build ours in it */
        status = fail_msg(s, RPL_ERR_NOT_FOUND,
                          "no rappel database in this file (analyze, batch or live create one)");
        goto fail;
    }
    if (!sqlite3_db_readonly(s->db, "main")) {
        status = exec(s, "PRAGMA journal_mode = WAL");
        if (status != RPL_OK) {
            goto fail;
        }
        /* Leave the -wal and -shm files in place when the last writer closes: a reader who may
         * read the file but not write its folder (a supervisor's account) needs them. The WAL
         * is left empty (journal_size_limit 0), so that a database deleted without it cannot
         * have old pages replayed into the new one made under its name. */
        int persist = 1;
        sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
        status = exec(s, "PRAGMA journal_size_limit = 0");
        if (status != RPL_OK) {
            goto fail;
        }
    }
    if (s->version < RPL_STORE_SCHEMA_VERSION) {
        status = migrate(s);
        if (status != RPL_OK) {
            goto fail;
        }
    }
    s->errmsg[0] = '\0';
    *out = s;
    return RPL_OK;

fail:
    if (status == RPL_ERR_DB || status == RPL_ERR_IO) {
        explain_not_writable(s, path, read_only);
    }
    if (detail != NULL && detail_size > 0) {
        snprintf(detail, detail_size, "%s",
                 s->errmsg[0] != '\0' ? s->errmsg : rpl_strerror(status));
    }
    sqlite3_close_v2(s->db);
    free(s);
    return status;
}

void rpl_store_close(rpl_store *store)
{
    if (store == NULL) {
        return;
    }
    if (store->in_txn) {
        exec(store, "ROLLBACK");
    }
    for (size_t i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(store->stmt[i]);
    }
    /* Keep planner statistics fresh for the follow-up list; a read-only file just skips it. */
    sqlite3_exec(store->db, "PRAGMA analysis_limit = 400; PRAGMA optimize", NULL, NULL, NULL);
    sqlite3_close_v2(store->db);
    free(store);
}

const char *rpl_store_errmsg(const rpl_store *store)
{
    return store != NULL ? store->errmsg : "no store";
}

int rpl_store_schema_version(const rpl_store *store)
{
    return store != NULL ? store->version : 0;
}

/* ---- transactions -------------------------------------------------------------------------- */

rpl_status rpl_store_begin(rpl_store *store)
{
    if (store == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    if (store->in_txn) {
        return fail_msg(store, RPL_ERR_INVALID_ARG, "a transaction is already open");
    }
    rpl_status status = exec(store, "BEGIN IMMEDIATE");
    if (status == RPL_OK) {
        store->in_txn = true;
        store->errmsg[0] = '\0';
    }
    return status;
}

rpl_status rpl_store_commit(rpl_store *store)
{
    if (store == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    if (!store->in_txn) {
        return fail_msg(store, RPL_ERR_INVALID_ARG, "no transaction is open");
    }
    rpl_status status = exec(store, "COMMIT");
    if (status != RPL_OK) {
        return status; /* still open (e.g. busy): the caller may retry or roll back */
    }
    store->in_txn = false;
    store->errmsg[0] = '\0';
    return RPL_OK;
}

rpl_status rpl_store_rollback(rpl_store *store)
{
    if (store == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    if (!store->in_txn) {
        return RPL_OK;
    }
    store->in_txn = false;
    if (sqlite3_get_autocommit(store->db)) {
        return RPL_OK; /* SQLite already rolled it back after an error */
    }
    return exec(store, "ROLLBACK");
}

/* ---- writing a call ------------------------------------------------------------------------- */

static rpl_status check_call_id(rpl_store *s, const char *call_id)
{
    if (s == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    s->errmsg[0] = '\0';
    return check_text(s, "call id", call_id, true, RPL_STORE_NAME_MAX);
}

bool rpl_store_is_digest(const char *text)
{
    size_t n = 0;
    while (text[n] != '\0' &&
           ((text[n] >= '0' && text[n] <= '9') || (text[n] >= 'a' && text[n] <= 'f'))) {
        n++;
    }
    return n == 64 && text[n] == '\0';
}

static rpl_status check_call_info(rpl_store *store, const rpl_store_call_info *info)
{
    if (store == NULL || info == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_status status = check_call_id(store, info->id);
    if (status == RPL_OK) {
        status = check_text(store, "source file", info->source_file, false, PATH_MAX);
    }
    if (status == RPL_OK) {
        status = check_text(store, "agent", info->agent, false, RPL_STORE_NAME_MAX);
    }
    if (status == RPL_OK) {
        status = check_text(store, "customer", info->customer, false, RPL_STORE_NAME_MAX);
    }
    if (status == RPL_OK) {
        status = check_text(store, "channel map", info->channel_map, true, RPL_STORE_NAME_MAX);
    }
    if (status == RPL_OK) {
        status = check_text(store, "model version", info->model_version, true, RPL_STORE_NAME_MAX);
    }
    if (status == RPL_OK) {
        status = check_text(store, "start's source", info->started_from, false, 64);
    }
    if (status == RPL_OK && info->started_unix_s < 0) {
        status = fail_msg(store, RPL_ERR_INVALID_ARG, "start time before 1970");
    }
    if (status == RPL_OK && info->audio_sha256 != NULL &&
        !rpl_store_is_digest(info->audio_sha256)) {
        status =
            fail_msg(store, RPL_ERR_INVALID_ARG, "audio digest is not 64 lower-case hex digits");
    }
    return status;
}

/* Bind info to ST_CALL_INSERT or ST_CALL_REDO, which share their parameters; started 0 binds
 * `unknown` (now for a new call, NULL to keep a redone call's). */
static void bind_call_info(const rpl_store *store, sqlite3_stmt *st,
                           const rpl_store_call_info *info, int64_t now, bool unknown_is_null)
{
    bind_text(st, 1, info->id);
    bind_text(st, 2, info->source_file);
    bind_text(st, 3, info->agent);
    bind_text(st, 4, info->customer);
    if (info->started_unix_s != 0) {
        sqlite3_bind_int64(st, 5, info->started_unix_s);
    } else if (unknown_is_null) {
        sqlite3_bind_null(st, 5);
    } else {
        sqlite3_bind_int64(st, 5, now);
    }
    sqlite3_bind_int64(st, 6, now);
    bind_text(st, 7, info->channel_map);
    bind_text(st, 8, info->model_version);
    bind_text(st, 9, store->host[0] != '\0' ? store->host : NULL);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)getpid());
    bind_text(st, 11, info->audio_sha256);
    bind_text(st, 12, info->started_from);
}

/* Inside a transaction: the call's row, new (ST_CALL_INSERT) or analysed again (ST_CALL_REDO). */
static rpl_status put_call_row(rpl_store *store, const rpl_store_call_info *info, bool redo)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = stmt_get(store, redo ? ST_CALL_REDO : ST_CALL_INSERT, &st);
    if (status != RPL_OK) {
        return status;
    }
    bind_call_info(store, st, info, now_unix_s(), redo);
    status = step_done(store, st);
    if (status == RPL_ERR_EXISTS) {
        fail_msg(store, status, "call %s is already stored", info->id);
    } else if (status == RPL_OK && redo && sqlite3_changes(store->db) == 0) {
        status = fail_msg(store, RPL_ERR_NOT_FOUND, "no call %s", info->id);
    }
    return status;
}

rpl_status rpl_store_begin_call(rpl_store *store, const rpl_store_call_info *info)
{
    bool own = false;
    rpl_status status = check_call_info(store, info);
    if (status == RPL_OK) {
        status = txn_enter(store, &own);
    }
    if (status != RPL_OK) {
        return status;
    }
    return txn_leave(store, own, put_call_row(store, info, false));
}

/* Run a write statement whose one parameter is a call id (not prepared for the handle's life). */
static rpl_status run_with_call_id(rpl_store *s, const char *sql, const char *call_id)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, call_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? RPL_OK : fail_db(s, rc);
}

/* An alert a person has worked: moved on from open, or given a history. */
#define WORKED_ALERT                                                                               \
    "(status <> 'open' OR EXISTS (SELECT 1 FROM alert_history h WHERE h.alert_id = alerts.id))"

/* The alerts of a call, by id, in a new array (NULL when none). */
static rpl_status list_kept_alerts(rpl_store *s, const char *call_id, rpl_store_kept_alert **out,
                                   size_t *count)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT id, kind, role, status, t_start_s, t_end_s FROM alerts"
                                " WHERE call_id = ?1 ORDER BY id",
                                -1, &st, NULL);
    rpl_status status = RPL_OK;
    size_t n = 0, cap = 0;
    rpl_store_kept_alert *list = NULL;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, call_id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap == 0 ? 8 : 2 * cap;
                rpl_store_kept_alert *grown = realloc(list, cap * sizeof *list);
                if (grown == NULL) {
                    status = RPL_ERR_NO_MEMORY;
                    break;
                }
                list = grown;
            }
            rpl_store_kept_alert *k = &list[n++];
            memset(k, 0, sizeof *k);
            k->id = sqlite3_column_int64(st, 0);
            rpl_store_kind_parse(col_text(st, 1), &k->kind);
            rpl_store_role_parse(col_text(st, 2), &k->role);
            rpl_store_status_parse(col_text(st, 3), &k->status);
            k->t_start_s = sqlite3_column_double(st, 4);
            k->t_end_s = sqlite3_column_double(st, 5);
        }
        rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (status == RPL_OK && rc != SQLITE_OK) {
        status = fail_db(s, rc);
    }
    if (status != RPL_OK) {
        free(list);
        return status;
    }
    *out = list;
    *count = n;
    return RPL_OK;
}

rpl_status rpl_store_redo_call(rpl_store *store, const rpl_store_call_info *info,
                               rpl_store_kept_alert **kept, size_t *kept_count)
{
    bool own = false;
    *kept = NULL;
    *kept_count = 0;
    rpl_status status = check_call_info(store, info);
    if (status == RPL_OK) {
        status = txn_enter(store, &own);
    }
    if (status != RPL_OK) {
        return status;
    }
    status = put_call_row(store, info, true);
    /* Not hot (a call redone by hand): plain statements. */
    static const char *const clear[] = {
        "DELETE FROM channel_stats WHERE call_id = ?1",
        "DELETE FROM call_cross WHERE call_id = ?1",
        "DELETE FROM timeline WHERE call_id = ?1",
        "DELETE FROM alerts WHERE call_id = ?1 AND NOT " WORKED_ALERT,
    };
    for (size_t i = 0; i < COUNT_OF(clear) && status == RPL_OK; i++) {
        status = run_with_call_id(store, clear[i], info->id);
    }
    if (status == RPL_OK) {
        status = list_kept_alerts(store, info->id, kept, kept_count);
    }
    status = txn_leave(store, own, status);
    if (status != RPL_OK) {
        free(*kept);
        *kept = NULL;
        *kept_count = 0;
    }
    return status;
}

/* Run one of the single-row call updates; RPL_ERR_NOT_FOUND when no row matched. */
static rpl_status update_call(rpl_store *s, enum stmt_id id, const char *call_id, double value,
                              const char *text)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = stmt_get(s, id, &st);
    if (status != RPL_OK) {
        return status;
    }
    bind_text(st, 1, call_id);
    switch (id) {
    case ST_CALL_FINISH:
        sqlite3_bind_double(st, 2, value);
        sqlite3_bind_int64(st, 3, now_unix_s());
        break;
    case ST_CALL_FAIL:
        bind_text(st, 2, text);
        sqlite3_bind_int64(st, 3, now_unix_s());
        break;
    case ST_CALL_TOUCH:
        sqlite3_bind_int64(st, 2, now_unix_s());
        break;
    default:
        break;
    }
    status = step_done(s, st);
    if (status == RPL_OK && sqlite3_changes(s->db) == 0) {
        status = fail_msg(s, RPL_ERR_NOT_FOUND, "no call %s", call_id);
    }
    return status;
}

rpl_status rpl_store_finish_call(rpl_store *store, const char *call_id, double duration_s)
{
    rpl_status status = check_call_id(store, call_id);
    if (status != RPL_OK) {
        return status;
    }
    if (!finite_nonneg(duration_s)) {
        return fail_msg(store, RPL_ERR_INVALID_ARG, "duration must be finite and >= 0 s");
    }
    return update_call(store, ST_CALL_FINISH, call_id, duration_s, NULL);
}

rpl_status rpl_store_fail_call(rpl_store *store, const char *call_id, const char *reason)
{
    rpl_status status = check_call_id(store, call_id);
    if (status == RPL_OK) {
        status = check_text(store, "reason", reason, true, 4096);
    }
    if (status != RPL_OK) {
        return status;
    }
    return update_call(store, ST_CALL_FAIL, call_id, 0.0, reason);
}

rpl_status rpl_store_touch_call(rpl_store *store, const char *call_id)
{
    rpl_status status = check_call_id(store, call_id);
    if (status != RPL_OK) {
        return status;
    }
    return update_call(store, ST_CALL_TOUCH, call_id, 0.0, NULL);
}

rpl_status rpl_store_delete_call(rpl_store *store, const char *call_id)
{
    rpl_status status = check_call_id(store, call_id);
    if (status != RPL_OK) {
        return status;
    }
    return update_call(store, ST_CALL_DELETE, call_id, 0.0, NULL);
}

/* "analysing" in the table, but is its writer still there? */
static rpl_store_call_state derive_state(const rpl_store *s, const char *state, const char *host,
                                         int64_t pid, int64_t updated_unix_s)
{
    if (state == NULL || strcmp(state, "done") == 0) {
        return RPL_STORE_CALL_DONE;
    }
    if (strcmp(state, "failed") == 0) {
        return RPL_STORE_CALL_FAILED;
    }
    if (host != NULL && s->host[0] != '\0' && strcmp(host, s->host) == 0 && pid > 0 &&
        pid <= INT_MAX) {
        if ((pid_t)pid == getpid()) {
            return RPL_STORE_CALL_ANALYSING;
        }
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            return RPL_STORE_CALL_UNFINISHED;
        }
        return RPL_STORE_CALL_ANALYSING;
    }
    if (now_unix_s() - updated_unix_s > s->stale_after_s) {
        return RPL_STORE_CALL_UNFINISHED;
    }
    return RPL_STORE_CALL_ANALYSING;
}

static void read_call(const rpl_store *s, sqlite3_stmt *st, rpl_store_call *c)
{
    c->id = col_text(st, 0);
    c->source_file = col_text(st, 1);
    c->agent = col_text(st, 2);
    c->customer = col_text(st, 3);
    c->channel_map = col_text(st, 4);
    c->model_version = col_text(st, 5);
    c->started_unix_s = sqlite3_column_int64(st, 6);
    c->analysed_unix_s = sqlite3_column_int64(st, 7);
    c->updated_unix_s = sqlite3_column_int64(st, 8);
    c->duration_s = col_real(st, 9);
    c->state = derive_state(s, col_text(st, 10), col_text(st, 12), sqlite3_column_int64(st, 13),
                            c->updated_unix_s);
    c->fail_reason = col_text(st, 11);
    c->alerts = (size_t)sqlite3_column_int64(st, 14);
    c->open_alerts = (size_t)sqlite3_column_int64(st, 15);
    c->has_cross = sqlite3_column_type(st, 16) != SQLITE_NULL;
    c->cross = (rpl_store_cross_stats){
        .dead_air_count = (size_t)sqlite3_column_int64(st, 17),
        .dead_air_s = sqlite3_column_double(st, 18),
        .overtalk_count = (size_t)sqlite3_column_int64(st, 19),
        .overtalk_s = sqlite3_column_double(st, 20),
        .hold_s = sqlite3_column_double(st, 21),
        .customer_latency_mean_s = col_real(st, 22),
        .talk_share_customer = col_real(st, 23),
    };
    c->started_from = col_text(st, 24);
}

rpl_status rpl_store_get_call_state(rpl_store *store, const char *call_id,
                                    rpl_store_call_state *state)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = check_call_id(store, call_id);
    if (status != RPL_OK) {
        return status;
    }
    if (state == NULL) {
        return fail_msg(store, RPL_ERR_INVALID_ARG, "state is NULL");
    }
    status = stmt_get(store, ST_CALL_GET, &st);
    if (status != RPL_OK) {
        return status;
    }
    bind_text(st, 1, call_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        rpl_store_call c;
        read_call(store, st, &c);
        *state = c.state;
    } else if (rc == SQLITE_DONE) {
        status = fail_msg(store, RPL_ERR_NOT_FOUND, "no call %s", call_id);
    } else {
        status = fail_db(store, rc);
    }
    stmt_done(st);
    return status;
}

rpl_status rpl_store_add_channel(rpl_store *store, const char *call_id,
                                 const rpl_store_channel_stats *stats)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = check_call_id(store, call_id);
    if (status != RPL_OK) {
        return status;
    }
    if (stats == NULL ||
        (stats->role != RPL_STORE_ROLE_AGENT && stats->role != RPL_STORE_ROLE_CUSTOMER) ||
        stats->channel < 0 || !finite_nonneg(stats->speech_s) ||
        !finite_nonneg(stats->pause_total_s) || !finite_nonneg(stats->pause_max_s) ||
        stats->pause_count > (size_t)INT64_MAX ||
        !(isnan(stats->f0_median_hz) || finite_nonneg(stats->f0_median_hz)) ||
        !(isnan(stats->f0_sd_st) || finite_nonneg(stats->f0_sd_st)) ||
        !(isnan(stats->speaking_rate_sps) || finite_nonneg(stats->speaking_rate_sps)) ||
        !score_ok(&stats->frustration) || !score_ok(&stats->hesitation) ||
        !score_ok(&stats->fatigue) || !finite_nonneg(stats->music_s)) {
        return fail_msg(store, RPL_ERR_INVALID_ARG,
                        "channel statistics out of range (role agent|customer, channel >= 0,"
                        " durations >= 0, scores in 0..1 or both NaN)");
    }
    status = stmt_get(store, ST_CHANNEL_INSERT, &st);
    if (status != RPL_OK) {
        return status;
    }
    bind_text(st, 1, call_id);
    bind_text(st, 2, rpl_store_role_name(stats->role));
    sqlite3_bind_int(st, 3, stats->channel);
    sqlite3_bind_double(st, 4, stats->speech_s);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)stats->pause_count);
    sqlite3_bind_double(st, 6, stats->pause_total_s);
    sqlite3_bind_double(st, 7, stats->pause_max_s);
    bind_real(st, 8, stats->f0_median_hz);
    bind_real(st, 9, stats->f0_sd_st);
    bind_real(st, 10, stats->speaking_rate_sps);
    bind_real(st, 11, stats->frustration.max);
    bind_real(st, 12, stats->frustration.mean);
    bind_real(st, 13, stats->hesitation.max);
    bind_real(st, 14, stats->hesitation.mean);
    bind_real(st, 15, stats->fatigue.max);
    bind_real(st, 16, stats->fatigue.mean);
    sqlite3_bind_double(st, 17, stats->music_s);
    status = step_done(store, st);
    if (status == RPL_ERR_NOT_FOUND) {
        fail_msg(store, status, "no call %s", call_id);
    } else if (status == RPL_ERR_EXISTS) {
        fail_msg(store, status, "call %s already has %s statistics", call_id,
                 rpl_store_role_name(stats->role));
    }
    return status;
}

rpl_status rpl_store_add_cross(rpl_store *store, const char *call_id,
                               const rpl_store_cross_stats *cross)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = check_call_id(store, call_id);
    if (status != RPL_OK) {
        return status;
    }
    if (cross == NULL || cross->dead_air_count > (size_t)INT64_MAX ||
        cross->overtalk_count > (size_t)INT64_MAX || !finite_nonneg(cross->dead_air_s) ||
        !finite_nonneg(cross->overtalk_s) || !finite_nonneg(cross->hold_s) ||
        !(isnan(cross->customer_latency_mean_s) || finite_nonneg(cross->customer_latency_mean_s)) ||
        !unit_or_nan(cross->talk_share_customer)) {
        return fail_msg(store, RPL_ERR_INVALID_ARG,
                        "cross-party statistics out of range (durations and counts >= 0, share"
                        " in 0..1)");
    }
    status = stmt_get(store, ST_CROSS_INSERT, &st);
    if (status != RPL_OK) {
        return status;
    }
    bind_text(st, 1, call_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)cross->dead_air_count);
    sqlite3_bind_double(st, 3, cross->dead_air_s);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)cross->overtalk_count);
    sqlite3_bind_double(st, 5, cross->overtalk_s);
    sqlite3_bind_double(st, 6, cross->hold_s);
    bind_real(st, 7, cross->customer_latency_mean_s);
    bind_real(st, 8, cross->talk_share_customer);
    status = step_done(store, st);
    if (status == RPL_ERR_NOT_FOUND) {
        fail_msg(store, status, "no call %s", call_id);
    } else if (status == RPL_ERR_EXISTS) {
        fail_msg(store, status, "call %s already has cross-party statistics", call_id);
    }
    return status;
}

rpl_status rpl_store_add_timeline(rpl_store *store, const char *call_id,
                                  const rpl_store_point *points, size_t count)
{
    sqlite3_stmt *st = NULL;
    bool own = false;
    rpl_status status = check_call_id(store, call_id);
    if (status != RPL_OK) {
        return status;
    }
    if (count > 0 && points == NULL) {
        return fail_msg(store, RPL_ERR_INVALID_ARG, "points is NULL");
    }
    for (size_t i = 0; i < count; i++) {
        const rpl_store_point *p = &points[i];
        if (!finite_nonneg(p->t_s) ||
            (p->role != RPL_STORE_ROLE_AGENT && p->role != RPL_STORE_ROLE_CUSTOMER) ||
            isinf(p->f0_st) || isinf(p->energy_db) || !unit_or_nan(p->frustration) ||
            !unit_or_nan(p->hesitation) || !unit_or_nan(p->fatigue)) {
            return fail_msg(store, RPL_ERR_INVALID_ARG, "timeline point %zu out of range", i);
        }
    }
    if (count == 0) {
        return RPL_OK;
    }
    status = txn_enter(store, &own);
    if (status != RPL_OK) {
        return status;
    }
    status = stmt_get(store, ST_POINT_INSERT, &st);
    for (size_t i = 0; status == RPL_OK && i < count; i++) {
        const rpl_store_point *p = &points[i];
        bind_text(st, 1, call_id);
        bind_text(st, 2, rpl_store_role_name(p->role));
        sqlite3_bind_double(st, 3, p->t_s);
        bind_real(st, 4, p->f0_st);
        bind_real(st, 5, p->energy_db);
        sqlite3_bind_int(st, 6, p->speech ? 1 : 0);
        bind_real(st, 7, p->frustration);
        bind_real(st, 8, p->hesitation);
        bind_real(st, 9, p->fatigue);
        status = step_done(store, st);
        if (status == RPL_ERR_NOT_FOUND) {
            fail_msg(store, status, "no call %s", call_id);
        } else if (status == RPL_ERR_EXISTS) {
            fail_msg(store, status, "call %s already has a %s point at %.3f s", call_id,
                     rpl_store_role_name(p->role), p->t_s);
        }
    }
    return txn_leave(store, own, status);
}

/* Evidence is required and a JSON object. */
static rpl_status check_evidence(rpl_store *store, const char *evidence_json)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = check_text(store, "evidence", evidence_json, true, 0);
    if (status == RPL_OK) {
        status = stmt_get(store, ST_EVIDENCE_CHECK, &st);
    }
    if (status != RPL_OK) {
        return status;
    }
    bind_text(st, 1, evidence_json);
    int rc = sqlite3_step(st);
    bool object = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    if (rc != SQLITE_ROW) {
        status = fail_db(store, rc);
    }
    stmt_done(st);
    if (status == RPL_OK && !object) {
        status = fail_msg(store, RPL_ERR_INVALID_ARG, "evidence is not a JSON object");
    }
    return status;
}

/* An alert's fields in range and its evidence a JSON object. */
static rpl_status check_alert(rpl_store *store, const rpl_store_alert_info *alert)
{
    if (alert == NULL || (unsigned)alert->kind >= COUNT_OF(kind_names) ||
        (unsigned)alert->role >= COUNT_OF(role_names) || !finite_nonneg(alert->t_start_s) ||
        !isfinite(alert->t_end_s) || alert->t_end_s < alert->t_start_s || alert->t_start_s > 1e9 ||
        !unit(alert->score) || alert->priority < 0 || alert->priority > 100) {
        return fail_msg(store, RPL_ERR_INVALID_ARG,
                        "alert out of range (0 <= t_start_s <= t_end_s, score in 0..1,"
                        " priority in 0..100)");
    }
    rpl_status status =
        check_text(store, "model version", alert->model_version, true, RPL_STORE_NAME_MAX);
    return status == RPL_OK ? check_evidence(store, alert->evidence_json) : status;
}

rpl_status rpl_store_add_alert(rpl_store *store, const char *call_id,
                               const rpl_store_alert_info *alert, int64_t *alert_id)
{
    sqlite3_stmt *st = NULL;
    bool own = false;
    rpl_status status = check_call_id(store, call_id);
    if (status == RPL_OK) {
        status = check_alert(store, alert);
    }
    if (status != RPL_OK) {
        return status;
    }

    int64_t now = now_unix_s();
    status = txn_enter(store, &own);
    if (status != RPL_OK) {
        return status;
    }
    status = stmt_get(store, ST_ALERT_INSERT, &st);
    if (status != RPL_OK) {
        goto fail;
    }
    bind_text(st, 1, call_id);
    bind_text(st, 2, rpl_store_kind_name(alert->kind));
    bind_text(st, 3, rpl_store_role_name(alert->role));
    sqlite3_bind_double(st, 4, alert->t_start_s);
    sqlite3_bind_double(st, 5, alert->t_end_s);
    sqlite3_bind_double(st, 6, alert->score);
    sqlite3_bind_int(st, 7, alert->priority);
    bind_text(st, 8, alert->evidence_json);
    bind_text(st, 9, alert->model_version);
    sqlite3_bind_int64(st, 10, now);
    status = step_done(store, st);
    if (status != RPL_OK) {
        goto fail;
    }
    if (sqlite3_changes(store->db) == 0) {
        status = fail_msg(store, RPL_ERR_NOT_FOUND, "no call %s", call_id);
        goto fail;
    }
    int64_t id = sqlite3_last_insert_rowid(store->db);
    status = update_call(store, ST_CALL_TOUCH, call_id, 0.0, NULL);
    if (status == RPL_OK && alert_id != NULL) {
        *alert_id = id;
    }
fail:
    return txn_leave(store, own, status);
}

rpl_status rpl_store_update_alert(rpl_store *store, int64_t alert_id, double t_end_s, double score,
                                  const char *evidence_json)
{
    sqlite3_stmt *st = NULL;
    if (store == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    if (!isfinite(t_end_s) || t_end_s > 1e9 || !unit(score)) {
        return fail_msg(store, RPL_ERR_INVALID_ARG,
                        "alert update out of range (t_end_s finite, score in 0..1)");
    }
    rpl_status status = evidence_json != NULL ? check_evidence(store, evidence_json) : RPL_OK;
    if (status == RPL_OK) {
        status = stmt_get(store, ST_ALERT_EXTEND, &st);
    }
    if (status != RPL_OK) {
        return status;
    }
    sqlite3_bind_int64(st, 1, alert_id);
    sqlite3_bind_double(st, 2, t_end_s);
    sqlite3_bind_double(st, 3, score);
    bind_text(st, 4, evidence_json);
    sqlite3_bind_int64(st, 5, now_unix_s());
    status = step_done(store, st);
    if (status == RPL_OK && sqlite3_changes(store->db) == 0) {
        /* Either no such alert or an end before its start: say which. */
        status = stmt_get(store, ST_ALERT_STATUS, &st);
        if (status == RPL_OK) {
            sqlite3_bind_int64(st, 1, alert_id);
            int rc = sqlite3_step(st);
            stmt_done(st);
            status = rc == SQLITE_ROW ? fail_msg(store, RPL_ERR_INVALID_ARG,
                                                 "alert %lld: t_end_s %.3f is before its start",
                                                 (long long)alert_id, t_end_s)
                     : rc == SQLITE_DONE
                         ? fail_msg(store, RPL_ERR_NOT_FOUND, "no alert %lld", (long long)alert_id)
                         : fail_db(store, rc);
        }
    }
    return status;
}

rpl_status rpl_store_renew_alert(rpl_store *store, int64_t alert_id,
                                 const rpl_store_alert_info *alert)
{
    if (store == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_status status = check_alert(store, alert);
    if (status != RPL_OK) {
        return status;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        store->db,
        "UPDATE alerts SET t_start_s = ?2, t_end_s = ?3, score = ?4, priority = ?5,"
        " evidence = ?6, top_cues = " RPL_TOP_CUES_SQL(
            "?6") ", model_version = ?7,"
                  " raised_unix_s = (SELECT c.started_unix_s FROM calls c WHERE c.id = "
                  "alerts.call_id)"
                  " + CAST(?2 AS INTEGER), updated_unix_s = ?8 WHERE id = ?1",
        -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, alert_id);
        sqlite3_bind_double(st, 2, alert->t_start_s);
        sqlite3_bind_double(st, 3, alert->t_end_s);
        sqlite3_bind_double(st, 4, alert->score);
        sqlite3_bind_int(st, 5, alert->priority);
        bind_text(st, 6, alert->evidence_json);
        bind_text(st, 7, alert->model_version);
        sqlite3_bind_int64(st, 8, now_unix_s());
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        return fail_db(store, rc);
    }
    return sqlite3_changes(store->db) == 0
               ? fail_msg(store, RPL_ERR_NOT_FOUND, "no alert %lld", (long long)alert_id)
               : RPL_OK;
}

/* One text column of the first row of a one-parameter query into out (size bytes; "" for
 * NULL); RPL_ERR_NOT_FOUND when no row. */
static rpl_status first_text(rpl_store *s, const char *sql, const char *param, char *out,
                             size_t size)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = RPL_OK;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *text = col_text(st, 0);
            snprintf(out, size, "%s", text != NULL ? text : "");
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            status = RPL_ERR_NOT_FOUND;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc != SQLITE_OK ? fail_db(s, rc) : status;
}

rpl_status rpl_store_call_audio(rpl_store *store, const char *call_id, char sha256_hex[65])
{
    rpl_status status = check_call_id(store, call_id);
    if (status == RPL_OK) {
        status = first_text(store, "SELECT audio_sha256 FROM calls WHERE id = ?1", call_id,
                            sha256_hex, 65);
    }
    return status == RPL_ERR_NOT_FOUND ? fail_msg(store, status, "no call %s", call_id) : status;
}

rpl_status rpl_store_find_audio(rpl_store *store, const char *sha256_hex, char *call_id,
                                size_t size)
{
    if (store == NULL || sha256_hex == NULL || !rpl_store_is_digest(sha256_hex)) {
        return RPL_ERR_INVALID_ARG;
    }
    return first_text(store,
                      "SELECT id FROM calls WHERE audio_sha256 = ?1 AND state = 'done'"
                      " ORDER BY analysed_unix_s, id LIMIT 1",
                      sha256_hex, call_id, size);
}

/* ---- the workflow ---------------------------------------------------------------------------- */

rpl_status rpl_store_set_alert_status(rpl_store *store, int64_t alert_id, rpl_store_alert_status to,
                                      const char *by, const char *note)
{
    sqlite3_stmt *st = NULL;
    bool own = false;
    rpl_store_alert_status from = RPL_STORE_OPEN;

    if (store == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    store->errmsg[0] = '\0';
    if ((unsigned)to >= COUNT_OF(status_names)) {
        return fail_msg(store, RPL_ERR_INVALID_ARG, "unknown status");
    }
    rpl_status status = check_text(store, "by", by, true, RPL_STORE_NAME_MAX);
    if (status == RPL_OK) {
        status = check_text(store, "note", note, false, 65536);
    }
    if (status != RPL_OK) {
        return status;
    }
    status = txn_enter(store, &own);
    if (status != RPL_OK) {
        return status;
    }
    status = stmt_get(store, ST_ALERT_STATUS, &st);
    if (status != RPL_OK) {
        goto fail;
    }
    sqlite3_bind_int64(st, 1, alert_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        status = fail_msg(store, RPL_ERR_NOT_FOUND, "no alert %lld", (long long)alert_id);
    } else if (rc != SQLITE_ROW) {
        status = fail_db(store, rc);
    } else if (!rpl_store_status_parse(col_text(st, 0), &from)) {
        status =
            fail_msg(store, RPL_ERR_DB, "alert %lld has an unknown status", (long long)alert_id);
    }
    stmt_done(st);
    if (status != RPL_OK) {
        goto fail;
    }
    if (!rpl_store_transition_allowed(from, to)) {
        status =
            fail_msg(store, RPL_ERR_TRANSITION,
                     "alert %lld is %s and cannot become %s (allowed: open -> acknowledged"
                     " -> done|dismissed, open -> done|dismissed, and back to open)",
                     (long long)alert_id, rpl_store_status_name(from), rpl_store_status_name(to));
        goto fail;
    }
    int64_t now = now_unix_s();
    status = stmt_get(store, ST_ALERT_UPDATE, &st);
    if (status != RPL_OK) {
        goto fail;
    }
    sqlite3_bind_int64(st, 1, alert_id);
    bind_text(st, 2, rpl_store_status_name(to));
    sqlite3_bind_int64(st, 3, now);
    bind_text(st, 4, by);
    status = step_done(store, st);
    if (status != RPL_OK) {
        goto fail;
    }
    status = stmt_get(store, ST_HISTORY_INSERT, &st);
    if (status != RPL_OK) {
        goto fail;
    }
    sqlite3_bind_int64(st, 1, alert_id);
    bind_text(st, 2, rpl_store_status_name(from));
    bind_text(st, 3, rpl_store_status_name(to));
    bind_text(st, 4, by);
    sqlite3_bind_int64(st, 5, now);
    bind_text(st, 6, note);
    status = step_done(store, st);
fail:
    return txn_leave(store, own, status);
}

/* ---- reading ------------------------------------------------------------------------------- */

rpl_store_filter rpl_store_filter_default(void)
{
    rpl_store_filter f = {.since_unix_s = INT64_MIN, .until_unix_s = INT64_MAX};
    return f;
}

rpl_store_alert_query rpl_store_alert_query_default(void)
{
    rpl_store_alert_query q = {.any_status = false,
                               .status = RPL_STORE_OPEN,
                               .any_kind = true,
                               .kind = RPL_STORE_KIND_FRUSTRATION,
                               .filter = rpl_store_filter_default()};
    return q;
}

rpl_store_call_query rpl_store_call_query_default(void)
{
    rpl_store_call_query q = {.filter = rpl_store_filter_default()};
    return q;
}

static void read_alert(sqlite3_stmt *st, rpl_store_alert *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    a->call_id = col_text(st, 1);
    rpl_store_kind_parse(col_text(st, 2), &a->kind);
    rpl_store_role_parse(col_text(st, 3), &a->role);
    rpl_store_status_parse(col_text(st, 4), &a->status);
    a->t_start_s = sqlite3_column_double(st, 5);
    a->t_end_s = sqlite3_column_double(st, 6);
    a->score = sqlite3_column_double(st, 7);
    a->priority = sqlite3_column_int(st, 8);
    a->evidence_json = col_text(st, 9);
    a->top_cues = col_text(st, 10);
    a->model_version = col_text(st, 11);
    a->assignee = col_text(st, 12);
    a->raised_unix_s = sqlite3_column_int64(st, 13);
    a->created_unix_s = sqlite3_column_int64(st, 14);
    a->updated_unix_s = sqlite3_column_int64(st, 15);
    a->agent = col_text(st, 16);
    a->customer = col_text(st, 17);
    a->source_file = col_text(st, 18);
    a->changed_by = col_text(st, 19);
    a->changed_unix_s = sqlite3_column_int64(st, 20);
    a->change_note = col_text(st, 21);
}

/* The upper bound of the ids that start with prefix: prefix with its last byte plus one (valid
 * UTF-8 never holds 0xff, so there is no carry). The caller frees it. */
static char *prefix_end(const char *prefix)
{
    size_t n = strlen(prefix);
    char *end = malloc(n + 1);
    if (end != NULL) {
        memcpy(end, prefix, n + 1);
        end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
    }
    return end;
}

/* Append a constant SQL fragment. */
static void sql_add(char *sql, size_t size, const char *fragment)
{
    size_t used = strlen(sql);
    snprintf(sql + used, size - used, "%s", fragment);
}

/* The filter's values are usable: a limit SQLite can take, agent and call id valid text. */
static rpl_status check_filter(rpl_store *store, const rpl_store_filter *f, const char *what)
{
    if (f->limit > (size_t)INT64_MAX) {
        return fail_msg(store, RPL_ERR_INVALID_ARG, "invalid %s query", what);
    }
    rpl_status status = check_text(store, "agent", f->agent, false, RPL_STORE_NAME_MAX);
    if (status == RPL_OK) {
        status = check_text(store, "customer", f->customer, false, RPL_STORE_NAME_MAX);
    }
    if (status == RPL_OK && f->call_id != NULL) {
        status = check_text(store, "call id", f->call_id, true, RPL_STORE_NAME_MAX);
    }
    return status;
}

/* Whether one row answers a query of one or two text parameters: one key lookup. */
static rpl_status any_row(rpl_store *store, const char *sql, const char *p1, const char *p2,
                          bool *any)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_count(st) > 1) {
            sqlite3_bind_text(st, 2, p2, -1, SQLITE_STATIC);
        }
        rc = sqlite3_step(st);
        *any = rc == SQLITE_ROW;
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? RPL_OK : fail_db(store, rc);
}

/* The agent, customer and call-id conditions (on calls c); *call_end receives the upper bound of
 * the call-id prefix range, owned by the caller. The call filter is an exact id, else an id
 * prefix, else a recording's path as stored or its file name alone (see rpl_store_filter): call
 * C-1 is never mixed with C-10. */
static rpl_status add_call_conditions(rpl_store *store, char *sql, size_t size,
                                      const rpl_store_filter *f, char **call_end)
{
    if (f->agent != NULL) {
        sql_add(sql, size, " AND c.agent = :agent");
    }
    if (f->customer != NULL) {
        sql_add(sql, size, " AND c.customer = :customer");
    }
    if (f->call_id != NULL) {
        *call_end = prefix_end(f->call_id);
        if (*call_end == NULL) {
            return RPL_ERR_NO_MEMORY;
        }
        bool exact = false, by_prefix = false;
        rpl_status status =
            any_row(store, "SELECT 1 FROM calls WHERE id = ?1", f->call_id, NULL, &exact);
        if (status == RPL_OK && !exact) {
            status = any_row(store, "SELECT 1 FROM calls WHERE id >= ?1 AND id < ?2 LIMIT 1",
                             f->call_id, *call_end, &by_prefix);
        }
        if (status != RPL_OK) {
            return status;
        }
        /* A recording's name has no index: one scan of the calls (not of the alerts), done
         * only when no id matches, so that an id prefix stays a key range. */
        if (exact) {
            sql_add(sql, size, " AND c.id = :call_lo");
        } else if (by_prefix) {
            sql_add(sql, size, " AND c.id >= :call_lo AND c.id < :call_hi");
        } else {
            sql_add(sql, size,
                    " AND c.id IN (SELECT id FROM calls WHERE source_file = :call_lo"
                    " OR substr(source_file, -length(:call_lo) - 1) = '/' || :call_lo)");
        }
    }
    return RPL_OK;
}

/* Bind every filter parameter the statement names (:since :until :agent :customer :call_lo
 * :call_hi :limit). */
static void bind_filter(sqlite3_stmt *st, const rpl_store_filter *f, const char *call_end)
{
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"), f->since_unix_s);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), f->until_unix_s);
    bind_text(st, sqlite3_bind_parameter_index(st, ":agent"), f->agent);
    bind_text(st, sqlite3_bind_parameter_index(st, ":customer"), f->customer);
    bind_text(st, sqlite3_bind_parameter_index(st, ":call_lo"), f->call_id);
    bind_text(st, sqlite3_bind_parameter_index(st, ":call_hi"), call_end);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"),
                       f->limit == 0 ? -1 : (sqlite3_int64)f->limit);
}

/* Whether fewer than RPL_SMALL_WINDOW alerts were raised in [since, until): a capped count on
 * alerts_raised, a few milliseconds at most. */
#define RPL_SMALL_WINDOW 50000
static rpl_status window_is_small(rpl_store *s, int64_t since, int64_t until, bool *small)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = stmt_get(s, ST_WINDOW_COUNT, &st);
    if (status != RPL_OK) {
        return status;
    }
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, until);
    sqlite3_bind_int(st, 3, RPL_SMALL_WINDOW);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *small = sqlite3_column_int(st, 0) < RPL_SMALL_WINDOW;
    } else {
        status = fail_db(s, rc);
    }
    stmt_done(st);
    return status;
}

rpl_status rpl_store_query_alerts(rpl_store *store, const rpl_store_alert_query *q,
                                  rpl_store_alert_fn fn, void *user)
{
    rpl_store_alert_query defaults = rpl_store_alert_query_default();
    sqlite3_stmt *st = NULL;
    char *call_end = NULL;
    char sql[2048] = "SELECT " ALERT_COLUMNS;
    rpl_status status = RPL_OK;
    int rc = SQLITE_OK;

    if (store == NULL || fn == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    store->errmsg[0] = '\0';
    if (q == NULL) {
        q = &defaults;
    }
    /* With an agent, customer or call filter, start from the few matching calls
     * (calls_agent, calls_customer or the primary key, then alerts_call) whatever the
     * planner's statistics say: scanning the follow-up index and looking up every alert's call
     * is hundreds of times slower on a big store. Otherwise the follow-up index gives the
     * order directly. */
    const rpl_store_filter *f = &q->filter;
    bool calls_first = f->agent != NULL || f->customer != NULL || f->call_id != NULL;
    sql_add(sql, sizeof sql,
            calls_first ? " FROM calls c CROSS JOIN alerts a ON a.call_id = c.id" LAST_CHANGE_JOIN
                          " WHERE 1"
                        : " FROM alerts a CROSS JOIN calls c ON c.id = a.call_id" LAST_CHANGE_JOIN
                          " WHERE 1");
    if ((!q->any_status && (unsigned)q->status >= COUNT_OF(status_names)) ||
        (!q->any_kind && (unsigned)q->kind >= COUNT_OF(kind_names))) {
        return fail_msg(store, RPL_ERR_INVALID_ARG, "invalid alert query");
    }
    status = check_filter(store, f, "alert");
    if (status != RPL_OK) {
        return status;
    }
    /* Calls first: a unary + keeps the planner from driving the inner loop by another index.
     * A time window that holds few alerts (the nightly CRM export: --since 24h) is read from
     * alerts_raised and sorted; a wide one walks the follow-up index, which needs no sort. */
    bool by_time = false;
    if (!calls_first && (f->since_unix_s != INT64_MIN || f->until_unix_s != INT64_MAX)) {
        status = window_is_small(store, f->since_unix_s, f->until_unix_s, &by_time);
        if (status != RPL_OK) {
            return status;
        }
    }
    /* Several statuses: a range of the follow-up index's first column, then a bit test. */
    int status_lo = (int)q->status, status_hi = (int)q->status;
    if (!q->any_status && q->statuses != 0) {
        if (q->statuses >= 1u << COUNT_OF(status_names)) {
            return fail_msg(store, RPL_ERR_INVALID_ARG, "invalid alert query");
        }
        status_lo = __builtin_ctz(q->statuses);
        status_hi = 31 - __builtin_clz(q->statuses);
        sql_add(sql, sizeof sql,
                calls_first || by_time ? " AND +a.status_rank BETWEEN :status AND :status_hi"
                                         " AND (:statuses >> a.status_rank) & 1"
                                       : " AND a.status_rank BETWEEN :status AND :status_hi"
                                         " AND (:statuses >> a.status_rank) & 1");
    } else if (!q->any_status) {
        sql_add(sql, sizeof sql,
                calls_first || by_time ? " AND +a.status_rank = :status"
                                       : " AND a.status_rank = :status");
    }
    if (!q->any_kind) {
        sql_add(sql, sizeof sql, " AND a.kind = :kind");
    }
    if (f->since_unix_s != INT64_MIN) {
        sql_add(sql, sizeof sql,
                calls_first ? " AND +a.raised_unix_s >= :since" : " AND a.raised_unix_s >= :since");
    }
    if (f->until_unix_s != INT64_MAX) {
        sql_add(sql, sizeof sql,
                calls_first ? " AND +a.raised_unix_s < :until" : " AND a.raised_unix_s < :until");
    }
    status = add_call_conditions(store, sql, sizeof sql, f, &call_end);
    if (status != RPL_OK) {
        return status;
    }
    sql_add(sql, sizeof sql,
            " ORDER BY a.status_rank, a.priority DESC, a.score DESC, a.raised_unix_s DESC,"
            " a.id DESC LIMIT :limit");
    rc = sqlite3_prepare_v2(store->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        status = fail_db(store, rc);
        goto fail;
    }
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":status"), status_lo);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":status_hi"), status_hi);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":statuses"), (int)q->statuses);
    bind_text(st, sqlite3_bind_parameter_index(st, ":kind"), rpl_store_kind_name(q->kind));
    bind_filter(st, &q->filter, call_end);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rpl_store_alert a;
        read_alert(st, &a);
        if (fn(&a, user) != 0) {
            status = RPL_ERR_INTERRUPTED;
            goto fail;
        }
    }
    if (rc != SQLITE_DONE) {
        status = fail_db(store, rc);
    }
fail:
    sqlite3_finalize(st);
    free(call_end);
    return status;
}

rpl_status rpl_store_get_alert(rpl_store *store, int64_t alert_id, rpl_store_alert_fn fn,
                               void *user)
{
    sqlite3_stmt *st = NULL;
    if (store == NULL || fn == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    store->errmsg[0] = '\0';
    rpl_status status = stmt_get(store, ST_ALERT_GET, &st);
    if (status != RPL_OK) {
        return status;
    }
    sqlite3_bind_int64(st, 1, alert_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        rpl_store_alert a;
        read_alert(st, &a);
        if (fn(&a, user) != 0) {
            status = RPL_ERR_INTERRUPTED;
        }
    } else if (rc == SQLITE_DONE) {
        status = fail_msg(store, RPL_ERR_NOT_FOUND, "no alert %lld", (long long)alert_id);
    } else {
        status = fail_db(store, rc);
    }
    stmt_done(st);
    return status;
}

rpl_status rpl_store_alert_history(rpl_store *store, int64_t alert_id, rpl_store_history_fn fn,
                                   void *user)
{
    sqlite3_stmt *st = NULL;
    if (store == NULL || fn == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    store->errmsg[0] = '\0';
    rpl_status status = stmt_get(store, ST_ALERT_STATUS, &st);
    if (status != RPL_OK) {
        return status;
    }
    sqlite3_bind_int64(st, 1, alert_id);
    int rc = sqlite3_step(st);
    stmt_done(st);
    if (rc == SQLITE_DONE) {
        return fail_msg(store, RPL_ERR_NOT_FOUND, "no alert %lld", (long long)alert_id);
    }
    if (rc != SQLITE_ROW) {
        return fail_db(store, rc);
    }
    status = stmt_get(store, ST_HISTORY_LIST, &st);
    if (status != RPL_OK) {
        return status;
    }
    sqlite3_bind_int64(st, 1, alert_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rpl_store_history_entry e = {.alert_id = sqlite3_column_int64(st, 0),
                                     .by = col_text(st, 3),
                                     .changed_unix_s = sqlite3_column_int64(st, 4),
                                     .note = col_text(st, 5)};
        rpl_store_status_parse(col_text(st, 1), &e.from);
        rpl_store_status_parse(col_text(st, 2), &e.to);
        if (fn(&e, user) != 0) {
            status = RPL_ERR_INTERRUPTED;
            break;
        }
    }
    if (status == RPL_OK && rc != SQLITE_DONE) {
        status = fail_db(store, rc);
    }
    stmt_done(st);
    return status;
}

rpl_status rpl_store_query_calls(rpl_store *store, const rpl_store_call_query *q,
                                 rpl_store_call_fn fn, void *user)
{
    rpl_store_call_query defaults = rpl_store_call_query_default();
    sqlite3_stmt *st = NULL;
    char *call_end = NULL;
    char sql[2048] = "SELECT " CALL_COLUMNS CALL_FROM " WHERE 1";
    rpl_status status = RPL_OK;
    int rc = SQLITE_OK;

    if (store == NULL || fn == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    store->errmsg[0] = '\0';
    if (q == NULL) {
        q = &defaults;
    }
    status = check_filter(store, &q->filter, "call");
    if (status != RPL_OK) {
        return status;
    }
    if (q->filter.since_unix_s != INT64_MIN) {
        sql_add(sql, sizeof sql, " AND c.started_unix_s >= :since");
    }
    if (q->filter.until_unix_s != INT64_MAX) {
        sql_add(sql, sizeof sql, " AND c.started_unix_s < :until");
    }
    status = add_call_conditions(store, sql, sizeof sql, &q->filter, &call_end);
    if (status != RPL_OK) {
        return status;
    }
    sql_add(sql, sizeof sql, " ORDER BY c.started_unix_s DESC, c.id LIMIT :limit");
    rc = sqlite3_prepare_v2(store->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        status = fail_db(store, rc);
        goto fail;
    }
    bind_filter(st, &q->filter, call_end);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rpl_store_call c;
        read_call(store, st, &c);
        if (fn(&c, user) != 0) {
            status = RPL_ERR_INTERRUPTED;
            goto fail;
        }
    }
    if (rc != SQLITE_DONE) {
        status = fail_db(store, rc);
    }
fail:
    sqlite3_finalize(st);
    free(call_end);
    return status;
}

/* RPL_OK when the call exists, RPL_ERR_NOT_FOUND (with a message) when not. */
static rpl_status call_exists(rpl_store *s, const char *call_id)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = stmt_get(s, ST_CALL_EXISTS, &st);
    if (status != RPL_OK) {
        return status;
    }
    bind_text(st, 1, call_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        status = fail_msg(s, RPL_ERR_NOT_FOUND, "no call %s", call_id);
    } else if (rc != SQLITE_ROW) {
        status = fail_db(s, rc);
    }
    stmt_done(st);
    return status;
}

rpl_status rpl_store_each_channel(rpl_store *store, const char *call_id, rpl_store_channel_fn fn,
                                  void *user)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = check_call_id(store, call_id);
    if (status == RPL_OK && fn == NULL) {
        status = fail_msg(store, RPL_ERR_INVALID_ARG, "no callback");
    }
    if (status == RPL_OK) {
        status = call_exists(store, call_id);
    }
    if (status == RPL_OK) {
        status = stmt_get(store, ST_CHANNEL_LIST, &st);
    }
    if (status != RPL_OK) {
        return status;
    }
    bind_text(st, 1, call_id);
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rpl_store_channel_stats c = {
            .channel = sqlite3_column_int(st, 1),
            .speech_s = sqlite3_column_double(st, 2),
            .pause_count = (size_t)sqlite3_column_int64(st, 3),
            .pause_total_s = sqlite3_column_double(st, 4),
            .pause_max_s = sqlite3_column_double(st, 5),
            .f0_median_hz = col_real(st, 6),
            .f0_sd_st = col_real(st, 7),
            .speaking_rate_sps = col_real(st, 8),
            .frustration = {col_real(st, 9), col_real(st, 10)},
            .hesitation = {col_real(st, 11), col_real(st, 12)},
            .fatigue = {col_real(st, 13), col_real(st, 14)},
            .music_s = sqlite3_column_double(st, 15),
        };
        rpl_store_role_parse(col_text(st, 0), &c.role);
        if (fn(&c, user) != 0) {
            status = RPL_ERR_INTERRUPTED;
            break;
        }
    }
    if (status == RPL_OK && rc != SQLITE_DONE) {
        status = fail_db(store, rc);
    }
    stmt_done(st);
    return status;
}

rpl_status rpl_store_each_point(rpl_store *store, const char *call_id, rpl_store_point_fn fn,
                                void *user)
{
    sqlite3_stmt *st = NULL;
    rpl_status status = check_call_id(store, call_id);
    if (status == RPL_OK && fn == NULL) {
        status = fail_msg(store, RPL_ERR_INVALID_ARG, "no callback");
    }
    if (status == RPL_OK) {
        status = call_exists(store, call_id);
    }
    if (status == RPL_OK) {
        status = stmt_get(store, ST_POINT_LIST, &st);
    }
    if (status != RPL_OK) {
        return status;
    }
    bind_text(st, 1, call_id);
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rpl_store_point p = {.t_s = sqlite3_column_double(st, 1),
                             .f0_st = col_real(st, 2),
                             .energy_db = col_real(st, 3),
                             .speech = sqlite3_column_int(st, 4) != 0,
                             .frustration = col_real(st, 5),
                             .hesitation = col_real(st, 6),
                             .fatigue = col_real(st, 7)};
        rpl_store_role_parse(col_text(st, 0), &p.role);
        if (fn(&p, user) != 0) {
            status = RPL_ERR_INTERRUPTED;
            break;
        }
    }
    if (status == RPL_OK && rc != SQLITE_DONE) {
        status = fail_db(store, rc);
    }
    stmt_done(st);
    return status;
}

/* ---- retention ------------------------------------------------------------------------------- */

/* Fill temp.purge_keep with the calls started before before_unix_s whose writer is still at
 * work (a live call: derive_state), which retention must not pull from under it. */
static rpl_status list_calls_being_written(rpl_store *s, int64_t before_unix_s)
{
    rpl_status status = exec(s, "CREATE TEMP TABLE IF NOT EXISTS purge_keep (id TEXT PRIMARY KEY);"
                                "DELETE FROM temp.purge_keep");
    if (status != RPL_OK) {
        return status;
    }
    sqlite3_stmt *st = NULL, *keep = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT id, writer_host, writer_pid, updated_unix_s FROM calls"
                                " WHERE started_unix_s < ?1 AND state = 'analysing'",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(s->db, "INSERT INTO temp.purge_keep VALUES (?1)", -1, &keep, NULL);
    }
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, before_unix_s);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (derive_state(s, "analysing", col_text(st, 1), sqlite3_column_int64(st, 2),
                             sqlite3_column_int64(st, 3)) != RPL_STORE_CALL_ANALYSING) {
                continue;
            }
            sqlite3_bind_text(keep, 1, col_text(st, 0), -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(keep);
            sqlite3_reset(keep);
            if (rc != SQLITE_DONE) {
                break;
            }
        }
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(keep);
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? RPL_OK : fail_db(s, rc);
}

rpl_status rpl_store_purge(rpl_store *store, int64_t before_unix_s, bool dry_run,
                           rpl_store_purge_counts *counts)
{
    sqlite3_stmt *st = NULL;
    bool own = false;
    if (store == NULL || counts == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    store->errmsg[0] = '\0';
    memset(counts, 0, sizeof *counts);
    rpl_status status = txn_enter(store, &own);
    if (status != RPL_OK) {
        return status;
    }
    status = list_calls_being_written(store, before_unix_s);
    if (status == RPL_OK) {
        status = stmt_get(store, ST_PURGE_COUNT, &st);
    }
    if (status != RPL_OK) {
        goto fail;
    }
    sqlite3_bind_int64(st, 1, before_unix_s);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        counts->calls = (size_t)sqlite3_column_int64(st, 0);
        counts->channels = (size_t)sqlite3_column_int64(st, 1);
        counts->points = (size_t)sqlite3_column_int64(st, 2);
        counts->alerts = (size_t)sqlite3_column_int64(st, 3);
        counts->history = (size_t)sqlite3_column_int64(st, 4);
        counts->unworked_alerts = (size_t)sqlite3_column_int64(st, 5);
        counts->being_written = (size_t)sqlite3_column_int64(st, 6);
    } else {
        status = fail_db(store, rc);
    }
    stmt_done(st);
    if (status != RPL_OK || dry_run || counts->calls == 0) {
        goto fail;
    }
    status = stmt_get(store, ST_PURGE_DELETE, &st);
    if (status != RPL_OK) {
        goto fail;
    }
    sqlite3_bind_int64(st, 1, before_unix_s);
    status = step_done(store, st);
fail:
    if (dry_run) {
        /* Nothing was written: end our read-write transaction without committing anything. */
        return txn_leave(store, own, status == RPL_OK ? RPL_ERR_INTERRUPTED : status) ==
                       RPL_ERR_INTERRUPTED
                   ? RPL_OK
                   : status;
    }
    status = txn_leave(store, own, status);
    if (status == RPL_OK && own && !dry_run && counts->calls > 0) {
        /* Old page images of the deleted rows may linger in the WAL: fold it into the database
         * (whose freed pages secure_delete zeroed) and truncate it. Best effort: a reader may
         * hold it open. */
        sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
    return status;
}
