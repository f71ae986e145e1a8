/* The fast paths give the bits of the plain ones: one windowed transform shared by the spectral
 * features and the filled-pause envelope, the energy with its window's power computed once, the
 * two channels of a stereo call band-passed together, and the voice-quality HNR peak search,
 * which must not depend on what was on the stack before it. Signals are made here (seeded
 * noise, vowels, silence); every comparison is exact (memcmp of floats), because the models
 * were trained on the features of the plain paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rappel/bandpass.h"
#include "rappel/energy.h"
#include "rappel/fft.h"
#include "rappel/filled_pauses.h"
#include "rappel/ingest.h"
#include "rappel/spectral.h"
#include "rappel/voice_quality.h"
#include "signals.h"

enum { RATE = 8000, HOP = 80, SECONDS = 6, LEN = RATE * SECONDS, W = 256 };

/* 6 s: vowels at 110 and 210 Hz with a held "euh" at 140 Hz, pink noise 35 dB down, 0.4 s of
 * digital silence, and a burst of loud white noise: speech, pauses, silence and noise. */
static float *make_signal(uint64_t *seed)
{
    float *x = calloc(LEN, sizeof *x);
    assert_non_null(x);
    test_vowel(x, 2000, 9000, RATE, 110.0, 0.5f);
    test_vowel(x, 12000, 8000, RATE, 210.0, 0.3f);
    test_vowel(x, 21000, 6000, RATE, 140.0, 0.4f);
    test_pink(x + 28000, 12000, 0.01f, seed);
    test_white(x + 44000, 3000, 0.3f, seed);
    return x;
}

/* The samples of frame i's W-sample window centred on its centre, zeros outside the signal. */
static void frame_window(const float *x, size_t i, float *out)
{
    long first = (long)(i * HOP + HOP / 2) - W / 2;
    for (long k = 0; k < W; k++) {
        long at = first + k;
        out[k] = at >= 0 && at < LEN ? x[at] : 0.0f;
    }
}

static int same_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void fft_power_is_forward_squared(void **state)
{
    (void)state;
    uint64_t seed = test_seed("fft_power_is_forward_squared");
    rpl_fft *fft = NULL;
    assert_int_equal(rpl_fft_create(W, &fft), RPL_OK);
    float in[W], hann[W], weighted[W], bins[W + 2], power[W / 2 + 1];
    rpl_window_hann(hann, W);
    for (size_t len = W; len >= W / 2; len -= W / 4) { /* full and zero-padded */
        memset(in, 0, sizeof in);
        test_white(in, W, 0.2f, &seed);
        memset(weighted, 0, sizeof weighted);
        for (size_t i = 0; i < len; i++) {
            weighted[i] = in[i] * hann[i];
        }
        rpl_fft_forward(fft, weighted, bins);
        rpl_fft_power(fft, in, hann, len, power);
        for (size_t k = 0; k <= W / 2; k++) {
            float want = bins[2 * k] * bins[2 * k] + bins[2 * k + 1] * bins[2 * k + 1];
            assert_true(same_bits(power[k], want));
        }
        /* no window: the samples themselves */
        rpl_fft_forward(fft, in, bins);
        rpl_fft_power(fft, in, NULL, W, power);
        assert_true(same_bits(power[3], bins[6] * bins[6] + bins[7] * bins[7]));
        assert_true(power[3] > 0.0f);
    }
    rpl_fft_destroy(fft);
}

/* Two spectral instances, one fed samples, one fed the shared spectrum: same bits, frame by
 * frame, flux (which carries state) included; likewise two filled-pause detectors. */
static void shared_spectrum_gives_the_same_features(void **state)
{
    (void)state;
    uint64_t seed = test_seed("shared_spectrum_gives_the_same_features");
    float *x = make_signal(&seed);
    rpl_spectral_config scfg = rpl_spectral_config_default();
    rpl_spectral *plain = NULL, *shared = NULL;
    assert_int_equal(rpl_spectral_create(&scfg, &plain), RPL_OK);
    assert_int_equal(rpl_spectral_create(&scfg, &shared), RPL_OK);
    assert_int_equal(rpl_spectral_window_samples(plain), W);
    assert_int_equal(rpl_spectral_power_bins(plain), W / 2 + 1);
    rpl_filled_pauses_config fcfg = rpl_filled_pauses_config_default();
    rpl_filled_pauses *fp_plain = NULL, *fp_shared = NULL;
    assert_int_equal(rpl_filled_pauses_create(&fcfg, &fp_plain), RPL_OK);
    assert_int_equal(rpl_filled_pauses_create(&fcfg, &fp_shared), RPL_OK);
    assert_int_equal(rpl_filled_pauses_window_samples(fp_plain), W);
    assert_int_equal(rpl_filled_pauses_fft_size(fp_plain), W);
    rpl_fft *fft = NULL;
    assert_int_equal(rpl_fft_create(W, &fft), RPL_OK);
    float hann[W], window[W], power[W / 2 + 1];
    rpl_window_hann(hann, W);

    size_t frames = LEN / HOP, defined = 0, decisions = 0, flagged = 0;
    for (size_t i = 0; i < frames; i++) {
        frame_window(x, i, window);
        rpl_frame frame = {.index = (int64_t)i};
        /* speech where the vowels are, voiced at their F0 (a stand-in for the first stage) */
        size_t s = i * HOP;
        frame.speech = (s >= 2000 && s < 11000) || (s >= 12000 && s < 20000) ||
                       (s >= 21000 && s < 27000) || (s >= 44000 && s < 47000);
        frame.voiced = frame.speech && s < 27000;
        frame.f0_hz = frame.voiced ? (s < 11000 ? 110.0f : (s < 20000 ? 210.0f : 140.0f)) : 0.0f;
        rpl_spectral_frame a, b;
        if (frame.speech || i % 7 == 0) { /* also some non-speech frames, silence included */
            rpl_spectral_process(plain, window, &frame, &a);
            rpl_fft_power(fft, window, hann, W, power);
            rpl_spectral_process_power(shared, power, &frame, &b);
            assert_memory_equal(&a, &b, sizeof a);
            defined += !isnan(a.slope_db_khz);
        } else {
            rpl_spectral_skip(plain, &a);
            rpl_spectral_skip(shared, &b);
        }
        rpl_filled_pause_frame fa, fb;
        if (frame.speech) {
            rpl_fft_power(fft, window, hann, W, power);
        }
        bool ra = rpl_filled_pauses_process(fp_plain, &frame, window, &fa);
        bool rb =
            rpl_filled_pauses_process_power(fp_shared, &frame, frame.speech ? power : NULL, &fb);
        assert_int_equal(ra, rb);
        if (ra) {
            assert_int_equal(fa.filled_pause, fb.filled_pause);
            assert_true(same_bits(fa.confidence, fb.confidence));
            assert_true(same_bits(fa.change_db, fb.change_db));
            decisions++;
            flagged += fa.filled_pause;
        }
    }
    rpl_filled_pause_frame fa, fb;
    while (rpl_filled_pauses_flush(fp_plain, &fa)) {
        assert_true(rpl_filled_pauses_flush(fp_shared, &fb));
        assert_true(same_bits(fa.confidence, fb.confidence));
        decisions++;
    }
    assert_false(rpl_filled_pauses_flush(fp_shared, &fb));
    rpl_spectral_stats sa = rpl_spectral_stats_get(plain), sb = rpl_spectral_stats_get(shared);
    assert_memory_equal(&sa, &sb, sizeof sa);
    assert_true(defined > 200); /* the comparison covered real spectra, not only NAN */
    assert_int_equal(decisions, frames);
    (void)flagged;
    rpl_fft_destroy(fft);
    rpl_filled_pauses_destroy(fp_plain);
    rpl_filled_pauses_destroy(fp_shared);
    rpl_spectral_destroy(plain);
    rpl_spectral_destroy(shared);
    free(x);
}

static void energy_with_window_power_is_the_same(void **state)
{
    (void)state;
    uint64_t seed = test_seed("energy_with_window_power_is_the_same");
    float *x = make_signal(&seed);
    float w[160];
    rpl_window_hann(w, 160);
    const float power = rpl_window_power(w, 160);
    assert_float_equal(power, 160.0f * 0.375f, 1e-3f); /* Hann: mean of w^2 is 3/8 */
    for (size_t i = 0; i + 160 <= LEN; i += HOP) {
        assert_true(
            same_bits(rpl_energy_db(x + i, w, 160), rpl_energy_db_power(x + i, w, 160, power)));
    }
    free(x);
}

/* Blocks of awkward sizes, so that the state is carried (and flushed of tiny values) between
 * them; the second channel differs from the first. */
static void bandpass_pair_is_two_filters(void **state)
{
    (void)state;
    uint64_t seed = test_seed("bandpass_pair_is_two_filters");
    float *x = make_signal(&seed);
    float *y = calloc(LEN, sizeof *y);
    assert_non_null(y);
    test_white(y, LEN, 0.05f, &seed);
    test_vowel(y, 30000, 8000, RATE, 95.0, 0.6f);
    float *x2 = malloc(LEN * sizeof *x2), *y2 = malloc(LEN * sizeof *y2);
    assert_non_null(x2);
    assert_non_null(y2);
    memcpy(x2, x, LEN * sizeof *x);
    memcpy(y2, y, LEN * sizeof *y);
    rpl_bandpass *a = NULL, *b = NULL, *a2 = NULL, *b2 = NULL;
    assert_int_equal(rpl_bandpass_create(RATE, 300.0f, 3400.0f, &a), RPL_OK);
    assert_int_equal(rpl_bandpass_create(RATE, 300.0f, 3400.0f, &b), RPL_OK);
    assert_int_equal(rpl_bandpass_create(RATE, 300.0f, 3400.0f, &a2), RPL_OK);
    assert_int_equal(rpl_bandpass_create(RATE, 300.0f, 3400.0f, &b2), RPL_OK);
    const size_t sizes[] = {1, 7, 80, 1000, 4096, 333};
    size_t at = 0;
    for (size_t k = 0; at < LEN; k++) {
        size_t n = sizes[k % 6] < LEN - at ? sizes[k % 6] : LEN - at;
        rpl_bandpass_process(a, x + at, n);
        rpl_bandpass_process(b, y + at, n);
        rpl_bandpass_process_pair(a2, x2 + at, b2, y2 + at, n);
        at += n;
    }
    assert_memory_equal(x, x2, LEN * sizeof *x);
    assert_memory_equal(y, y2, LEN * sizeof *y);
    /* and it filtered: the digital silence stayed 0, the vowel's 95 Hz fundamental is gone */
    assert_true(x2[40500] == 0.0f || fabsf(x2[40500]) < 1e-6f);
    rpl_bandpass_destroy(a);
    rpl_bandpass_destroy(b);
    rpl_bandpass_destroy(a2);
    rpl_bandpass_destroy(b2);
    free(x);
    free(y);
    free(x2);
    free(y2);
}

typedef struct collect {
    float *out;
    size_t n;
    size_t cap;
} collect;

static void collect_samples(void *user, const float *samples, size_t n)
{
    collect *c = user;
    assert_true(c->n + n <= c->cap);
    memcpy(c->out + c->n, samples, n * sizeof *samples);
    c->n += n;
}

/* At 8 kHz the pair path filters both channels together; at 16 kHz it falls back to one after
 * the other. Either way: the samples of two separate ingests. */
static void ingest_pair_is_two_ingests(void **state)
{
    (void)state;
    uint64_t seed = test_seed("ingest_pair_is_two_ingests");
    float *x = make_signal(&seed);
    float *y = calloc(LEN, sizeof *y);
    assert_non_null(y);
    test_pink(y, LEN, 0.1f, &seed);
    const double rates[] = {8000.0, 16000.0};
    for (size_t r = 0; r < 2; r++) {
        rpl_ingest *a = NULL, *b = NULL, *a2 = NULL, *b2 = NULL;
        assert_int_equal(rpl_ingest_create(rates[r], &a), RPL_OK);
        assert_int_equal(rpl_ingest_create(rates[r], &b), RPL_OK);
        assert_int_equal(rpl_ingest_create(rates[r], &a2), RPL_OK);
        assert_int_equal(rpl_ingest_create(rates[r], &b2), RPL_OK);
        collect ca = {calloc(LEN, sizeof(float)), 0, LEN},
                cb = {calloc(LEN, sizeof(float)), 0, LEN};
        collect ca2 = {calloc(LEN, sizeof(float)), 0, LEN},
                cb2 = {calloc(LEN, sizeof(float)), 0, LEN};
        for (size_t at = 0; at < LEN; at += 1024) {
            size_t n = LEN - at < 1024 ? LEN - at : 1024;
            assert_int_equal(rpl_ingest_process(a, x + at, n, collect_samples, &ca), RPL_OK);
            assert_int_equal(rpl_ingest_process(b, y + at, n, collect_samples, &cb), RPL_OK);
            assert_int_equal(rpl_ingest_process_pair(a2, x + at, collect_samples, &ca2, b2, y + at,
                                                     collect_samples, &cb2, n),
                             RPL_OK);
        }
        assert_int_equal(rpl_ingest_flush(a, collect_samples, &ca), RPL_OK);
        assert_int_equal(rpl_ingest_flush(b, collect_samples, &cb), RPL_OK);
        assert_int_equal(rpl_ingest_flush(a2, collect_samples, &ca2), RPL_OK);
        assert_int_equal(rpl_ingest_flush(b2, collect_samples, &cb2), RPL_OK);
        assert_true(ca.n > LEN / 3); /* 16 kHz in: half as many out, give or take the filter */
        assert_int_equal(ca.n, ca2.n);
        assert_int_equal(cb.n, cb2.n);
        assert_memory_equal(ca.out, ca2.out, ca.n * sizeof(float));
        assert_memory_equal(cb.out, cb2.out, cb.n * sizeof(float));
        free(ca.out);
        free(cb.out);
        free(ca2.out);
        free(cb2.out);
        rpl_ingest_destroy(a);
        rpl_ingest_destroy(b);
        rpl_ingest_destroy(a2);
        rpl_ingest_destroy(b2);
    }
    free(x);
    free(y);
}

/* Fill a stretch of stack below the caller with one value, as other code running before the
 * voice-quality module leaves it. noinline: the array must really be on the stack. */
static __attribute__((noinline)) void poison_stack(float value)
{
    volatile float junk[4096];
    for (size_t i = 0; i < 4096; i++) {
        junk[i] = value;
    }
    (void)junk[value > 0.0f ? 1 : 2];
}

/* HNR once compared its nine interpolated correlations with one not yet computed (stack
 * garbage): the same input then gave other values after other code had run. Now the values
 * are the same whatever was on the stack (huge, NAN, zero). */
static void hnr_does_not_depend_on_the_stack(void **state)
{
    (void)state;
    uint64_t seed = test_seed("hnr_does_not_depend_on_the_stack");
    float *x = calloc(LEN, sizeof *x);
    assert_non_null(x);
    test_vowel(x, 0, LEN, RATE, 180.0, 0.5f);
    test_white(x, LEN, 0.02f, &seed); /* noise: the correlation peak is not flat-topped */
    const float poisons[] = {1e30f, NAN, 0.0f, -1e30f};
    rpl_voice_quality_config cfg = rpl_voice_quality_config_default();
    float *hnr[4];
    size_t frames = LEN / HOP, defined = 0;
    for (size_t p = 0; p < 4; p++) {
        rpl_voice_quality *vq = NULL;
        assert_int_equal(rpl_voice_quality_create(&cfg, &vq), RPL_OK);
        size_t w = rpl_voice_quality_window_samples(vq);
        float *window = calloc(w, sizeof *window);
        hnr[p] = calloc(frames, sizeof(float));
        assert_non_null(window);
        assert_non_null(hnr[p]);
        for (size_t i = 0; i < frames; i++) {
            long first = (long)(i * HOP + HOP / 2) - (long)(w / 2);
            for (size_t k = 0; k < w; k++) {
                long at = first + (long)k;
                window[k] = at >= 0 && at < LEN ? x[at] : 0.0f;
            }
            rpl_frame frame = {
                .index = (int64_t)i, .voiced = true, .speech = true, .f0_hz = 180.0f};
            rpl_voice_quality_frame out;
            poison_stack(poisons[p]);
            rpl_voice_quality_process(vq, window, &frame, &out);
            hnr[p][i] = out.hnr_db;
            defined += p == 0 && !isnan(out.hnr_db);
        }
        free(window);
        rpl_voice_quality_destroy(vq);
    }
    assert_true(defined > frames / 2);
    for (size_t p = 1; p < 4; p++) {
        assert_memory_equal(hnr[0], hnr[p], frames * sizeof(float));
    }
    for (size_t p = 0; p < 4; p++) {
        free(hnr[p]);
    }
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fft_power_is_forward_squared),
        cmocka_unit_test(shared_spectrum_gives_the_same_features),
        cmocka_unit_test(energy_with_window_power_is_the_same),
        cmocka_unit_test(bandpass_pair_is_two_filters),
        cmocka_unit_test(ingest_pair_is_two_ingests),
        cmocka_unit_test(hnr_does_not_depend_on_the_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
