/* libFuzzer harness: the listing arguments of `rappel alerts` / `rappel calls` (--since,
 * --until, --agent, --call, --limit, --format, --db) on an arbitrary argv, then the alert and
 * call queries with the filter they give, against a small store made once at start-up.
 *
 * The input is split at '\n' into at most MAX_ARGS arguments. Oracles besides the sanitizers:
 * cli_take_list_option leaves i on the last argument it took (inside argv); every row a query
 * returns matches the filter (time range, exact agent, call id prefix) and there are never more
 * than the limit. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_store.h"

enum { MAX_ARGS = 32 };
/* A fixed "now", so that relative times ("24h") give the same filter on every run. */
static const int64_t NOW_UNIX_S = 1700000000;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rpl_store *store;
static char db_dir[] = "/tmp/fuzz_filter.XXXXXX";
static char db_path[64];

/* At exit: the store and its folder go (libFuzzer ends with exit()). */
static void remove_store(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    rpl_store_close(store);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char p[80];
        snprintf(p, sizeof p, "%s%s", db_path, suffixes[i]);
        unlink(p);
    }
    rmdir(db_dir);
}

/* A broken promise: say which (on fd 2, which the sanitizers and libFuzzer use too) and
 * abort, so libFuzzer keeps the input. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            dprintf(2, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Three calls at known times, agents and ids, with alerts. */
static void fill_store(void)
{
    static const struct {
        const char *id, *agent;
        int64_t started;
    } calls[] = {{"aa11", "ann", NOW_UNIX_S - 3600},
                 {"aa22", "bob", NOW_UNIX_S - 86400 * 3},
                 {"bb33", NULL, NOW_UNIX_S - 86400 * 30}};
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
        rpl_store_call_info info = {.id = calls[c].id,
                                    .agent = calls[c].agent,
                                    .started_unix_s = calls[c].started,
                                    .channel_map = "customer=0",
                                    .model_version = "fuzz"};
        CHECK(rpl_store_begin_call(store, &info) == RPL_OK);
        for (int k = 0; k < 3; k++) {
            rpl_store_alert_info a = {.kind = (rpl_store_kind)k,
                                      .role = RPL_STORE_ROLE_CUSTOMER,
                                      .t_start_s = 10.0 * k,
                                      .t_end_s = 10.0 * k + 5.0,
                                      .score = 0.7,
                                      .evidence_json = "{\"cues\":[\"f0_rise\"]}",
                                      .model_version = "fuzz"};
            CHECK(rpl_store_add_alert(store, calls[c].id, &a, NULL) == RPL_OK);
        }
        CHECK(rpl_store_finish_call(store, calls[c].id, 60.0) == RPL_OK);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Usage errors go to stderr on every other input; libFuzzer and the sanitizers keep
     * their own handle on it, so only the CLI's text goes. */
    stderr = fopen("/dev/null", "w");
    CHECK(mkdtemp(db_dir) != NULL);
    snprintf(db_path, sizeof db_path, "%s/fuzz.db", db_dir);
    char why[256];
    CHECK(rpl_store_open(db_path, NULL, &store, why, sizeof why) == RPL_OK);
    atexit(remove_store);
    fill_store();
    return 0;
}

static bool prefix(const char *p, const char *s)
{
    return strncmp(p, s, strlen(p)) == 0;
}

typedef struct seen {
    rpl_store_filter f;
    size_t rows;
} seen;

static int on_alert(const rpl_store_alert *a, void *user)
{
    seen *s = user;
    CHECK(a->raised_unix_s >= s->f.since_unix_s && a->raised_unix_s < s->f.until_unix_s);
    CHECK(s->f.agent == NULL || (a->agent != NULL && strcmp(a->agent, s->f.agent) == 0));
    CHECK(s->f.call_id == NULL || prefix(s->f.call_id, a->call_id));
    s->rows++;
    CHECK(s->f.limit == 0 || s->rows <= s->f.limit);
    return 0;
}

static int on_call(const rpl_store_call *c, void *user)
{
    seen *s = user;
    CHECK(c->started_unix_s >= s->f.since_unix_s && c->started_unix_s < s->f.until_unix_s);
    CHECK(s->f.agent == NULL || (c->agent != NULL && strcmp(c->agent, s->f.agent) == 0));
    CHECK(s->f.call_id == NULL || prefix(s->f.call_id, c->id));
    s->rows++;
    CHECK(s->f.limit == 0 || s->rows <= s->f.limit);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (char *p = text; argc < MAX_ARGS;) {
        argv[argc++] = p;
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL;

    cli_list_options o = cli_list_options_default();
    bool ok = true;
    for (int i = 0; i < argc;) {
        int before = i;
        int r = cli_take_list_option("alerts", argc, argv, &i, NOW_UNIX_S, &o);
        if (r < 0) {
            ok = false;
            break;
        }
        /* Like the commands' loops: the option leaves i on its last argument. */
        CHECK(r == 0 ? i == before : (i >= before && i < argc));
        i++;
    }
    /* The parsers alone, on every argument. */
    for (int i = 0; i < argc; i++) {
        cli_format fmt;
        int64_t t = 0;
        (void)cli_parse_format(argv[i], &fmt);
        (void)cli_parse_time(argv[i], NOW_UNIX_S, &t);
    }
    if (ok) {
        seen s = {.f = cli_list_filter(&o)};
        rpl_store_alert_query aq = rpl_store_alert_query_default();
        aq.any_status = true;
        aq.filter = s.f;
        /* Text that is not UTF-8 (--agent, --call) is refused by the store, with a reason. */
        rpl_status st = rpl_store_query_alerts(store, &aq, on_alert, &s);
        CHECK(st == RPL_OK || (st == RPL_ERR_INVALID_ARG && rpl_store_errmsg(store)[0] != '\0'));
        s.rows = 0;
        rpl_store_call_query cq = rpl_store_call_query_default();
        cq.filter = s.f;
        CHECK(rpl_store_query_calls(store, &cq, on_call, &s) == st);
    }
    free(text);
    return 0;
}
