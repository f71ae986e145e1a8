/* rappel calls: the analysed calls, their state and alert counts. */
#include "cli/cli.h"
#include "cli/cli_store.h"

#include <limits.h>
#include <math.h>
#include <string.h>
#include <time.h>

static const char *const command = "calls";

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: rappel calls [--since T] [--until T] [--agent A] [--customer C] [--call ID]\n"
            "                    [--limit N] [--format table|csv|json|jsonl] [--db PATH]\n"
            "\n"
            "Calls in the store, most recent first, with their state (analysing, done, failed,\n"
            "or unfinished: still 'analysing' but its writer is gone) and alert counts; CSV and\n"
            "JSON add what passed between the parties of a stereo call (dead air, overtalk,\n"
            "hold, the customer's mean answer latency and talk share) and each party's\n"
            "statistics and scores (CSV: the customer's speech and score maxima).\n"
            "T is 24h, 7d... ago or ISO 8601; --since/--until compare the call's start.\n"
            "--agent and --customer take the exact names the calls were stored with.\n"
            "--call takes a call id or its first characters, or its recording's path or file\n"
            "name. The table shows %d rows unless --limit says otherwise (0 for all).\n"
            "The database is --db, else $RAPPEL_DB, else ./rappel.db.\n",
            CLI_TABLE_DEFAULT_LIMIT);
}

enum { CALL_WIDTH = 24 };

typedef struct {
    cli_format format;
    size_t rows;
    size_t limit;            /* rows to write, 0 for all */
    bool more;               /* a row beyond the limit matched */
    rpl_store *store;        /* for each call's channel statistics */
    rpl_status channel_read; /* the first failure to read them */
} call_writer;

/* A call's stored channels (agent and customer, by channel), for CSV and JSON. */
typedef struct {
    size_t n;
    rpl_store_channel_stats channel[2];
} call_channels;

static int keep_channel(const rpl_store_channel_stats *s, void *user)
{
    call_channels *c = user;
    if (c->n < 2) {
        c->channel[c->n++] = *s;
    }
    return 0;
}

static const rpl_store_channel_stats *customer_of(const call_channels *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->channel[i].role == RPL_STORE_ROLE_CUSTOMER) {
            return &c->channel[i];
        }
    }
    return NULL;
}

static void write_header(const call_writer *w)
{
    switch (w->format) {
    case CLI_FORMAT_TABLE:
        cli_table_cell(stdout, "CALL", CALL_WIDTH, false);
        cli_table_cell(stdout, "STARTED", 16, false);
        cli_table_cell(stdout, "AGENT", 12, false);
        cli_table_cell(stdout, "CUSTOMER", 18, false);
        cli_table_cell(stdout, "DURATION", 8, false);
        cli_table_cell(stdout, "STATE", 10, false);
        cli_table_cell(stdout, "OPEN/ALL", 9, false);
        cli_table_cell(stdout, "FILE", 40, true);
        fputc('\n', stdout);
        break;
    case CLI_FORMAT_CSV:
        fputs("call_id,started_at,analysed_at,updated_at,agent,customer,duration_s,state,"
              "fail_reason,alerts,open_alerts,channel_map,model_version,source_file,"
              "dead_air_count,dead_air_s,overtalk_count,overtalk_s,hold_s,"
              "customer_latency_mean_s,talk_share_customer,customer_speech_s,"
              "customer_frustration_max,customer_hesitation_max,customer_fatigue_max,"
              "started_from\r\n",
              stdout);
        break;
    case CLI_FORMAT_JSON:
        fputc('[', stdout);
        break;
    case CLI_FORMAT_JSONL:
        break;
    }
}

static void write_json_call(const rpl_store_call *c, const call_channels *channels)
{
    char started[32], analysed[32], updated[32];
    cli_format_iso(c->started_unix_s, started, sizeof started);
    cli_format_iso(c->analysed_unix_s, analysed, sizeof analysed);
    cli_format_iso(c->updated_unix_s, updated, sizeof updated);
    fputs("{\"call_id\":", stdout);
    cli_json_string(stdout, c->id);
    printf(",\"started_at\":\"%s\",\"started_from\":", started);
    cli_json_string(stdout, c->started_from);
    printf(",\"analysed_at\":\"%s\",\"updated_at\":\"%s\",\"agent\":", analysed, updated);
    cli_json_string(stdout, c->agent);
    fputs(",\"customer\":", stdout);
    cli_json_string(stdout, c->customer);
    fputs(",\"duration_s\":", stdout);
    cli_json_number(stdout, c->duration_s);
    printf(",\"state\":\"%s\",\"fail_reason\":", rpl_store_call_state_name(c->state));
    cli_json_string(stdout, c->fail_reason);
    printf(",\"alerts\":%zu,\"open_alerts\":%zu,\"channel_map\":", c->alerts, c->open_alerts);
    cli_json_string(stdout, c->channel_map);
    fputs(",\"model_version\":", stdout);
    cli_json_string(stdout, c->model_version);
    fputs(",\"source_file\":", stdout);
    cli_json_string(stdout, c->source_file);
    fputs(",\"channels\":[", stdout);
    for (size_t i = 0; i < channels->n; i++) {
        fputs(i == 0 ? "{" : ",{", stdout);
        cli_json_channel_members(stdout, &channels->channel[i]);
        fputc('}', stdout);
    }
    fputs("],\"cross_party\":", stdout);
    cli_json_cross(stdout, c->has_cross ? &c->cross : NULL);
    fputc('}', stdout);
}

/* A CSV number, empty when not finite. */
static void csv_number(double v)
{
    if (isfinite(v)) {
        printf(",%.3f", v);
    } else {
        fputc(',', stdout);
    }
}

/* The cross-party columns, empty for a mono or unfinished call. */
static void write_csv_cross(const rpl_store_call *c)
{
    if (!c->has_cross) {
        fputs(",,,,,,,", stdout);
        return;
    }
    printf(",%zu", c->cross.dead_air_count);
    csv_number(c->cross.dead_air_s);
    printf(",%zu", c->cross.overtalk_count);
    csv_number(c->cross.overtalk_s);
    csv_number(c->cross.hold_s);
    csv_number(c->cross.customer_latency_mean_s);
    csv_number(c->cross.talk_share_customer);
}

/* The customer's columns: speech and the score maxima, empty when unknown or not scored. */
static void write_csv_customer(const rpl_store_channel_stats *s)
{
    if (s == NULL) {
        fputs(",,,,", stdout);
        return;
    }
    csv_number(s->speech_s);
    csv_number(s->frustration.max);
    csv_number(s->hesitation.max);
    csv_number(s->fatigue.max);
}

static int write_call(const rpl_store_call *c, void *user)
{
    call_writer *w = user;
    if (w->limit != 0 && w->rows == w->limit) {
        w->more = true;
        return 1;
    }
    char buf[64];
    call_channels channels = {0};
    if (w->format != CLI_FORMAT_TABLE) {
        rpl_status status = rpl_store_each_channel(w->store, c->id, keep_channel, &channels);
        if (status != RPL_OK) {
            w->channel_read = status;
            return 1;
        }
    }
    if (w->rows == 0) {
        write_header(w);
    }
    switch (w->format) {
    case CLI_FORMAT_TABLE: {
        char label[18];
        cli_table_cell(stdout, cli_call_id_label(c->id, label), CALL_WIDTH, false);
        cli_format_local(c->started_unix_s, buf, sizeof buf);
        cli_table_cell(stdout, buf, 16, false);
        cli_table_cell(stdout, c->agent, 12, false);
        cli_table_cell(stdout, c->customer, 18, false);
        if (isnan(c->duration_s)) {
            snprintf(buf, sizeof buf, "-");
        } else {
            cli_format_offset(c->duration_s, buf, sizeof buf);
        }
        cli_table_cell(stdout, buf, 8, false);
        cli_table_cell(stdout, rpl_store_call_state_name(c->state), 10, false);
        snprintf(buf, sizeof buf, "%zu/%zu", c->open_alerts, c->alerts);
        cli_table_cell(stdout, buf, 9, false);
        if (c->state == RPL_STORE_CALL_FAILED) { /* which file, then why */
            char failed[1024];
            snprintf(failed, sizeof failed, "%s: %s", c->source_file ? c->source_file : "-",
                     c->fail_reason ? c->fail_reason : "failed");
            cli_table_cell(stdout, failed, 40, true);
        } else {
            cli_table_cell(stdout, c->source_file, 40, true);
        }
        fputc('\n', stdout);
        break;
    }
    case CLI_FORMAT_CSV: {
        char started[32], analysed[32], updated[32];
        cli_format_iso(c->started_unix_s, started, sizeof started);
        cli_format_iso(c->analysed_unix_s, analysed, sizeof analysed);
        cli_format_iso(c->updated_unix_s, updated, sizeof updated);
        cli_csv_field(stdout, c->id);
        printf(",%s,%s,%s,", started, analysed, updated);
        cli_csv_field(stdout, c->agent);
        fputc(',', stdout);
        cli_csv_field(stdout, c->customer);
        if (isnan(c->duration_s)) {
            fputc(',', stdout);
        } else {
            printf(",%.3f", c->duration_s);
        }
        printf(",%s,", rpl_store_call_state_name(c->state));
        cli_csv_field(stdout, c->fail_reason);
        printf(",%zu,%zu,", c->alerts, c->open_alerts);
        cli_csv_field(stdout, c->channel_map);
        fputc(',', stdout);
        cli_csv_field(stdout, c->model_version);
        fputc(',', stdout);
        cli_csv_field(stdout, c->source_file);
        write_csv_cross(c);
        write_csv_customer(customer_of(&channels));
        fputc(',', stdout);
        cli_csv_field(stdout, c->started_from);
        fputs("\r\n", stdout);
        break;
    }
    case CLI_FORMAT_JSON:
        fputs(w->rows == 0 ? "\n" : ",\n", stdout);
        write_json_call(c, &channels);
        break;
    case CLI_FORMAT_JSONL:
        write_json_call(c, &channels);
        fputc('\n', stdout);
        break;
    }
    w->rows++;
    return ferror(stdout) ? 1 : 0;
}

int cli_calls(int argc, char **argv)
{
    rpl_store_call_query q = rpl_store_call_query_default();
    cli_list_options list = cli_list_options_default();
    int64_t now = (int64_t)time(NULL);

    if (cli_wants_help(argc, argv)) {
        print_help(stdout);
        return RPL_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int r = cli_take_list_option(command, argc, argv, &i, now, &list);
        if (r < 0) {
            return RPL_EXIT_USAGE;
        }
        if (r == 0) {
            return cli_usage_error(
                command, argv[i][0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'",
                argv[i]);
        }
    }
    q.filter = cli_list_filter(&list);
    cli_format format = list.format;
    const char *path = cli_db_path(list.db);
    rpl_store *store = cli_open_store(command, path, CLI_STORE_READ);
    if (store == NULL) {
        return RPL_EXIT_FAILURE;
    }
    call_writer w = {.format = format,
                     .rows = 0,
                     .limit = q.filter.limit,
                     .store = store,
                     .channel_read = RPL_OK};
    q.filter.limit += q.filter.limit != 0; /* one more row says whether more match */
    rpl_status status = rpl_store_query_calls(store, &q, write_call, &w);
    if (w.channel_read != RPL_OK || (status != RPL_OK && status != RPL_ERR_INTERRUPTED)) {
        cli_error(command, path, "%s", rpl_store_errmsg(store));
        rpl_store_close(store);
        return RPL_EXIT_FAILURE;
    }
    rpl_store_close(store);
    if (w.rows == 0) {
        if (format == CLI_FORMAT_TABLE) {
            printf("no calls%s\n", cli_filter_narrows(&q.filter) ? " matching these filters" : "");
        } else {
            write_header(&w);
        }
    }
    if (format == CLI_FORMAT_JSON) {
        fputs(w.rows == 0 ? "]\n" : "\n]\n", stdout);
    }
    if (format == CLI_FORMAT_TABLE && w.more) {
        printf("(first %zu shown, more match; --limit N for more, --limit 0 for all)\n", w.rows);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(command, "stdout", "write failed");
        return RPL_EXIT_FAILURE;
    }
    return RPL_EXIT_OK;
}
