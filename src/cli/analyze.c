/* rappel analyze: recorded calls through the whole analysis, stored, summarised, one after
 * the other. The work on each file (identity, channel map, pipeline, the one-transaction
 * store, the output) is cli_call.c's, shared with `rappel batch`. The call's id (the digest
 * of its audio) is needed only to store it, so it is computed on the analysis pass: each
 * file is decoded once. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_call.h"
#include "cli/cli_pipeline.h"
#include "cli/cli_store.h"

#define COMMAND "analyze"

static void print_help(void)
{
    printf(
        "usage: rappel analyze FILE... [--db PATH] [--json] [--customer-channel N]\n"
        "                      [--agent-channel N|none] [--call-id ID] [--agent NAME]\n"
        "                      [--customer NAME] [--started TIME] [--rules FILE]\n"
        "                      [--model FILE] [--force]\n\n"
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
        "  --started TIME         when the call took place (one FILE only; ISO 8601, local\n"
        "                         time without a zone). Default: the recording's own date\n"
        "                         (Broadcast WAVE chunk, date tag), else a date and time in\n"
        "                         its file name (20261124-143005, 2026-11-24_14-30-05, ...),\n"
        "                         else now\n"
        "  --rules FILE           alert policy (INI; default: the compiled-in rules)\n"
        "  --model FILE           scoring model parameters (default: the compiled-in model)\n"
        "  --force                analyse and store again a call that is already stored\n\n"
        "exit status: 0 ok, 1 a file could not be analysed or stored (the others are), 2 usage\n");
}

/* ---- one file ---------------------------------------------------------------------------- */

static int analyse_file(const char *path, const cli_call_options *o, bool json, bool force,
                        rpl_store *store)
{
    cli_call call;
    if (!cli_call_init(&call, path)) {
        cli_error(COMMAND, path, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_EXIT_FAILURE;
    }
    int exit_status = RPL_EXIT_FAILURE;
    if (cli_call_identify(&call, o) != RPL_OK) {
        cli_error(COMMAND, path, "%s", call.why);
        goto done;
    }
    rpl_status status = cli_call_analyse(&call, o, NULL);
    /* A file that cannot be read to its end is refused without its channel notes, as when
     * its digest was read before the analysis; the notes of a file read come before its
     * result, as before. */
    bool unreadable =
        status == RPL_ERR_BAD_SAMPLES || (status == RPL_ERR_IO && call.spool_errno == 0);
    if (call.note[0] != '\0' && !unreadable) {
        fprintf(stderr, "rappel: %s: %s: %s\n", COMMAND, path, call.note);
    }
    if (status != RPL_OK) {
        cli_error(COMMAND, path, "%s", call.why);
        goto done;
    }
    cli_store_result r = cli_call_store(store, &call, o, force);
    if (r == CLI_STORE_ALREADY) {
        fprintf(stderr,
                "rappel: %s: %s: already stored as call %s; not stored again (--force "
                "analyses it again)\n",
                COMMAND, path, call.stored_as);
    } else if (r == CLI_STORE_FAILED) {
        cli_error(COMMAND, path, "%s", call.why);
    } else if (call.store_note[0] != '\0') {
        fprintf(stderr, "rappel: %s: %s: %s\n", COMMAND, path, call.store_note);
    }
    bool stored = r == CLI_STORE_STORED;
    if (json) {
        cli_call_print_json(stdout, &call, stored);
    } else {
        cli_call_print_summary(stdout, &call, stored);
    }
    exit_status = r == CLI_STORE_FAILED ? RPL_EXIT_FAILURE : RPL_EXIT_OK;
done:
    cli_call_free(&call);
    return exit_status;
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
        {"started", required_argument, NULL, 's'},
        {"rules", required_argument, NULL, 'r'},
        {"model", required_argument, NULL, 'm'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_call_options o = {.customer_channel = -1, .agent_channel = -1};
    o.rules = rpl_rules_default();
    const char *db = NULL;
    bool json = false, force = false;
    const char *rules_path = NULL;
    const char *model_path = NULL;
    int opt;
    optind = 1;
    opterr = 0;
    for (int at = optind; (opt = getopt_long(argc, argv, ":h", options, NULL)) != -1; at = optind) {
        switch (opt) {
        case 'd':
            db = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'c':
            if (!cli_call_parse_channel(optarg, false, &o.customer_channel)) {
                return cli_usage_error(COMMAND, "--customer-channel wants a channel from 0 to %d",
                                       RPL_MAX_CHANNELS - 1);
            }
            break;
        case 'a':
            if (!cli_call_parse_channel(optarg, true, &o.agent_channel)) {
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
        case 's':
            if (!cli_parse_time(optarg, (int64_t)time(NULL), &o.started_unix_s) ||
                o.started_unix_s <= 0) {
                return cli_usage_error(COMMAND,
                                       "--started wants a date and time such as "
                                       "2026-11-24T14:30:05 (local) or 2026-11-24T13:30:05Z");
            }
            break;
        case 'r':
            rules_path = optarg;
            break;
        case 'm':
            model_path = optarg;
            break;
        case 'f':
            force = true;
            break;
        case 'h':
            print_help();
            return RPL_EXIT_OK;
        case ':':
            return cli_usage_error(COMMAND, "%s needs a value", argv[optind - 1]);
        default:
            return cli_unknown_option(COMMAND, options, true, argc, argv, at);
        }
    }
    if (optind == argc) {
        return cli_usage_error(COMMAND, "no FILE given");
    }
    if (o.call_id != NULL && argc - optind > 1) {
        return cli_usage_error(COMMAND, "--call-id names one call: give one FILE");
    }
    if (o.started_unix_s != 0 && argc - optind > 1) {
        return cli_usage_error(COMMAND, "--started dates one call: give one FILE");
    }
    if (o.call_id != NULL && (o.call_id[0] == '\0' || strlen(o.call_id) > RPL_STORE_NAME_MAX)) {
        return cli_usage_error(COMMAND, "--call-id wants 1 to %d bytes", RPL_STORE_NAME_MAX);
    }
    if (rules_path != NULL && !cli_load_rules(COMMAND, rules_path, &o.rules)) {
        return RPL_EXIT_FAILURE;
    }
    rpl_model model;
    if (model_path != NULL) {
        if (!cli_load_model(COMMAND, model_path, &model)) {
            return RPL_EXIT_FAILURE;
        }
        o.model = &model;
    }
    const char *db_path = cli_db_path(db);
    rpl_store *store = cli_open_store(COMMAND, db_path, CLI_STORE_APPEND);
    if (store == NULL) {
        return RPL_EXIT_FAILURE;
    }
    int exit_status = RPL_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        if (analyse_file(argv[i], &o, json, force, store) != RPL_EXIT_OK) {
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
