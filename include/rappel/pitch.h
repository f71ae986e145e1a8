/* rappel — fundamental frequency (F0) and voicing, one decision per 10 ms frame.
 *
 * Works on the band-limited analysis signal (8 kHz, 300-3400 Hz), so it must recover F0
 * when the fundamental itself is missing. Decisions come out with a fixed lag of
 * rpl_pitch_delay_frames() frames: tracking across frames needs a little look-ahead.
 */
#ifndef RAPPEL_PITCH_H
#define RAPPEL_PITCH_H

#include <stdbool.h>
#include <stddef.h>

#include "rappel/status.h"

typedef struct rpl_pitch rpl_pitch;

typedef struct rpl_pitch_config {
    float sample_rate_hz; /* rate of the samples given to process, 8000..48000 (default 8000) */
    size_t hop_samples;   /* frame step in samples (default 80: 10 ms at 8 kHz) */
    float f0_min_hz;      /* lowest F0 searched (default 60) */
    float f0_max_hz;      /* highest F0 searched (default 500) */
} rpl_pitch_config;

typedef struct rpl_pitch_frame {
    float f0_hz;   /* fundamental frequency in Hz; 0 when unvoiced */
    float voicing; /* confidence that the frame is voiced, 0..1 */
    bool voiced;   /* the voicing decision */
    bool steady;   /* voiced, and its F0 has held to 1 cent for 250 ms, as no human voice does:
                    * a line tone, a buzz or a synthetic voice (never set by
                    * rpl_pitch_latest, which cannot look ahead) */
} rpl_pitch_frame;

/* Defaults described above. */
rpl_pitch_config rpl_pitch_config_default(void);

/* Validate cfg and allocate everything the tracker needs (FFT plans included). *out is
 * owned by the caller (rpl_pitch_destroy). Not real-time safe. Returns RPL_ERR_INVALID_ARG
 * (bad rate, hop or F0 range), RPL_ERR_NO_MEMORY or RPL_ERR_FFT. */
rpl_status rpl_pitch_create(const rpl_pitch_config *cfg, rpl_pitch **out);

/* Free; NULL allowed. */
void rpl_pitch_destroy(rpl_pitch *pitch);

/* Number of samples in the window given to rpl_pitch_process, centred on the frame centre:
 * frame i covers samples [i*hop, (i+1)*hop) and its window is
 * [i*hop + hop/2 - W/2, i*hop + hop/2 + W/2), with zeros before the stream start. */
size_t rpl_pitch_window_samples(const rpl_pitch *pitch);

/* Fixed lag, in frames, between a frame given to process and its decision. */
size_t rpl_pitch_delay_frames(const rpl_pitch *pitch);

/* Analyse one frame's window (rpl_pitch_window_samples() samples). When a decision is
 * ready (always, once delay frames have been given), writes it for the frame given
 * `delay` calls earlier and returns true. Real-time safe. */
bool rpl_pitch_process(rpl_pitch *pitch, const float *window, rpl_pitch_frame *out);

/* End of stream: writes the next pending decision and returns true, until none remain.
 * Real-time safe. After the last one the tracker is ready for a new stream. */
bool rpl_pitch_flush(rpl_pitch *pitch, rpl_pitch_frame *out);

/* Provisional decision for the newest frame given to process, with no look-ahead: the best
 * state of the Viterbi search there (what the traceback starts from), before the next frames
 * can correct it and before steady-tone rejection. For a live display; false before the
 * stream's first frame. Does not change the tracker. Real-time safe. */
bool rpl_pitch_latest(const rpl_pitch *pitch, rpl_pitch_frame *out);

#endif
