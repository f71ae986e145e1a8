/* Tests for the CRM store (include/rappel/store.h, src/store_sqlite.c) on real SQLite files and
 * real processes: schema creation and migration from every earlier version (tests/data/
 * store_v<N>.sql), refusal of newer versions, file mode, the workflow, queries, purge, WAL
 * readers against a long writer, two writers, and SIGKILL in the middle of writing. SQLite is
 * used directly only to inspect or doctor files, never to stand in for the store. */
#include "rappel/store.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef RPL_TEST_DATA_DIR
#error "RPL_TEST_DATA_DIR must name tests/data"
#endif

#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static void sleep_us(long us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

typedef struct {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "/tmp/rpl_store_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/rappel.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) {
        return -1;
    }
    free(f);
    return 0;
}

static rpl_store *open_ok(const char *path)
{
    rpl_store *s = NULL;
    char detail[256];
    rpl_status st = rpl_store_open(path, NULL, &s, detail, sizeof detail);
    if (st != RPL_OK) {
        fail_msg("rpl_store_open(%s): %s: %s", path, rpl_strerror(st), detail);
    }
    return s;
}

static void begin_call(rpl_store *s, const char *id, const char *agent, int64_t started)
{
    rpl_store_call_info info = {.id = id,
                                .source_file = "calls/x.wav",
                                .agent = agent,
                                .customer = "Zoë O'Brien",
                                .started_unix_s = started,
                                .channel_map = "agent=0,customer=1",
                                .model_version = "test-model 1"};
    rpl_status st = rpl_store_begin_call(s, &info);
    if (st != RPL_OK) {
        fail_msg("begin_call %s: %s", id, rpl_store_errmsg(s));
    }
}

static int64_t add_alert(rpl_store *s, const char *call, rpl_store_kind kind, double t_start_s,
                         double score, int priority)
{
    rpl_store_alert_info a = {.kind = kind,
                              .role = RPL_STORE_ROLE_CUSTOMER,
                              .t_start_s = t_start_s,
                              .t_end_s = t_start_s + 5.0,
                              .score = score,
                              .priority = priority,
                              .evidence_json = "{\"cues\":[{\"name\":\"f0_rise\",\"value\":4.2},"
                                               "\"energy_up\",{\"name\":\"rate_up\"},"
                                               "{\"name\":\"fourth\"}]}",
                              .model_version = "test-model 1"};
    int64_t id = -1;
    rpl_status st = rpl_store_add_alert(s, call, &a, &id);
    if (st != RPL_OK) {
        fail_msg("add_alert: %s", rpl_store_errmsg(s));
    }
    return id;
}

/* Run one SQL query on a raw connection and return the first column of the first row as
 * text (static buffer), or "" when there is no row. */
static const char *raw_query(const char *path, const char *sql)
{
    static char out[4096];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fail_msg("raw_exec: %s", err);
    }
    sqlite3_close(db);
}

static char *read_file(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *size = (size_t)n;
    return buf;
}

/* A normalized description of the schema (columns with types, constraints as far as
 * table_xinfo shows them, indexes with their columns and order), to compare a migrated
 * database with a fresh one. Caller frees. */
static char *schema_signature(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    size_t cap = 65536;
    size_t used = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    const char *sql =
        "SELECT m.type || ' ' || m.name || ' ' || coalesce((SELECT group_concat(x.name || ':' ||"
        " x.type || ':' || x.\"notnull\" || ':' || coalesce(x.dflt_value, '-') || ':' || x.pk ||"
        " ':' || x.hidden, ',') FROM pragma_table_xinfo(m.name) x), '') || ' ' ||"
        " coalesce((SELECT group_concat(i.name || ':' || i.desc || ':' || i.key, ',') FROM"
        " pragma_index_xinfo(m.name) i), '')"
        " FROM sqlite_schema m WHERE m.name NOT LIKE 'sqlite_autoindex%' ORDER BY m.type, m.name";
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        used += (size_t)snprintf(out + used, cap - used, "%s\n", sqlite3_column_text(st, 0));
        assert_true(used < cap);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/* ---- names, codes, workflow table ----------------------------------------------------------- */

/* File names as text: UTF-8 kept byte for byte; every byte outside a valid sequence read as
 * Latin-1, so the result is valid UTF-8 the store accepts. */
static void test_text_from_bytes(void **state)
{
    (void)state;
    const struct {
        const char *in, *out;
        bool changed;
    } cases[] = {
        {"calls/monday.wav", "calls/monday.wav", false},
        {"Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x93\x9e.wav",
         "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x93\x9e.wav", false},
        {"M\xfcller.wav", "M\xc3\xbcller.wav", true}, /* Latin-1 u-umlaut */
        {"a\x80"
         "b",
         "a\xc2\x80"
         "b",
         true},                                             /* stray continuation byte */
        {"\xc0\xaf", "\xc3\x80\xc2\xaf", true},             /* overlong '/' */
        {"\xed\xa0\x80", "\xc3\xad\xc2\xa0\xc2\x80", true}, /* a surrogate */
        {"end\xe2\x82", "end\xc3\xa2\xc2\x82", true},       /* cut short */
        {"", "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool changed = !cases[i].changed;
        char *got = rpl_store_text_from_bytes(cases[i].in, &changed);
        assert_non_null(got);
        assert_string_equal(got, cases[i].out);
        assert_int_equal(changed, cases[i].changed);
        free(got);
    }
}

static void test_names_and_codes(void **state)
{
    (void)state;
    for (int i = 0; i < rpl_status_count(); i++) {
        assert_string_not_equal(rpl_strerror(rpl_status_at(i)), "unknown status");
    }
    assert_string_equal(rpl_strerror(RPL_ERR_EXISTS), "already exists");
    for (int k = 0; k <= RPL_STORE_KIND_OVERTALK; k++) {
        rpl_store_kind back;
        assert_true(rpl_store_kind_parse(rpl_store_kind_name((rpl_store_kind)k), &back));
        assert_int_equal(back, k);
    }
    for (int k = 0; k <= RPL_STORE_DISMISSED; k++) {
        rpl_store_alert_status back;
        assert_true(
            rpl_store_status_parse(rpl_store_status_name((rpl_store_alert_status)k), &back));
        assert_int_equal(back, k);
    }
    rpl_store_kind kind;
    assert_false(rpl_store_kind_parse("Frustration", &kind));
    assert_false(rpl_store_kind_parse("", &kind));
    assert_false(rpl_store_kind_parse(NULL, &kind));
    assert_string_equal(rpl_store_kind_name((rpl_store_kind)99), "?");
    assert_string_equal(rpl_store_call_state_name(RPL_STORE_CALL_UNFINISHED), "unfinished");

    /* allowed[from][to] */
    static const bool allowed[4][4] = {
        {false, true, true, true},
        {true, false, true, true},
        {true, false, false, false},
        {true, false, false, false},
    };
    for (int from = 0; from < 4; from++) {
        for (int to = 0; to < 4; to++) {
            assert_int_equal(rpl_store_transition_allowed((rpl_store_alert_status)from,
                                                          (rpl_store_alert_status)to),
                             allowed[from][to]);
        }
    }
}

/* ---- creation, version, files --------------------------------------------------------------- */

static void test_create_mode_and_pragmas(void **state)
{
    fixture *f = *state;
    mode_t old = umask(0);
    rpl_store *s = open_ok(f->path);
    umask(old);
    assert_int_equal(rpl_store_schema_version(s), RPL_STORE_SCHEMA_VERSION);
    begin_call(s, "c1", "alice", 1700000000);
    add_alert(s, "c1", RPL_STORE_KIND_FRUSTRATION, 1.0, 0.5, 0);

    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_equal(stat(wal, &sb), 0); /* WAL mode: the log exists while the store is open */
    assert_int_equal(sb.st_mode & 0777, 0600);
    rpl_store_close(s);

    assert_string_equal(raw_query(f->path, "PRAGMA journal_mode"), "wal");
    char version[16];
    snprintf(version, sizeof version, "%d", RPL_STORE_SCHEMA_VERSION);
    assert_string_equal(raw_query(f->path, "PRAGMA user_version"), version);
    /* STRICT tables refuse a wrong type; CHECKs hold. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE alerts SET score = 'high'", NULL, NULL, NULL) & 0xff,
                     SQLITE_CONSTRAINT);
    assert_int_equal(sqlite3_exec(db, "UPDATE alerts SET status = 'lost'", NULL, NULL, NULL) & 0xff,
                     SQLITE_CONSTRAINT);
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM sqlite_schema WHERE type ="
                                           " 'table' AND sql LIKE '%STRICT%'"),
                        "6");
    sqlite3_close(db);

    /* Reopening an existing file does not migrate or change it. */
    s = open_ok(f->path);
    rpl_store_close(s);
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM alerts"), "1");
}

static void test_refuses_newer_version(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    begin_call(s, "c1", "alice", 1700000000);
    rpl_store_close(s);
    raw_exec(f->path, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA user_version = 99");
    size_t n_before = 0;
    size_t n_after = 0;
    char *before = read_file(f->path, &n_before);

    char detail[256];
    rpl_status st = rpl_store_open(f->path, NULL, &s, detail, sizeof detail);
    assert_int_equal(st, RPL_ERR_DB_VERSION);
    assert_null(s);
    assert_non_null(strstr(detail, "99"));
    assert_non_null(strstr(detail, "newer"));

    char *after = read_file(f->path, &n_after);
    assert_int_equal(n_before, n_after);
    assert_memory_equal(before, after, n_before);
    free(before);
    free(after);
}

static void test_migrates_every_earlier_version(void **state)
{
    fixture *f = *state;
    char fresh[160];
    snprintf(fresh, sizeof fresh, "%s/fresh.db", f->dir);
    rpl_store_close(open_ok(fresh));
    char *want = schema_signature(fresh);

    for (int v = 1; v <= RPL_STORE_SCHEMA_VERSION; v++) {
        char fixture_path[512];
        char db_path[160];
        size_t n = 0;
        snprintf(fixture_path, sizeof fixture_path, "%s/store_v%d.sql", RPL_TEST_DATA_DIR, v);
        snprintf(db_path, sizeof db_path, "%s/v%d.db", f->dir, v);
        char *sql = read_file(fixture_path, &n);
        raw_exec(db_path, sql);
        free(sql);
        char version[16];
        snprintf(version, sizeof version, "%d", v);
        assert_string_equal(raw_query(db_path, "PRAGMA user_version"), version);
        if (v < 4) {
            /* A silent channel, stored with 0 scores before version 4: it must come out with
             * none. (v4's fixture has such a row with NULLs already.) */
            raw_exec(db_path, "INSERT INTO channel_stats (call_id, role, channel, speech_s,"
                              " pause_count, pause_total_s, pause_max_s, frustration_max,"
                              " frustration_mean, hesitation_max, hesitation_mean, fatigue_max,"
                              " fatigue_mean) VALUES ('live-0042', 'customer', 1, 0.0, 0, 0.0,"
                              " 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)");
        }

        rpl_store *s = open_ok(db_path);
        assert_int_equal(rpl_store_schema_version(s), RPL_STORE_SCHEMA_VERSION);
        rpl_store_close(s);
        char *got = schema_signature(db_path);
        if (strcmp(got, want) != 0) {
            fail_msg("schema of migrated v%d differs from a fresh one:\n--- migrated\n%s"
                     "--- fresh\n%s",
                     v, got, want);
        }
        free(got);

        /* The fixtures' rows survive, and what v2 added is filled in. */
        assert_string_equal(raw_query(db_path, "SELECT count(*) FROM alerts"), "3");
        assert_string_equal(raw_query(db_path, "SELECT top_cues FROM alerts WHERE id = 1"),
                            "f0_rise, energy_up, rate_up");
        assert_string_equal(raw_query(db_path, "SELECT top_cues FROM alerts WHERE id = 2"),
                            "long_pauses, fillers");
        assert_string_equal(raw_query(db_path, "SELECT coalesce(top_cues, 'none') FROM alerts"
                                               " WHERE id = 3"),
                            "none");
        assert_string_equal(raw_query(db_path, "SELECT note FROM alert_history WHERE id = 1"),
                            "calling back \"today\"; it's urgent");
        assert_string_equal(raw_query(db_path, "SELECT count(*) FROM calls WHERE"
                                               " updated_unix_s >= analysed_unix_s"),
                            "2");
        assert_string_equal(raw_query(db_path, "SELECT customer FROM calls WHERE agent ="
                                               " 'alice'"),
                            "Müller GmbH");
        /* What v3 added: music (0 before it was measured) and cross-party rows (none). */
        assert_string_equal(raw_query(db_path, "SELECT sum(music_s) FROM channel_stats"),
                            v < 3 ? "0.0" : "42.5");
        assert_string_equal(raw_query(db_path, "SELECT count(*) FROM call_cross"),
                            v < 3 ? "0" : "1");
        /* What v4 changed: a channel no window scored has no scores; the others keep theirs. */
        assert_string_equal(raw_query(db_path,
                                      "SELECT count(*) FROM channel_stats WHERE"
                                      " call_id = 'live-0042' AND coalesce(frustration_max,"
                                      " frustration_mean, hesitation_max, hesitation_mean,"
                                      " fatigue_max, fatigue_mean) IS NULL"),
                            "1");
        assert_string_equal(raw_query(db_path, "SELECT frustration_max FROM channel_stats WHERE"
                                               " role = 'customer' AND call_id <> 'live-0042'"),
                            "0.91");
        /* What v5 added: a recorded call's digest id is its audio's digest; a live call has
         * none. */
        assert_string_equal(raw_query(db_path, "SELECT group_concat(id) FROM calls WHERE"
                                               " audio_sha256 = id"),
                            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assert_string_equal(raw_query(db_path, "SELECT count(*) FROM calls WHERE"
                                               " audio_sha256 IS NULL"),
                            "1");
        assert_string_equal(raw_query(db_path, "PRAGMA integrity_check"), "ok");
        assert_string_equal(raw_query(db_path, "SELECT count(*) FROM pragma_foreign_key_check"),
                            "0");

        /* And the store works on it: the workflow goes on, ids are not reused. */
        s = open_ok(db_path);
        assert_int_equal(rpl_store_set_alert_status(s, 1, RPL_STORE_DONE, "dave", NULL), RPL_OK);
        assert_int_equal(add_alert(s, "live-0042", RPL_STORE_KIND_OVERTALK, 50.0, 0.4, 0), 4);
        rpl_store_close(s);
    }
    free(want);
}

static void test_bad_files(void **state)
{
    fixture *f = *state;
    rpl_store *s = NULL;
    char detail[256];

    /* Not a database: refused, and left exactly as it was. */
    const char text[] = "call,agent\n1,alice\n"
                        "this is a CSV file, not SQLite, and it is long enough to have a header"
                        " ------------------------------------------------------------------\n";
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fwrite(text, 1, sizeof text - 1, fp);
    fclose(fp);
    assert_int_equal(rpl_store_open(f->path, NULL, &s, detail, sizeof detail), RPL_ERR_DB);
    assert_null(s);
    assert_non_null(strstr(detail, "not a database"));
    size_t n = 0;
    char *after = read_file(f->path, &n);
    assert_int_equal(n, sizeof text - 1);
    assert_memory_equal(after, text, n);
    free(after);

    /* Someone else's SQLite database: not ours to build on. */
    char other[160];
    snprintf(other, sizeof other, "%s/other.db", f->dir);
    raw_exec(other, "CREATE TABLE t (x)");
    assert_int_equal(rpl_store_open(other, NULL, &s, detail, sizeof detail), RPL_ERR_DB);
    assert_non_null(strstr(detail, "not a rappel database"));
    assert_string_equal(raw_query(other, "SELECT count(*) FROM sqlite_schema"), "1");

    /* A missing folder. */
    char missing[200];
    snprintf(missing, sizeof missing, "%s/no/such/folder/rappel.db", f->dir);
    assert_int_equal(rpl_store_open(missing, NULL, &s, detail, sizeof detail), RPL_ERR_IO);
    assert_non_null(strstr(detail, "No such file"));

    /* Not creating: a missing file stays missing. */
    char absent[160];
    snprintf(absent, sizeof absent, "%s/absent.db", f->dir);
    rpl_store_config cfg = rpl_store_config_default();
    cfg.create = false;
    assert_int_equal(rpl_store_open(absent, &cfg, &s, detail, sizeof detail), RPL_ERR_NOT_FOUND);
    assert_int_equal(access(absent, F_OK), -1);
    /* ... and an empty file stays empty (SQLite would take it for an empty database) */
    char empty[160];
    snprintf(empty, sizeof empty, "%s/empty.db", f->dir);
    fp = fopen(empty, "wb");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(rpl_store_open(empty, &cfg, &s, detail, sizeof detail), RPL_ERR_NOT_FOUND);
    assert_non_null(strstr(detail, "no rappel database"));
    free(read_file(empty, &n));
    assert_int_equal(n, 0);

    /* A folder is not a file. */
    assert_int_equal(rpl_store_open(f->dir, NULL, &s, NULL, 0), RPL_ERR_IO);

    /* Invalid arguments. */
    assert_int_equal(rpl_store_open(NULL, NULL, &s, NULL, 0), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_open("", NULL, &s, NULL, 0), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_open(absent, NULL, NULL, NULL, 0), RPL_ERR_INVALID_ARG);
    cfg = rpl_store_config_default();
    cfg.busy_timeout_ms = -1;
    assert_int_equal(rpl_store_open(absent, &cfg, &s, NULL, 0), RPL_ERR_INVALID_ARG);
    cfg = rpl_store_config_default();
    cfg.cache_kib = 255;
    assert_int_equal(rpl_store_open(absent, &cfg, &s, NULL, 0), RPL_ERR_INVALID_ARG);
    cfg.cache_kib = RPL_STORE_APPEND_CACHE_KIB;
    assert_int_equal(rpl_store_open(absent, &cfg, &s, NULL, 0), RPL_OK);
    rpl_store_close(s);
    rpl_store_close(NULL);
}

/* ---- writing and reading a call ------------------------------------------------------------- */

typedef struct {
    size_t n;
    rpl_store_channel_stats ch[4];
    rpl_store_point pt[8];
    rpl_store_alert alert;
    char cues[128];
    char evidence[512];
    char customer[64];
    int64_t ids[64];
    rpl_store_call call;
    char call_id[64];
} collect;

static int collect_channel(const rpl_store_channel_stats *c, void *user)
{
    collect *k = user;
    if (k->n < 4) {
        k->ch[k->n] = *c;
    }
    k->n++;
    return 0;
}

static int collect_point(const rpl_store_point *p, void *user)
{
    collect *k = user;
    if (k->n < 8) {
        k->pt[k->n] = *p;
    }
    k->n++;
    return 0;
}

static int collect_alert(const rpl_store_alert *a, void *user)
{
    collect *k = user;
    if (k->n == 0) {
        k->alert = *a;
        snprintf(k->cues, sizeof k->cues, "%s", a->top_cues != NULL ? a->top_cues : "(null)");
        snprintf(k->evidence, sizeof k->evidence, "%s", a->evidence_json);
        snprintf(k->customer, sizeof k->customer, "%s", a->customer ? a->customer : "(null)");
        k->alert.top_cues = k->alert.evidence_json = k->alert.customer = NULL;
        k->alert.call_id = k->alert.agent = k->alert.source_file = NULL;
        k->alert.model_version = k->alert.assignee = NULL;
    }
    if (k->n < 64) {
        k->ids[k->n] = a->id;
    }
    k->n++;
    return 0;
}

static int collect_call(const rpl_store_call *c, void *user)
{
    collect *k = user;
    if (k->n == 0) {
        k->call = *c;
        snprintf(k->call_id, sizeof k->call_id, "%s", c->id);
        k->call.id = k->call.source_file = k->call.agent = k->call.customer = NULL;
        k->call.channel_map = k->call.model_version = k->call.fail_reason = NULL;
    }
    k->n++;
    return 0;
}

/* How many alerts q lists (the query must succeed). */
static size_t listed_alerts(rpl_store *s, const rpl_store_alert_query *q)
{
    collect k = {0};
    assert_int_equal(rpl_store_query_alerts(s, q, collect_alert, &k), RPL_OK);
    return k.n;
}

static int stop_at_once(const rpl_store_alert *a, void *user)
{
    (void)a;
    (void)user;
    return 1;
}

static void test_call_round_trip(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    rpl_store_call_state cs;
    assert_int_equal(rpl_store_get_call_state(s, "c1", &cs), RPL_ERR_NOT_FOUND);
    begin_call(s, "c1", "alice", 1700000000);
    assert_int_equal(rpl_store_get_call_state(s, "c1", &cs), RPL_OK);
    assert_int_equal(cs, RPL_STORE_CALL_ANALYSING);

    rpl_store_channel_stats ch = {.role = RPL_STORE_ROLE_CUSTOMER,
                                  .channel = 1,
                                  .speech_s = 100.5,
                                  .pause_count = 7,
                                  .pause_total_s = 12.25,
                                  .pause_max_s = 3.5,
                                  .f0_median_hz = (double)NAN,
                                  .f0_sd_st = 2.5,
                                  .speaking_rate_sps = 4.1,
                                  .frustration = {0.9, 0.3},
                                  .hesitation = {0.5, 0.2},
                                  .fatigue = {0.1, 0.05},
                                  .music_s = 42.5};
    assert_int_equal(rpl_store_add_channel(s, "c1", &ch), RPL_OK);
    assert_int_equal(rpl_store_add_channel(s, "c1", &ch), RPL_ERR_EXISTS);
    assert_int_equal(rpl_store_add_channel(s, "nope", &ch), RPL_ERR_NOT_FOUND);
    ch.role = RPL_STORE_ROLE_BOTH;
    assert_int_equal(rpl_store_add_channel(s, "c1", &ch), RPL_ERR_INVALID_ARG);
    ch.role = RPL_STORE_ROLE_AGENT;
    ch.frustration.max = 1.5;
    assert_int_equal(rpl_store_add_channel(s, "c1", &ch), RPL_ERR_INVALID_ARG);
    ch.frustration.max = 0.5;
    ch.music_s = -1.0;
    assert_int_equal(rpl_store_add_channel(s, "c1", &ch), RPL_ERR_INVALID_ARG);
    /* A channel no window scored has no scores, as a pair: half a pair is refused. */
    ch.music_s = 0.0;
    ch.channel = 0;
    ch.hesitation.max = (double)NAN;
    assert_int_equal(rpl_store_add_channel(s, "c1", &ch), RPL_ERR_INVALID_ARG);
    ch.frustration = ch.hesitation = ch.fatigue = (rpl_store_score){(double)NAN, (double)NAN};
    assert_int_equal(rpl_store_add_channel(s, "c1", &ch), RPL_OK);

    /* What passed between the parties: one row per call, NAN latency and share allowed. */
    rpl_store_cross_stats cross = {.dead_air_count = 2,
                                   .dead_air_s = 9.5,
                                   .overtalk_count = 3,
                                   .overtalk_s = 4.25,
                                   .hold_s = 42.5,
                                   .customer_latency_mean_s = (double)NAN,
                                   .talk_share_customer = 0.55};
    assert_int_equal(rpl_store_add_cross(s, "nope", &cross), RPL_ERR_NOT_FOUND);
    cross.talk_share_customer = 1.5;
    assert_int_equal(rpl_store_add_cross(s, "c1", &cross), RPL_ERR_INVALID_ARG);
    cross.talk_share_customer = 0.55;
    cross.hold_s = -1.0;
    assert_int_equal(rpl_store_add_cross(s, "c1", &cross), RPL_ERR_INVALID_ARG);
    cross.hold_s = 42.5;
    assert_int_equal(rpl_store_add_cross(s, "c1", &cross), RPL_OK);
    assert_int_equal(rpl_store_add_cross(s, "c1", &cross), RPL_ERR_EXISTS);

    rpl_store_point pts[3] = {
        {.t_s = 0.0,
         .role = RPL_STORE_ROLE_CUSTOMER,
         .f0_st = (double)NAN,
         .energy_db = -60.0,
         .speech = false,
         .frustration = (double)NAN,
         .hesitation = 0.0,
         .fatigue = 0.0},
        {.t_s = 1.0,
         .role = RPL_STORE_ROLE_CUSTOMER,
         .f0_st = 2.5,
         .energy_db = -20.0,
         .speech = true,
         .frustration = 0.4,
         .hesitation = 0.1,
         .fatigue = 0.0},
        {.t_s = 1.0,
         .role = RPL_STORE_ROLE_AGENT,
         .f0_st = -1.0,
         .energy_db = -25.0,
         .speech = true,
         .frustration = 0.0,
         .hesitation = 0.0,
         .fatigue = 0.2},
    };
    assert_int_equal(rpl_store_add_timeline(s, "c1", pts, 3), RPL_OK);
    /* All or nothing: a duplicate point in the batch stores none of it. */
    rpl_store_point more[2] = {pts[0], pts[1]};
    more[0].t_s = 2.0;
    assert_int_equal(rpl_store_add_timeline(s, "c1", more, 2), RPL_ERR_EXISTS);
    assert_int_equal(rpl_store_add_timeline(s, "c1", NULL, 0), RPL_OK);
    more[0].frustration = 2.0;
    assert_int_equal(rpl_store_add_timeline(s, "c1", more, 1), RPL_ERR_INVALID_ARG);

    collect k = {0};
    assert_int_equal(rpl_store_each_point(s, "c1", collect_point, &k), RPL_OK);
    assert_int_equal(k.n, 3);
    assert_int_equal(k.pt[0].role, RPL_STORE_ROLE_AGENT);
    assert_true(isnan(k.pt[1].f0_st));
    assert_true(isnan(k.pt[1].frustration));
    assert_false(k.pt[1].speech);
    assert_near(k.pt[2].f0_st, 2.5, 1e-12);
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_each_channel(s, "c1", collect_channel, &k), RPL_OK);
    assert_int_equal(k.n, 2);
    assert_int_equal(k.ch[0].role, RPL_STORE_ROLE_AGENT);
    assert_true(isnan(k.ch[0].frustration.max) && isnan(k.ch[0].fatigue.mean));
    assert_true(isnan(k.ch[1].f0_median_hz));
    assert_int_equal(k.ch[1].pause_count, 7);
    assert_near(k.ch[1].frustration.max, 0.9, 1e-12);
    assert_near(k.ch[1].music_s, 42.5, 1e-12);
    assert_int_equal(rpl_store_each_channel(s, "nope", collect_channel, &k), RPL_ERR_NOT_FOUND);

    int64_t id = add_alert(s, "c1", RPL_STORE_KIND_HESITATION, 75.5, 0.75, 3);
    assert_true(id > 0);
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_get_alert(s, id, collect_alert, &k), RPL_OK);
    assert_int_equal(k.n, 1);
    assert_int_equal(k.alert.kind, RPL_STORE_KIND_HESITATION);
    assert_int_equal(k.alert.status, RPL_STORE_OPEN);
    assert_int_equal(k.alert.priority, 3);
    assert_int_equal(k.alert.raised_unix_s, 1700000075);
    assert_string_equal(k.cues, "f0_rise, energy_up, rate_up");
    assert_string_equal(k.customer, "Zoë O'Brien");
    assert_non_null(strstr(k.evidence, "\"value\":4.2"));
    assert_int_equal(rpl_store_get_alert(s, id + 100, collect_alert, &k), RPL_ERR_NOT_FOUND);
    assert_int_equal(rpl_store_get_alert(s, id, stop_at_once, NULL), RPL_ERR_INTERRUPTED);

    /* Bad alerts. */
    rpl_store_alert_info bad = {.kind = RPL_STORE_KIND_FATIGUE,
                                .role = RPL_STORE_ROLE_AGENT,
                                .t_start_s = 5.0,
                                .t_end_s = 4.0,
                                .score = 0.5,
                                .evidence_json = "{}",
                                .model_version = "m"};
    assert_int_equal(rpl_store_add_alert(s, "c1", &bad, NULL), RPL_ERR_INVALID_ARG);
    bad.t_end_s = 6.0;
    bad.score = (double)NAN;
    assert_int_equal(rpl_store_add_alert(s, "c1", &bad, NULL), RPL_ERR_INVALID_ARG);
    bad.score = 0.5;
    bad.evidence_json = "{\"cues\": [";
    assert_int_equal(rpl_store_add_alert(s, "c1", &bad, NULL), RPL_ERR_INVALID_ARG);
    bad.evidence_json = "[1, 2]";
    assert_int_equal(rpl_store_add_alert(s, "c1", &bad, NULL), RPL_ERR_INVALID_ARG);
    bad.evidence_json = "{}";
    bad.kind = (rpl_store_kind)9;
    assert_int_equal(rpl_store_add_alert(s, "c1", &bad, NULL), RPL_ERR_INVALID_ARG);
    bad.kind = RPL_STORE_KIND_FATIGUE;
    bad.priority = 101;
    assert_int_equal(rpl_store_add_alert(s, "c1", &bad, NULL), RPL_ERR_INVALID_ARG);
    bad.priority = 0;
    assert_int_equal(rpl_store_add_alert(s, "nope", &bad, NULL), RPL_ERR_NOT_FOUND);
    assert_int_equal(rpl_store_add_alert(s, "c1", &bad, NULL), RPL_OK);

    /* Bad calls. */
    rpl_store_call_info info = {.id = "c1", .channel_map = "customer=0", .model_version = "m"};
    assert_int_equal(rpl_store_begin_call(s, &info), RPL_ERR_EXISTS);
    info.id = "";
    assert_int_equal(rpl_store_begin_call(s, &info), RPL_ERR_INVALID_ARG);
    info.id = "bad\xff utf8";
    assert_int_equal(rpl_store_begin_call(s, &info), RPL_ERR_INVALID_ARG);
    info.id = "c2";
    info.model_version = NULL;
    assert_int_equal(rpl_store_begin_call(s, &info), RPL_ERR_INVALID_ARG);
    info.model_version = "m";
    info.agent = "\xc0\xaf"; /* overlong '/' */
    assert_int_equal(rpl_store_begin_call(s, &info), RPL_ERR_INVALID_ARG);
    info.agent = NULL;
    assert_int_equal(rpl_store_begin_call(s, &info), RPL_OK);
    assert_int_equal(rpl_store_finish_call(s, "c2", -1.0), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_finish_call(s, "c3", 1.0), RPL_ERR_NOT_FOUND);
    assert_int_equal(rpl_store_fail_call(s, "c2", ""), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_fail_call(s, "c2", "decoder gave up"), RPL_OK);
    assert_int_equal(rpl_store_get_call_state(s, "c2", &cs), RPL_OK);
    assert_int_equal(cs, RPL_STORE_CALL_FAILED);

    assert_int_equal(rpl_store_finish_call(s, "c1", 312.5), RPL_OK);
    assert_int_equal(rpl_store_get_call_state(s, "c1", &cs), RPL_OK);
    assert_int_equal(cs, RPL_STORE_CALL_DONE);

    rpl_store_call_query cq = rpl_store_call_query_default();
    cq.filter.call_id = "c1";
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_calls(s, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.call_id, "c1");
    assert_int_equal(k.call.alerts, 2);
    assert_int_equal(k.call.open_alerts, 2);
    assert_near(k.call.duration_s, 312.5, 1e-9);
    assert_int_equal(k.call.started_unix_s, 1700000000);
    assert_true(k.call.has_cross);
    assert_int_equal(k.call.cross.dead_air_count, 2);
    assert_near(k.call.cross.overtalk_s, 4.25, 1e-12);
    assert_near(k.call.cross.hold_s, 42.5, 1e-12);
    assert_true(isnan(k.call.cross.customer_latency_mean_s));
    assert_near(k.call.cross.talk_share_customer, 0.55, 1e-12);

    /* A failed call is redone by deleting it first; everything hanging off it goes. */
    assert_int_equal(rpl_store_delete_call(s, "c1"), RPL_OK);
    assert_int_equal(rpl_store_delete_call(s, "c1"), RPL_ERR_NOT_FOUND);
    rpl_store_close(s);
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM alerts"), "0");
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM timeline"), "0");
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM channel_stats"), "0");
}

static void test_batch_transaction(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    assert_int_equal(rpl_store_commit(s), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_begin(s), RPL_OK);
    assert_int_equal(rpl_store_begin(s), RPL_ERR_INVALID_ARG);
    begin_call(s, "batch-1", "alice", 1700000000);
    add_alert(s, "batch-1", RPL_STORE_KIND_FRUSTRATION, 1.0, 0.5, 0);
    assert_int_equal(rpl_store_rollback(s), RPL_OK);
    rpl_store_call_state cs;
    assert_int_equal(rpl_store_get_call_state(s, "batch-1", &cs), RPL_ERR_NOT_FOUND);

    assert_int_equal(rpl_store_begin(s), RPL_OK);
    begin_call(s, "batch-1", "alice", 1700000000);
    add_alert(s, "batch-1", RPL_STORE_KIND_FRUSTRATION, 1.0, 0.5, 0);
    /* A failure inside the transaction does not end it: the caller decides. */
    assert_int_equal(rpl_store_finish_call(s, "other", 1.0), RPL_ERR_NOT_FOUND);
    assert_int_equal(rpl_store_finish_call(s, "batch-1", 10.0), RPL_OK);
    assert_int_equal(rpl_store_commit(s), RPL_OK);
    assert_int_equal(rpl_store_get_call_state(s, "batch-1", &cs), RPL_OK);
    assert_int_equal(cs, RPL_STORE_CALL_DONE);
    /* Closing with an open transaction rolls it back. */
    assert_int_equal(rpl_store_begin(s), RPL_OK);
    begin_call(s, "batch-2", "alice", 1700000000);
    rpl_store_close(s);
    assert_string_equal(raw_query(f->path, "SELECT group_concat(id) FROM calls"), "batch-1");
}

/* ---- workflow ------------------------------------------------------------------------------- */

typedef struct {
    size_t n;
    rpl_store_history_entry e[8];
    char notes[8][256];
    char by[8][64];
} history;

static int collect_history(const rpl_store_history_entry *e, void *user)
{
    history *h = user;
    if (h->n < 8) {
        h->e[h->n] = *e;
        snprintf(h->notes[h->n], sizeof h->notes[0], "%s", e->note ? e->note : "(null)");
        snprintf(h->by[h->n], sizeof h->by[0], "%s", e->by);
    }
    h->n++;
    return 0;
}

static void test_workflow_every_transition(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    begin_call(s, "w", "alice", 1700000000);
    for (int from = 0; from < 4; from++) {
        for (int to = 0; to < 4; to++) {
            int64_t id = add_alert(s, "w", RPL_STORE_KIND_FATIGUE, 1.0, 0.5, 0);
            size_t steps = 0;
            if (from == RPL_STORE_ACKNOWLEDGED || from == RPL_STORE_DONE ||
                from == RPL_STORE_DISMISSED) {
                if (from != RPL_STORE_ACKNOWLEDGED && (from + to) % 2 == 0) {
                    /* reach done/dismissed through acknowledged half of the time */
                    assert_int_equal(
                        rpl_store_set_alert_status(s, id, RPL_STORE_ACKNOWLEDGED, "u", NULL),
                        RPL_OK);
                    steps++;
                }
                assert_int_equal(
                    rpl_store_set_alert_status(s, id, (rpl_store_alert_status)from, "u", NULL),
                    RPL_OK);
                steps++;
            }
            rpl_status st = rpl_store_set_alert_status(s, id, (rpl_store_alert_status)to, "v", "n");
            bool ok = rpl_store_transition_allowed((rpl_store_alert_status)from,
                                                   (rpl_store_alert_status)to);
            assert_int_equal(st, ok ? RPL_OK : RPL_ERR_TRANSITION);
            if (!ok) {
                assert_non_null(strstr(rpl_store_errmsg(s), "cannot become"));
            }
            history h = {0};
            assert_int_equal(rpl_store_alert_history(s, id, collect_history, &h), RPL_OK);
            assert_int_equal(h.n, steps + (ok ? 1 : 0));
            collect k = {0};
            assert_int_equal(rpl_store_get_alert(s, id, collect_alert, &k), RPL_OK);
            assert_int_equal(k.alert.status, ok ? to : from);
        }
    }
    assert_int_equal(rpl_store_set_alert_status(s, 9999, RPL_STORE_DONE, "v", NULL),
                     RPL_ERR_NOT_FOUND);
    history h = {0};
    assert_int_equal(rpl_store_alert_history(s, 9999, collect_history, &h), RPL_ERR_NOT_FOUND);
    assert_int_equal(rpl_store_set_alert_status(s, 1, (rpl_store_alert_status)7, "v", NULL),
                     RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_set_alert_status(s, 1, RPL_STORE_DONE, "", NULL),
                     RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_set_alert_status(s, 1, RPL_STORE_DONE, NULL, NULL),
                     RPL_ERR_INVALID_ARG);
    rpl_store_close(s);
}

static void test_workflow_notes_verbatim(void **state)
{
    fixture *f = *state;
    static const char *const notes[] = {
        "customer said \"never again\"; it's the 3rd time",
        "line one\nline two\r\n\ttabbed",
        "'); DROP TABLE alerts; --",
        "Rückruf morgen — 顧客 😊",
    };
    rpl_store *s = open_ok(f->path);
    begin_call(s, "n", "alice", 1700000000);
    int64_t a = add_alert(s, "n", RPL_STORE_KIND_FRUSTRATION, 1.0, 0.9, 0);
    int64_t b = add_alert(s, "n", RPL_STORE_KIND_FRUSTRATION, 2.0, 0.9, 0);
    assert_int_equal(
        rpl_store_set_alert_status(s, a, RPL_STORE_ACKNOWLEDGED, "Jean-Loïc", notes[0]), RPL_OK);
    assert_int_equal(rpl_store_set_alert_status(s, a, RPL_STORE_DONE, "o'hara", notes[1]), RPL_OK);
    assert_int_equal(rpl_store_set_alert_status(s, b, RPL_STORE_ACKNOWLEDGED, "x", notes[2]),
                     RPL_OK);
    assert_int_equal(rpl_store_set_alert_status(s, b, RPL_STORE_DISMISSED, "y", notes[3]), RPL_OK);
    assert_int_equal(rpl_store_set_alert_status(s, b, RPL_STORE_DISMISSED, "y", NULL),
                     RPL_ERR_TRANSITION);
    assert_int_equal(rpl_store_set_alert_status(s, b, RPL_STORE_DONE, "y", "bad \xed\xa0\x80"),
                     RPL_ERR_INVALID_ARG);

    history h = {0};
    assert_int_equal(rpl_store_alert_history(s, a, collect_history, &h), RPL_OK);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.notes[0], notes[0]);
    assert_string_equal(h.notes[1], notes[1]);
    assert_string_equal(h.by[0], "Jean-Loïc");
    assert_string_equal(h.by[1], "o'hara");
    assert_int_equal(h.e[0].from, RPL_STORE_OPEN);
    assert_int_equal(h.e[0].to, RPL_STORE_ACKNOWLEDGED);
    assert_int_equal(h.e[1].from, RPL_STORE_ACKNOWLEDGED);
    assert_int_equal(h.e[1].to, RPL_STORE_DONE);
    assert_true(llabs(h.e[1].changed_unix_s - (int64_t)time(NULL)) < 60);
    memset(&h, 0, sizeof h);
    assert_int_equal(rpl_store_alert_history(s, b, collect_history, &h), RPL_OK);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.notes[0], notes[2]);
    assert_string_equal(h.notes[1], notes[3]);
    rpl_store_close(s);
    assert_string_equal(raw_query(f->path, "SELECT assignee FROM alerts WHERE id = 1"),
                        "Jean-Loïc");
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM alerts"), "2");
}

/* ---- the follow-up list --------------------------------------------------------------------- */

static void test_query_order_and_filters(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    begin_call(s, "call-a", "alice", 1700000000);
    begin_call(s, "call-b", "bob", 1700086400);
    int64_t a1 = add_alert(s, "call-a", RPL_STORE_KIND_FRUSTRATION, 10.0, 0.60, 0);
    int64_t a2 = add_alert(s, "call-a", RPL_STORE_KIND_HESITATION, 20.0, 0.90, 0);
    int64_t a3 = add_alert(s, "call-a", RPL_STORE_KIND_FRUSTRATION, 30.0, 0.60, 0);
    int64_t b1 = add_alert(s, "call-b", RPL_STORE_KIND_FRUSTRATION, 10.0, 0.30, 5);
    int64_t b2 = add_alert(s, "call-b", RPL_STORE_KIND_FATIGUE, 40.0, 0.99, 0);
    int64_t b3 = add_alert(s, "call-b", RPL_STORE_KIND_DEAD_AIR, 50.0, 0.95, 0);
    assert_int_equal(rpl_store_set_alert_status(s, b2, RPL_STORE_ACKNOWLEDGED, "u", NULL), RPL_OK);
    assert_int_equal(rpl_store_set_alert_status(s, b3, RPL_STORE_DISMISSED, "u", NULL), RPL_OK);

    collect k = {0};
    assert_int_equal(rpl_store_query_alerts(s, NULL, collect_alert, &k), RPL_OK);
    /* open only; priority first, then score, then the more recent */
    int64_t want_open[] = {b1, a2, a3, a1};
    assert_int_equal(k.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(k.ids[i], want_open[i]);
    }

    rpl_store_alert_query q = rpl_store_alert_query_default();
    q.any_status = true;
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_alerts(s, &q, collect_alert, &k), RPL_OK);
    int64_t want_all[] = {b1, a2, a3, a1, b2, b3};
    assert_int_equal(k.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(k.ids[i], want_all[i]);
    }

    q.filter.limit = 2;
    assert_int_equal(listed_alerts(s, &q), 2);

    q = rpl_store_alert_query_default();
    q.any_kind = false;
    q.kind = RPL_STORE_KIND_FRUSTRATION;
    assert_int_equal(listed_alerts(s, &q), 3);

    q.filter.agent = "alice";
    assert_int_equal(listed_alerts(s, &q), 2);
    q.filter.agent = "nobody";
    assert_int_equal(listed_alerts(s, &q), 0);
    /* a customer's alerts across their calls (both calls are Zoë's) */
    q.filter.agent = NULL;
    q.filter.customer = "Zo\xc3\xab O'Brien";
    assert_int_equal(listed_alerts(s, &q), 3);
    q.filter.agent = "alice";
    assert_int_equal(listed_alerts(s, &q), 2);
    q.filter.agent = NULL;
    q.filter.customer = "Zoe O'Brien";
    assert_int_equal(listed_alerts(s, &q), 0);
    q.filter.customer = "\xc0\xaf"; /* not UTF-8 */
    assert_int_equal(rpl_store_query_alerts(s, &q, collect_alert, &k), RPL_ERR_INVALID_ARG);
    q.filter.customer = NULL;

    q = rpl_store_alert_query_default();
    q.status = RPL_STORE_ACKNOWLEDGED;
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_alerts(s, &q, collect_alert, &k), RPL_OK);
    assert_int_equal(k.n, 1);
    assert_int_equal(k.ids[0], b2);

    /* several statuses: open and dismissed, in the list's order; through a call filter too */
    q.statuses = 1u << RPL_STORE_OPEN | 1u << RPL_STORE_DISMISSED;
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_alerts(s, &q, collect_alert, &k), RPL_OK);
    int64_t want_set[] = {b1, a2, a3, a1, b3};
    assert_int_equal(k.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(k.ids[i], want_set[i]);
    }
    q.filter.agent = "bob";
    assert_int_equal(listed_alerts(s, &q), 2);
    q.filter.agent = NULL;
    q.statuses = 1u << 7;
    assert_int_equal(rpl_store_query_alerts(s, &q, collect_alert, &k), RPL_ERR_INVALID_ARG);

    /* since/until on when it happened: call start + offset */
    q = rpl_store_alert_query_default();
    q.filter.since_unix_s = 1700000020;
    q.filter.until_unix_s = 1700000031;
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_alerts(s, &q, collect_alert, &k), RPL_OK);
    assert_int_equal(k.n, 2);
    assert_int_equal(k.ids[0], a2);
    assert_int_equal(k.ids[1], a3);

    /* call id or prefix; "call-" matches both, "call-b" one, "call-c" none */
    q = rpl_store_alert_query_default();
    q.any_status = true;
    q.filter.call_id = "call-";
    assert_int_equal(listed_alerts(s, &q), 6);
    q.filter.call_id = "call-b";
    assert_int_equal(listed_alerts(s, &q), 3);
    q.filter.call_id = "call-c";
    assert_int_equal(listed_alerts(s, &q), 0);
    /* or the recording both calls came from ("calls/x.wav"): its path as stored or its file
     * name, whole; not a part of a name, nor a name cut at no folder boundary */
    const char *names[] = {"calls/x.wav", "x.wav", "x.wa", "s/x.wav", "alls/x.wav", "X.WAV"};
    const size_t expect[] = {6, 6, 0, 0, 0, 0};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        q.filter.call_id = names[i];
        memset(&k, 0, sizeof k);
        assert_int_equal(rpl_store_query_alerts(s, &q, collect_alert, &k), RPL_OK);
        assert_int_equal(k.n, expect[i]);
    }
    q.filter.call_id = "";
    assert_int_equal(rpl_store_query_alerts(s, &q, collect_alert, &k), RPL_ERR_INVALID_ARG);
    q.filter.call_id = NULL;
    q.filter.agent = "' OR 1=1 --";
    assert_int_equal(listed_alerts(s, &q), 0);
    assert_int_equal(rpl_store_query_alerts(s, NULL, stop_at_once, NULL), RPL_ERR_INTERRUPTED);

    rpl_store_call_query cq = rpl_store_call_query_default();
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_calls(s, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.call_id, "call-b"); /* most recent first */
    assert_int_equal(k.call.alerts, 3);
    assert_int_equal(k.call.open_alerts, 1);
    cq.filter.since_unix_s = 1700086400;
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_calls(s, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.n, 1);
    cq = rpl_store_call_query_default();
    cq.filter.agent = "alice";
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_calls(s, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.call_id, "call-a");
    cq.filter.agent = NULL;
    cq.filter.customer = "Zo\xc3\xab O'Brien";
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_calls(s, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.n, 2);
    cq.filter.customer = "' OR 1=1 --";
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_calls(s, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.n, 0);

    /* An id that starts with the filter wins over a recording of that name: "x.wav" is now a
     * prefix of the id "x.wav-live" (no alerts), so it no longer names the calls of x.wav. */
    begin_call(s, "x.wav-live", "carol", 1600000000);
    q = rpl_store_alert_query_default();
    q.any_status = true;
    q.filter.call_id = "x.wav";
    assert_int_equal(listed_alerts(s, &q), 0);
    cq = rpl_store_call_query_default();
    cq.filter.call_id = "x.wav";
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_calls(s, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.call_id, "x.wav-live");

    /* An exact id names that call alone, though it starts another id: "call-b" is not also
     * "call-b0" (C-1 is not C-10); "call-b0" still matches the first characters of its id. */
    begin_call(s, "call-b0", "bob", 1700090000);
    add_alert(s, "call-b0", RPL_STORE_KIND_FRUSTRATION, 10.0, 0.70, 0);
    q.filter.call_id = "call-b";
    assert_int_equal(listed_alerts(s, &q), 3);
    q.filter.call_id = "call-b0";
    assert_int_equal(listed_alerts(s, &q), 1);
    q.filter.call_id = "call-";
    assert_int_equal(listed_alerts(s, &q), 7);
    cq.filter.call_id = "call-b";
    memset(&k, 0, sizeof k);
    assert_int_equal(rpl_store_query_calls(s, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.call_id, "call-b");
    rpl_store_close(s);
}

/* ---- retention ------------------------------------------------------------------------------ */

static void test_purge(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    begin_call(s, "old", "alice", 1600000000);
    begin_call(s, "new", "alice", 1700000000);
    rpl_store_point p = {.t_s = 0.0,
                         .role = RPL_STORE_ROLE_CUSTOMER,
                         .f0_st = 1.0,
                         .energy_db = -20.0,
                         .speech = true};
    assert_int_equal(rpl_store_add_timeline(s, "old", &p, 1), RPL_OK);
    assert_int_equal(rpl_store_add_timeline(s, "new", &p, 1), RPL_OK);
    int64_t a = add_alert(s, "old", RPL_STORE_KIND_FRUSTRATION, 1.0, 0.5, 0);
    add_alert(s, "old", RPL_STORE_KIND_FRUSTRATION, 2.0, 0.5, 0);
    int64_t last = add_alert(s, "new", RPL_STORE_KIND_FRUSTRATION, 1.0, 0.5, 0);
    assert_int_equal(rpl_store_set_alert_status(s, a, RPL_STORE_DONE, "u", "called"), RPL_OK);

    /* A call still being written (this process, just now) is not purged under its writer. */
    rpl_store_purge_counts c;
    assert_int_equal(rpl_store_purge(s, 1650000000, true, &c), RPL_OK);
    assert_int_equal(c.calls, 0);
    assert_int_equal(c.being_written, 1);
    assert_int_equal(rpl_store_finish_call(s, "old", 60.0), RPL_OK);

    assert_int_equal(rpl_store_purge(s, 1650000000, true, &c), RPL_OK);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.being_written, 0);
    assert_int_equal(c.alerts, 2);
    assert_int_equal(c.unworked_alerts, 1); /* one of the two is done */
    assert_int_equal(c.history, 1);
    assert_int_equal(c.points, 1);
    assert_int_equal(c.channels, 0);
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM calls"), "2");

    assert_int_equal(rpl_store_purge(s, 1650000000, false, &c), RPL_OK);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.alerts, 2);
    assert_string_equal(raw_query(f->path, "SELECT group_concat(id) FROM calls"), "new");
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM alert_history"), "0");
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM timeline"), "1");
    assert_int_equal(rpl_store_purge(s, 1650000000, false, &c), RPL_OK);
    assert_int_equal(c.calls, 0);
    assert_int_equal(rpl_store_purge(s, 1650000000, false, NULL), RPL_ERR_INVALID_ARG);

    /* Purging everything never lets an alert id come back: a CRM may hold the old ones. A call
     * left "analysing" by a writer that stopped writing long ago goes too. */
    raw_exec(f->path, "UPDATE calls SET writer_host = 'elsewhere', updated_unix_s = 1000 WHERE"
                      " id = 'new'");
    assert_int_equal(rpl_store_purge(s, INT64_MAX, false, &c), RPL_OK);
    assert_int_equal(c.calls, 1);
    begin_call(s, "again", "alice", 1700000000);
    assert_true(add_alert(s, "again", RPL_STORE_KIND_FRUSTRATION, 1.0, 0.5, 0) > last);
    rpl_store_close(s);
    assert_string_equal(raw_query(f->path, "PRAGMA integrity_check"), "ok");
}

/* ---- processes ------------------------------------------------------------------------------- */

static void write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            _exit(90);
        }
        p += w;
        n -= (size_t)w;
    }
}

static bool read_byte(int fd, char *c)
{
    for (;;) {
        ssize_t r = read(fd, c, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        return r == 1;
    }
}

static size_t count_alerts(rpl_store *s, bool *ok)
{
    collect k = {0};
    rpl_store_alert_query q = rpl_store_alert_query_default();
    q.any_status = true;
    *ok = rpl_store_query_alerts(s, &q, collect_alert, &k) == RPL_OK;
    return k.n;
}

static void test_reader_never_blocked_by_writer(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    begin_call(s, "live", "alice", 1700000000);
    add_alert(s, "live", RPL_STORE_KIND_FRUSTRATION, 1.0, 0.5, 0);
    rpl_store_close(s);

    int to_parent[2];
    int to_child[2];
    assert_int_equal(pipe(to_parent), 0);
    assert_int_equal(pipe(to_child), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(to_parent[0]);
        close(to_child[1]);
        rpl_store *w = NULL;
        if (rpl_store_open(f->path, NULL, &w, NULL, 0) != RPL_OK || rpl_store_begin(w) != RPL_OK) {
            _exit(10);
        }
        rpl_store_alert_info a = {.kind = RPL_STORE_KIND_FATIGUE,
                                  .role = RPL_STORE_ROLE_AGENT,
                                  .t_start_s = 2.0,
                                  .t_end_s = 3.0,
                                  .score = 0.7,
                                  .evidence_json = "{}",
                                  .model_version = "m"};
        for (int i = 0; i < 200; i++) {
            if (rpl_store_add_alert(w, "live", &a, NULL) != RPL_OK) {
                _exit(11);
            }
        }
        write_all(to_parent[1], "w", 1); /* the long transaction is open and dirty */
        char c;
        if (!read_byte(to_child[0], &c)) {
            _exit(12);
        }
        if (rpl_store_commit(w) != RPL_OK) {
            _exit(13);
        }
        rpl_store_close(w);
        write_all(to_parent[1], "c", 1);
        _exit(0);
    }
    close(to_parent[1]);
    close(to_child[0]);
    char c = 0;
    assert_true(read_byte(to_parent[0], &c));
    assert_int_equal(c, 'w');

    /* busy_timeout 0: if the reader had to wait for the writer it would fail at once. */
    rpl_store_config cfg = rpl_store_config_default();
    cfg.busy_timeout_ms = 0;
    rpl_store *r = NULL;
    assert_int_equal(rpl_store_open(f->path, &cfg, &r, NULL, 0), RPL_OK);
    bool ok = false;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t n = count_alerts(r, &ok);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(ok);
    assert_int_equal(n, 1); /* only what was committed */
    rpl_store_call_query cq = rpl_store_call_query_default();
    collect k = {0};
    assert_int_equal(rpl_store_query_calls(r, &cq, collect_call, &k), RPL_OK);
    assert_int_equal(k.call.alerts, 1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    print_message("reader listed alerts in %.2f ms while a writer held a transaction\n", ms);

    write_all(to_child[1], "go", 1);
    assert_true(read_byte(to_parent[0], &c));
    assert_int_equal(c, 'c');
    int wstatus = 0;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);
    n = count_alerts(r, &ok);
    assert_true(ok);
    assert_int_equal(n, 201);
    rpl_store_close(r);
    close(to_parent[0]);
    close(to_child[1]);
}

static void test_two_writers_wait(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    begin_call(s, "live", "alice", 1700000000);
    rpl_store_close(s);

    int to_parent[2];
    assert_int_equal(pipe(to_parent), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(to_parent[0]);
        rpl_store *w = NULL;
        if (rpl_store_open(f->path, NULL, &w, NULL, 0) != RPL_OK || rpl_store_begin(w) != RPL_OK) {
            _exit(10);
        }
        write_all(to_parent[1], "w", 1);
        sleep_us(600 * 1000); /* hold the write lock for 0.6 s */
        if (rpl_store_commit(w) != RPL_OK) {
            _exit(13);
        }
        rpl_store_close(w);
        _exit(0);
    }
    close(to_parent[1]);
    char c = 0;
    assert_true(read_byte(to_parent[0], &c));

    /* A writer that may not wait fails cleanly with BUSY, and stores nothing. */
    rpl_store_config cfg = rpl_store_config_default();
    cfg.busy_timeout_ms = 0;
    rpl_store *impatient = NULL;
    assert_int_equal(rpl_store_open(f->path, &cfg, &impatient, NULL, 0), RPL_OK);
    rpl_store_alert_info a = {.kind = RPL_STORE_KIND_OVERTALK,
                              .role = RPL_STORE_ROLE_BOTH,
                              .t_start_s = 2.0,
                              .t_end_s = 3.0,
                              .score = 0.7,
                              .evidence_json = "{}",
                              .model_version = "m"};
    assert_int_equal(rpl_store_add_alert(impatient, "live", &a, NULL), RPL_ERR_DB_BUSY);
    assert_non_null(strstr(rpl_store_errmsg(impatient), "locked"));
    rpl_store_close(impatient);

    /* One with the default busy timeout waits for the other and succeeds. */
    rpl_store *patient = open_ok(f->path);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t id = 0;
    assert_int_equal(rpl_store_add_alert(patient, "live", &a, &id), RPL_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("second writer waited %.3f s\n", waited);
    assert_true(waited > 0.2);
    assert_int_equal(id, 1);
    rpl_store_close(patient);
    int wstatus = 0;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
    close(to_parent[0]);
}

static void test_sigkill_loses_no_committed_alert(void **state)
{
    fixture *f = *state;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    const char *env = getenv("RPL_TEST_SEED");
    if (env != NULL) {
        seed = (unsigned)strtoul(env, NULL, 10);
    }
    print_message("crash test seed %u (set RPL_TEST_SEED to repeat)\n", seed);
    srand(seed);

    rpl_store_close(open_ok(f->path));
    size_t total_reported = 0;
    for (int round = 0; round < 12; round++) {
        char call_id[32];
        snprintf(call_id, sizeof call_id, "live-%d", round);
        int to_parent[2];
        assert_int_equal(pipe(to_parent), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(to_parent[0]);
            rpl_store *w = NULL;
            if (rpl_store_open(f->path, NULL, &w, NULL, 0) != RPL_OK) {
                _exit(10);
            }
            rpl_store_call_info info = {.id = call_id,
                                        .channel_map = "agent=0,customer=1",
                                        .model_version = "m",
                                        .started_unix_s = 1700000000};
            if (rpl_store_begin_call(w, &info) != RPL_OK) {
                _exit(11);
            }
            write_all(to_parent[1], "B", 1);
            for (int i = 0;; i++) {
                rpl_store_alert_info a = {.kind = (rpl_store_kind)(i % 5),
                                          .role = RPL_STORE_ROLE_CUSTOMER,
                                          .t_start_s = i,
                                          .t_end_s = i + 1,
                                          .score = 0.5,
                                          .evidence_json = "{\"cues\":[\"x\"]}",
                                          .model_version = "m"};
                int64_t id = 0;
                if (rpl_store_add_alert(w, call_id, &a, &id) != RPL_OK) {
                    _exit(12);
                }
                write_all(to_parent[1], &id, sizeof id); /* reported only once committed */
                if (i % 7 == 0) {
                    /* sometimes a whole batch in one transaction, to be killed mid-way */
                    rpl_store_begin(w);
                    rpl_store_point p = {.t_s = i, .role = RPL_STORE_ROLE_AGENT};
                    rpl_store_add_timeline(w, call_id, &p, 1);
                    rpl_store_commit(w);
                }
            }
        }
        close(to_parent[1]);
        char b = 0;
        assert_true(read_byte(to_parent[0], &b));
        sleep_us(rand() % 40000);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int wstatus = 0;
        assert_int_equal(waitpid(pid, &wstatus, 0), pid);
        assert_true(WIFSIGNALED(wstatus));

        int64_t ids[65536];
        size_t n = 0;
        size_t partial = 0;
        unsigned char buf[sizeof(int64_t)];
        for (;;) {
            ssize_t r = read(to_parent[0], buf + partial, sizeof buf - partial);
            if (r <= 0) {
                break;
            }
            partial += (size_t)r;
            if (partial == sizeof buf) {
                assert_true(n < 65536);
                memcpy(&ids[n++], buf, sizeof buf);
                partial = 0;
            }
        }
        close(to_parent[0]);
        total_reported += n;

        rpl_store *r = open_ok(f->path);
        for (size_t i = 0; i < n; i++) {
            if (rpl_store_get_alert(r, ids[i], collect_alert, &(collect){0}) != RPL_OK) {
                fail_msg("round %d: alert %lld was reported committed but is gone", round,
                         (long long)ids[i]);
            }
        }
        rpl_store_call_state cs;
        assert_int_equal(rpl_store_get_call_state(r, call_id, &cs), RPL_OK);
        assert_int_equal(cs, RPL_STORE_CALL_UNFINISHED); /* its writer is dead */
        rpl_store_close(r);
        assert_string_equal(raw_query(f->path, "PRAGMA integrity_check"), "ok");
        assert_string_equal(raw_query(f->path, "SELECT count(*) FROM pragma_foreign_key_check"),
                            "0");
    }
    print_message("%zu alerts reported committed across 12 kills; all found\n", total_reported);
    assert_true(total_reported > 0);
}

static void test_unfinished_by_staleness(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    begin_call(s, "remote", "alice", 1700000000);
    rpl_store_close(s);
    rpl_store_call_state cs;

    /* Written by this live process: analysing. */
    s = open_ok(f->path);
    assert_int_equal(rpl_store_get_call_state(s, "remote", &cs), RPL_OK);
    assert_int_equal(cs, RPL_STORE_CALL_ANALYSING);
    rpl_store_close(s);

    /* Written on another host, touched recently: analysing; silent too long: unfinished. */
    raw_exec(f->path, "UPDATE calls SET writer_host = 'elsewhere', writer_pid = 1,"
                      " updated_unix_s = unixepoch() - 60");
    s = open_ok(f->path);
    assert_int_equal(rpl_store_get_call_state(s, "remote", &cs), RPL_OK);
    assert_int_equal(cs, RPL_STORE_CALL_ANALYSING);
    rpl_store_close(s);
    raw_exec(f->path, "UPDATE calls SET updated_unix_s = unixepoch() - 3600");
    s = open_ok(f->path);
    assert_int_equal(rpl_store_get_call_state(s, "remote", &cs), RPL_OK);
    assert_int_equal(cs, RPL_STORE_CALL_UNFINISHED);
    assert_int_equal(rpl_store_touch_call(s, "remote"), RPL_OK);
    assert_int_equal(rpl_store_get_call_state(s, "remote", &cs), RPL_OK);
    assert_int_equal(cs, RPL_STORE_CALL_ANALYSING);
    assert_int_equal(rpl_store_touch_call(s, "nope"), RPL_ERR_NOT_FOUND);
    rpl_store_close(s);
}

/* A live alert is stored when raised and brought up to date when it closes: end, peak score
 * and evidence (with its top cues) change, status and history do not; bad values refused. */
static int first_alert_cb(const rpl_store_alert *a, void *user)
{
    rpl_store_alert *out = user;
    *out = *a;
    static char evidence[256], cues[128], assignee[64];
    snprintf(evidence, sizeof evidence, "%s", a->evidence_json);
    snprintf(cues, sizeof cues, "%s", a->top_cues != NULL ? a->top_cues : "");
    snprintf(assignee, sizeof assignee, "%s", a->assignee != NULL ? a->assignee : "");
    out->evidence_json = evidence;
    out->top_cues = cues;
    out->assignee = assignee;
    out->call_id = out->model_version = out->agent = out->customer = out->source_file = NULL;
    return 0;
}

static void test_update_alert(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    begin_call(s, "live-up", "ann", 1700000000);
    int64_t id = add_alert(s, "live-up", RPL_STORE_KIND_FRUSTRATION, 12.0, 0.61, 50);
    int64_t other = add_alert(s, "live-up", RPL_STORE_KIND_HESITATION, 30.0, 0.55, 50);
    assert_int_equal(rpl_store_set_alert_status(s, id, RPL_STORE_ACKNOWLEDGED, "sup", NULL),
                     RPL_OK);

    assert_int_equal(rpl_store_update_alert(s, id, 19.5, 0.83,
                                            "{\"cues\":[\"energy_up\",{\"name\":\"f0_rise\"}]}"),
                     RPL_OK);
    rpl_store_alert a;
    assert_int_equal(rpl_store_get_alert(s, id, first_alert_cb, &a), RPL_OK);
    assert_near(a.t_start_s, 12.0, 1e-9);
    assert_near(a.t_end_s, 19.5, 1e-9);
    assert_near(a.score, 0.83, 1e-9);
    assert_int_equal(a.status, RPL_STORE_ACKNOWLEDGED);
    assert_string_equal(a.top_cues, "energy_up, f0_rise");
    assert_string_equal(a.assignee, "sup");

    /* NULL evidence keeps the stored one; the other alert is untouched. */
    assert_int_equal(rpl_store_update_alert(s, id, 21.0, 0.9, NULL), RPL_OK);
    assert_int_equal(rpl_store_get_alert(s, id, first_alert_cb, &a), RPL_OK);
    assert_near(a.t_end_s, 21.0, 1e-9);
    assert_string_equal(a.top_cues, "energy_up, f0_rise");
    assert_int_equal(rpl_store_get_alert(s, other, first_alert_cb, &a), RPL_OK);
    assert_near(a.t_end_s, 35.0, 1e-9);
    assert_near(a.score, 0.55, 1e-9);

    /* Refusals leave the row as it was. */
    assert_int_equal(rpl_store_update_alert(s, id, 11.0, 0.9, NULL), RPL_ERR_INVALID_ARG);
    assert_non_null(strstr(rpl_store_errmsg(s), "before its start"));
    assert_int_equal(rpl_store_update_alert(s, id, 22.0, 1.5, NULL), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_update_alert(s, id, NAN, 0.5, NULL), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_update_alert(s, id, 22.0, 0.5, "[1,2]"), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_update_alert(s, id, 22.0, 0.5, "{nope"), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_update_alert(s, id + 1000, 22.0, 0.5, NULL), RPL_ERR_NOT_FOUND);
    assert_int_equal(rpl_store_update_alert(NULL, id, 22.0, 0.5, NULL), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_get_alert(s, id, first_alert_cb, &a), RPL_OK);
    assert_near(a.t_end_s, 21.0, 1e-9);
    assert_near(a.score, 0.9, 1e-9);

    /* Outside a transaction it is durable at once: another handle sees it. */
    assert_int_equal(rpl_store_update_alert(s, id, 25.0, 0.95, NULL), RPL_OK);
    rpl_store *r = open_ok(f->path);
    assert_int_equal(rpl_store_get_alert(r, id, first_alert_cb, &a), RPL_OK);
    assert_near(a.t_end_s, 25.0, 1e-9);
    assert_near(a.score, 0.95, 1e-9);
    rpl_store_close(r);
    rpl_store_close(s);
}

/* A call analysed again (--force): what nobody worked goes; what a person worked stays with its
 * history and takes the new analysis of the same episode; names and start given before stay. */
static void test_redo_call(void **state)
{
    fixture *f = *state;
    rpl_store *s = open_ok(f->path);
    const char *digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    rpl_store_call_info info = {.id = "C-1",
                                .source_file = "calls/a.wav",
                                .agent = "alice",
                                .customer = "Zo\xc3\xab",
                                .started_unix_s = 1700000000,
                                .channel_map = "agent=0,customer=1",
                                .model_version = "m1",
                                .audio_sha256 = digest};
    assert_int_equal(rpl_store_begin_call(s, &info), RPL_OK);
    rpl_store_point p = {.t_s = 1.0, .role = RPL_STORE_ROLE_CUSTOMER, .speech = true};
    assert_int_equal(rpl_store_add_timeline(s, "C-1", &p, 1), RPL_OK);
    int64_t open_one = add_alert(s, "C-1", RPL_STORE_KIND_FRUSTRATION, 10.0, 0.6, 50);
    int64_t acked = add_alert(s, "C-1", RPL_STORE_KIND_HESITATION, 20.0, 0.7, 50);
    int64_t dismissed = add_alert(s, "C-1", RPL_STORE_KIND_FATIGUE, 40.0, 0.8, 50);
    assert_int_equal(rpl_store_set_alert_status(s, acked, RPL_STORE_ACKNOWLEDGED, "sup", "on it"),
                     RPL_OK);
    assert_int_equal(rpl_store_set_alert_status(s, dismissed, RPL_STORE_DISMISSED, "sup", NULL),
                     RPL_OK);
    assert_int_equal(rpl_store_finish_call(s, "C-1", 60.0), RPL_OK);

    char found[80];
    assert_int_equal(rpl_store_find_audio(s, digest, found, sizeof found), RPL_OK);
    assert_string_equal(found, "C-1");
    char stored[65];
    assert_int_equal(rpl_store_call_audio(s, "C-1", stored), RPL_OK);
    assert_string_equal(stored, digest);
    assert_int_equal(rpl_store_find_audio(s, "ab", found, sizeof found), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_store_call_audio(s, "nope", stored), RPL_ERR_NOT_FOUND);

    /* Again, by someone who gave no names and no start, with another model. */
    rpl_store_call_info again = info;
    again.agent = again.customer = NULL;
    again.started_unix_s = 0;
    again.model_version = "m2";
    rpl_store_kept_alert *kept = NULL;
    size_t kept_count = 0;
    assert_int_equal(rpl_store_redo_call(s, &again, &kept, &kept_count), RPL_OK);
    assert_int_equal(kept_count, 2);
    assert_int_equal(kept[0].id, acked);
    assert_int_equal(kept[0].kind, RPL_STORE_KIND_HESITATION);
    assert_int_equal(kept[0].status, RPL_STORE_ACKNOWLEDGED);
    assert_int_equal(kept[1].id, dismissed);
    free(kept);
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM alerts WHERE id = 1"), "0");
    (void)open_one;
    assert_string_equal(raw_query(f->path, "SELECT count(*) FROM timeline"), "0");
    assert_string_equal(raw_query(f->path, "SELECT agent || '|' || customer || '|' ||"
                                           " started_unix_s || '|' || model_version || '|' ||"
                                           " state FROM calls"),
                        "alice|Zo\xc3\xab|1700000000|m2|analysing");

    rpl_store_alert_info renewal = {.kind = RPL_STORE_KIND_HESITATION,
                                    .role = RPL_STORE_ROLE_CUSTOMER,
                                    .t_start_s = 21.0,
                                    .t_end_s = 27.0,
                                    .score = 0.75,
                                    .priority = 50,
                                    .evidence_json = "{\"cues\":[{\"name\":\"pause_s\"}]}",
                                    .model_version = "m2"};
    assert_int_equal(rpl_store_renew_alert(s, acked, &renewal), RPL_OK);
    rpl_store_alert a;
    assert_int_equal(rpl_store_get_alert(s, acked, first_alert_cb, &a), RPL_OK);
    assert_int_equal(a.status, RPL_STORE_ACKNOWLEDGED);
    assert_string_equal(a.assignee, "sup");
    assert_near(a.t_start_s, 21.0, 1e-9);
    assert_near(a.score, 0.75, 1e-9);
    assert_string_equal(a.top_cues, "pause_s");
    assert_string_equal(raw_query(f->path, "SELECT model_version FROM alerts WHERE id = 2"), "m2");
    assert_int_equal(a.raised_unix_s, 1700000021);
    assert_string_equal(raw_query(f->path, "SELECT count(*) || ' ' || group_concat(note) FROM"
                                           " alert_history WHERE alert_id = 2"),
                        "1 on it");
    renewal.score = 2.0;
    assert_int_equal(rpl_store_renew_alert(s, acked, &renewal), RPL_ERR_INVALID_ARG);
    renewal.score = 0.5;
    assert_int_equal(rpl_store_renew_alert(s, 9999, &renewal), RPL_ERR_NOT_FOUND);

    /* A start given now replaces the old one; an unknown call cannot be redone. */
    again.started_unix_s = 1700003600;
    assert_int_equal(rpl_store_redo_call(s, &again, &kept, &kept_count), RPL_OK);
    free(kept);
    assert_string_equal(raw_query(f->path, "SELECT started_unix_s FROM calls"), "1700003600");
    again.id = "nope";
    assert_int_equal(rpl_store_redo_call(s, &again, &kept, &kept_count), RPL_ERR_NOT_FOUND);
    assert_null(kept);
    again.id = "C-1";
    again.audio_sha256 = "not a digest";
    assert_int_equal(rpl_store_redo_call(s, &again, &kept, &kept_count), RPL_ERR_INVALID_ARG);
    rpl_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_codes),
        cmocka_unit_test(test_text_from_bytes),
        cmocka_unit_test_setup_teardown(test_create_mode_and_pragmas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrates_every_earlier_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workflow_every_transition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workflow_notes_verbatim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_order_and_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_never_blocked_by_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_loses_no_committed_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfinished_by_staleness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redo_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_alert, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
