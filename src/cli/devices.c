/* rappel devices: the capture devices PortAudio sees (index, name, host API, input channels,
 * default rate), as a table or JSON. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_live.h"
#include "cli/cli_store.h"
#include "source_live.h"

#define COMMAND "devices"

static void print_help(void)
{
    printf("usage: rappel devices [--json]\n\n"
           "List the capture devices: index, name, host API, input channels and default\n"
           "rate. 'rappel live --device NAME|INDEX' takes the name or the index; '*' marks\n"
           "the default input device.\n\n"
           "options:\n"
           "  --json   one JSON array of objects instead of the table\n\n"
           "exit status: 0 ok, 1 PortAudio failed, 2 usage\n");
}

typedef struct list_state {
    bool json;
    size_t count;
} list_state;

static int print_device(const rpl_live_device *d, void *user)
{
    list_state *s = user;
    if (s->json) {
        printf("%s\n{\"index\":%d,\"name\":", s->count > 0 ? "," : "", d->index);
        cli_json_string(stdout, d->name);
        printf(",\"host_api\":");
        cli_json_string(stdout, d->host_api);
        printf(",\"max_input_channels\":%d,\"default_rate_hz\":", d->max_input_channels);
        cli_json_number(stdout, d->default_rate_hz);
        printf(",\"default\":%s}", d->is_default ? "true" : "false");
    } else {
        if (s->count == 0) {
            printf("  index  name                                      host API      channels  "
                   "default rate\n");
        }
        printf("%s %5d  ", d->is_default ? "*" : " ", d->index);
        cli_table_cell(stdout, d->name, 40, false);
        printf("  ");
        cli_table_cell(stdout, d->host_api, 12, false);
        printf("  %8d  %7.0f Hz\n", d->max_input_channels, d->default_rate_hz);
    }
    s->count++;
    return 0;
}

int cli_devices(int argc, char **argv)
{
    static const struct option options[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    list_state s = {0};
    int opt;
    optind = 1;
    opterr = 0;
    for (int at = optind; (opt = getopt_long(argc, argv, ":h", options, NULL)) != -1; at = optind) {
        switch (opt) {
        case 'j':
            s.json = true;
            break;
        case 'h':
            print_help();
            return RPL_EXIT_OK;
        default:
            return cli_unknown_option(COMMAND, options, false, argc, argv, at);
        }
    }
    if (optind < argc) {
        return cli_usage_error(COMMAND, "unexpected argument '%s'", argv[optind]);
    }
    if (s.json) {
        printf("[");
    }
    char why[256] = "";
    /* PortAudio starts and stops in here: its host APIs' probing stays off stderr */
    int quiet = cli_live_quiet_begin();
    rpl_status st = rpl_live_devices(print_device, &s, why, sizeof why);
    cli_live_quiet_end(quiet);
    if (s.json) {
        printf("%s]\n", s.count > 0 ? "\n" : "");
    } else if (st == RPL_OK && s.count == 0) {
        printf("no capture device\n");
    }
    fflush(stdout);
    if (st != RPL_OK) {
        cli_error(COMMAND, NULL, "%s", why);
        return RPL_EXIT_FAILURE;
    }
    return RPL_EXIT_OK;
}
