/* rappel — one channel's signal analysis: analysis-rate samples in, 10 ms frames out.
 *
 * Ties the signal core together: framing on the 8 kHz band-limited signal, energy, pitch and
 * voicing, voice activity and pauses. Frames come out in order, each exactly once, through
 * a caller-supplied sink, after a fixed look-ahead of rpl_analysis_delay_frames() frames.
 * The same samples always give the same frames, however they are split into blocks.
 * rpl_frame.speech is voice activity with a voice: energy without a voice nearby is not
 * speech, nor are line tones (call-progress tones, DTMF digits, beeps, fax answer tones),
 * whatever their level; see dsp/analysis.c for the rules.
 */
#ifndef RAPPEL_ANALYSIS_H
#define RAPPEL_ANALYSIS_H

#include <stddef.h>

#include "rappel/features.h"
#include "rappel/filled_pauses.h"
#include "rappel/pauses.h"
#include "rappel/pitch.h"
#include "rappel/status.h"
#include "rappel/spectral.h"
#include "rappel/syllables.h"
#include "rappel/voice_quality.h"
#include "rappel/vad.h"

typedef struct rpl_analysis rpl_analysis;

typedef struct rpl_analysis_config {
    rpl_pitch_config pitch;         /* sample_rate_hz and hop_samples are set by the analysis */
    rpl_vad_config vad;             /* frame_ms is set by the analysis */
    rpl_pauses_config pauses;       /* frame_ms is set by the analysis */
    rpl_syllables_config syllables; /* frame_ms is set by the analysis */
    rpl_voice_quality_config voice_quality;
    rpl_spectral_config spectral;
    rpl_filled_pauses_config filled_pauses; /* frame_ms and sample_rate_hz set by the analysis */
} rpl_analysis_config;

/* Where frames and pauses go. Called from inside process/flush, on the caller's thread; a
 * callback must not call back into the same analysis. Any function may be NULL.
 * on_early: a provisional record of each frame as soon as its own samples and half a pitch
 * window after them are in, rpl_analysis_delay_frames() before the final one: energy, the
 * pitch tracker's and the voice-activity detector's decisions with no look-ahead
 * (rpl_pitch_latest, rpl_vad_latest), everything else NAN or false. For a live display; the
 * final frame may differ. Not called by flush. */
typedef struct rpl_analysis_sink {
    void (*on_frame)(void *user, const rpl_frame *frame);
    void (*on_pause)(void *user, const rpl_pause *pause);
    void (*on_early)(void *user, const rpl_frame *frame);
    void *user;
} rpl_analysis_sink;

/* Every module's defaults. */
rpl_analysis_config rpl_analysis_config_default(void);

/* Allocate everything for one channel at RPL_ANALYSIS_RATE_HZ. *out owned by the caller.
 * Not real-time safe. RPL_ERR_INVALID_ARG, RPL_ERR_NO_MEMORY or RPL_ERR_FFT. */
rpl_status rpl_analysis_create(const rpl_analysis_config *cfg, rpl_analysis **out);

/* Free; NULL allowed. */
void rpl_analysis_destroy(rpl_analysis *analysis);

/* Look-ahead, in frames, between the samples of a frame going in and the frame coming out. */
size_t rpl_analysis_delay_frames(const rpl_analysis *analysis);

/* Give n samples (analysis rate, band-limited, nominally in [-1, 1]); every frame that
 * becomes complete is passed to sink. Real-time safe. */
void rpl_analysis_process(rpl_analysis *analysis, const float *samples, size_t n,
                          const rpl_analysis_sink *sink);

/* End of stream: the remaining frames (the last one padded with silence) go to sink, one per
 * started 10 ms of input; then the analysis is ready for a new stream. Real-time safe. */
void rpl_analysis_flush(rpl_analysis *analysis, const rpl_analysis_sink *sink);

/* Pause statistics of the stream so far (still readable after flush, until the next stream's
 * first sample). Real-time safe. */
rpl_pause_stats rpl_analysis_pause_stats(const rpl_analysis *analysis);

#endif
