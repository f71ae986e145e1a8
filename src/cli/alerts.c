/* rappel alerts: the follow-up list, one alert with its evidence and history, and the
 * workflow (ack, done, dismiss). */
#include "cli/cli.h"
#include "cli/cli_store.h"

#include <limits.h>
#include <string.h>
#include <time.h>

static const char *const command = "alerts";

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: rappel alerts [--status S[,S...]|all] [--kind K]\n"
            "                     [--since T] [--until T] [--agent A] [--customer C] [--call ID]\n"
            "                     [--limit N] [--format table|csv|json|jsonl] [--db PATH]\n"
            "       rappel alerts show ID [--format table|json] [--db PATH]\n"
            "       rappel alerts ack|done|dismiss|reopen ID... [--note TEXT] [--by NAME]\n"
            "                     [--db PATH]\n"
            "\n"
            "The follow-up list: open alerts first, then the most urgent (priority, score, most\n"
            "recent). S is open (the default), acknowledged, done or dismissed, or several:\n"
            "open,acknowledged is what is still to do. K is frustration, hesitation, fatigue,\n"
            "dead_air or overtalk. T is 24h, 7d, 30m, 2w... ago, or ISO 8601 (2024-05-01,\n"
            "2024-05-01T09:30, ...Z, ...+02:00); a date alone as --until takes in that day.\n"
            "--agent and --customer take the exact names given to analyze, batch or live\n"
            "(a customer's alerts across all their calls).\n"
            "--call takes a call id or its first characters, or its recording's file name\n"
            "(the CALL column). The table shows %d rows unless --limit says otherwise (0 for\n"
            "all); CSV and JSON have every row, times in UTC.\n"
            "Workflow: open -> acknowledged -> done|dismissed, or open -> done|dismissed;\n"
            "reopen puts an alert back on the list, unassigned (say why with --note).\n"
            "--by defaults to your login name. Several IDs change together or not at all.\n"
            "The database is --db, else $RAPPEL_DB, else ./rappel.db.\n",
            CLI_TABLE_DEFAULT_LIMIT);
}

/* ---- writing alerts ----------------------------------------------------------------------- */

typedef struct {
    FILE *out;
    cli_format format;
    size_t rows;
    size_t limit; /* rows to write, 0 for all */
    bool more;    /* a row beyond the limit matched */
} alert_writer;

enum { CALL_WIDTH = 20 };

/* What the table names a call by: its recording's file name (what an archive's calls are
 * known by when no customer was given), else its id (a live call's --call-id). */
static const char *call_label(const rpl_store_alert *a)
{
    if (a->source_file != NULL && a->source_file[0] != 0) {
        const char *slash = strrchr(a->source_file, '/');
        return slash != NULL && slash[1] != 0 ? slash + 1 : a->source_file;
    }
    return a->call_id;
}

static void write_header(alert_writer *w)
{
    switch (w->format) {
    case CLI_FORMAT_TABLE:
        fprintf(w->out, "%6s  ", "ID");
        cli_table_cell(w->out, "WHEN", 16, false);
        cli_table_cell(w->out, "CALL", CALL_WIDTH, false);
        cli_table_cell(w->out, "CUSTOMER", 18, false);
        cli_table_cell(w->out, "AGENT", 12, false);
        cli_table_cell(w->out, "KIND", 11, false);
        cli_table_cell(w->out, "SCORE", 5, false);
        cli_table_cell(w->out, "AT", 7, false);
        cli_table_cell(w->out, "STATUS", 12, false);
        cli_table_cell(w->out, "CUES", 48, true);
        fputc('\n', w->out);
        break;
    case CLI_FORMAT_CSV:
        fputs("id,call_id,raised_at,customer,agent,kind,role,score,priority,t_start_s,t_end_s,"
              "status,assignee,top_cues,model_version,source_file,created_at,updated_at,"
              "evidence,changed_by,changed_at,change_note\r\n",
              w->out);
        break;
    case CLI_FORMAT_JSON:
        fputc('[', w->out);
        break;
    case CLI_FORMAT_JSONL:
        break;
    }
}

static void write_json_alert(FILE *out, const rpl_store_alert *a)
{
    char raised[32], created[32], updated[32];
    cli_format_iso(a->raised_unix_s, raised, sizeof raised);
    cli_format_iso(a->created_unix_s, created, sizeof created);
    cli_format_iso(a->updated_unix_s, updated, sizeof updated);
    fprintf(out, "{\"id\":%lld,\"call_id\":", (long long)a->id);
    cli_json_string(out, a->call_id);
    fprintf(out, ",\"kind\":\"%s\",\"role\":\"%s\",\"status\":\"%s\",\"score\":",
            rpl_store_kind_name(a->kind), rpl_store_role_name(a->role),
            rpl_store_status_name(a->status));
    cli_json_number(out, a->score);
    fprintf(out, ",\"priority\":%d,\"t_start_s\":", a->priority);
    cli_json_number(out, a->t_start_s);
    fputs(",\"t_end_s\":", out);
    cli_json_number(out, a->t_end_s);
    fprintf(out, ",\"raised_at\":\"%s\",\"customer\":", raised);
    cli_json_string(out, a->customer);
    fputs(",\"agent\":", out);
    cli_json_string(out, a->agent);
    fputs(",\"assignee\":", out);
    cli_json_string(out, a->assignee);
    fputs(",\"top_cues\":", out);
    cli_json_string(out, a->top_cues);
    fputs(",\"model_version\":", out);
    cli_json_string(out, a->model_version);
    fputs(",\"source_file\":", out);
    cli_json_string(out, a->source_file);
    fprintf(out, ",\"created_at\":\"%s\",\"updated_at\":\"%s\",\"evidence\":%s", created, updated,
            a->evidence_json != NULL ? a->evidence_json : "null");
    fputs(",\"changed_by\":", out);
    cli_json_string(out, a->changed_by);
    fputs(",\"changed_at\":", out);
    if (a->changed_by != NULL) {
        char changed[32];
        cli_format_iso(a->changed_unix_s, changed, sizeof changed);
        fprintf(out, "\"%s\"", changed);
    } else {
        fputs("null", out);
    }
    fputs(",\"change_note\":", out);
    cli_json_string(out, a->change_note);
    fputc('}', out);
}

static int write_alert(const rpl_store_alert *a, void *user)
{
    alert_writer *w = user;
    if (w->limit != 0 && w->rows == w->limit) {
        w->more = true;
        return 1;
    }
    char when[32], at[16], buf[64];
    if (w->rows == 0) {
        write_header(w);
    }
    switch (w->format) {
    case CLI_FORMAT_TABLE:
        cli_format_local(a->raised_unix_s, when, sizeof when);
        cli_format_offset(a->t_start_s, at, sizeof at);
        fprintf(w->out, "%6lld  ", (long long)a->id);
        cli_table_cell(w->out, when, 16, false);
        cli_table_cell(w->out, call_label(a), CALL_WIDTH, false);
        cli_table_cell(w->out, a->customer, 18, false);
        cli_table_cell(w->out, a->agent, 12, false);
        cli_table_cell(w->out, rpl_store_kind_name(a->kind), 11, false);
        snprintf(buf, sizeof buf, "%.2f", a->score);
        cli_table_cell(w->out, buf, 5, false);
        cli_table_cell(w->out, at, 7, false);
        cli_table_cell(w->out, rpl_store_status_name(a->status), 12, false);
        cli_table_cell(w->out, a->top_cues, 48, true);
        fputc('\n', w->out);
        break;
    case CLI_FORMAT_CSV: {
        char raised[32], created[32], updated[32], changed[32];
        cli_format_iso(a->raised_unix_s, raised, sizeof raised);
        cli_format_iso(a->created_unix_s, created, sizeof created);
        cli_format_iso(a->updated_unix_s, updated, sizeof updated);
        fprintf(w->out, "%lld,", (long long)a->id);
        cli_csv_field(w->out, a->call_id);
        fprintf(w->out, ",%s,", raised);
        cli_csv_field(w->out, a->customer);
        fputc(',', w->out);
        cli_csv_field(w->out, a->agent);
        fprintf(w->out, ",%s,%s,%.4f,%d,%.3f,%.3f,%s,", rpl_store_kind_name(a->kind),
                rpl_store_role_name(a->role), a->score, a->priority, a->t_start_s, a->t_end_s,
                rpl_store_status_name(a->status));
        cli_csv_field(w->out, a->assignee);
        fputc(',', w->out);
        cli_csv_field(w->out, a->top_cues);
        fputc(',', w->out);
        cli_csv_field(w->out, a->model_version);
        fputc(',', w->out);
        cli_csv_field(w->out, a->source_file);
        fprintf(w->out, ",%s,%s,", created, updated);
        cli_csv_field(w->out, a->evidence_json);
        fputc(',', w->out);
        cli_csv_field(w->out, a->changed_by);
        if (a->changed_by != NULL) {
            cli_format_iso(a->changed_unix_s, changed, sizeof changed);
            fprintf(w->out, ",%s,", changed);
        } else {
            fputs(",,", w->out);
        }
        cli_csv_field(w->out, a->change_note);
        fputs("\r\n", w->out);
        break;
    }
    case CLI_FORMAT_JSON:
        fputs(w->rows == 0 ? "\n" : ",\n", w->out);
        write_json_alert(w->out, a);
        break;
    case CLI_FORMAT_JSONL:
        write_json_alert(w->out, a);
        fputc('\n', w->out);
        break;
    }
    w->rows++;
    return ferror(w->out) ? 1 : 0;
}

/* ---- rappel alerts [filters] -------------------------------------------------------------- */

/* --status: one status, or several separated by commas (what is still to do:
 * open,acknowledged). False when a name is not a status. */
static bool parse_statuses(const char *text, rpl_store_alert_query *q)
{
    unsigned set = 0;
    rpl_store_alert_status one = RPL_STORE_OPEN;
    char name[32];
    for (const char *p = text;; p++) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof name) {
            return false;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        if (!rpl_store_status_parse(name, &one)) {
            return false;
        }
        set |= 1u << one;
        p += n;
        if (*p == '\0') {
            break;
        }
    }
    bool several = (set & (set - 1)) != 0;
    q->status = one;
    q->statuses = several ? set : 0;
    return true;
}

static int list_alerts(int argc, char **argv)
{
    rpl_store_alert_query q = rpl_store_alert_query_default();
    cli_list_options list = cli_list_options_default();
    int64_t now = (int64_t)time(NULL);
    const char *status_text = rpl_store_status_name(q.status);

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r = 0;
        if ((r = cli_take_value(argc, argv, &i, "--status", &v)) != 0) {
            if (r > 0 && strcmp(v, "all") == 0) {
                q.any_status = true;
            } else if (r < 0 || !parse_statuses(v, &q)) {
                return cli_usage_error(command, "--status takes open, acknowledged, done,"
                                                " dismissed, several of them (open,acknowledged)"
                                                " or all");
            } else {
                q.any_status = false;
                status_text = v;
            }
        } else if ((r = cli_take_value(argc, argv, &i, "--kind", &v)) != 0) {
            if (r < 0 || !rpl_store_kind_parse(v, &q.kind)) {
                return cli_usage_error(command, "--kind takes frustration, hesitation, fatigue,"
                                                " dead_air or overtalk");
            }
            q.any_kind = false;
        } else if ((r = cli_take_list_option(command, argc, argv, &i, now, &list)) != 0) {
            if (r < 0) {
                return RPL_EXIT_USAGE;
            }
        } else {
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
    alert_writer w = {.out = stdout, .format = format, .rows = 0, .limit = q.filter.limit};
    q.filter.limit += q.filter.limit != 0; /* one more row says whether more match */
    rpl_status status = rpl_store_query_alerts(store, &q, write_alert, &w);
    if (status != RPL_OK && status != RPL_ERR_INTERRUPTED) {
        cli_error(command, path, "%s", rpl_store_errmsg(store));
        rpl_store_close(store);
        return RPL_EXIT_FAILURE;
    }
    rpl_store_close(store);
    if (w.rows == 0) {
        if (format == CLI_FORMAT_TABLE) {
            bool narrowed = !q.any_kind || cli_filter_narrows(&q.filter);
            fprintf(stdout, "no %s%salerts%s\n", q.any_status ? "" : status_text,
                    q.any_status ? "" : " ", narrowed ? " matching these filters" : "");
        } else {
            write_header(&w);
        }
    }
    if (format == CLI_FORMAT_JSON) {
        fputs(w.rows == 0 ? "]\n" : "\n]\n", stdout);
    }
    if (format == CLI_FORMAT_TABLE && w.more) {
        fprintf(stdout, "(first %zu shown, more match; --limit N for more, --limit 0 for all)\n",
                w.rows);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(command, "stdout", "write failed");
        return RPL_EXIT_FAILURE;
    }
    return RPL_EXIT_OK;
}

/* ---- rappel alerts show ID ----------------------------------------------------------------- */

typedef struct {
    cli_format format;
    size_t entries;
} show_state;

/* Print text with each line after the first indented, control characters as '?'. */
static void print_indented(const char *text, const char *indent)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++) {
        if (*p == '\n') {
            fputc('\n', stdout);
            fputs(indent, stdout);
        } else if (*p < 0x20 || *p == 0x7f) {
            fputc(*p == '\t' ? ' ' : '?', stdout);
        } else {
            fputc(*p, stdout);
        }
    }
}

static void field(const char *name, const char *value)
{
    printf("%-10s ", name);
    print_indented(value != NULL ? value : "-", "           ");
    fputc('\n', stdout);
}

static int show_alert(const rpl_store_alert *a, void *user)
{
    show_state *s = user;
    if (s->format == CLI_FORMAT_JSON) {
        /* the object without its closing brace: history follows */
        fputs("{\"alert\":", stdout);
        write_json_alert(stdout, a);
        fputs(",\"history\":[", stdout);
        return 0;
    }
    char when[32], from[16], to[16], buf[160];
    cli_format_local(a->raised_unix_s, when, sizeof when);
    cli_format_offset(a->t_start_s, from, sizeof from);
    cli_format_offset(a->t_end_s, to, sizeof to);
    printf("alert %lld: %s, score %.2f, priority %d, %s\n", (long long)a->id,
           rpl_store_kind_name(a->kind), a->score, a->priority, rpl_store_status_name(a->status));
    snprintf(buf, sizeof buf, "%s, %s to %s into the call (%s)", when, from, to,
             rpl_store_role_name(a->role));
    field("when", buf);
    field("customer", a->customer);
    field("agent", a->agent);
    field("call", a->call_id);
    field("file", a->source_file);
    field("cues", a->top_cues);
    field("evidence", a->evidence_json);
    field("model", a->model_version);
    field("assignee", a->assignee);
    cli_format_local(a->created_unix_s, buf, sizeof buf);
    field("stored", buf);
    return 0;
}

static int show_history(const rpl_store_history_entry *e, void *user)
{
    show_state *s = user;
    char when[32];
    if (s->format == CLI_FORMAT_JSON) {
        cli_format_iso(e->changed_unix_s, when, sizeof when);
        fprintf(stdout, "%s{\"from\":\"%s\",\"to\":\"%s\",\"by\":", s->entries > 0 ? "," : "",
                rpl_store_status_name(e->from), rpl_store_status_name(e->to));
        cli_json_string(stdout, e->by);
        fprintf(stdout, ",\"at\":\"%s\",\"note\":", when);
        cli_json_string(stdout, e->note);
        fputc('}', stdout);
    } else {
        if (s->entries == 0) {
            printf("history:\n");
        }
        cli_format_local(e->changed_unix_s, when, sizeof when);
        printf("  %s  %s -> %s by ", when, rpl_store_status_name(e->from),
               rpl_store_status_name(e->to));
        print_indented(e->by, "    ");
        if (e->note != NULL) {
            fputs(": ", stdout);
            print_indented(e->note, "    ");
        }
        fputc('\n', stdout);
    }
    s->entries++;
    return 0;
}

static bool parse_id(const char *text, int64_t *id)
{
    long v = 0;
    if (!cli_parse_long(text, 1, LONG_MAX, &v)) {
        return false;
    }
    *id = (int64_t)v;
    return true;
}

static int show(int argc, char **argv)
{
    const char *db = NULL;
    const char *id_text = NULL;
    cli_format format = CLI_FORMAT_TABLE;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        int r = 0;
        if ((r = cli_take_value(argc, argv, &i, "--db", &v)) != 0) {
            if (r < 0 || v[0] == '\0') {
                return cli_usage_error(command, "--db needs a path");
            }
            db = v;
        } else if ((r = cli_take_value(argc, argv, &i, "--format", &v)) != 0) {
            if (r < 0 || !cli_parse_format(v, &format) ||
                (format != CLI_FORMAT_TABLE && format != CLI_FORMAT_JSON)) {
                return cli_usage_error(command, "show: --format takes table or json");
            }
        } else if (argv[i][0] == '-' || id_text != NULL) {
            return cli_usage_error(command, "show: unexpected argument '%s'", argv[i]);
        } else {
            id_text = argv[i];
        }
    }
    int64_t id = 0;
    if (id_text == NULL || !parse_id(id_text, &id)) {
        return cli_usage_error(command, "show needs one alert id (a whole number >= 1)");
    }
    const char *path = cli_db_path(db);
    rpl_store *store = cli_open_store(command, path, CLI_STORE_READ);
    if (store == NULL) {
        return RPL_EXIT_FAILURE;
    }
    show_state s = {.format = format, .entries = 0};
    rpl_status status = rpl_store_get_alert(store, id, show_alert, &s);
    if (status == RPL_OK) {
        status = rpl_store_alert_history(store, id, show_history, &s);
    }
    if (status != RPL_OK) {
        cli_error(command, path, "%s", rpl_store_errmsg(store));
        rpl_store_close(store);
        return RPL_EXIT_FAILURE;
    }
    rpl_store_close(store);
    if (format == CLI_FORMAT_JSON) {
        fputs("]}\n", stdout);
    } else if (s.entries == 0) {
        printf("history:  none (still as raised)\n");
    }
    return fflush(stdout) == 0 ? RPL_EXIT_OK : RPL_EXIT_FAILURE;
}

/* ---- rappel alerts ack|done|dismiss ID... --------------------------------------------------- */

static bool contains(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id) {
            return true;
        }
    }
    return false;
}

static int change(int argc, char **argv, rpl_store_alert_status to)
{
    const char *db = NULL;
    const char *note = NULL;
    const char *by = NULL;
    int64_t ids[256];
    size_t n = 0;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        int r = 0;
        if ((r = cli_take_value(argc, argv, &i, "--db", &v)) != 0) {
            if (r < 0 || v[0] == '\0') {
                return cli_usage_error(command, "--db needs a path");
            }
            db = v;
        } else if ((r = cli_take_value(argc, argv, &i, "--note", &v)) != 0) {
            if (r < 0) {
                return cli_usage_error(command, "--note needs a text");
            }
            note = v;
        } else if ((r = cli_take_value(argc, argv, &i, "--by", &v)) != 0) {
            if (r < 0 || v[0] == '\0') {
                return cli_usage_error(command, "--by needs a name");
            }
            by = v;
        } else if (argv[i][0] == '-') {
            return cli_usage_error(command, "%s: unknown option '%s'", argv[1], argv[i]);
        } else if (n == sizeof ids / sizeof ids[0]) {
            return cli_usage_error(command, "%s: at most %zu ids at once", argv[1],
                                   sizeof ids / sizeof ids[0]);
        } else if (!parse_id(argv[i], &ids[n])) {
            return cli_usage_error(command, "%s: '%s' is not an alert id", argv[1], argv[i]);
        } else if (!contains(ids, n, ids[n])) { /* "ack 9 9" is one change, not a refusal */
            n++;
        }
    }
    if (n == 0) {
        return cli_usage_error(command, "%s needs at least one alert id", argv[1]);
    }
    if (by == NULL) {
        by = cli_login_name();
    }
    const char *path = cli_db_path(db);
    rpl_store *store = cli_open_store(command, path, CLI_STORE_CHANGE);
    if (store == NULL) {
        return RPL_EXIT_FAILURE;
    }
    rpl_status status = rpl_store_begin(store);
    for (size_t i = 0; status == RPL_OK && i < n; i++) {
        status = rpl_store_set_alert_status(store, ids[i], to, by, note);
    }
    if (status == RPL_OK) {
        status = rpl_store_commit(store);
    }
    if (status != RPL_OK) {
        cli_error(command, path, "%s%s", rpl_store_errmsg(store),
                  n > 1 ? "; no alert was changed" : "");
        rpl_store_rollback(store);
        rpl_store_close(store);
        return RPL_EXIT_FAILURE;
    }
    rpl_store_close(store);
    for (size_t i = 0; i < n; i++) {
        printf("alert %lld: %s by %s\n", (long long)ids[i], rpl_store_status_name(to), by);
    }
    return RPL_EXIT_OK;
}

int cli_alerts(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        print_help(stdout);
        return RPL_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "show") == 0) {
        return show(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "ack") == 0) {
        return change(argc, argv, RPL_STORE_ACKNOWLEDGED);
    }
    if (argc >= 2 && strcmp(argv[1], "done") == 0) {
        return change(argc, argv, RPL_STORE_DONE);
    }
    if (argc >= 2 && strcmp(argv[1], "dismiss") == 0) {
        return change(argc, argv, RPL_STORE_DISMISSED);
    }
    if (argc >= 2 && strcmp(argv[1], "reopen") == 0) {
        return change(argc, argv, RPL_STORE_OPEN);
    }
    if (argc >= 2 && argv[1][0] != '-') {
        return cli_usage_error(
            command, "unknown subcommand '%s' (show, ack, done, dismiss, reopen)", argv[1]);
    }
    return list_alerts(argc, argv);
}
