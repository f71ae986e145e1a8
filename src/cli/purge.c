/* rappel purge: retention. Deletes the calls older than N days and everything that hangs off
 * them (statistics, timeline, alerts, history) in one transaction. */
#include "cli/cli.h"
#include "cli/cli_store.h"

#include <string.h>
#include <time.h>

static const char *const command = "purge";

static void print_help(FILE *out)
{
    fprintf(out, "usage: rappel purge --older-than DAYS [--dry-run] [--db PATH]\n"
                 "\n"
                 "Remove the calls that started more than DAYS days ago (0 to 36500) with their\n"
                 "statistics, timeline, alerts and alert history, in one transaction, and say\n"
                 "what went. --dry-run only says what would go. Alert ids are never reused.\n"
                 "The database is --db, else $RAPPEL_DB, else ./rappel.db.\n");
}

int cli_purge(int argc, char **argv)
{
    const char *db = NULL;
    long days = -1;
    bool dry_run = false;

    if (cli_wants_help(argc, argv)) {
        print_help(stdout);
        return RPL_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r = 0;
        if ((r = cli_take_value(argc, argv, &i, "--older-than", &v)) != 0) {
            if (r < 0 || !cli_parse_long(v, 0, 36500, &days)) {
                return cli_usage_error(command, "--older-than takes a number of days, 0 to 36500");
            }
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
        } else if ((r = cli_take_value(argc, argv, &i, "--db", &v)) != 0) {
            if (r < 0 || v[0] == '\0') {
                return cli_usage_error(command, "--db needs a path");
            }
            db = v;
        } else {
            return cli_usage_error(
                command, argv[i][0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'",
                argv[i]);
        }
    }
    if (days < 0) {
        return cli_usage_error(command, "--older-than DAYS is required");
    }
    const char *path = cli_db_path(db);
    rpl_store *store = cli_open_store(command, path, CLI_STORE_CHANGE);
    if (store == NULL) {
        return RPL_EXIT_FAILURE;
    }
    int64_t before = (int64_t)time(NULL) - (int64_t)days * 86400;
    rpl_store_purge_counts c;
    rpl_status status = rpl_store_purge(store, before, dry_run, &c);
    if (status != RPL_OK) {
        cli_error(command, path, "%s%s", rpl_store_errmsg(store), "; nothing was removed");
        rpl_store_close(store);
        return RPL_EXIT_FAILURE;
    }
    rpl_store_close(store);
    char when[32];
    cli_format_iso(before, when, sizeof when);
    printf("%s %zu call%s started before %s: %zu alert%s, %zu alert history %s, %zu timeline "
           "point%s, %zu channel statistic%s\n",
           dry_run ? "would remove" : "removed", c.calls, c.calls == 1 ? "" : "s", when, c.alerts,
           c.alerts == 1 ? "" : "s", c.history, c.history == 1 ? "entry" : "entries", c.points,
           c.points == 1 ? "" : "s", c.channels, c.channels == 1 ? "" : "s");
    if (c.unworked_alerts > 0) {
        printf("  %zu of those alerts %s still open or acknowledged: nobody had closed %s\n",
               c.unworked_alerts, c.unworked_alerts == 1 ? "was" : "were",
               c.unworked_alerts == 1 ? "it" : "them");
    }
    if (c.being_written > 0) {
        printf("  kept %zu call%s still being analysed (live); purge again once %s\n",
               c.being_written, c.being_written == 1 ? "" : "s",
               c.being_written == 1 ? "it ends" : "they end");
    }
    return RPL_EXIT_OK;
}
