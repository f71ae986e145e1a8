/* rappel — spectral balance within the telephone band (300-3400 Hz), one value set per frame.
 *
 * Input, one call per 10 ms frame: a window of rpl_spectral_window_samples() samples (256,
 * 32 ms) of the analysis signal (8 kHz, 300-3400 Hz) centred on the frame centre (frame i
 * covers samples [80i, 80i+80); its window is [80i + 40 - 128, 80i + 40 + 128), zeros before
 * the stream start), and the frame's final record (only `speech` is read, for the
 * statistics). Output at once, no lag. The spectrum is a Hann-windowed 256-point power
 * spectrum (31.25 Hz bins); "band" below means the bins whose centre lies in the range.
 *
 * Features (all but loudness are gain-invariant: the same signal at any level gives the same
 * values; they are NAN when the 300-3400 Hz power is below -110 dBFS, i.e. digital silence):
 * - slope_db_khz: least-squares slope of the bin levels (10 log10 power, dB) against bin
 *   frequency (kHz) over 300-3400 Hz, in dB/kHz. White noise 0; pink noise (-3 dB/octave)
 *   -2.9 dB/kHz over this band; voiced speech typically -3..-8.
 * - alpha_ratio_db: 10 log10(E(300-1000 Hz) / E(1000-3400 Hz)), dB: low band over high band
 *   (the "energy 300-1000 Hz vs 1000-3400 Hz"; eGeMAPS reports the inverse, so its
 *   values are these negated). Falls with vocal effort; typically -5..+25 for speech.
 * - hammarberg_db: max bin level in 300-2000 Hz minus max bin level in 2000-3400 Hz, dB
 *   (Hammarberg index restricted to the telephone band); falls with vocal effort.
 * - share_800_1500_db: 10 log10(E(800-1500 Hz) / E(300-3400 Hz)), dB (<= 0); the band where
 *   tense, angry speech concentrates energy.
 * - flux: half the L1 distance between this frame's and the previous frame's critical-band
 *   power distributions (the 14 bands below, each frame's scaled to sum 1), dimensionless
 *   0..1: 0 for a stationary signal, 1 when the energy moved to other bands entirely
 *   (stationary white noise reads about 0.1-0.2 from its own randomness). NAN for the first
 *   frame of a stream and when either frame is silent.
 * - loudness: Zwicker-like total over the 14 critical bands (Bark edges 300, 400, 510, 630,
 *   770, 920, 1080, 1270, 1480, 1720, 2000, 2320, 2700, 3150, 3400 Hz) of the specific
 *   loudness c [(0.5 + 0.5 E_b / E_tq)^0.23 - 1] (0 when negative), E_b the band power,
 *   E_tq = the power of a -80 dBFS sine (the threshold, taking full scale as about 100 dB SPL),
 *   c such that a -60 dBFS sine inside one band reads 1. Uncalibrated "sone-like" units,
 *   >= 0; no masking across bands. Well above threshold, -12 dB of gain multiplies it by
 *   about 10^(-12 * 0.023) = 0.53; line noise near -80 dBFS adds almost nothing.
 */
#ifndef RAPPEL_SPECTRAL_H
#define RAPPEL_SPECTRAL_H

#include <stddef.h>

#include "rappel/features.h"
#include "rappel/status.h"

typedef struct rpl_spectral rpl_spectral;

typedef struct rpl_spectral_config {
    float silence_db; /* band power below this (dBFS) gives NAN features (default -110) */
} rpl_spectral_config;

typedef struct rpl_spectral_frame {
    float slope_db_khz;      /* dB/kHz */
    float alpha_ratio_db;    /* dB */
    float hammarberg_db;     /* dB */
    float share_800_1500_db; /* dB, <= 0 */
    float flux;              /* 0..1 */
    float loudness;          /* sone-like, >= 0 */
} rpl_spectral_frame;

/* Means over the frames with speech == true and a defined value, since the last reset (NAN
 * when none); frames counts those frames. */
typedef struct rpl_spectral_stats {
    rpl_spectral_frame mean;
    size_t frames;
} rpl_spectral_stats;

/* Defaults described above. */
rpl_spectral_config rpl_spectral_config_default(void);

/* Validate cfg (silence_db in [-200, 0]) and allocate (FFT plan included). *out owned by the
 * caller. Not real-time safe. RPL_ERR_INVALID_ARG, RPL_ERR_NO_MEMORY or RPL_ERR_FFT. */
rpl_status rpl_spectral_create(const rpl_spectral_config *cfg, rpl_spectral **out);

/* Free; NULL allowed. */
void rpl_spectral_destroy(rpl_spectral *sp);

/* Window length W in samples (256). Real-time safe. */
size_t rpl_spectral_window_samples(const rpl_spectral *sp);

/* Analyse the next frame (window of W samples centred on its centre; frame may be NULL, then
 * it does not count in the statistics). Writes the values to *out. Real-time safe. */
void rpl_spectral_process(rpl_spectral *sp, const float *window, const rpl_frame *frame,
                          rpl_spectral_frame *out);

/* Bins of the power spectrum rpl_spectral_process_power reads: W/2 + 1 (129). RT-safe. */
size_t rpl_spectral_power_bins(const rpl_spectral *sp);

/* As rpl_spectral_process, from the frame's spectrum instead of its samples: spectrum[k] =
 * |X_k|^2, k = 0..W/2, X the unnormalised W-point transform of the window weighted by a
 * periodic Hann window (rpl_window_hann), exactly as rpl_fft_power computes it; the same
 * spectrum gives bit-identical values. Lets one transform feed every consumer of the frame
 * (see dsp/analysis.c). Real-time safe. */
void rpl_spectral_process_power(rpl_spectral *sp, const float *spectrum, const rpl_frame *frame,
                                rpl_spectral_frame *out);

/* Statistics since the last reset. Real-time safe. */
rpl_spectral_stats rpl_spectral_stats_get(const rpl_spectral *sp);

/* Start a new stream (previous spectrum and statistics cleared). Real-time safe. */
void rpl_spectral_reset(rpl_spectral *sp);

/* A frame that is not analysed (the caller skips silence): out gets NAN features, and the next
 * frame's flux has no previous frame to compare with. Real-time safe. */
void rpl_spectral_skip(rpl_spectral *sp, rpl_spectral_frame *out);

#endif
