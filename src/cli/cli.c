/* Shared command-line helpers: error format and number parsing. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *command, const char *object, const char *fmt, ...)
{
    va_list args;
    fprintf(stderr, "rappel: %s: ", command);
    if (object != NULL) {
        fprintf(stderr, "%s: ", object);
    }
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list args;
    fprintf(stderr, "rappel: %s: ", command);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\nTry 'rappel %s --help'.\n", command);
    return RPL_EXIT_USAGE;
}

int cli_unknown_option(const char *command, const struct option *options, bool takes_files,
                       int argc, char **argv, int at)
{
    /* getopt_long moves optind past an argument only once it has read its last short option:
     * after "-dash.wav" fails on 'd', optind is still on it, either where the call began (at) or
     * just past the files (non-options) it stepped over first. Otherwise the failed argument is
     * the one before optind. */
    const char *prev = argv[optind - 1];
    bool prev_is_option = prev[0] == '-' && prev[1] != '\0';
    const char *arg = optind < argc && (optind == at || !prev_is_option) ? argv[optind] : prev;
    if (arg[0] != '-' || arg[1] == '-') {
        return cli_usage_error(command, "unknown option '%s'", arg);
    }
    for (const struct option *o = options; o->name != NULL; o++) {
        size_t n = strlen(o->name);
        if (strncmp(arg + 1, o->name, n) == 0 && (arg[1 + n] == '\0' || arg[1 + n] == '=')) {
            return cli_usage_error(
                command, "unknown option '%s' (long options take two dashes: -%s)", arg, arg);
        }
    }
    if (takes_files) {
        return cli_usage_error(command,
                               "unknown option '%s' (a file whose name starts with '-': write "
                               "./%s, or put -- before it)",
                               arg, arg);
    }
    return cli_usage_error(command, "unknown option '%s'", arg);
}

bool cli_parse_long(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    if (text == NULL || *text == '\0') {
        return false;
    }
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max) {
        return false;
    }
    *out = value;
    return true;
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            return false;
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            return true;
        }
    }
    return false;
}
