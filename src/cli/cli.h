/* rappel command line: shared conventions for every command (src/cli/<command>.c).
 *
 * Exit status: 0 ok, 1 runtime failure, 2 usage. Errors go to stderr as
 * "rappel: <command>: <object>: <reason>"; data goes to stdout.
 */
#ifndef RAPPEL_CLI_H
#define RAPPEL_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum { RPL_EXIT_OK = 0, RPL_EXIT_FAILURE = 1, RPL_EXIT_USAGE = 2 };

/* One entry per subcommand; argv[0] is the command name. Returns an exit status. */
typedef int (*cli_command_fn)(int argc, char **argv);

int cli_features(int argc, char **argv);
int cli_alerts(int argc, char **argv);
int cli_calls(int argc, char **argv);
int cli_purge(int argc, char **argv);
int cli_cues(int argc, char **argv);
int cli_analyze(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_live(int argc, char **argv);
int cli_replay(int argc, char **argv);
int cli_devices(int argc, char **argv);
int cli_batch(int argc, char **argv);

/* "rappel: <command>: <object>: <message>\n" on stderr; object may be NULL. */
void cli_error(const char *command, const char *object, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A usage error: the message, then a pointer to --help; returns RPL_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct option;

/* The usage error for getopt_long's '?' (opterr = 0): "unknown option 'ARG'" naming the argument
 * as typed, with a hint when it has one dash: the long option it spells ("-json": two dashes), or
 * else, if the command takes files (takes_files), how to name a file that starts with '-'.
 * options: the command's table; at: optind before the getopt_long call that returned '?'.
 * Returns RPL_EXIT_USAGE. */
int cli_unknown_option(const char *command, const struct option *options, bool takes_files,
                       int argc, char **argv, int at);

/* Parse a whole decimal integer within [min, max]; false on any other text. */
bool cli_parse_long(const char *text, long min, long max, long *out);

/* True when argv holds -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);

#endif
