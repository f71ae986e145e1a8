/* Frame energy and the telephone band filter on signals of known level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rappel/bandpass.h"
#include "rappel/energy.h"
#include "signals.h"

enum { N = 160 };

static void sine_levels_read_in_dbfs(void **state)
{
    (void)state;
    float w[N];
    rpl_window_hann(w, N);
    const float levels_db[] = {0.0f, -6.0f, -20.0f, -45.5f, -90.0f};
    for (size_t k = 0; k < sizeof levels_db / sizeof levels_db[0]; k++) {
        float x[N] = {0};
        float amplitude = powf(10.0f, levels_db[k] / 20.0f);
        test_sine(x, N, 8000.0, 1000.0, amplitude);
        /* A sine of peak A has RMS A/sqrt(2): 3.01 dB below its peak level. */
        assert_float_equal(rpl_energy_db(x, w, N), levels_db[k] - 3.0103f, 0.05f);
    }
}

static void silence_reads_the_floor(void **state)
{
    (void)state;
    float w[N];
    float x[N] = {0};
    rpl_window_hann(w, N);
    assert_float_equal(rpl_energy_db(x, w, N), RPL_ENERGY_FLOOR_DB, 0.0f);
    x[3] = 1e-30f;
    assert_float_equal(rpl_energy_db(x, w, N), RPL_ENERGY_FLOOR_DB, 0.0f);
}

static void full_scale_dc_reads_zero(void **state)
{
    (void)state;
    float w[N];
    float x[N];
    rpl_window_hann(w, N);
    for (size_t i = 0; i < N; i++) {
        x[i] = 1.0f;
    }
    assert_float_equal(rpl_energy_db(x, w, N), 0.0f, 0.01f);
}

/* Gain of the band filter at one frequency, in dB, after its transient. */
static float band_gain_db(double f_hz)
{
    enum { LEN = 8000 };
    static float x[LEN];
    for (size_t i = 0; i < LEN; i++) {
        x[i] = 0.0f;
    }
    test_sine(x, LEN, 8000.0, f_hz, 0.5f);
    rpl_bandpass *bp = NULL;
    assert_int_equal(rpl_bandpass_create(8000.0f, 300.0f, 3400.0f, &bp), RPL_OK);
    rpl_bandpass_process(bp, x, LEN);
    rpl_bandpass_destroy(bp);
    double sum = 0.0;
    for (size_t i = LEN / 2; i < LEN; i++) {
        sum += (double)x[i] * (double)x[i];
    }
    double rms = sqrt(sum / (LEN / 2));
    return (float)(20.0 * log10(rms / (0.5 / sqrt(2.0))));
}

static void band_filter_passes_the_telephone_band(void **state)
{
    (void)state;
    assert_float_equal(band_gain_db(1000.0), 0.0f, 0.2f);
    assert_float_equal(band_gain_db(500.0), 0.0f, 0.5f);
    assert_float_equal(band_gain_db(2500.0), 0.0f, 0.5f);
    /* Butterworth: -3 dB at the corners. */
    assert_float_equal(band_gain_db(300.0), -3.0f, 0.5f);
    assert_true(band_gain_db(100.0) < -35.0f); /* 4th order: 24 dB/octave below 300 Hz */
    assert_true(band_gain_db(50.0) < -55.0f);  /* mains hum */
    assert_true(band_gain_db(3900.0) < -20.0f);
}

static void band_filter_rejects_bad_arguments(void **state)
{
    (void)state;
    rpl_bandpass *bp = (rpl_bandpass *)&bp;
    assert_int_equal(rpl_bandpass_create(8000.0f, 300.0f, 4000.0f, &bp), RPL_ERR_INVALID_ARG);
    assert_null(bp);
    assert_int_equal(rpl_bandpass_create(8000.0f, 0.0f, 3400.0f, &bp), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_bandpass_create(8000.0f, 3400.0f, 300.0f, &bp), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_bandpass_create(8000.0f, 300.0f, 3400.0f, NULL), RPL_ERR_INVALID_ARG);
    rpl_bandpass_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sine_levels_read_in_dbfs),
        cmocka_unit_test(silence_reads_the_floor),
        cmocka_unit_test(full_scale_dc_reads_zero),
        cmocka_unit_test(band_filter_passes_the_telephone_band),
        cmocka_unit_test(band_filter_rejects_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
