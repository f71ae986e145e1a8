/* Helpers shared by the commands that read or change the store (alerts, calls, purge):
 * database path, opening with the CLI's error format, option values, times, and the
 * table/CSV/JSON writers. */
#ifndef RAPPEL_CLI_STORE_H
#define RAPPEL_CLI_STORE_H

#include "rappel/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON, CLI_FORMAT_JSONL } cli_format;

/* Rows a table shows when --limit is not given (CSV/JSON have no default limit). */
enum { CLI_TABLE_DEFAULT_LIMIT = 100 };

/* The database path: the --db value when given, else $RAPPEL_DB when set and not empty, else
 * "rappel.db" in the current folder. Never NULL. */
const char *cli_db_path(const char *option);

typedef enum cli_store_use {
    CLI_STORE_READ,   /* list, export, draw: read-only, so read access to the file is enough */
    CLI_STORE_CHANGE, /* the workflow, retention: an existing store, written */
    CLI_STORE_APPEND  /* analyse and store calls: created when missing, a small page cache */
} cli_store_use;

/* Open the store for a use; on failure print "rappel: <command>: <path>: <why>" and return
 * NULL. */
rpl_store *cli_open_store(const char *command, const char *path, cli_store_use use);

/* Option with a value at argv[*i]: "--name VALUE" or "--name=VALUE". Returns 1 and sets
 * *value (advancing *i past a separate value) when argv[*i] is that option, 0 when it is not,
 * -1 when the value is missing. */
int cli_take_value(int argc, char **argv, int *i, const char *name, const char **value);

/* The options every listing takes (alerts, calls): --since, --until, --agent, --call,
 * --limit, --format and --db. */
typedef struct cli_list_options {
    rpl_store_filter filter; /* --since, --until, --agent, --call, --limit */
    bool limit_given;
    cli_format format; /* default table */
    const char *db;    /* NULL: cli_db_path's default */
} cli_list_options;

cli_list_options cli_list_options_default(void);

/* How people see a call id: a digest (a recorded call's, or a failed file's "file:" one) by
 * its first 12 hex digits, enough for --call; an id someone gave (a ticket number, a live
 * call's) whole. Returns id itself, or label holding the short form. */
const char *cli_call_id_label(const char *id, char label[18]);

/* Whether a filter names an agent, a customer, a call or a time span (the limit aside). */
bool cli_filter_narrows(const rpl_store_filter *f);

/* When argv[*i] is one of the listing options, take it (and its value) into *o: returns 1, or
 * -1 after printing the usage error of command; 0 when argv[*i] is not a listing option. */
int cli_take_list_option(const char *command, int argc, char **argv, int *i, int64_t now_unix_s,
                         cli_list_options *o);

/* The filter to query with: as given, and when --limit was not given, CLI_TABLE_DEFAULT_LIMIT
 * rows for a table (CSV/JSON: all). */
rpl_store_filter cli_list_filter(const cli_list_options *o);

/* "table", "csv", "json" or "jsonl". */
bool cli_parse_format(const char *text, cli_format *out);

/* A point in time for --since/--until: "<N>s|m|h|d|w" ago (e.g. 24h, 7d) counted back from
 * now_unix_s, or ISO 8601 "YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM|-HH:MM]" ('T' or a space; local
 * time without a zone). False on any other text. */
bool cli_parse_time(const char *text, int64_t now_unix_s, int64_t *out);

/* "2024-05-01T10:02:03Z" (UTC) into buf (at least 32 bytes). */
void cli_format_iso(int64_t unix_s, char *buf, size_t size);
/* "2024-05-01 12:02" in local time, for tables. */
void cli_format_local(int64_t unix_s, char *buf, size_t size);
/* An offset into a call: "mm:ss", or "h:mm:ss" from one hour. */
void cli_format_offset(double seconds, char *buf, size_t size);

/* The login name for --by: the password entry of the effective user, else $USER, else
 * "uid <n>". Static storage. */
const char *cli_login_name(void);

/* One table cell: text (NULL prints "-") cut to width characters with "~" at the cut, control
 * characters shown as '?', padded with spaces unless last. */
void cli_table_cell(FILE *out, const char *text, int width, bool last);

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; NULL is empty. */
void cli_csv_field(FILE *out, const char *text);

/* A JSON string with escapes, or null for NULL. */
void cli_json_string(FILE *out, const char *text);

/* A JSON number (shortest round-trip form up to 6 significant decimals), or null when not
 * finite. */
void cli_json_number(FILE *out, double value);

/* A stereo call's cross-party statistics as a JSON object (analyze's and calls' cross_party):
 * {"dead_air":{"count","total_s"},"overtalk":{...},"hold_s","customer_latency_mean_s",
 * "talk_share_customer"}; null for NULL. */
void cli_json_cross(FILE *out, const rpl_store_cross_stats *cross);

/* A channel's statistics as the members of a JSON object, without its braces (analyze's and
 * calls' channels[]): "role","channel","speech_s","pauses":{"count","total_s","max_s"},
 * "f0":{"median_hz","sd_semitones"},"speaking_rate_sps","scores":{"frustration":{"max",
 * "mean"},"hesitation":{...},"fatigue":{...}},"music_s"; null for what is unknown. */
void cli_json_channel_members(FILE *out, const rpl_store_channel_stats *channel);

#endif
