/* Dates and times as written: ISO 8601, Broadcast WAVE origination fields, call-recorder file
 * names, and their conversion to Unix time with and without a zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rappel/datetime.h"

/* "YYYY-MM-DD HH:MM:SS" with " Z" or " +SSSS" (the offset in seconds) when a zone was written,
 * and "no time" for a date alone; "-" when parse said false. */
static const char *shown(bool parsed, const rpl_datetime *dt)
{
    static char buf[64];
    if (!parsed) {
        return "-";
    }
    int n = snprintf(buf, sizeof buf, "%04d-%02d-%02d", dt->year, dt->month, dt->day);
    if (dt->has_time) {
        n += snprintf(buf + n, sizeof buf - (size_t)n, " %02d:%02d:%02d", dt->hour, dt->minute,
                      dt->second);
    }
    if (dt->has_zone) {
        snprintf(buf + n, sizeof buf - (size_t)n, dt->zone_offset_s == 0 ? " Z" : " %+d",
                 dt->zone_offset_s);
    }
    return buf;
}

static void iso_8601(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"2026-11-24T14:30:05Z", "2026-11-24 14:30:05 Z"},
        {"2026-11-24 14:30", "2026-11-24 14:30:00"},
        {"2026-11-24", "2026-11-24"},
        {"2026-11-24T14:30:05+01:30", "2026-11-24 14:30:05 +5400"},
        {"2026-11-24T14:30:05+0130", "2026-11-24 14:30:05 +5400"},
        {"2026-11-24T14:30:05-05", "2026-11-24 14:30:05 -18000"},
        {"2024-02-29T23:59:60Z", "2024-02-29 23:59:60 Z"},
        {"2026-02-29", "-"},
        {"2026-11-31", "-"},
        {"2026-13-01", "-"},
        {"2026-11-24T24:00", "-"},
        {"2026-11-24T14:60", "-"},
        {"2026-11-24T14:30:05Zx", "-"},
        {"2026-11-24T14:30:05+24:00", "-"},
        {"2026-11-24T14", "-"},
        {"26-11-24", "-"},
        {"2026/11/24", "-"},
        {"", "-"},
        {"yesterday", "-"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rpl_datetime dt;
        bool parsed = rpl_datetime_parse_iso(cases[i][0], &dt);
        if (strcmp(shown(parsed, &dt), cases[i][1]) != 0) {
            fail_msg("\"%s\" read as %s, wanted %s", cases[i][0], shown(parsed, &dt), cases[i][1]);
        }
    }
    rpl_datetime dt;
    assert_false(rpl_datetime_parse_iso(NULL, &dt));
}

static void broadcast_wave_fields(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"2025-03-02", "09:15:30", "2025-03-02 09:15:30"},
        {"2025_03_02", "09-15-30", "2025-03-02 09:15:30"},
        {"2025:03:02", "09.15.30", "2025-03-02 09:15:30"},
        {"2025 03 02", "09 15 30", "2025-03-02 09:15:30"},
        {"2025-03-02", "        ", "-"},
        {"          ", "09:15:30", "-"},
        {"0000-00-00", "00:00:00", "-"},
        {"2025-13-02", "09:15:30", "-"},
        {"2025-02-30", "09:15:30", "-"},
        {"2025-03-02", "25:15:30", "-"},
        {"2025/03/02", "09:15:30", "-"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char date[10], time_of_day[8];
        memcpy(date, cases[i][0], sizeof date); /* the fields are not NUL-terminated */
        memcpy(time_of_day, cases[i][1], sizeof time_of_day);
        rpl_datetime dt;
        bool parsed = rpl_datetime_from_bext(date, time_of_day, &dt);
        if (strcmp(shown(parsed, &dt), cases[i][2]) != 0) {
            fail_msg("bext \"%s\" \"%s\" read as %s, wanted %s", cases[i][0], cases[i][1],
                     shown(parsed, &dt), cases[i][2]);
        }
    }
    char zeros[18] = {0};
    rpl_datetime dt;
    assert_false(rpl_datetime_from_bext(zeros, zeros + 10, &dt));
}

static void file_names(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        /* Asterisk/FreePBX MixMonitor: direction, numbers, date-time, unique id */
        {"out-5551234-200-20261124-143005-1700000000.12.wav", "2026-11-24 14:30:05"},
        {"/var/spool/asterisk/monitor/2026/11/24/q-600-555-20261124-090102-1.2.wav",
         "2026-11-24 09:01:02"},
        {"2026-11-23_09-05-00_queue3.wav", "2026-11-23 09:05:00"},
        {"rec_20261123T101500Z.wav", "2026-11-23 10:15:00 Z"},
        {"20261124143005.flac", "2026-11-24 14:30:05"},
        {"20261124_143005-agent7.wav", "2026-11-24 14:30:05"},
        {"2026-11-24 14.30.05 customer.flac", "2026-11-24 14:30:05"},
        {"2026-11-24T14:30:05.wav", "2026-11-24 14:30:05"},
        {"555-1234_20261124_143005.wav", "2026-11-24 14:30:05"},
        {"20261399-000000_20261124-143005.wav", "2026-11-24 14:30:05"},
        /* not a date and time of day */
        {"/archive/20250101-000000/agent7.wav", "-"}, /* only the name counts */
        {"call-20261124.wav", "-"},
        {"4915112345678901.wav", "-"},
        {"120261124-143005.wav", "-"},
        {"20261124-1430051.wav", "-"},
        {"20261324-143005.wav", "-"},
        {"20260230-143005.wav", "-"},
        {"20261124-243005.wav", "-"},
        {"19891231-235959.wav", "-"},
        {"2026-11-24_14-30.wav", "-"},
        {"2026-11_24-14-30-05.wav", "-"},
        {"call-angry.wav", "-"},
        {"", "-"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rpl_datetime dt;
        bool parsed = rpl_datetime_from_file_name(cases[i][0], &dt);
        if (strcmp(shown(parsed, &dt), cases[i][1]) != 0) {
            fail_msg("name \"%s\" read as %s, wanted %s", cases[i][0], shown(parsed, &dt),
                     cases[i][1]);
        }
    }
    rpl_datetime dt;
    assert_false(rpl_datetime_from_file_name(NULL, &dt));
}

/* Unix times computed outside (Python's calendar.timegm). */
static void to_unix(void **state)
{
    (void)state;
    rpl_datetime dt;
    int64_t t = 0;
    assert_true(rpl_datetime_parse_iso("2026-11-24T14:30:05Z", &dt));
    assert_true(rpl_datetime_to_unix(&dt, &t));
    assert_int_equal(t, 1795530605);
    assert_true(rpl_datetime_parse_iso("2026-11-24T16:00:05+01:30", &dt));
    assert_true(rpl_datetime_to_unix(&dt, &t));
    assert_int_equal(t, 1795530605);
    assert_true(rpl_datetime_parse_iso("2024-02-29T23:59:60Z", &dt));
    assert_true(rpl_datetime_to_unix(&dt, &t));
    assert_int_equal(t, 1709251200);

    /* Without a zone: the local time of TZ (POSIX zone strings, no tz database needed). */
    static const struct {
        const char *tz;
        int64_t east_s;
    } zones[] = {{"UTC0", 0}, {"XYZ-2", 2 * 3600}, {"XYZ+5", -5 * 3600}, {"XYZ-5:45", 20700}};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        setenv("TZ", zones[i].tz, 1);
        tzset();
        assert_true(rpl_datetime_parse_iso("2026-11-24T14:30:05", &dt));
        assert_true(rpl_datetime_to_unix(&dt, &t));
        assert_int_equal(t, 1795530605 - zones[i].east_s);
        assert_true(rpl_datetime_from_file_name("out-1-2-20261124-143005-3.4.wav", &dt));
        assert_true(rpl_datetime_to_unix(&dt, &t));
        assert_int_equal(t, 1795530605 - zones[i].east_s);
        /* a written zone does not depend on TZ */
        assert_true(rpl_datetime_from_file_name("rec_20261124T143005Z.wav", &dt));
        assert_true(rpl_datetime_to_unix(&dt, &t));
        assert_int_equal(t, 1795530605);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iso_8601),
        cmocka_unit_test(broadcast_wave_fields),
        cmocka_unit_test(file_names),
        cmocka_unit_test(to_unix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
