/* rappel — dates and times as people and recorders write them.
 *
 * One parser for ISO 8601 ("2026-11-24T14:30:05+01:00", what `--since` and `--started` take
 * and what date tags hold), the Broadcast WAVE origination fields (EBU Tech 3285), and the
 * timestamps call recorders put in file names ("out-5551234-200-20261124-143005-....wav").
 * A time written without a zone is the local time of this machine (TZ), which is how
 * recorders write it. Pure functions; mktime() reads TZ.
 */
#ifndef RAPPEL_DATETIME_H
#define RAPPEL_DATETIME_H

#include <stdbool.h>
#include <stdint.h>

/* A calendar date, with a time of day and a zone when it was written with them. Fields are
 * checked: month 1..12, the day exists in that month, hour 0..23, minute 0..59, second 0..60. */
typedef struct rpl_datetime {
    int year, month, day;
    int hour, minute, second;
    bool has_time;     /* a time of day was written (else 00:00:00) */
    bool has_zone;     /* 'Z' or an offset was written */
    int zone_offset_s; /* east of UTC, when has_zone */
} rpl_datetime;

/* The whole of text as "YYYY-MM-DD[(T| )HH:MM[:SS]][Z|+HH[:]MM|-HH[:]MM|+HH|-HH]". */
bool rpl_datetime_parse_iso(const char *text, rpl_datetime *out);

/* The Broadcast WAVE bext origination fields: date "yyyy-mm-dd" and time "hh-mm-ss" where each
 * separator may be any of '-', '_', ':', ' ', '.' (EBU Tech 3285, 2.3). Not NUL-terminated.
 * False for blank or zeroed fields (many recorders leave them so). */
bool rpl_datetime_from_bext(const char date[10], const char time[8], rpl_datetime *out);

/* The first date and time of day written in a file name (any folder part is skipped):
 * "YYYYMMDD?HHMMSS" with '?' one of '-', '_', 'T', '.' or nothing, or
 * "YYYY-MM-DD?HH?MM?SS" with the date's '-' or '_' and '?' one of '-', '_', ':', '.', 'T', ' ';
 * optionally followed by 'Z' (UTC). The digits must stand alone: a longer run of digits (a
 * phone number, an epoch) is not a date. Years 1990..2199 only. */
bool rpl_datetime_from_file_name(const char *path, rpl_datetime *out);

/* Seconds since 1970 (UTC): with the written zone, else as local time. False when the C
 * library cannot represent it. */
bool rpl_datetime_to_unix(const rpl_datetime *dt, int64_t *out);

#endif
