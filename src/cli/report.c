/* rappel report: a picture of one call (PNG, SVG or a self-contained HTML page), drawn from
 * what the store holds. This file reads the store into an rpl_report_call; src/report.c draws.
 */
#include "cli/cli.h"
#include "cli/cli_pipeline.h"
#include "cli/cli_store.h"
#include "rappel/report.h"
#include "rappel/rules.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const command = "report";

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: rappel report CALL_ID [--out FILE.png|.svg|.html] [--db PATH] [--rules FILE]\n"
            "                     [--verbose]\n"
            "\n"
            "A picture of one call from the store (no audio needed): one time axis (mm:ss);\n"
            "per party speech bars, energy envelope and F0 in semitones around the speaker's\n"
            "median; dead air and overtalk spans (and who cut in); the customer's frustration,\n"
            "hesitation and fatigue curves with the rules' open thresholds; alerts as shaded\n"
            "spans with kind and score. The format follows --out's extension: .png, .svg, or\n"
            ".html (one self-contained page: the picture inline, the call's facts and its alert\n"
            "table with evidence and status). Default: report-<call id>.html in the current\n"
            "folder (a digest id by its first 12 characters). CALL_ID may be any prefix that\n"
            "names one call, or the call's recording by its path or file name.\n"
            "--rules FILE draws that file's thresholds (default: the compiled-in rules).\n"
            "--verbose prints the picture's geometry on stderr. The file is created 0600 (it\n"
            "holds customer data) and appears complete or not at all.\n"
            "The database is --db, else $RAPPEL_DB, else ./rappel.db.\n");
}

static char *dup_text(const char *text, bool *oom)
{
    if (text == NULL) {
        return NULL;
    }
    char *copy = strdup(text);
    if (copy == NULL) {
        *oom = true;
    }
    return copy;
}

/* ---- the call ------------------------------------------------------------------------------- */

typedef struct {
    const char *wanted;
    size_t matches;
    bool exact;
    char *id, *source_file, *agent, *customer, *channel_map, *model_version, *started_from;
    const char *state;
    int64_t started_unix_s;
    double duration_s;
    char others[3][16]; /* first characters of the matches, for the ambiguity message */
    bool oom;
} call_found;

static void free_call(call_found *f)
{
    free(f->id);
    free(f->source_file);
    free(f->agent);
    free(f->customer);
    free(f->channel_map);
    free(f->model_version);
    free(f->started_from);
    f->id = f->source_file = f->agent = f->customer = f->channel_map = f->model_version = NULL;
    f->started_from = NULL;
}

static int take_call(const rpl_store_call *c, void *user)
{
    call_found *f = user;
    bool exact = strcmp(c->id, f->wanted) == 0;
    if (f->matches < 3) {
        snprintf(f->others[f->matches], sizeof f->others[0], "%.12s", c->id);
    }
    f->matches++;
    if (f->exact || (f->id != NULL && !exact)) {
        return 0;
    }
    free_call(f);
    f->exact = exact;
    f->id = dup_text(c->id, &f->oom);
    f->source_file = dup_text(c->source_file, &f->oom);
    f->agent = dup_text(c->agent, &f->oom);
    f->customer = dup_text(c->customer, &f->oom);
    f->channel_map = dup_text(c->channel_map, &f->oom);
    f->model_version = dup_text(c->model_version, &f->oom);
    f->started_from = dup_text(c->started_from, &f->oom);
    f->state = rpl_store_call_state_name(c->state);
    f->started_unix_s = c->started_unix_s;
    f->duration_s = c->duration_s;
    return f->oom ? 1 : 0;
}

typedef struct {
    rpl_store_point *p;
    size_t n, cap;
    bool oom;
} point_list;

static int take_point(const rpl_store_point *point, void *user)
{
    point_list *l = user;
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 1024 : 2 * l->cap;
        rpl_store_point *p = realloc(l->p, cap * sizeof *p);
        if (p == NULL) {
            l->oom = true;
            return 1;
        }
        l->p = p;
        l->cap = cap;
    }
    l->p[l->n++] = *point;
    return 0;
}

typedef struct {
    const char *call_id;
    rpl_report_alert *a;
    size_t n, cap;
    bool oom;
} alert_list;

static int take_alert(const rpl_store_alert *a, void *user)
{
    alert_list *l = user;
    if (strcmp(a->call_id, l->call_id) != 0) {
        return 0; /* another call whose id starts with this one */
    }
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 16 : 2 * l->cap;
        rpl_report_alert *p = realloc(l->a, cap * sizeof *p);
        if (p == NULL) {
            l->oom = true;
            return 1;
        }
        l->a = p;
        l->cap = cap;
    }
    rpl_report_alert *r = &l->a[l->n++];
    *r = (rpl_report_alert){.id = a->id,
                            .kind = a->kind,
                            .role = a->role,
                            .status = a->status,
                            .t_start_s = a->t_start_s,
                            .t_end_s = a->t_end_s,
                            .score = a->score,
                            .interrupter = rpl_report_interrupter(a->evidence_json)};
    r->evidence_json = dup_text(a->evidence_json, &l->oom);
    r->top_cues = dup_text(a->top_cues, &l->oom);
    r->assignee = dup_text(a->assignee, &l->oom);
    return l->oom ? 1 : 0;
}

static void free_alerts(alert_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->a[i].evidence_json);
        free((char *)l->a[i].top_cues);
        free((char *)l->a[i].assignee);
    }
    free(l->a);
}

static int cmp_alert(const void *a, const void *b)
{
    const rpl_report_alert *p = a;
    const rpl_report_alert *q = b;
    if (p->t_start_s != q->t_start_s) {
        return p->t_start_s < q->t_start_s ? -1 : 1;
    }
    return (p->id > q->id) - (p->id < q->id);
}

/* ---- writing -------------------------------------------------------------------------------- */

/* Draw into a temporary file beside out_path (mode 0600 from mkstemp), then rename it over
 * out_path: the report appears complete or not at all. */
static bool write_report(const char *out_path, const rpl_report_call *call,
                         rpl_report_format format, rpl_report_geometry *geom)
{
    size_t n = strlen(out_path);
    char *tmp = malloc(n + 8);
    if (tmp == NULL) {
        cli_error(command, out_path, "out of memory");
        return false;
    }
    memcpy(tmp, out_path, n);
    memcpy(tmp + n, ".XXXXXX", 8);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error(command, out_path, "cannot create: %s", strerror(errno));
        free(tmp);
        return false;
    }
    FILE *out = fdopen(fd, "wb");
    if (out == NULL) {
        cli_error(command, out_path, "cannot open: %s", strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return false;
    }
    char why[256] = "";
    rpl_report_config cfg = rpl_report_config_default();
    rpl_status status = rpl_report_write(call, &cfg, format, out, geom, why, sizeof why);
    if (status != RPL_OK) {
        cli_error(command, out_path, "%s", why[0] != '\0' ? why : rpl_strerror(status));
        fclose(out);
        unlink(tmp);
        free(tmp);
        return false;
    }
    if (fflush(out) != 0 || fsync(fileno(out)) != 0 || ferror(out)) {
        cli_error(command, out_path, "write failed: %s", strerror(errno));
        fclose(out);
        unlink(tmp);
        free(tmp);
        return false;
    }
    if (fclose(out) != 0) {
        cli_error(command, out_path, "write failed: %s", strerror(errno));
        unlink(tmp);
        free(tmp);
        return false;
    }
    if (rename(tmp, out_path) != 0) {
        cli_error(command, out_path, "cannot write: %s", strerror(errno));
        unlink(tmp);
        free(tmp);
        return false;
    }
    free(tmp);
    return true;
}

int cli_report(int argc, char **argv)
{
    const char *db = NULL, *out_path = NULL, *rules_path = NULL, *wanted = NULL;
    bool verbose = false;

    if (cli_wants_help(argc, argv)) {
        print_help(stdout);
        return RPL_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r = 0;
        if ((r = cli_take_value(argc, argv, &i, "--db", &v)) != 0) {
            if (r < 0 || v[0] == '\0') {
                return cli_usage_error(command, "--db needs a path");
            }
            db = v;
        } else if ((r = cli_take_value(argc, argv, &i, "--out", &v)) != 0) {
            if (r < 0 || v[0] == '\0') {
                return cli_usage_error(command, "--out needs a file name");
            }
            out_path = v;
        } else if ((r = cli_take_value(argc, argv, &i, "--rules", &v)) != 0) {
            if (r < 0 || v[0] == '\0') {
                return cli_usage_error(command, "--rules needs a file");
            }
            rules_path = v;
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            verbose = true;
        } else if (argv[i][0] == '-' || wanted != NULL) {
            return cli_usage_error(command, "unexpected argument '%s'", argv[i]);
        } else {
            wanted = argv[i];
        }
    }
    if (wanted == NULL || wanted[0] == '\0') {
        return cli_usage_error(command, "which call? give a CALL_ID (or its first characters)");
    }
    rpl_report_format format = RPL_REPORT_HTML;
    if (out_path != NULL && !rpl_report_format_from_path(out_path, &format)) {
        return cli_usage_error(command, "--out '%s': the name must end in .png, .svg or .html",
                               out_path);
    }
    rpl_rules rules = rpl_rules_default();
    if (rules_path != NULL && !cli_load_rules(command, rules_path, &rules)) {
        return RPL_EXIT_FAILURE;
    }

    const char *path = cli_db_path(db);
    rpl_store *store = cli_open_store(command, path, CLI_STORE_READ);
    if (store == NULL) {
        return RPL_EXIT_FAILURE;
    }
    int exit_code = RPL_EXIT_FAILURE;
    call_found found = {.wanted = wanted};
    point_list points = {0};
    alert_list alerts = {0};
    char *default_out = NULL;

    rpl_store_call_query cq = rpl_store_call_query_default();
    cq.filter.call_id = wanted;
    rpl_status status = rpl_store_query_calls(store, &cq, take_call, &found);
    if (found.oom) {
        cli_error(command, wanted, "out of memory");
        goto done;
    }
    if (status != RPL_OK) {
        cli_error(command, path, "%s", rpl_store_errmsg(store));
        goto done;
    }
    if (found.matches == 0) {
        cli_error(command, wanted, "no such call in %s", path);
        goto done;
    }
    if (found.matches > 1 && !found.exact) {
        cli_error(command, wanted,
                  "ambiguous call id: %zu calls match it (%s, %s%s); give more characters"
                  " of the id",
                  found.matches, found.others[0], found.others[1],
                  found.matches > 2 ? ", ..." : "");
        goto done;
    }
    status = rpl_store_each_point(store, found.id, take_point, &points);
    if (points.oom) {
        cli_error(command, found.id, "out of memory");
        goto done;
    }
    if (status != RPL_OK) {
        cli_error(command, path, "%s", rpl_store_errmsg(store));
        goto done;
    }
    if (points.n == 0) {
        cli_error(command, found.id,
                  "no timeline stored for this call (state %s): nothing to"
                  " draw",
                  found.state);
        goto done;
    }
    rpl_store_alert_query aq = rpl_store_alert_query_default();
    aq.any_status = true;
    aq.filter.call_id = found.id;
    alerts.call_id = found.id;
    status = rpl_store_query_alerts(store, &aq, take_alert, &alerts);
    if (alerts.oom) {
        cli_error(command, found.id, "out of memory");
        goto done;
    }
    if (status != RPL_OK) {
        cli_error(command, path, "%s", rpl_store_errmsg(store));
        goto done;
    }
    rpl_store_close(store);
    store = NULL;
    if (alerts.n > 1) {
        qsort(alerts.a, alerts.n, sizeof *alerts.a, cmp_alert);
    }

    rpl_report_call call = {.call_id = found.id,
                            .source_file = found.source_file,
                            .agent = found.agent,
                            .customer = found.customer,
                            .channel_map = found.channel_map,
                            .model_version = found.model_version,
                            .state = found.state,
                            .started_unix_s = found.started_unix_s,
                            .started_from = found.started_from,
                            .duration_s = found.duration_s,
                            .points = points.p,
                            .point_count = points.n,
                            .alerts = alerts.a,
                            .alert_count = alerts.n};
    for (int k = 0; k < 3; k++) {
        const rpl_policy_rule *rule = &rules.kind[k];
        call.threshold[k] = rule->enabled ? rule->open : (double)NAN;
    }
    if (out_path == NULL) {
        /* report-<the id as the calls table shows it>.html, so that two tickets
         * TICKET-2026-11-0001 and -0002 do not overwrite one report; in a given id anything
         * but letters, digits, '.', '_' and '-' becomes '_' (a '/' would leave the folder, a
         * leading '.' hide the file) */
        char label[18];
        const char *shown = cli_call_id_label(found.id, label);
        size_t size = strlen(shown) + 16;
        default_out = malloc(size);
        if (default_out == NULL) {
            cli_error(command, found.id, "out of memory");
            goto done;
        }
        snprintf(default_out, size, "report-%s.html", shown);
        for (char *p = default_out + strlen("report-"); p[5] != '\0'; p++) {
            bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                         (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
            *p = plain ? *p : '_';
        }
        out_path = default_out;
    }
    rpl_report_geometry g;
    if (!write_report(out_path, &call, format, &g)) {
        goto done;
    }
    if (verbose) {
        fprintf(stderr,
                "rappel: report: geometry width_px=%d height_px=%d plot_x0=%g plot_x1=%g "
                "t_end_s=%.6g alert_y0=%g alert_y1=%g agent_y0=%g agent_y1=%g cross_y0=%g "
                "cross_y1=%g customer_y0=%g customer_y1=%g score_y0=%g score_y1=%g\n",
                g.width_px, g.height_px, g.plot_x0, g.plot_x1, g.t_end_s, g.alert_y0, g.alert_y1,
                g.agent_y0, g.agent_y1, g.cross_y0, g.cross_y1, g.customer_y0, g.customer_y1,
                g.score_y0, g.score_y1);
    }
    printf("%s\n", out_path);
    exit_code = fflush(stdout) == 0 ? RPL_EXIT_OK : RPL_EXIT_FAILURE;
done:
    rpl_store_close(store);
    free_call(&found);
    free(points.p);
    free_alerts(&alerts);
    free(default_out);
    return exit_code;
}
