/* Helpers shared by alerts, calls and purge: see cli_store.h. */
#include "cli/cli_store.h"
#include "cli/cli.h"
#include "rappel/datetime.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *cli_db_path(const char *option)
{
    if (option != NULL) {
        return option;
    }
    const char *env = getenv("RAPPEL_DB");
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    return "rappel.db";
}

rpl_store *cli_open_store(const char *command, const char *path, cli_store_use use)
{
    rpl_store_config cfg = rpl_store_config_default();
    rpl_store *store = NULL;
    char detail[512];
    cfg.create = use == CLI_STORE_APPEND;
    cfg.read_only = use == CLI_STORE_READ;
    if (use == CLI_STORE_APPEND) {
        cfg.cache_kib = RPL_STORE_APPEND_CACHE_KIB;
    }
    rpl_status status = rpl_store_open(path, &cfg, &store, detail, sizeof detail);
    if (status != RPL_OK) {
        cli_error(command, path, "%s", detail[0] != '\0' ? detail : rpl_strerror(status));
        return NULL;
    }
    return store;
}

int cli_take_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0) {
        return 0;
    }
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0') {
        return 0;
    }
    if (*i + 1 >= argc) {
        return -1;
    }
    *i += 1;
    *value = argv[*i];
    return 1;
}

bool cli_parse_format(const char *text, cli_format *out)
{
    static const char *const names[] = {"table", "csv", "json", "jsonl"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (cli_format)i;
            return true;
        }
    }
    return false;
}

bool cli_parse_time(const char *text, int64_t now_unix_s, int64_t *out)
{
    if (text == NULL || text[0] == '\0') {
        return false;
    }
    /* Relative: 90s, 30m, 24h, 7d, 2w. */
    size_t n = strlen(text);
    char unit = text[n - 1];
    if (n >= 2 && strchr("smhdw", unit) != NULL) {
        long amount = 0;
        char number[32];
        if (n - 1 < sizeof number) {
            memcpy(number, text, n - 1);
            number[n - 1] = '\0';
            if (cli_parse_long(number, 0, 100L * 366 * 24 * 3600, &amount)) {
                int64_t scale = unit == 's'   ? 1
                                : unit == 'm' ? 60
                                : unit == 'h' ? 3600
                                : unit == 'd' ? 86400
                                              : 7 * 86400;
                if (amount <= 100L * 366 * 86400 / scale) {
                    *out = now_unix_s - (int64_t)amount * scale;
                    return true;
                }
            }
        }
        return false;
    }
    rpl_datetime dt;
    return rpl_datetime_parse_iso(text, &dt) && rpl_datetime_to_unix(&dt, out);
}

void cli_format_iso(int64_t unix_s, char *buf, size_t size)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(buf, size, "%lld", (long long)unix_s);
    }
}

void cli_format_local(int64_t unix_s, char *buf, size_t size)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0) {
        snprintf(buf, size, "%lld", (long long)unix_s);
    }
}

void cli_format_offset(double seconds, char *buf, size_t size)
{
    if (!isfinite(seconds) || seconds < 0.0) {
        snprintf(buf, size, "-");
        return;
    }
    long total = (long)seconds;
    if (total >= 3600) {
        snprintf(buf, size, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
    } else {
        snprintf(buf, size, "%02ld:%02ld", total / 60, total % 60);
    }
}

const char *cli_login_name(void)
{
    static char name[64];
    struct passwd *pw = getpwuid(geteuid());
    if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0') {
        snprintf(name, sizeof name, "%s", pw->pw_name);
        return name;
    }
    const char *user = getenv("USER");
    if (user != NULL && user[0] != '\0') {
        snprintf(name, sizeof name, "%s", user);
        return name;
    }
    snprintf(name, sizeof name, "uid %ld", (long)geteuid());
    return name;
}

void cli_table_cell(FILE *out, const char *text, int width, bool last)
{
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "-");
    int shown = 0;
    /* Count characters (UTF-8 lead bytes) to know whether it fits. */
    int chars = 0;
    for (const unsigned char *q = p; *q != 0; q++) {
        chars += (*q & 0xc0) != 0x80;
    }
    int room = chars > width ? width - 1 : width;
    while (*p != 0 && shown < room) {
        if (*p < 0x20 || *p == 0x7f) {
            fputc('?', out);
            p++;
        } else {
            fputc(*p++, out);
            while ((*p & 0xc0) == 0x80) {
                fputc(*p++, out);
            }
        }
        shown++;
    }
    if (chars > width) {
        fputc('~', out);
        shown++;
    }
    if (!last) {
        for (; shown < width + 2; shown++) {
            fputc(' ', out);
        }
    }
}

void cli_csv_field(FILE *out, const char *text)
{
    if (text == NULL) {
        return;
    }
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"') {
            fputc('"', out);
        }
        fputc(*p, out);
    }
    fputc('"', out);
}

void cli_json_string(FILE *out, const char *text)
{
    if (text == NULL) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                fprintf(out, "\\u%04x", *p);
            } else {
                fputc(*p, out);
            }
        }
    }
    fputc('"', out);
}

void cli_json_number(FILE *out, double value)
{
    if (!isfinite(value)) {
        fputs("null", out);
        return;
    }
    fprintf(out, "%.6g", value);
}

void cli_json_cross(FILE *out, const rpl_store_cross_stats *c)
{
    if (c == NULL) {
        fputs("null", out);
        return;
    }
    fprintf(out, "{\"dead_air\":{\"count\":%zu,\"total_s\":", c->dead_air_count);
    cli_json_number(out, c->dead_air_s);
    fprintf(out, "},\"overtalk\":{\"count\":%zu,\"total_s\":", c->overtalk_count);
    cli_json_number(out, c->overtalk_s);
    fputs("},\"hold_s\":", out);
    cli_json_number(out, c->hold_s);
    fputs(",\"customer_latency_mean_s\":", out);
    cli_json_number(out, c->customer_latency_mean_s);
    fputs(",\"talk_share_customer\":", out);
    cli_json_number(out, c->talk_share_customer);
    fputc('}', out);
}

static void json_score(FILE *out, const char *name, rpl_store_score s, bool last)
{
    fprintf(out, "\"%s\":{\"max\":", name);
    cli_json_number(out, s.max);
    fputs(",\"mean\":", out);
    cli_json_number(out, s.mean);
    fprintf(out, "}%s", last ? "" : ",");
}

void cli_json_channel_members(FILE *out, const rpl_store_channel_stats *s)
{
    fprintf(out, "\"role\":\"%s\",\"channel\":%d,\"speech_s\":", rpl_store_role_name(s->role),
            s->channel);
    cli_json_number(out, s->speech_s);
    fprintf(out, ",\"pauses\":{\"count\":%zu,\"total_s\":", s->pause_count);
    cli_json_number(out, s->pause_total_s);
    fputs(",\"max_s\":", out);
    cli_json_number(out, s->pause_max_s);
    fputs("},\"f0\":{\"median_hz\":", out);
    cli_json_number(out, s->f0_median_hz);
    fputs(",\"sd_semitones\":", out);
    cli_json_number(out, s->f0_sd_st);
    fputs("},\"speaking_rate_sps\":", out);
    cli_json_number(out, s->speaking_rate_sps);
    fputs(",\"scores\":{", out);
    json_score(out, "frustration", s->frustration, false);
    json_score(out, "hesitation", s->hesitation, false);
    json_score(out, "fatigue", s->fatigue, true);
    fputs("},\"music_s\":", out);
    cli_json_number(out, s->music_s);
}

const char *cli_call_id_label(const char *id, char label[18])
{
    bool failed = strncmp(id, "file:", 5) == 0; /* a failed file's: "file:" + its path's digest */
    if (!rpl_store_is_digest(failed ? id + 5 : id)) {
        return id;
    }
    snprintf(label, 18, "%.*s", failed ? 17 : 12, id);
    return label;
}

bool cli_filter_narrows(const rpl_store_filter *f)
{
    return f->agent != NULL || f->customer != NULL || f->call_id != NULL ||
           f->since_unix_s != INT64_MIN || f->until_unix_s != INT64_MAX;
}

cli_list_options cli_list_options_default(void)
{
    cli_list_options o = {.filter = rpl_store_filter_default(), .format = CLI_FORMAT_TABLE};
    return o;
}

/* --since/--until: 1 taken, 0 not this option, -1 usage error printed. The end is exclusive, so
 * a date alone as --until means the end of that day: --since D --until D is day D. */
static int take_time(const char *command, const char *name, int argc, char **argv, int *i,
                     int64_t now_unix_s, int64_t *target)
{
    const char *v = NULL;
    int r = cli_take_value(argc, argv, i, name, &v);
    if (r != 0 && (r < 0 || !cli_parse_time(v, now_unix_s, target))) {
        cli_usage_error(command,
                        "%s: '%s' is not a time (24h, 7d, 2024-05-01, 2024-05-01T09:30Z...)", name,
                        r < 0 ? "" : v);
        return -1;
    }
    rpl_datetime dt;
    if (r > 0 && strcmp(name, "--until") == 0 && rpl_datetime_parse_iso(v, &dt) && !dt.has_time) {
        dt.day++; /* mktime (rpl_datetime_to_unix) carries it into the next month or year */
        if (!rpl_datetime_to_unix(&dt, target)) {
            cli_usage_error(command, "%s: '%s' is out of range", name, v);
            return -1;
        }
    }
    return r;
}

int cli_take_list_option(const char *command, int argc, char **argv, int *i, int64_t now_unix_s,
                         cli_list_options *o)
{
    const char *v = NULL;
    int r = 0;
    if ((r = take_time(command, "--since", argc, argv, i, now_unix_s, &o->filter.since_unix_s)) !=
            0 ||
        (r = take_time(command, "--until", argc, argv, i, now_unix_s, &o->filter.until_unix_s)) !=
            0) {
        return r;
    } else if ((r = cli_take_value(argc, argv, i, "--agent", &v)) != 0) {
        if (r < 0) {
            cli_usage_error(command, "--agent needs a name");
            return -1;
        }
        o->filter.agent = v;
    } else if ((r = cli_take_value(argc, argv, i, "--customer", &v)) != 0) {
        if (r < 0) {
            cli_usage_error(command, "--customer needs a name");
            return -1;
        }
        o->filter.customer = v;
    } else if ((r = cli_take_value(argc, argv, i, "--call", &v)) != 0) {
        if (r < 0 || v[0] == '\0') {
            cli_usage_error(command, "--call needs a call id");
            return -1;
        }
        o->filter.call_id = v;
    } else if ((r = cli_take_value(argc, argv, i, "--limit", &v)) != 0) {
        long n = 0;
        if (r < 0 || !cli_parse_long(v, 0, LONG_MAX, &n)) {
            cli_usage_error(command, "--limit takes a whole number >= 0");
            return -1;
        }
        o->filter.limit = (size_t)n;
        o->limit_given = true;
    } else if ((r = cli_take_value(argc, argv, i, "--format", &v)) != 0) {
        if (r < 0 || !cli_parse_format(v, &o->format)) {
            cli_usage_error(command, "--format takes table, csv, json or jsonl");
            return -1;
        }
    } else if ((r = cli_take_value(argc, argv, i, "--db", &v)) != 0) {
        if (r < 0 || v[0] == '\0') {
            cli_usage_error(command, "--db needs a path");
            return -1;
        }
        o->db = v;
    }
    return r == 0 ? 0 : 1;
}

rpl_store_filter cli_list_filter(const cli_list_options *o)
{
    rpl_store_filter f = o->filter;
    if (!o->limit_given && o->format == CLI_FORMAT_TABLE) {
        f.limit = CLI_TABLE_DEFAULT_LIMIT;
    }
    return f;
}
