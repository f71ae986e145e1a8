/* Test signals whose truth is known, made in the test: tones, harmonic "vowels", noise.
 * Header-only so that each test program stays one file plus this. */
#ifndef RAPPEL_TEST_SIGNALS_H
#define RAPPEL_TEST_SIGNALS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rappel/bandpass.h"

static const double test_two_pi = 6.283185307179586;

/* Seed from RPL_TEST_SEED or the clock; printed so that a failure can be replayed. */
static inline uint64_t test_seed(const char *test_name)
{
    const char *env = getenv("RPL_TEST_SEED");
    uint64_t seed = env != NULL ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("%s: seed %llu (RPL_TEST_SEED to replay)\n", test_name, (unsigned long long)seed);
    return seed == 0 ? 1 : seed;
}

/* xorshift64*: uniform in [-1, 1). */
static inline float test_uniform(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    uint64_t r = *state * 2685821657736338717ull;
    return (float)((double)(r >> 11) / 4503599627370496.0 - 1.0);
}

/* Gaussian-ish white noise with the given RMS (sum of 4 uniforms). */
static inline void test_white(float *x, size_t n, float rms, uint64_t *state)
{
    for (size_t i = 0; i < n; i++) {
        float s =
            test_uniform(state) + test_uniform(state) + test_uniform(state) + test_uniform(state);
        x[i] += rms * s * 0.8660254f; /* uniform sum of 4 has variance 4/3 */
    }
}

/* Pink noise (Paul Kellet's economy filter on white noise), scaled to the given RMS. */
static inline void test_pink(float *x, size_t n, float rms, uint64_t *state)
{
    double b0 = 0, b1 = 0, b2 = 0, sum2 = 0;
    float *tmp = malloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++) {
        double w = (double)test_uniform(state);
        b0 = 0.99765 * b0 + w * 0.0990460;
        b1 = 0.96300 * b1 + w * 0.2965164;
        b2 = 0.57000 * b2 + w * 1.0526913;
        tmp[i] = (float)(b0 + b1 + b2 + w * 0.1848);
        sum2 += (double)tmp[i] * (double)tmp[i];
    }
    double scale = (double)rms / sqrt(sum2 / (double)n + 1e-30);
    for (size_t i = 0; i < n; i++) {
        x[i] += (float)((double)tmp[i] * scale);
    }
    free(tmp);
}

/* Add a sine of the given amplitude and frequency. */
static inline void test_sine(float *x, size_t n, double rate_hz, double f_hz, float amplitude)
{
    for (size_t i = 0; i < n; i++) {
        x[i] += amplitude * (float)sin(test_two_pi * f_hz * (double)i / rate_hz);
    }
}

/* A vowel-like harmonic complex at f0_hz (harmonics up to 3.5 kHz with a spectral envelope
 * that has two broad formants near 700 and 1200 Hz), with 10 ms raised-cosine ramps, added
 * over [start, start+len) samples, peak amplitude about `amplitude`. A small F0 drift keeps
 * it from being a perfectly steady tone. */
static inline void test_vowel(float *x, size_t start, size_t len, double rate_hz, double f0_hz,
                              float amplitude)
{
    size_t ramp = (size_t)(0.010 * rate_hz);
    double phase[64] = {0};
    for (size_t i = 0; i < len; i++) {
        double t = (double)i / rate_hz;
        double f0 = f0_hz * (1.0 + 0.02 * sin(test_two_pi * 3.0 * t));
        double s = 0.0;
        for (int h = 1; h < 64 && h * f0 < 3500.0 && h * f0 < rate_hz / 2.0; h++) {
            double f = h * f0;
            double env = 1.0 / (1.0 + pow((f - 700.0) / 300.0, 2)) +
                         0.6 / (1.0 + pow((f - 1200.0) / 300.0, 2)) + 0.05;
            phase[h] += test_two_pi * f / rate_hz;
            s += env * sin(phase[h]);
        }
        double gain = 1.0;
        if (i < ramp) {
            gain = 0.5 - 0.5 * cos(3.141592653589793 * (double)i / (double)ramp);
        } else if (i >= len - ramp) {
            gain = 0.5 - 0.5 * cos(3.141592653589793 * (double)(len - 1 - i) / (double)ramp);
        }
        x[start + i] += (float)(0.25 * (double)amplitude * gain * s);
    }
}

/* Band-limit x in place to 300-3400 Hz as rpl_ingest does before the analysis; false when the
 * filter cannot be made. */
static inline bool test_band_limit(float *x, size_t n, float rate_hz)
{
    rpl_bandpass *bp = NULL;
    if (rpl_bandpass_create(rate_hz, 300.0f, 3400.0f, &bp) != RPL_OK) {
        return false;
    }
    rpl_bandpass_process(bp, x, n);
    rpl_bandpass_destroy(bp);
    return true;
}

/* A vowel with jitter and shimmer, added into x[start, start + len): harmonics of an F0 that is
 * redrawn every period (+-1 %, as a voice's local jitter of about 1 %) with an amplitude redrawn
 * likewise (+-5 %, about 0.4 dB of shimmer), formants near 700 and 1200 Hz, 10 ms ramps; peak
 * about `amplitude`. */
static inline void test_jittered_vowel(float *x, size_t start, size_t len, double rate_hz,
                                       double f0_hz, float amplitude, uint64_t *seed)
{
    const double pi = 3.141592653589793;
    double phase = 0.0;
    double f0 = f0_hz;
    double gain_cycle = 1.0;
    size_t ramp = (size_t)(rate_hz / 100.0);
    for (size_t i = 0; i < len; i++) {
        double s = 0.0;
        for (int h = 1; h < 40 && h * f0 < 3500.0; h++) {
            double f = h * f0;
            double env = 1.0 / (1.0 + pow((f - 700.0) / 300.0, 2)) +
                         0.6 / (1.0 + pow((f - 1200.0) / 300.0, 2)) + 0.05;
            s += env * sin((double)h * phase);
        }
        phase += test_two_pi * f0 / rate_hz;
        if (phase >= test_two_pi) { /* a new period */
            phase -= test_two_pi;
            f0 = f0_hz * (1.0 + 0.01 * (double)test_uniform(seed));
            gain_cycle = 1.0 + 0.05 * (double)test_uniform(seed);
        }
        double gain = gain_cycle;
        if (i < ramp) {
            gain *= 0.5 - 0.5 * cos(pi * (double)i / (double)ramp);
        } else if (i >= len - ramp) {
            gain *= 0.5 - 0.5 * cos(pi * (double)(len - 1 - i) / (double)ramp);
        }
        x[start + i] += (float)(0.25 * (double)amplitude * gain * s);
    }
}

#endif
