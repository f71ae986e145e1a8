/* rappel — real FFT shared by every spectral feature (FFTW underneath, never exposed).
 *
 * dsp/fft.c is the only file that includes <fftw3.h>. Plans are made once, in
 * rpl_fft_create, under a process-wide mutex (the FFTW planner is not thread-safe), with
 * FFTW_ESTIMATE so that the same input always gives bit-identical output whatever the
 * machine load (batch, replay and live must agree).
 */
#ifndef RAPPEL_FFT_H
#define RAPPEL_FFT_H

#include <stddef.h>

#include "rappel/status.h"

typedef struct rpl_fft rpl_fft;

/* Create a real-to-complex transform of size n (even, 2..65536) and its inverse.
 * *out receives the handle, owned by the caller (rpl_fft_destroy). Not real-time safe:
 * allocates and plans. Thread-safe. Returns RPL_ERR_INVALID_ARG, RPL_ERR_NO_MEMORY or
 * RPL_ERR_FFT. */
rpl_status rpl_fft_create(size_t n, rpl_fft **out);

/* Free the transform; NULL is allowed. Thread-safe. */
void rpl_fft_destroy(rpl_fft *fft);

/* Transform size n given at create. Real-time safe. */
size_t rpl_fft_size(const rpl_fft *fft);

/* Forward transform: in holds n real samples; out receives n/2+1 complex bins as
 * interleaved (re, im) pairs, 2*(n/2+1) floats. Unnormalised (sum of x[k] e^{-2πijk/n}).
 * in and out may not overlap. Real-time safe (no allocation, no locks). */
void rpl_fft_forward(rpl_fft *fft, const float *in, float *out);

/* Inverse transform: in holds n/2+1 complex bins, interleaved; out receives n real
 * samples, unnormalised (scaled by n relative to the true inverse). Real-time safe. */
void rpl_fft_inverse(rpl_fft *fft, const float *in, float *out);

/* Windowed power spectrum: power[k] = |X_k|^2 (k = 0..n/2, n/2+1 floats, unnormalised) of
 * X = the forward transform of in[i] * window[i] for i < len, zero-padded to n (1 <= len
 * <= n; window NULL: no weighting). Bit-identical to weighting into a buffer, calling
 * rpl_fft_forward and squaring, without the copies: one transform can feed every consumer
 * of the same frame's spectrum. in and power may not overlap. Real-time safe. */
void rpl_fft_power(rpl_fft *fft, const float *in, const float *window, size_t len, float *power);

#endif
