/* rappel — filled-pause candidates ("euh", "um", "uh"), a flag and a confidence per 10 ms frame.
 *
 * A filled pause is a voiced stretch of at least min_ms with a flat F0 that sits near or below
 * the speaker's running median, and a stable spectrum (a held vowel or nasal: little formant
 * movement), unlike running speech, whose formants move every syllable. Works from the final
 * frames of the analysis (f0_hz, voiced, speech) plus, for the spectrum, a window of
 * rpl_filled_pauses_window_samples() analysis-rate samples centred on each frame's centre.
 * Decisions come out with a fixed lag of rpl_filled_pauses_delay_frames() frames (a frame's
 * verdict needs every min_ms stretch that contains it).
 */
#ifndef RAPPEL_FILLED_PAUSES_H
#define RAPPEL_FILLED_PAUSES_H

#include <stdbool.h>
#include <stddef.h>

#include "rappel/features.h"
#include "rappel/status.h"

typedef struct rpl_filled_pauses rpl_filled_pauses;

typedef struct rpl_filled_pauses_config {
    float frame_ms;            /* frame step (default 10) */
    float sample_rate_hz;      /* rate of the window samples (default 8000), 8000..48000 */
    float min_ms;              /* shortest filled pause (default 250), 100..1000 */
    float max_change_db;       /* spectral change (RMS over 12 mel bands of the change of the
                                * level-free spectral envelope per 20 ms, dB) at which the
                                * spectrum stops counting as stable (default 0.8; measured: held
                                * synthetic vowels 0.26, moving-formant synthetic speech 1.6),
                                * 0.1..20 */
    float max_f0_sd_st;        /* F0 spread around its line over the stretch at which F0 stops
                                * being flat (default 1.0 semitone), 0.05..10 */
    float max_f0_slope_st_s;   /* F0 slope at which F0 stops being flat (default 6 semitones/s),
                                * 0.1..100 */
    float max_above_median_st; /* stretch's mean F0 this far above the speaker's running
                                * median no longer counts as low (default 3 semitones),
                                * 0.1..24 */
    float median_window_ms;    /* memory of the speaker's F0 median (default 30000), >= 1000 */
    float threshold;           /* confidence at which a frame is flagged (default 0.5), 0..1 */
} rpl_filled_pauses_config;

typedef struct rpl_filled_pause_frame {
    bool filled_pause; /* the frame is part of a filled pause (confidence >= threshold) */
    float confidence;  /* 0..1: how well the best min_ms stretch containing this frame fits */
    float change_db;   /* spectral change at this frame, dB per 20 ms (0 outside speech and in
                        * its first 20 ms) */
} rpl_filled_pause_frame;

/* Defaults described above. */
rpl_filled_pauses_config rpl_filled_pauses_config_default(void);

/* Validate cfg (ranges above) and allocate everything, FFT included. *out owned by the caller
 * (rpl_filled_pauses_destroy). Not real-time safe. RPL_ERR_INVALID_ARG, RPL_ERR_NO_MEMORY or
 * RPL_ERR_FFT. */
rpl_status rpl_filled_pauses_create(const rpl_filled_pauses_config *cfg, rpl_filled_pauses **out);

/* Free; NULL allowed. */
void rpl_filled_pauses_destroy(rpl_filled_pauses *fp);

/* Samples in the window given with each frame: about 32 ms (256 at 8 kHz), centred on the
 * frame centre (frame i's window is [i*hop + hop/2 - W/2, i*hop + hop/2 + W/2), zeros before
 * the stream start), band-limited analysis signal. Real-time safe. */
size_t rpl_filled_pauses_window_samples(const rpl_filled_pauses *fp);

/* Fixed lag, in frames, between a frame going in and its decision coming out. RT-safe. */
size_t rpl_filled_pauses_delay_frames(const rpl_filled_pauses *fp);

/* Give the next final frame (uses f0_hz, voiced, speech) and its window (window_samples()
 * samples, not kept). When a decision is ready (once delay frames have been given), writes it
 * for the frame given `delay` calls earlier and returns true. Real-time safe. */
bool rpl_filled_pauses_process(rpl_filled_pauses *fp, const rpl_frame *frame, const float *window,
                               rpl_filled_pause_frame *out);

/* FFT size N of the window's spectrum: the window zero-padded to a power of two (256 at
 * 8 kHz). Real-time safe. */
size_t rpl_filled_pauses_fft_size(const rpl_filled_pauses *fp);

/* As rpl_filled_pauses_process, from the window's spectrum instead of its samples: power[k] =
 * |X_k|^2, k = 0..N/2, X the unnormalised N-point transform of the window weighted by a
 * periodic Hann window of window_samples() points (rpl_window_hann) and zero-padded, exactly
 * as rpl_fft_power computes it; the same spectrum gives bit-identical decisions. power is only
 * read when frame->speech; NULL there counts the frame as having no speech. Lets one
 * transform feed every consumer of the frame (see dsp/analysis.c). Real-time safe. */
bool rpl_filled_pauses_process_power(rpl_filled_pauses *fp, const rpl_frame *frame,
                                     const float *power, rpl_filled_pause_frame *out);

/* End of stream: writes the next pending decision and returns true until none remain; then
 * the detector is ready for a new stream (the speaker's F0 median is forgotten too). RT-safe. */
bool rpl_filled_pauses_flush(rpl_filled_pauses *fp, rpl_filled_pause_frame *out);

#endif
