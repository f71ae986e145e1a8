/* Ingest: the same voice recorded at 8, 16 and 48 kHz gives the same analysis signal and the
 * same features. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rappel/analysis.h"
#include "rappel/ingest.h"
#include "signals.h"

enum { MAX_OUT = 80000, MAX_FRAMES = 1000 };

typedef struct {
    float samples[MAX_OUT];
    size_t n;
} captured;

static void capture(void *user, const float *x, size_t n)
{
    captured *c = user;
    assert_true(c->n + n <= MAX_OUT);
    memcpy(c->samples + c->n, x, n * sizeof *x);
    c->n += n;
}

/* Feed x (at rate_hz) through ingest in uneven blocks. */
static void ingest_all(const float *x, size_t n, double rate_hz, captured *out)
{
    rpl_ingest *ing = NULL;
    assert_int_equal(rpl_ingest_create(rate_hz, &ing), RPL_OK);
    out->n = 0;
    size_t block = 333;
    for (size_t i = 0; i < n; i += block) {
        assert_int_equal(
            rpl_ingest_process(ing, x + i, n - i < block ? n - i : block, capture, out), RPL_OK);
    }
    assert_int_equal(rpl_ingest_flush(ing, capture, out), RPL_OK);
    rpl_ingest_destroy(ing);
}

static double rms(const float *x, size_t from, size_t to)
{
    double sum = 0.0;
    for (size_t i = from; i < to; i++) {
        sum += (double)x[i] * (double)x[i];
    }
    return sqrt(sum / (double)(to - from));
}

static void tones_keep_length_level_and_phase(void **state)
{
    (void)state;
    static captured out;
    static float x[48000 * 2];
    const double rates[] = {8000.0, 11025.0, 16000.0, 44100.0, 48000.0, 192000.0};
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        size_t n = (size_t)(rates[k] * 0.5);
        memset(x, 0, sizeof x);
        test_sine(x, n, rates[k], 1000.0, 0.5f);
        ingest_all(x, n, rates[k], &out);
        printf("%.0f Hz: %zu samples out\n", rates[k], out.n);
        assert_true(labs((long)out.n - 4000) <= 1);
        /* 1 kHz is in the passband: level kept within 0.2 dB. */
        double level_db = 20.0 * log10(rms(out.samples, 1000, 3000) / (0.5 / sqrt(2.0)));
        assert_true(fabs(level_db) < 0.2);
        /* Time-aligned (libsoxr removes its own delay): a burst that starts at 0.25 s comes
         * out at 0.25 s, give or take the band filter's few samples of group delay. */
        memset(x, 0, sizeof x);
        test_sine(x + n / 2, n / 2, rates[k], 1000.0, 0.5f);
        ingest_all(x, n, rates[k], &out);
        size_t onset = 0;
        while (onset < out.n && fabsf(out.samples[onset]) < 0.25f) {
            onset++;
        }
        printf("  burst at 2000 comes out at %zu\n", onset);
        assert_true(onset >= 2000 && onset <= 2000 + 8);
    }
}

static void out_of_band_is_removed(void **state)
{
    (void)state;
    static captured out;
    static float x[48000];
    memset(x, 0, sizeof x);
    test_sine(x, 48000, 48000.0, 6000.0, 0.5f); /* above the telephone band */
    test_sine(x, 48000, 48000.0, 100.0, 0.5f);  /* below it */
    ingest_all(x, 48000, 48000.0, &out);
    assert_true(rms(out.samples, 2000, 6000) < 0.5 / sqrt(2.0) * 0.03); /* > 30 dB down */
}

typedef struct {
    rpl_frame frames[MAX_FRAMES];
    size_t n;
} frames;

static void on_frame(void *user, const rpl_frame *f)
{
    frames *fr = user;
    assert_true(fr->n < MAX_FRAMES);
    fr->frames[fr->n++] = *f;
}

static void analyse_at(double rate_hz, frames *fr)
{
    static float x[48000 * 4];
    static captured out;
    size_t n = (size_t)(rate_hz * 4.0);
    memset(x, 0, sizeof x);
    /* Two "vowels" (F0 120 and 210 Hz) with a pause between them. */
    test_vowel(x, (size_t)(0.5 * rate_hz), (size_t)(1.0 * rate_hz), rate_hz, 120.0, 0.3f);
    test_vowel(x, (size_t)(2.0 * rate_hz), (size_t)(1.2 * rate_hz), rate_hz, 210.0, 0.3f);
    ingest_all(x, n, rate_hz, &out);
    rpl_analysis_config cfg = rpl_analysis_config_default();
    rpl_analysis *a = NULL;
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_OK);
    rpl_analysis_sink sink = {.on_frame = on_frame, .user = fr};
    fr->n = 0;
    rpl_analysis_process(a, out.samples, out.n, &sink);
    rpl_analysis_flush(a, &sink);
    rpl_analysis_destroy(a);
}

static void same_features_from_8_16_and_48_khz(void **state)
{
    (void)state;
    static frames narrow;
    static frames wide;
    analyse_at(8000.0, &narrow);
    const double rates[] = {16000.0, 48000.0};
    for (size_t k = 0; k < 2; k++) {
        analyse_at(rates[k], &wide);
        assert_true(labs((long)wide.n - (long)narrow.n) <= 1);
        size_t speech_agree = 0;
        size_t voiced_both = 0;
        size_t total = wide.n < narrow.n ? wide.n : narrow.n;
        for (size_t i = 0; i < total; i++) {
            const rpl_frame *a = &narrow.frames[i];
            const rpl_frame *b = &wide.frames[i];
            speech_agree += a->speech == b->speech;
            if (a->energy_db > -40.0f && b->energy_db > -40.0f) {
                assert_float_equal(a->energy_db, b->energy_db, 0.5f);
            }
            if (a->voiced && b->voiced) {
                voiced_both++;
                assert_true(fabsf(a->f0_hz - b->f0_hz) / a->f0_hz < 0.01f);
            }
        }
        printf("%.0f Hz vs 8 kHz: speech agrees on %zu of %zu frames, %zu voiced in both\n",
               rates[k], speech_agree, total, voiced_both);
        assert_true(speech_agree >= total - 2);
        assert_true(voiced_both > 180);
    }
}

static void bad_rates_are_refused(void **state)
{
    (void)state;
    rpl_ingest *ing = (rpl_ingest *)&ing;
    assert_int_equal(rpl_ingest_create(7999.0, &ing), RPL_ERR_RATE);
    assert_null(ing);
    assert_int_equal(rpl_ingest_create(192001.0, &ing), RPL_ERR_RATE);
    assert_int_equal(rpl_ingest_create((double)NAN, &ing), RPL_ERR_RATE);
    assert_int_equal(rpl_ingest_create(8000.0, NULL), RPL_ERR_INVALID_ARG);
    rpl_ingest_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tones_keep_length_level_and_phase),
        cmocka_unit_test(out_of_band_is_removed),
        cmocka_unit_test(same_features_from_8_16_and_48_khz),
        cmocka_unit_test(bad_rates_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
