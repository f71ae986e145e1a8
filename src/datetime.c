/* Dates and times as written: see rappel/datetime.h. */
#include "rappel/datetime.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Exactly n digits at *p; advances. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) {
            return false;
        }
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool valid(const rpl_datetime *dt)
{
    return dt->month >= 1 && dt->month <= 12 && dt->day >= 1 &&
           dt->day <= days_in_month(dt->year, dt->month) && dt->hour <= 23 && dt->minute <= 59 &&
           dt->second <= 60;
}

/* "Z", "+HH", "+HHMM" or "+HH:MM" (or '-') ending the text. */
static bool parse_zone(const char *p, rpl_datetime *dt)
{
    if (*p == 'Z') {
        dt->has_zone = true;
        return p[1] == '\0';
    }
    if (*p != '+' && *p != '-') {
        return false;
    }
    int sign = *p++ == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!digits(&p, 2, &oh)) {
        return false;
    }
    if (*p == ':') {
        p++;
    }
    if (*p != '\0' && !digits(&p, 2, &om)) {
        return false;
    }
    if (*p != '\0' || oh > 23 || om > 59) {
        return false;
    }
    dt->has_zone = true;
    dt->zone_offset_s = sign * (oh * 3600 + om * 60);
    return true;
}

bool rpl_datetime_parse_iso(const char *text, rpl_datetime *out)
{
    rpl_datetime dt = {0};
    const char *p = text;
    if (text == NULL || !digits(&p, 4, &dt.year) || *p++ != '-' || !digits(&p, 2, &dt.month) ||
        *p++ != '-' || !digits(&p, 2, &dt.day)) {
        return false;
    }
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &dt.hour) || *p++ != ':' || !digits(&p, 2, &dt.minute)) {
            return false;
        }
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &dt.second)) {
                return false;
            }
        }
        dt.has_time = true;
    }
    if (!valid(&dt) || (*p != '\0' && !parse_zone(p, &dt))) {
        return false;
    }
    *out = dt;
    return true;
}

static bool bext_separator(char c)
{
    return c == '-' || c == '_' || c == ':' || c == ' ' || c == '.';
}

bool rpl_datetime_from_bext(const char date[10], const char time[8], rpl_datetime *out)
{
    rpl_datetime dt = {.has_time = true};
    const char *d = date, *t = time;
    if (!digits(&d, 4, &dt.year) || !bext_separator(*d++) || !digits(&d, 2, &dt.month) ||
        !bext_separator(*d++) || !digits(&d, 2, &dt.day) || !digits(&t, 2, &dt.hour) ||
        !bext_separator(*t++) || !digits(&t, 2, &dt.minute) || !bext_separator(*t++) ||
        !digits(&t, 2, &dt.second) || !valid(&dt)) {
        return false;
    }
    *out = dt;
    return true;
}

/* The length of the run of digits at p. */
static size_t digit_run(const char *p)
{
    size_t n = 0;
    while (isdigit((unsigned char)p[n])) {
        n++;
    }
    return n;
}

/* A name timestamp starting at p, which starts a run of digits. */
static bool name_timestamp_at(const char *p, rpl_datetime *out)
{
    rpl_datetime dt = {.has_time = true};
    size_t run = digit_run(p);
    const char *q = p;
    if (run == 14) { /* YYYYMMDDHHMMSS */
        digits(&q, 4, &dt.year), digits(&q, 2, &dt.month), digits(&q, 2, &dt.day);
        digits(&q, 2, &dt.hour), digits(&q, 2, &dt.minute), digits(&q, 2, &dt.second);
    } else if (run == 8) { /* YYYYMMDD?HHMMSS */
        digits(&q, 4, &dt.year), digits(&q, 2, &dt.month), digits(&q, 2, &dt.day);
        if (*q == '\0' || strchr("-_T.", *q) == NULL) {
            return false;
        }
        q++;
        if (digit_run(q) != 6) {
            return false;
        }
        digits(&q, 2, &dt.hour), digits(&q, 2, &dt.minute), digits(&q, 2, &dt.second);
    } else if (run == 4) { /* YYYY-MM-DD?HH?MM?SS */
        digits(&q, 4, &dt.year);
        char date_sep = *q;
        if ((date_sep != '-' && date_sep != '_') || digit_run(q + 1) != 2 || q[3] != date_sep ||
            digit_run(q + 4) != 2) {
            return false;
        }
        q++, digits(&q, 2, &dt.month), q++, digits(&q, 2, &dt.day);
        int *fields[] = {&dt.hour, &dt.minute, &dt.second};
        for (int i = 0; i < 3; i++) {
            if (*q == '\0' || strchr(i == 0 ? "-_:.T " : "-_:.", *q) == NULL ||
                digit_run(q + 1) != 2) {
                return false;
            }
            q++, digits(&q, 2, fields[i]);
        }
    } else {
        return false;
    }
    if (*q == 'Z' && !isalnum((unsigned char)q[1])) {
        dt.has_zone = true;
    }
    if (dt.year < 1990 || dt.year > 2199 || !valid(&dt)) {
        return false;
    }
    *out = dt;
    return true;
}

bool rpl_datetime_from_file_name(const char *path, rpl_datetime *out)
{
    if (path == NULL) {
        return false;
    }
    const char *slash = strrchr(path, '/');
    const char *name = slash != NULL ? slash + 1 : path;
    for (const char *p = name; *p != '\0';) {
        size_t run = digit_run(p);
        if (run == 0) {
            p++;
            continue;
        }
        if (name_timestamp_at(p, out)) {
            return true;
        }
        p += run;
    }
    return false;
}

bool rpl_datetime_to_unix(const rpl_datetime *dt, int64_t *out)
{
    if (dt->has_zone) {
        *out = days_from_civil(dt->year, dt->month, dt->day) * 86400 + dt->hour * 3600 +
               dt->minute * 60 + dt->second - dt->zone_offset_s;
        return true;
    }
    struct tm tm = {.tm_year = dt->year - 1900,
                    .tm_mon = dt->month - 1,
                    .tm_mday = dt->day,
                    .tm_hour = dt->hour,
                    .tm_min = dt->minute,
                    .tm_sec = dt->second,
                    .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (t == (time_t)-1) {
        return false;
    }
    *out = (int64_t)t;
    return true;
}
