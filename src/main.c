/* rappel: dispatch to one subcommand (src/cli/<command>.c). */
#include "cli/cli.h"

#include <signal.h>
#include <string.h>

typedef struct {
    const char *name;
    cli_command_fn run;
    const char *summary;
} command_entry;

static const command_entry commands[] = {
    {"analyze", cli_analyze, "analyse recorded calls, store them and their alerts, summarise"},
    {"batch", cli_batch, "many recorded calls in parallel, resumable, with progress"},
    {"features", cli_features, "frame-wise prosodic features of one recording (10 ms rows)"},
    {"alerts", cli_alerts, "the follow-up list; show, acknowledge, close or dismiss alerts"},
    {"calls", cli_calls, "analysed calls, their state and alert counts"},
    {"purge", cli_purge, "retention: remove calls older than N days and all that hangs off them"},
    {"live", cli_live, "analyse a call as it happens from a capture device, alerts at once"},
    {"replay", cli_replay, "a recorded call through the live pipeline at real-time pace"},
    {"devices", cli_devices, "capture devices: index, name, host API, channels, default rate"},
    {"cues", cli_cues, "the models' window cues and scores of recordings (training export)"},
    {"report", cli_report, "a picture of one call: pitch, energy, pauses, scores, alerts"},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: rappel <command> [options]\n"
                 "       rappel --help | --version\n\n"
                 "rappel listens to customer calls and tells a human when to call back.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n'rappel <command> --help' describes one command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return RPL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return RPL_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("rappel %s\n", RPL_VERSION);
        return RPL_EXIT_OK;
    }
    /* A write past a file-size limit (ulimit -f) must fail with EFBIG and be reported as such
     * (store, report), not kill rappel with SIGXFSZ in the middle of a transaction. */
    signal(SIGXFSZ, SIG_IGN);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "rappel: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return RPL_EXIT_USAGE;
}
