/* Store benchmark: fill a fresh database with N calls of M alerts each through the public
 * store API (batch path: one transaction per 100 calls), then time the follow-up list queries
 * the CLI runs, the live path (one transaction per alert), and the workflow. Prints figures;
 * never passes or fails on time.
 *
 * usage: store_bench [DB_PATH [CALLS [ALERTS_PER_CALL]]]   (default /tmp/rappel_bench.db,
 *        100000 calls, 10 alerts each: 1 million alerts). The file is replaced.
 */
#include "rappel/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift64*: deterministic data, same database on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}

static double rng_unit(void)
{
    return (double)(rng() >> 11) * (1.0 / 9007199254740992.0);
}

static int count_alert(const rpl_store_alert *a, void *user)
{
    (void)a;
    (*(size_t *)user)++;
    return 0;
}

static int count_call(const rpl_store_call *c, void *user)
{
    (void)c;
    (*(size_t *)user)++;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(rpl_store *s, const char *what, rpl_status st)
{
    fprintf(stderr, "store_bench: %s: %s: %s\n", what, rpl_strerror(st),
            s != NULL ? rpl_store_errmsg(s) : "");
    exit(1);
}

/* Run a query `runs` times on a fresh handle each time is not needed: the CLI opens once and
 * queries once, so time the query on a warm handle and report median and worst. */
static void time_alert_query(rpl_store *s, const char *name, const rpl_store_alert_query *q)
{
    enum { RUNS = 21 };
    double ms[RUNS];
    size_t rows = 0;
    for (int i = 0; i < RUNS; i++) {
        rows = 0;
        double t0 = now_s();
        rpl_status st = rpl_store_query_alerts(s, q, count_alert, &rows);
        ms[i] = (now_s() - t0) * 1e3;
        if (st != RPL_OK) {
            die(s, name, st);
        }
    }
    qsort(ms, RUNS, sizeof ms[0], cmp_double);
    printf("  %-58s %6zu rows  median %7.2f ms  max %7.2f ms\n", name, rows, ms[RUNS / 2],
           ms[RUNS - 1]);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/rappel_bench.db";
    long n_calls = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
    long per_call = argc > 3 ? strtol(argv[3], NULL, 10) : 10;
    if (n_calls <= 0 || per_call <= 0) {
        fprintf(stderr, "usage: store_bench [DB_PATH [CALLS [ALERTS_PER_CALL]]]\n");
        return 2;
    }
    char side[4096];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);

    rpl_store *s = NULL;
    char detail[256];
    rpl_status st = rpl_store_open(path, NULL, &s, detail, sizeof detail);
    if (st != RPL_OK) {
        fprintf(stderr, "store_bench: %s: %s\n", path, detail);
        return 1;
    }
    const int64_t now = (int64_t)time(NULL);
    const int n_agents = 200;
    static const char *const evidence[] = {
        "{\"cues\":[{\"name\":\"f0_rise\",\"value\":4.2,\"unit\":\"st\"},{\"name\":\"energy_up\","
        "\"value\":6.1,\"unit\":\"dB\"},{\"name\":\"rate_up\",\"value\":1.3}]}",
        "{\"cues\":[{\"name\":\"long_pauses\",\"value\":3},{\"name\":\"fillers\",\"value\":5}]}",
        "{\"cues\":[{\"name\":\"f0_flat\",\"value\":0.8,\"unit\":\"st\"},{\"name\":\"rate_down\"}]"
        "}",
        "{\"cues\":[{\"name\":\"silence\",\"value\":11.5,\"unit\":\"s\"}]}",
        "{\"cues\":[{\"name\":\"both_speaking\",\"value\":3.2,\"unit\":\"s\"}]}",
    };

    printf("store_bench: %ld calls x %ld alerts = %ld alerts, %d agents, 90 days, into %s\n",
           n_calls, per_call, n_calls * per_call, n_agents, path);
    char call_42_prefix[13] = "0"; /* the first 12 characters of call 42's id, for --call */
    double t0 = now_s();
    for (long c = 0; c < n_calls; c++) {
        if (c % 100 == 0 && (st = rpl_store_begin(s)) != RPL_OK) {
            die(s, "begin", st);
        }
        char id[72], agent[32], customer[32], file[64];
        snprintf(id, sizeof id, "%016llx%016llx%016llx%016llx", (unsigned long long)rng(),
                 (unsigned long long)rng(), (unsigned long long)rng(), (unsigned long long)c);
        snprintf(agent, sizeof agent, "agent-%03d", (int)(rng() % (uint64_t)n_agents));
        snprintf(customer, sizeof customer, "customer %06ld", (long)(rng() % 50000));
        snprintf(file, sizeof file, "/calls/2024/05/01/rec-%07ld.wav", c);
        if (c == 42) {
            memcpy(call_42_prefix, id, sizeof call_42_prefix - 1);
        }
        rpl_store_call_info info = {.id = id,
                                    .source_file = file,
                                    .agent = agent,
                                    .customer = customer,
                                    .started_unix_s = now - (int64_t)(rng() % (90 * 86400)),
                                    .channel_map = "agent=0,customer=1",
                                    .model_version = "bench-model 1"};
        if ((st = rpl_store_begin_call(s, &info)) != RPL_OK) {
            die(s, "begin_call", st);
        }
        for (long a = 0; a < per_call; a++) {
            int kind = (int)(rng() % 5);
            double t = rng_unit() * 600.0;
            rpl_store_alert_info ai = {.kind = (rpl_store_kind)kind,
                                       .role = kind >= 3 ? RPL_STORE_ROLE_BOTH
                                                         : RPL_STORE_ROLE_CUSTOMER,
                                       .t_start_s = t,
                                       .t_end_s = t + 2.0 + rng_unit() * 20.0,
                                       .score = rng_unit(),
                                       .priority = rng() % 20 == 0 ? 10 : 0,
                                       .evidence_json = evidence[kind],
                                       .model_version = "bench-model 1"};
            if ((st = rpl_store_add_alert(s, id, &ai, NULL)) != RPL_OK) {
                die(s, "add_alert", st);
            }
        }
        if ((st = rpl_store_finish_call(s, id, 600.0)) != RPL_OK) {
            die(s, "finish_call", st);
        }
        if ((c % 100 == 99 || c == n_calls - 1) && (st = rpl_store_commit(s)) != RPL_OK) {
            die(s, "commit", st);
        }
    }
    double batch_s = now_s() - t0;
    printf("insert (batch, 1 transaction per 100 calls): %.1f s, %.0f alerts/s, %.0f calls/s\n",
           batch_s, (double)(n_calls * per_call) / batch_s, (double)n_calls / batch_s);

    /* Workflow: a supervisor team works through 10 % of the alerts. */
    long n_changes = n_calls * per_call / 10;
    t0 = now_s();
    if ((st = rpl_store_begin(s)) != RPL_OK) {
        die(s, "begin", st);
    }
    for (long i = 0; i < n_changes; i++) {
        int64_t id = 1 + (int64_t)(rng() % (uint64_t)(n_calls * per_call));
        rpl_store_alert_status to = (rpl_store_alert_status)(1 + rng() % 3);
        st = rpl_store_set_alert_status(s, id, to, "supervisor", "called back");
        if (st != RPL_OK && st != RPL_ERR_TRANSITION) {
            die(s, "set_alert_status", st);
        }
    }
    if ((st = rpl_store_commit(s)) != RPL_OK) {
        die(s, "commit", st);
    }
    double wf_s = now_s() - t0;
    printf("status changes (one transaction): %ld in %.1f s, %.0f/s\n", n_changes, wf_s,
           (double)n_changes / wf_s);

    /* Live: each alert its own durable transaction (synchronous=FULL, fsync per commit). */
    rpl_store_call_info live = {.id = "bench-live",
                                .agent = "agent-000",
                                .channel_map = "agent=0,customer=1",
                                .model_version = "bench-model 1"};
    if ((st = rpl_store_begin_call(s, &live)) != RPL_OK) {
        die(s, "begin_call", st);
    }
    const int n_live = 2000;
    t0 = now_s();
    for (int i = 0; i < n_live; i++) {
        rpl_store_alert_info ai = {.kind = RPL_STORE_KIND_DEAD_AIR,
                                   .role = RPL_STORE_ROLE_BOTH,
                                   .t_start_s = i,
                                   .t_end_s = i + 1.0,
                                   .score = 0.5,
                                   .evidence_json = evidence[3],
                                   .model_version = "bench-model 1"};
        if ((st = rpl_store_add_alert(s, "bench-live", &ai, NULL)) != RPL_OK) {
            die(s, "add_alert (live)", st);
        }
    }
    double live_s = now_s() - t0;
    printf("insert (live, 1 transaction per alert): %d in %.2f s, %.0f alerts/s, %.2f ms each\n",
           n_live, live_s, n_live / live_s, live_s * 1e3 / n_live);
    rpl_store_close(s); /* runs PRAGMA optimize, as every CLI run does */

    struct stat sb;
    if (stat(path, &sb) == 0) {
        printf("database: %.1f MB\n", (double)sb.st_size / 1e6);
    }

    /* Queries on a fresh handle, as `rappel alerts` does. */
    double open_t0 = now_s();
    if ((st = rpl_store_open(path, NULL, &s, detail, sizeof detail)) != RPL_OK) {
        fprintf(stderr, "store_bench: reopen: %s\n", detail);
        return 1;
    }
    printf("open existing store: %.2f ms\n", (now_s() - open_t0) * 1e3);
    printf("queries (21 runs each):\n");
    rpl_store_alert_query q = rpl_store_alert_query_default();
    q.filter.limit = 100;
    time_alert_query(s, "rappel alerts (open, top 100)", &q);
    q = rpl_store_alert_query_default();
    q.any_status = true;
    q.filter.limit = 100;
    time_alert_query(s, "rappel alerts --status all (top 100)", &q);
    q = rpl_store_alert_query_default();
    q.any_kind = false;
    q.kind = RPL_STORE_KIND_FRUSTRATION;
    q.filter.since_unix_s = now - 7 * 86400;
    q.filter.limit = 100;
    time_alert_query(s, "--kind frustration --since 7d (top 100)", &q);
    q.filter.agent = "agent-042";
    time_alert_query(s, "--kind frustration --since 7d --agent agent-042", &q);
    q = rpl_store_alert_query_default();
    q.filter.agent = "agent-042";
    q.filter.limit = 0;
    time_alert_query(s, "--agent agent-042, every open alert (export)", &q);
    q = rpl_store_alert_query_default();
    q.filter.since_unix_s = now - 86400;
    q.filter.limit = 0;
    time_alert_query(s, "--since 24h, every open alert (export)", &q);
    q = rpl_store_alert_query_default();
    q.status = RPL_STORE_ACKNOWLEDGED;
    q.filter.limit = 100;
    time_alert_query(s, "--status acknowledged (top 100)", &q);
    q = rpl_store_alert_query_default();
    q.any_status = true;
    q.filter.call_id = call_42_prefix;
    time_alert_query(s, "--status all --call <first 12 characters of an id>", &q);
    q.filter.call_id = "rec-0000042.wav";
    time_alert_query(s, "--status all --call rec-0000042.wav (its file name)", &q);

    rpl_store_call_query cq = rpl_store_call_query_default();
    cq.filter.limit = 100;
    size_t rows = 0;
    t0 = now_s();
    if ((st = rpl_store_query_calls(s, &cq, count_call, &rows)) != RPL_OK) {
        die(s, "query_calls", st);
    }
    printf("  %-58s %6zu rows  %7.2f ms\n", "rappel calls (top 100, with alert counts)", rows,
           (now_s() - t0) * 1e3);

    rpl_store_purge_counts pc;
    t0 = now_s();
    if ((st = rpl_store_purge(s, now - 80 * 86400, false, &pc)) != RPL_OK) {
        die(s, "purge", st);
    }
    printf("purge --older-than 80: %zu calls, %zu alerts, %zu history in %.2f s\n", pc.calls,
           pc.alerts, pc.history, now_s() - t0);
    rpl_store_close(s);
    return 0;
}
