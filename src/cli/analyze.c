/* rappel analyze: recorded calls through the whole analysis, stored, summarised.
 *
 * Each file is read twice: once for its identity (SHA-256 of the audio content) and to see
 * whether its channels are copies, then through the pipeline. The call, its per-party
 * statistics, its timeline and its alerts are stored in one transaction: a call is in the
 * store completely or not at all. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_pipeline.h"
#include "cli/cli_store.h"
#include "rappel/audio_digest.h"

#define COMMAND "analyze"

typedef struct analyze_options {
    const char *db;
    bool json;
    bool force;
    long customer_channel; /* -1: default */
    long agent_channel;    /* -1: default; -2: none */
    const char *call_id, *agent, *customer;
    const rpl_model *model;
    rpl_rules rules;
} analyze_options;

typedef struct stored_alert {
    rpl_pipeline_alert alert; /* evidence_json points to evidence below */
    char *evidence;
    int64_t id;
} stored_alert;

/* One call's results, gathered from the pipeline's events. */
typedef struct call_result {
    stored_alert *alerts;
    size_t alert_count, alert_cap;
    rpl_store_point *points;
    size_t point_count, point_cap;
    bool out_of_memory;
} call_result;

static void print_help(void)
{
    printf(
        "usage: rappel analyze FILE... [--db PATH] [--json] [--customer-channel N]\n"
        "                      [--agent-channel N|none] [--call-id ID] [--agent NAME]\n"
        "                      [--customer NAME] [--rules FILE] [--model FILE] [--force]\n\n"
        "Analyse recorded calls: pitch, voice, pauses, speaking rate, the customer's\n"
        "frustration, hesitation and fatigue against their own baseline, dead air and\n"
        "overtalk; store each call with its alerts, and print a summary.\n\n"
        "Channel map: a mono file is the customer (cross-party cues off); on stereo, channel 0\n"
        "is the agent and channel 1 the customer. A stereo file whose channels are identical\n"
        "is analysed as mono.\n\n"
        "options:\n"
        "  --db PATH              database (default $RAPPEL_DB, else ./rappel.db; created)\n"
        "  --json                 one JSON object per call and line instead of the summary\n"
        "  --customer-channel N   the customer's channel, from 0\n"
        "  --agent-channel N      the agent's channel, or 'none' to analyse the customer only\n"
        "  --call-id ID           the call's id (one FILE only; default: SHA-256 of the audio)\n"
        "  --agent NAME           agent name stored with the call (default: none)\n"
        "  --customer NAME        customer name or reference stored with the call\n"
        "  --rules FILE           alert policy (INI; default: the compiled-in rules)\n"
        "  --model FILE           scoring model parameters (default: the compiled-in model)\n"
        "  --force                analyse and store again a call that is already stored\n\n"
        "exit status: 0 ok, 1 a file could not be analysed or stored (the others are), 2 usage\n");
}

/* ---- gathering the pipeline's events ----------------------------------------------------- */

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap) {
        return true;
    }
    size_t cap2 = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, cap2 * size);
    if (p == NULL) {
        return false;
    }
    *items = p;
    *cap = cap2;
    return true;
}

static void on_alert(void *user, const rpl_pipeline_alert *alert)
{
    call_result *r = user;
    if (!alert->closed) {
        return; /* a recorded call is stored whole: only the final form of each alert */
    }
    if (!grow((void **)&r->alerts, &r->alert_cap, r->alert_count, sizeof *r->alerts)) {
        r->out_of_memory = true;
        return;
    }
    stored_alert *a = &r->alerts[r->alert_count];
    a->alert = *alert;
    a->evidence = strdup(alert->evidence_json);
    a->id = 0;
    if (a->evidence == NULL) {
        r->out_of_memory = true;
        return;
    }
    a->alert.evidence_json = a->evidence;
    r->alert_count++;
}

static void on_point(void *user, const rpl_store_point *point)
{
    call_result *r = user;
    if (!grow((void **)&r->points, &r->point_cap, r->point_count, sizeof *r->points)) {
        r->out_of_memory = true;
        return;
    }
    r->points[r->point_count++] = *point;
}

static void call_result_free(call_result *r)
{
    for (size_t i = 0; i < r->alert_count; i++) {
        free(r->alerts[i].evidence);
    }
    free(r->alerts);
    free(r->points);
    memset(r, 0, sizeof *r);
}

/* ---- output ------------------------------------------------------------------------------ */

static void json_score(const char *name, rpl_store_score s, bool last)
{
    printf("\"%s\":{\"max\":", name);
    cli_json_number(stdout, s.max);
    printf(",\"mean\":");
    cli_json_number(stdout, s.mean);
    printf("}%s", last ? "" : ",");
}

static void print_json(const char *call_id, const char *path, double duration_s,
                       const char *channel_map, const rpl_pipeline *pl, const call_result *r,
                       bool stored)
{
    printf("{\"call_id\":");
    cli_json_string(stdout, call_id);
    printf(",\"file\":");
    cli_json_string(stdout, path);
    printf(",\"duration_s\":");
    cli_json_number(stdout, duration_s);
    printf(",\"channel_map\":");
    cli_json_string(stdout, channel_map);
    printf(",\"model_version\":");
    cli_json_string(stdout, rpl_pipeline_model(pl)->version);
    printf(",\"stored\":%s,\"channels\":[", stored ? "true" : "false");
    bool first = true;
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
        rpl_store_channel_stats s;
        if (!rpl_pipeline_channel_stats(pl, (rpl_store_role)role, &s)) {
            continue;
        }
        printf("%s{\"role\":\"%s\",\"channel\":%d,\"speech_s\":", first ? "" : ",",
               rpl_store_role_name(s.role), s.channel);
        first = false;
        cli_json_number(stdout, s.speech_s);
        printf(",\"pauses\":{\"count\":%zu,\"total_s\":", s.pause_count);
        cli_json_number(stdout, s.pause_total_s);
        printf(",\"max_s\":");
        cli_json_number(stdout, s.pause_max_s);
        printf("},\"f0\":{\"median_hz\":");
        cli_json_number(stdout, s.f0_median_hz);
        printf(",\"sd_semitones\":");
        cli_json_number(stdout, s.f0_sd_st);
        printf("},\"speaking_rate_sps\":");
        cli_json_number(stdout, s.speaking_rate_sps);
        printf(",\"scores\":{");
        json_score("frustration", s.frustration, false);
        json_score("hesitation", s.hesitation, false);
        json_score("fatigue", s.fatigue, true);
        printf("}}");
    }
    printf("]");
    if (rpl_pipeline_stereo(pl)) {
        rpl_pipeline_cross_stats c;
        rpl_pipeline_cross_stats_get(pl, &c);
        printf(",\"cross_party\":{\"dead_air\":{\"count\":%zu,\"total_s\":", c.dead_air_count);
        cli_json_number(stdout, c.dead_air_s);
        printf("},\"overtalk\":{\"count\":%zu,\"total_s\":", c.overtalk_count);
        cli_json_number(stdout, c.overtalk_s);
        printf("},\"customer_latency_mean_s\":");
        cli_json_number(stdout, c.customer_latency_mean_s);
        printf(",\"talk_share_customer\":");
        cli_json_number(stdout, c.talk_share_customer);
        printf("}");
    }
    printf(",\"alerts\":[");
    for (size_t i = 0; i < r->alert_count; i++) {
        const stored_alert *a = &r->alerts[i];
        printf("%s{\"id\":", i > 0 ? "," : "");
        if (a->id > 0) {
            printf("%lld", (long long)a->id);
        } else {
            printf("null");
        }
        printf(",\"kind\":\"%s\",\"role\":\"%s\",\"t_start_s\":",
               rpl_store_kind_name(a->alert.kind), rpl_store_role_name(a->alert.role));
        cli_json_number(stdout, a->alert.t_start_s);
        printf(",\"t_end_s\":");
        cli_json_number(stdout, a->alert.t_end_s);
        printf(",\"score\":");
        cli_json_number(stdout, a->alert.score);
        printf(",\"evidence\":%s}", a->evidence);
    }
    printf("]}\n");
}

static void print_score_line(const rpl_store_channel_stats *s)
{
    printf("      scores (max/mean): frustration %.2f/%.2f  hesitation %.2f/%.2f  fatigue "
           "%.2f/%.2f\n",
           s->frustration.max, s->frustration.mean, s->hesitation.max, s->hesitation.mean,
           s->fatigue.max, s->fatigue.mean);
}

static void print_summary(const char *call_id, const char *path, double duration_s,
                          const char *channel_map, const rpl_pipeline *pl, const call_result *r,
                          bool stored)
{
    char length[32];
    cli_format_offset(duration_s, length, sizeof length);
    printf("%s  %s  %s  %s%s\n", path, length, channel_map, call_id,
           stored ? "" : "  (not stored)");
    for (int role = RPL_STORE_ROLE_CUSTOMER; role >= RPL_STORE_ROLE_AGENT; role--) {
        rpl_store_channel_stats s;
        if (!rpl_pipeline_channel_stats(pl, (rpl_store_role)role, &s)) {
            continue;
        }
        printf("  %-8s speech %.1f s, F0 median %.0f Hz (sd %.1f st), %.1f syllables/s, "
               "%zu pauses (longest %.1f s)\n",
               rpl_store_role_name(s.role), s.speech_s, s.f0_median_hz, s.f0_sd_st,
               s.speaking_rate_sps, s.pause_count, s.pause_max_s);
        print_score_line(&s);
    }
    if (rpl_pipeline_stereo(pl)) {
        rpl_pipeline_cross_stats c;
        rpl_pipeline_cross_stats_get(pl, &c);
        printf("  between   dead air %zu (%.1f s), overtalk %zu (%.1f s), customer answers after "
               "%.1f s on average, customer talk share %.0f %%\n",
               c.dead_air_count, c.dead_air_s, c.overtalk_count, c.overtalk_s,
               c.customer_latency_mean_s, 100.0 * c.talk_share_customer);
    }
    if (r->alert_count == 0) {
        printf("  no alert\n");
    }
    for (size_t i = 0; i < r->alert_count; i++) {
        const stored_alert *a = &r->alerts[i];
        char from[32], to[32];
        cli_format_offset(a->alert.t_start_s, from, sizeof from);
        cli_format_offset(a->alert.t_end_s, to, sizeof to);
        printf("  alert");
        if (a->id > 0) {
            printf(" #%lld", (long long)a->id);
        }
        printf(" %s %s %s-%s score %.2f  %s\n", rpl_store_kind_name(a->alert.kind),
               rpl_store_role_name(a->alert.role), from, to, a->alert.score, a->evidence);
    }
}

/* ---- storing ----------------------------------------------------------------------------- */

/* Store the call in one transaction. Returns false (after printing why) on failure. */
static bool store_call(rpl_store *store, const char *path, const rpl_store_call_info *info,
                       double duration_s, const rpl_pipeline *pl, call_result *r, bool force,
                       bool *stored)
{
    *stored = false;
    rpl_store_call_state state;
    rpl_status status = rpl_store_begin(store);
    if (status == RPL_OK) {
        status = rpl_store_get_call_state(store, info->id, &state);
        if (status == RPL_OK && state == RPL_STORE_CALL_DONE && !force) {
            rpl_store_rollback(store);
            fprintf(stderr,
                    "rappel: %s: %s: already stored as call %s; not stored again (--force "
                    "replaces it)\n",
                    COMMAND, path, info->id);
            return true;
        }
        status = status == RPL_OK              ? rpl_store_delete_call(store, info->id)
                 : status == RPL_ERR_NOT_FOUND ? RPL_OK
                                               : status;
    }
    if (status == RPL_OK) {
        status = rpl_store_begin_call(store, info);
    }
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER && status == RPL_OK;
         role++) {
        rpl_store_channel_stats s;
        if (rpl_pipeline_channel_stats(pl, (rpl_store_role)role, &s)) {
            status = rpl_store_add_channel(store, info->id, &s);
        }
    }
    if (status == RPL_OK) {
        status = rpl_store_add_timeline(store, info->id, r->points, r->point_count);
    }
    for (size_t i = 0; i < r->alert_count && status == RPL_OK; i++) {
        stored_alert *a = &r->alerts[i];
        rpl_store_alert_info alert = {
            .kind = a->alert.kind,
            .role = a->alert.role,
            .t_start_s = a->alert.t_start_s,
            .t_end_s = a->alert.t_end_s,
            .score = a->alert.score,
            .priority = a->alert.kind <= RPL_STORE_KIND_FATIGUE ? 50 : 10,
            .evidence_json = a->evidence,
            .model_version = info->model_version,
        };
        status = rpl_store_add_alert(store, info->id, &alert, &a->id);
    }
    if (status == RPL_OK) {
        status = rpl_store_finish_call(store, info->id, duration_s);
    }
    if (status == RPL_OK) {
        status = rpl_store_commit(store);
    }
    if (status != RPL_OK) {
        cli_error(COMMAND, path, "cannot store the call: %s", rpl_store_errmsg(store));
        rpl_store_rollback(store);
        for (size_t i = 0; i < r->alert_count; i++) {
            r->alerts[i].id = 0;
        }
        return false;
    }
    *stored = true;
    return true;
}

/* ---- one file ---------------------------------------------------------------------------- */

static int analyse_file(const char *path, const analyze_options *o, rpl_store *store)
{
    char why[256] = "";
    rpl_audio_digest digest;
    rpl_status status = rpl_audio_digest_file(path, NULL, &digest, why, sizeof why);
    if (status != RPL_OK) {
        cli_error(COMMAND, path, "%s", why);
        return RPL_EXIT_FAILURE;
    }
    int channels = digest.info.channels;
    rpl_pipeline_config cfg = rpl_pipeline_config_default(channels);
    cfg.input_rate_hz = digest.info.sample_rate_hz;
    cfg.model = o->model;
    cfg.rules = o->rules;
    if (o->customer_channel >= 0) {
        cfg.customer_channel = (int)o->customer_channel;
    }
    if (o->agent_channel >= 0) {
        cfg.agent_channel = (int)o->agent_channel;
    } else if (o->agent_channel == -2) {
        cfg.agent_channel = -1;
    } else if (o->customer_channel >= 0 && channels == 2) {
        cfg.agent_channel = 1 - cfg.customer_channel;
    }
    if (cfg.customer_channel >= channels || cfg.agent_channel >= channels) {
        cli_error(COMMAND, path, "channel %d is out of range: the file has %d channel%s",
                  cfg.customer_channel >= channels ? cfg.customer_channel : cfg.agent_channel,
                  channels, channels == 1 ? "" : "s");
        return RPL_EXIT_FAILURE;
    }
    if (cfg.agent_channel == cfg.customer_channel) {
        cli_error(COMMAND, path, "the agent and the customer cannot be the same channel (%d)",
                  cfg.customer_channel);
        return RPL_EXIT_FAILURE;
    }
    if (digest.channels_identical && cfg.agent_channel >= 0) {
        fprintf(stderr,
                "rappel: %s: %s: warning: the %d channels are identical: analysed as mono "
                "(the customer); cross-party cues are off\n",
                COMMAND, path, channels);
        cfg.agent_channel = -1;
    } else if (cfg.agent_channel < 0) {
        fprintf(stderr,
                "rappel: %s: %s: warning: no agent channel: analysed as the customer alone; "
                "dead air, overtalk and response latency are off\n",
                COMMAND, path);
    }
    char channel_map[64];
    if (cfg.agent_channel >= 0) {
        snprintf(channel_map, sizeof channel_map, "agent=%d,customer=%d", cfg.agent_channel,
                 cfg.customer_channel);
    } else {
        snprintf(channel_map, sizeof channel_map, "customer=%d", cfg.customer_channel);
    }

    rpl_pipeline *pl = NULL;
    rpl_source_file *src = NULL;
    call_result result = {0};
    rpl_pipeline_sink sink = {.on_alert = on_alert, .on_point = on_point, .user = &result};
    int exit_status = RPL_EXIT_FAILURE;
    status = rpl_pipeline_create(&cfg, &pl);
    if (status != RPL_OK) {
        cli_error(COMMAND, path, "%s", rpl_strerror(status));
        goto done;
    }
    status = rpl_source_file_open(path, NULL, &src, why, sizeof why);
    if (status == RPL_OK) {
        status = cli_feed_file(src, pl, &sink, why, sizeof why);
    }
    if (status == RPL_OK) {
        status = rpl_pipeline_finish(pl, &sink);
        snprintf(why, sizeof why, "%s", rpl_strerror(status));
    }
    if (status == RPL_OK && result.out_of_memory) {
        status = RPL_ERR_NO_MEMORY;
        snprintf(why, sizeof why, "%s", rpl_strerror(status));
    }
    if (status != RPL_OK) {
        cli_error(COMMAND, path, "%s", why);
        goto done;
    }
    double duration_s = (double)digest.info.frames / digest.info.sample_rate_hz;
    const char *call_id = o->call_id != NULL ? o->call_id : digest.sha256_hex;
    rpl_store_call_info info = {
        .id = call_id,
        .source_file = path,
        .agent = o->agent,
        .customer = o->customer,
        .started_unix_s = 0,
        .channel_map = channel_map,
        .model_version = rpl_pipeline_model(pl)->version,
    };
    bool stored = false;
    bool ok = store_call(store, path, &info, duration_s, pl, &result, o->force, &stored);
    if (o->json) {
        print_json(call_id, path, duration_s, channel_map, pl, &result, stored);
    } else {
        print_summary(call_id, path, duration_s, channel_map, pl, &result, stored);
    }
    exit_status = ok ? RPL_EXIT_OK : RPL_EXIT_FAILURE;
done:
    call_result_free(&result);
    rpl_source_file_close(src);
    rpl_pipeline_destroy(pl);
    return exit_status;
}

static bool parse_channel(const char *text, bool allow_none, long *out)
{
    if (allow_none && strcmp(text, "none") == 0) {
        *out = -2;
        return true;
    }
    return cli_parse_long(text, 0, RPL_MAX_CHANNELS - 1, out);
}

int cli_analyze(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"customer-channel", required_argument, NULL, 'c'},
        {"agent-channel", required_argument, NULL, 'a'},
        {"call-id", required_argument, NULL, 'i'},
        {"agent", required_argument, NULL, 'A'},
        {"customer", required_argument, NULL, 'C'},
        {"rules", required_argument, NULL, 'r'},
        {"model", required_argument, NULL, 'm'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    analyze_options o = {.customer_channel = -1, .agent_channel = -1};
    o.rules = rpl_rules_default();
    const char *rules_path = NULL;
    const char *model_path = NULL;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (opt) {
        case 'd':
            o.db = optarg;
            break;
        case 'j':
            o.json = true;
            break;
        case 'c':
            if (!parse_channel(optarg, false, &o.customer_channel)) {
                return cli_usage_error(COMMAND, "--customer-channel wants a channel from 0 to %d",
                                       RPL_MAX_CHANNELS - 1);
            }
            break;
        case 'a':
            if (!parse_channel(optarg, true, &o.agent_channel)) {
                return cli_usage_error(COMMAND,
                                       "--agent-channel wants a channel from 0 to %d or "
                                       "'none'",
                                       RPL_MAX_CHANNELS - 1);
            }
            break;
        case 'i':
            o.call_id = optarg;
            break;
        case 'A':
            o.agent = optarg;
            break;
        case 'C':
            o.customer = optarg;
            break;
        case 'r':
            rules_path = optarg;
            break;
        case 'm':
            model_path = optarg;
            break;
        case 'f':
            o.force = true;
            break;
        case 'h':
            print_help();
            return RPL_EXIT_OK;
        case ':':
            return cli_usage_error(COMMAND, "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(COMMAND, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind == argc) {
        return cli_usage_error(COMMAND, "no FILE given");
    }
    if (o.call_id != NULL && argc - optind > 1) {
        return cli_usage_error(COMMAND, "--call-id names one call: give one FILE");
    }
    if (o.call_id != NULL && (o.call_id[0] == '\0' || strlen(o.call_id) > RPL_STORE_NAME_MAX)) {
        return cli_usage_error(COMMAND, "--call-id wants 1 to %d bytes", RPL_STORE_NAME_MAX);
    }
    if (rules_path != NULL) {
        char why[512] = "";
        if (rpl_rules_load_file(rules_path, &o.rules, why, sizeof why) != RPL_OK) {
            cli_error(COMMAND, NULL, "%s", why);
            return RPL_EXIT_FAILURE;
        }
    }
    rpl_model model;
    if (model_path != NULL) {
        if (!cli_load_model(COMMAND, model_path, &model)) {
            return RPL_EXIT_FAILURE;
        }
        o.model = &model;
    }
    const char *db_path = cli_db_path(o.db);
    rpl_store *store = cli_open_store(COMMAND, db_path, true);
    if (store == NULL) {
        return RPL_EXIT_FAILURE;
    }
    int exit_status = RPL_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        if (analyse_file(argv[i], &o, store) != RPL_EXIT_OK) {
            exit_status = RPL_EXIT_FAILURE;
        }
        fflush(stdout);
    }
    rpl_store_close(store);
    if (ferror(stdout)) {
        cli_error(COMMAND, "stdout", "write failed");
        return RPL_EXIT_FAILURE;
    }
    return exit_status;
}
