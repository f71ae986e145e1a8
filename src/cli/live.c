/* rappel live: a call analysed as it happens, from a PortAudio capture device.
 *
 * Capture callback -> ring -> analysis thread -> event queue -> store thread (src/live.h,
 * src/source_live.h). The main thread only watches: the status line, signals, --duration,
 * and the stream's health (a device that stops delivering for 2 s is gone: the call is
 * closed with what was heard, marked failed with the reason, and the exit status is 1). */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_live.h"
#include "cli/cli_store.h"
#include "rappel/source_file.h"
#include "source_live.h"

#define COMMAND "live"

/* A device silent this long is taken as gone; PulseAudio's worst start-up wait is ~2 s
 * (shared/ci/README.md), so the first callback gets more. */
#define STALL_S 2.0
#define FIRST_CALLBACK_S 5.0

static void print_help(void)
{
    printf("usage: rappel live [--device NAME|INDEX] [--rate HZ] [--channels 1|2]\n"
           "                   [--customer-channel N] [--agent-channel N|none] [--call-id ID]\n"
           "                   [--agent NAME] [--customer NAME] [--duration S]\n"
           "                   [--rules FILE] [--model FILE] [--db PATH]\n\n"
           "Listen to a call as it happens (PortAudio capture), show a status line and store\n"
           "every alert the moment it is raised. Stereo: channel 0 the agent, channel 1 the\n"
           "customer (as the softphone gives them); mono: the customer alone, cross-party cues\n"
           "off. If the device refuses --rate, its default rate is used and resampled.\n"
           "The status line's gauges are provisional: they follow the audio within a block\n"
           "(40 ms); the alerts come from the final analysis, 0.7 s behind it.\n\n"
           "options:\n"
           "  --device NAME|INDEX    capture device (default: the default input; see 'rappel "
           "devices')\n"
           "  --rate HZ              capture rate, 8000..192000 (default: the device's)\n"
           "  --channels 1|2         channels to capture (default 2 when the device has them)\n"
           "  --duration S           stop after S seconds (default: until SIGINT/SIGTERM)\n"
           "  --db PATH              database (default $RAPPEL_DB, else ./rappel.db)\n"
           "  --call-id ID           the call's id (default live-<time>-<pid>)\n"
           "  --agent NAME, --customer NAME   stored with the call\n"
           "  --customer-channel N, --agent-channel N|none   channel map\n"
           "  --rules FILE, --model FILE      alert policy and model (default compiled-in)\n\n"
           "exit status: 0 ok, 1 runtime failure (device, database), 2 usage\n");
}

int cli_live(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_LIVE_LONG_OPTIONS,
        {"device", required_argument, NULL, 'D'},
        {"rate", required_argument, NULL, 'R'},
        {"channels", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_live_options o = {.customer_channel = -1, .agent_channel = -1};
    rpl_source_live_config scfg = {0};
    long v = 0;
    int opt;
    optind = 1;
    opterr = 0;
    for (int at = optind; (opt = getopt_long(argc, argv, ":h", options, NULL)) != -1; at = optind) {
        int taken = cli_live_take_option(COMMAND, opt, optarg, &o);
        if (taken < 0) {
            return -taken;
        }
        if (taken > 0) {
            continue;
        }
        switch (opt) {
        case 'D':
            scfg.device = optarg;
            break;
        case 'R':
            if (!cli_parse_long(optarg, RPL_MIN_RATE_HZ, RPL_MAX_RATE_HZ, &v)) {
                return cli_usage_error(COMMAND, "--rate wants Hz from %d to %d", RPL_MIN_RATE_HZ,
                                       RPL_MAX_RATE_HZ);
            }
            scfg.rate_hz = (double)v;
            break;
        case 'N':
            if (!cli_parse_long(optarg, 1, 2, &v)) {
                return cli_usage_error(COMMAND, "--channels wants 1 or 2");
            }
            scfg.channels = (int)v;
            break;
        case 'h':
            print_help();
            return RPL_EXIT_OK;
        case ':':
            return cli_usage_error(COMMAND, "%s needs a value", argv[optind - 1]);
        default:
            return cli_unknown_option(COMMAND, options, false, argc, argv, at);
        }
    }
    if (optind < argc) {
        return cli_usage_error(COMMAND, "unexpected argument '%s'", argv[optind]);
    }
    rpl_model model;
    rpl_pipeline_config pcfg = rpl_pipeline_config_default(1);
    if (o.call_id != NULL && (o.call_id[0] == '\0' || strlen(o.call_id) > RPL_STORE_NAME_MAX)) {
        return cli_usage_error(COMMAND, "--call-id wants 1 to %d bytes", RPL_STORE_NAME_MAX);
    }
    if (!cli_live_prepare(COMMAND, &o, &model, &pcfg)) {
        return RPL_EXIT_FAILURE;
    }

    char why[512] = "";
    rpl_source_live *src = NULL;
    /* before any thread runs: PortAudio's probing of every device stays off stderr */
    int quiet = cli_live_quiet_begin();
    rpl_status opened = rpl_source_live_open(&scfg, &src, why, sizeof why);
    cli_live_quiet_end(quiet);
    if (opened != RPL_OK) {
        cli_error(COMMAND, "device", "%s", why);
        return RPL_EXIT_FAILURE;
    }
    const rpl_source_live_info *info = rpl_source_live_info_get(src);
    if (info->rate_fallback) {
        fprintf(stderr,
                "rappel: %s: %s: warning: the device refuses %.0f Hz (%s): capturing at its "
                "default %.0f Hz%s\n",
                COMMAND, info->device_name, scfg.rate_hz, info->refused_why, info->rate_hz,
                info->rate_hz != 8000.0 ? ", resampled to 8000 Hz for analysis" : "");
    }
    char map[64];
    if (!cli_live_channel_map(COMMAND, info->device_name, &o, info->channels, false, &pcfg, map,
                              sizeof map)) {
        rpl_source_live_close(src);
        return RPL_EXIT_FAILURE;
    }
    pcfg.input_rate_hz = info->rate_hz;

    char call_id[96];
    if (o.call_id == NULL) {
        char host[64] = "";
        gethostname(host, sizeof host - 1);
        snprintf(call_id, sizeof call_id, "live-%.40s-%lld-%ld", host, (long long)time(NULL),
                 (long)getpid());
    }
    const char *id = o.call_id != NULL ? o.call_id : call_id;
    cli_live_ui ui;
    cli_live_ui_init(&ui, COMMAND);
    rpl_live_config lcfg = rpl_live_config_default(info->channels);
    lcfg.pipeline = pcfg;
    lcfg.db_path = cli_db_path(o.db);
    lcfg.call = (rpl_store_call_info){.id = id,
                                      .agent = o.agent,
                                      .customer = o.customer,
                                      .channel_map = map,
                                      .started_from = "live"}; /* its start is the capture's */
    lcfg.on_event = cli_live_on_event;
    lcfg.user = &ui;
    rpl_live *live = NULL;
    if (rpl_live_create(&lcfg, &live, why, sizeof why) != RPL_OK) {
        cli_error(COMMAND, NULL, "%s", why);
        rpl_source_live_close(src);
        cli_live_ui_destroy(&ui);
        return RPL_EXIT_FAILURE;
    }
    cli_live_signals_install();
    int exit_status = RPL_EXIT_OK;
    char reason[600] = "";
    const char *fail_reason = NULL;
    if (rpl_source_live_start(src, rpl_live_ring(live), why, sizeof why) != RPL_OK) {
        snprintf(reason, sizeof reason, "%s", why);
        fail_reason = reason;
        cli_live_ui_message(&ui, "%s", why);
        exit_status = RPL_EXIT_FAILURE;
    } else {
        fprintf(stderr,
                "rappel: %s: capturing from %s (%s), %d channel%s at %.0f Hz (%s); call %s\n",
                COMMAND, info->device_name, info->host_api, info->channels,
                info->channels == 1 ? "" : "s", info->rate_hz, map, id);
    }
    double t0 = cli_live_now_s(), cpu0 = cli_live_cpu_s();
    while (fail_reason == NULL && !cli_live_stop_signal() && !rpl_live_analysis_done(live)) {
        double elapsed = cli_live_now_s() - t0;
        if (o.duration_s > 0 && elapsed >= o.duration_s) {
            break;
        }
        double stall = rpl_source_live_callbacks(src) == 0 ? FIRST_CALLBACK_S : STALL_S;
        if (!rpl_source_live_alive(src, stall, why, sizeof why)) {
            snprintf(reason, sizeof reason, "capture failed after %.1f s: %s", elapsed, why);
            fail_reason = reason;
            cli_live_ui_message(&ui, "%s", reason);
            exit_status = RPL_EXIT_FAILURE;
            break;
        }
        double left = o.duration_s > 0 ? o.duration_s - elapsed : 1.0;
        cli_live_sleep(fmin(cli_live_tick_s(&ui), fmax(left, 0.001)));
        cli_live_ui_tick(&ui, live, cli_live_now_s() - t0);
    }
    rpl_source_live_stop(src);
    if (cli_live_stop_signal()) {
        cli_live_ui_message(&ui, "stopped by signal %d: closing the call", cli_live_stop_signal());
    }
    uint64_t overflows = rpl_source_live_input_overflows(src);
    rpl_status st = rpl_live_finish(live, fail_reason, why, sizeof why);
    double wall = cli_live_now_s() - t0, cpu = cli_live_cpu_s() - cpu0;
    cli_live_ui_end(&ui);
    if (st != RPL_OK) {
        cli_error(COMMAND, id, "%s", why);
        exit_status = RPL_EXIT_FAILURE;
    }
    if (overflows > 0) {
        fprintf(stderr, "rappel: %s: warning: the device reported %llu input overflow%s\n", COMMAND,
                (unsigned long long)overflows, overflows == 1 ? "" : "s");
    }
    cli_live_summary(&ui, live, id, wall, cpu);
    rpl_live_destroy(live);
    rpl_source_live_close(src);
    cli_live_ui_destroy(&ui);
    return exit_status;
}
