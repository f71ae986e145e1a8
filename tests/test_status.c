/* The status table: every code has its own message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rappel/status.h"

static void every_code_has_a_distinct_message(void **state)
{
    (void)state;
    assert_true(rpl_status_count() > 10);
    for (int i = 0; i < rpl_status_count(); i++) {
        rpl_status code = rpl_status_at(i);
        const char *message = rpl_strerror(code);
        assert_non_null(message);
        assert_string_not_equal(message, "unknown status");
        assert_true(strlen(message) > 3);
        assert_true(i == 0 ? code == RPL_OK : code < 0);
        for (int j = 0; j < i; j++) {
            assert_int_not_equal(code, rpl_status_at(j));
            assert_string_not_equal(message, rpl_strerror(rpl_status_at(j)));
        }
    }
}

static void unknown_codes_are_named_unknown(void **state)
{
    (void)state;
    assert_string_equal(rpl_strerror((rpl_status)-9999), "unknown status");
    assert_string_equal(rpl_strerror((rpl_status)7), "unknown status");
    assert_int_equal(rpl_status_at(-1), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_status_at(rpl_status_count()), RPL_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_has_a_distinct_message),
        cmocka_unit_test(unknown_codes_are_named_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
