/* Line tones are not speech (dsp/analysis.c, "Line tones"): call-progress tones (ITU-T E.180),
 * DTMF digits (ITU-T Q.23/Q.24), a recording beep, special information tones and a fax answer
 * tone, made here at -30, -18 and -6 dBFS over line noise, before and after a vowel with
 * jitter and shimmer. Asserted: no frame of the tone (and of the 30 ms around it) is speech,
 * and the vowels' speech frames are those of the same signal without the tone. A steady
 * harmonic sound in the same place (a square wave: a buzz, or a synthetic voice at a constant
 * F0) is no line tone: it is speech over its whole length. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/analysis.h"
#include "signals.h"

enum { RATE = 8000, MAX_FRAMES = 3000, MAX_SEGMENTS = 8 };

static const float noise_rms = 0.001f; /* -60 dBFS line noise (white + pink) */

typedef struct {
    bool speech[MAX_FRAMES];
    size_t n_frames;
} collected;

static void on_frame(void *user, const rpl_frame *f)
{
    collected *c = user;
    assert_true(c->n_frames < MAX_FRAMES);
    assert_int_equal(f->index, (int64_t)c->n_frames);
    c->speech[c->n_frames++] = f->speech;
}

/* Band-limit as ingest does and analyse in 160-sample blocks. */
static void analyse(const float *input, size_t n, collected *c)
{
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    memcpy(x, input, n * sizeof *x);
    assert_true(test_band_limit(x, n, RATE));
    rpl_analysis_config cfg = rpl_analysis_config_default();
    rpl_analysis *a = NULL;
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_OK);
    memset(c, 0, sizeof *c);
    rpl_analysis_sink sink = {.on_frame = on_frame, .user = c};
    for (size_t i = 0; i < n; i += 160) {
        rpl_analysis_process(a, x + i, n - i < 160 ? n - i : 160, &sink);
    }
    rpl_analysis_flush(a, &sink);
    rpl_analysis_destroy(a);
    free(x);
}

/* What a segment's f1_hz is the frequency of: a sine (with f2_hz, a pair), a square wave
 * (band-limited), or the fundamental of narrow_vowel (below). */
enum wave { SINE, SQUARE, NARROW_VOWEL };

/* A synthetic vowel as concentrated as a tone: a narrow formant on its 2nd harmonic; the 2nd
 * and 3rd (18 dB down) hold 98 % of the in-band power, the others stand 30 dB down (as a vowel
 * synthesiser with a 60 Hz F1 bandwidth makes them at 16 kHz: bench/features_bench.sh). */
static const double narrow_vowel[] = {0.0316, 1.0,    0.126,  0.0316, 0.0316, 0.0316,
                                      0.0316, 0.0316, 0.0316, 0.0316, 0.0316, 0.0316,
                                      0.0316, 0.0316, 0.0316, 0.0316, 0.0316};

/* One tone segment: up to two frequencies (0: none), from t_start_s for len_s. */
typedef struct {
    double f1_hz, f2_hz;
    double t_start_s, len_s;
} segment;

typedef struct {
    const char *name;
    segment segments[MAX_SEGMENTS];
    size_t n_segments;
    enum wave wave;
    bool speech; /* a steady harmonic sound, not a line tone: speech over its length */
} tone_case;

/* Add the tone at level_db dBFS (RMS of the whole tone, as rpl_frame.energy_db reads it),
 * with 1 ms ramps (a generator's on/off, no click). */
static void add_tone(float *x, size_t n, const tone_case *tc, float level_db)
{
    double rms = pow(10.0, (double)level_db / 20.0);
    for (size_t s = 0; s < tc->n_segments; s++) {
        const segment *sg = &tc->segments[s];
        int parts = sg->f2_hz > 0.0 ? 2 : 1;
        double amp = tc->wave == SQUARE ? rms : rms * sqrt(2.0 / parts);
        size_t first = (size_t)(sg->t_start_s * RATE);
        size_t len = (size_t)(sg->len_s * RATE);
        size_t ramp = RATE / 1000;
        for (size_t i = 0; i < len && first + i < n; i++) {
            double t = (double)i / RATE;
            double v;
            if (tc->wave == NARROW_VOWEL) { /* RMS about 1/sqrt(2), as the sine's */
                v = 0.0;
                for (size_t k = 0; k < sizeof narrow_vowel / sizeof narrow_vowel[0]; k++) {
                    v += narrow_vowel[k] * sin(test_two_pi * (double)(k + 1) * sg->f1_hz * t);
                }
            } else if (tc->wave == SQUARE) { /* band-limited: its odd harmonics below 4 kHz */
                v = 0.0;
                for (int k = 1; k * sg->f1_hz < RATE / 2; k += 2) {
                    v += 4.0 / (3.141592653589793 * k) * sin(test_two_pi * k * sg->f1_hz * t);
                }
            } else {
                v = sin(test_two_pi * sg->f1_hz * t);
                if (parts == 2) {
                    v += sin(test_two_pi * sg->f2_hz * t + 1.0);
                }
            }
            double g = 1.0;
            if (i < ramp) {
                g = (double)i / (double)ramp;
            } else if (len - i < ramp) {
                g = (double)(len - i) / (double)ramp;
            }
            x[first + i] += (float)(amp * g * v);
        }
    }
}

static double tone_end_s(const tone_case *tc)
{
    double end = 0.0;
    for (size_t s = 0; s < tc->n_segments; s++) {
        double e = tc->segments[s].t_start_s + tc->segments[s].len_s;
        end = e > end ? e : end;
    }
    return end;
}

/* Frames whose 32 ms window overlaps a tone segment, widened by the edge frames. */
static bool frame_in_tone(const tone_case *tc, double offset_s, size_t frame)
{
    double centre = ((double)frame + 0.5) * 0.01;
    for (size_t s = 0; s < tc->n_segments; s++) {
        double a = offset_s + tc->segments[s].t_start_s - 0.03;
        double b = offset_s + tc->segments[s].t_start_s + tc->segments[s].len_s + 0.03;
        if (centre >= a && centre <= b) {
            return true;
        }
    }
    return false;
}

/* Frames whose 32 ms window lies inside a tone segment. */
static bool frame_inside_tone(const tone_case *tc, double offset_s, size_t frame)
{
    double centre = ((double)frame + 0.5) * 0.01;
    for (size_t s = 0; s < tc->n_segments; s++) {
        double a = offset_s + tc->segments[s].t_start_s + 0.016;
        double b = offset_s + tc->segments[s].t_start_s + tc->segments[s].len_s - 0.016;
        if (centre >= a && centre <= b) {
            return true;
        }
    }
    return false;
}

/* vowel (0.8 s) - 0.5 s - tone - 0.5 s - vowel (0.8 s), with 0.5 s of noise at both ends. */
static void check_case(const tone_case *tc, float level_db, uint64_t seed)
{
    const double vowel_s = 0.8;
    const double gap_s = 0.5;
    double tone_s = tone_end_s(tc);
    double tone_at = 0.5 + vowel_s + gap_s;
    double second_vowel_at = tone_at + tone_s + gap_s;
    size_t n = (size_t)((second_vowel_at + vowel_s + 0.5) * RATE);
    float *base = calloc(n, sizeof *base);
    float *with = calloc(n, sizeof *with);
    float *tone = calloc(n, sizeof *tone);
    assert_non_null(base);
    assert_non_null(with);
    assert_non_null(tone);
    uint64_t state = seed;
    test_white(base, n, noise_rms * 0.7f, &state);
    test_pink(base, n, noise_rms * 0.7f, &state);
    test_jittered_vowel(base, (size_t)(0.5 * RATE), (size_t)(vowel_s * RATE), RATE, 150.0, 0.3f,
                        &state);
    test_jittered_vowel(base, (size_t)(second_vowel_at * RATE), (size_t)(vowel_s * RATE), RATE,
                        210.0, 0.3f, &state);
    add_tone(tone, n - (size_t)(tone_at * RATE), tc, level_db);
    for (size_t i = 0; i < n; i++) {
        with[i] = base[i];
    }
    for (size_t i = (size_t)(tone_at * RATE); i < n; i++) {
        with[i] += tone[i - (size_t)(tone_at * RATE)];
    }
    static collected without_tone, with_tone;
    analyse(base, n, &without_tone);
    analyse(with, n, &with_tone);
    assert_int_equal(without_tone.n_frames, with_tone.n_frames);
    size_t tone_frames = 0, tone_speech = 0, vowel_speech = 0, vowel_frames = 0, changed = 0;
    size_t inside_frames = 0, inside_speech = 0;
    for (size_t f = 0; f < with_tone.n_frames; f++) {
        double centre = ((double)f + 0.5) * 0.01;
        bool in_vowel = (centre >= 0.5 && centre < 0.5 + vowel_s) ||
                        (centre >= second_vowel_at && centre < second_vowel_at + vowel_s);
        if (frame_inside_tone(tc, tone_at, f)) {
            inside_frames++;
            inside_speech += with_tone.speech[f];
        }
        if (frame_in_tone(tc, tone_at, f)) {
            tone_frames++;
            tone_speech += with_tone.speech[f];
        } else {
            changed += with_tone.speech[f] != without_tone.speech[f];
        }
        if (in_vowel) {
            vowel_frames++;
            vowel_speech += with_tone.speech[f];
        }
    }
    printf("%-10s %6.1f dBFS: tone frames %3zu speech %zu; vowel frames %3zu speech %3zu; "
           "changed elsewhere %zu\n",
           tc->name, (double)level_db, tone_frames, tone_speech, vowel_frames, vowel_speech,
           changed);
    if (tc->speech) { /* every frame whose window lies inside the sound */
        assert_int_equal(inside_speech, inside_frames);
    } else { /* the tone: not one frame of speech (the 30 ms around each segment included) */
        assert_int_equal(tone_speech, 0);
    }
    /* the vowels: as without the tone, and nearly all speech (ramps aside). A loud tone
     * moves the pitch tracker's and the noise floor's memory enough to flip a vowel's last
     * frame now and then, with or without the tone check (seen at -6 dBFS for 1 seed in 5):
     * up to 2 frames of the 700 outside the tone may differ. */
    assert_true(changed <= 2);
    assert_true(vowel_speech >= vowel_frames * 95 / 100);
    free(base);
    free(with);
    free(tone);
}

static void check_levels(const tone_case *tc, const char *test_name)
{
    const float levels[] = {-30.0f, -18.0f, -6.0f};
    uint64_t seed = test_seed(test_name);
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        check_case(tc, levels[i], seed + i);
    }
}

static void ringback_is_not_speech(void **state)
{
    (void)state;
    /* North America: 440 + 480 Hz, 2 s on, 4 s off (shortened to 1 s); Europe: 425 Hz 1 s */
    tone_case na = {"ringback", {{440, 480, 0.0, 2.0}, {440, 480, 3.0, 2.0}}, 2, SINE, false};
    check_levels(&na, "ringback_na");
    tone_case eu = {"ring-eu", {{425, 0, 0.0, 1.0}, {425, 0, 2.0, 1.0}}, 2, SINE, false};
    check_levels(&eu, "ringback_eu");
}

static void busy_and_dial_are_not_speech(void **state)
{
    (void)state;
    tone_case busy = {
        "busy", {{480, 620, 0.0, 0.5}, {480, 620, 1.0, 0.5}, {480, 620, 2.0, 0.5}}, 3, SINE, false};
    check_levels(&busy, "busy");
    tone_case dial = {"dial", {{350, 440, 0.0, 3.0}}, 1, SINE, false};
    check_levels(&dial, "dial");
}

static void dtmf_digits_are_not_speech(void **state)
{
    (void)state;
    /* "1", "5", "9", "#", "0": 70 ms digits, 70 ms apart, then two of 100 ms */
    tone_case dtmf = {"dtmf",
                      {{697, 1209, 0.00, 0.07},
                       {770, 1336, 0.14, 0.07},
                       {852, 1477, 0.28, 0.07},
                       {941, 1477, 0.42, 0.07},
                       {941, 1336, 0.56, 0.07},
                       {697, 1633, 0.80, 0.10},
                       {852, 1209, 1.00, 0.10}},
                      7,
                      SINE,
                      false};
    check_levels(&dtmf, "dtmf");
}

static void beep_sit_and_fax_are_not_speech(void **state)
{
    (void)state;
    tone_case beep = {"beep", {{1400, 0, 0.0, 0.5}, {1400, 0, 2.0, 0.5}}, 2, SINE, false};
    check_levels(&beep, "beep");
    tone_case sit = {"sit",
                     {{913.8, 0, 0.0, 0.38}, {1370.6, 0, 0.38, 0.38}, {1776.7, 0, 0.76, 0.38}},
                     3,
                     SINE,
                     false};
    check_levels(&sit, "sit");
    tone_case fax = {"fax-2100", {{2100, 0, 0.0, 2.5}}, 1, SINE, false};
    check_levels(&fax, "fax");
}

static void steady_harmonic_sounds_are_speech(void **state)
{
    (void)state;
    /* square waves: harmonic, with none of a voice's jitter or drift; bursts with a pause */
    tone_case low = {"square120", {{120, 0, 0.0, 1.0}, {120, 0, 1.5, 1.5}}, 2, SQUARE, true};
    check_levels(&low, "square120");
    tone_case high = {"square220", {{220, 0, 0.0, 2.0}}, 1, SQUARE, true};
    check_levels(&high, "square220");
    /* as concentrated as a tone, but with other harmonics (the tone check's third peak) */
    tone_case vowel = {"vowel200", {{200, 0, 0.0, 1.0}, {200, 0, 1.5, 1.5}}, 2, NARROW_VOWEL, true};
    check_levels(&vowel, "vowel200");
}

/* The rule leaves the vowels of tests/signals.h alone: a held vowel stays speech. */
static void held_vowels_stay_speech(void **state)
{
    (void)state;
    const double f0s[] = {90.0, 150.0, 230.0, 320.0};
    for (size_t k = 0; k < sizeof f0s / sizeof f0s[0]; k++) {
        size_t n = 4 * RATE;
        float *x = calloc(n, sizeof *x);
        assert_non_null(x);
        uint64_t seed = test_seed("held_vowels");
        test_white(x, n, noise_rms, &seed);
        test_vowel(x, RATE / 2, 3 * RATE, RATE, f0s[k], 0.3f);
        static collected c;
        analyse(x, n, &c);
        size_t speech = 0;
        for (size_t f = 60; f < 340; f++) {
            speech += c.speech[f];
        }
        assert_int_equal(speech, 280);
        free(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ringback_is_not_speech),
        cmocka_unit_test(busy_and_dial_are_not_speech),
        cmocka_unit_test(dtmf_digits_are_not_speech),
        cmocka_unit_test(beep_sit_and_fax_are_not_speech),
        cmocka_unit_test(steady_harmonic_sounds_are_speech),
        cmocka_unit_test(held_vowels_stay_speech),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
