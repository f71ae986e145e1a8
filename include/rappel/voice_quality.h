/* rappel — voice quality on voiced speech: jitter (local, %), shimmer (local, dB) and
 * harmonics-to-noise ratio (dB), defined as Praat defines them so that values compare.
 *
 * Input, one call per 10 ms frame, in frame order: a window of
 * rpl_voice_quality_window_samples() samples of the analysis signal (8 kHz, 300-3400 Hz)
 * centred on the frame centre (frame i covers samples [80i, 80i+80); its window is
 * [80i + 40 - W/2, 80i + 40 + W/2), zeros before the stream start), and the frame's final
 * record (f0_hz, voiced). Windows of consecutive calls must come from one continuous signal:
 * the module keeps its own history of it to place glottal period marks across frames.
 *
 * Definitions (Praat manual: "PointProcess: Get jitter (local)...", "Voice 3. Shimmer",
 * "Harmonicity (cc)"; Boersma 1993, IFA Proceedings 17):
 * - period marks: one per glottal cycle. A voiced stretch starts at the waveform extremum in
 *   the period around the frame centre; each next mark is the previous one plus the lag
 *   (0.8..1.25 tracked periods) that best cross-correlates the previous cycle with the next,
 *   refined below 1/8 sample by sinc interpolation (Praat's "To PointProcess (periodic, cc)").
 *   A cycle correlating below 0.5 with the previous one ends the stretch (it restarts on the
 *   next voiced frame); a tracked F0 that jumps by more than max_period_factor from the last
 *   measured period (an octave error) is ignored within a stretch;
 * - jitter (local) = mean |T(i) - T(i-1)| / mean T, in %, over consecutive periods both in
 *   [period_floor_s, period_ceiling_s] with ratio <= max_period_factor;
 * - shimmer (local, dB) = mean |20 log10(A(i+1) / A(i))| over consecutive marks whose
 *   amplitude ratio is <= max_amplitude_factor, A(i) = Praat's period amplitude: the RMS around
 *   mark i under a Hann window spanning 0.2 of the period before and 0.2 of the period after
 *   it (defined when both periods count for jitter);
 * - HNR = 10 log10(r / (1 - r)) with r the normalised cross-correlation, at the period lag
 *   (searched within +-10 % of the tracked period, parabolic peak), of two windows of
 *   periods_per_window / f0_min_hz seconds one period apart (Harmonicity (cc)).
 * Per-frame jitter and shimmer are running values over the periods marked in the last
 * window_ms of the current voiced stretch (marks may lie up to W/2 samples ahead of the
 * frame centre); HNR is the frame's own value. All three are NAN when the frame is
 * unvoiced or its f0_hz is outside [f0_min_hz, f0_max_hz], and jitter/shimmer are NAN while
 * fewer than min_periods periods are available. Cost: about 21k instructions for a voiced
 * frame, a memmove for an unvoiced one (callgrind, 140 Hz voice).
 */
#ifndef RAPPEL_VOICE_QUALITY_H
#define RAPPEL_VOICE_QUALITY_H

#include <stddef.h>

#include "rappel/features.h"
#include "rappel/status.h"

typedef struct rpl_voice_quality rpl_voice_quality;

typedef struct rpl_voice_quality_config {
    float period_floor_s;       /* shortest period counted (default 0.0001 s, Praat's) */
    float period_ceiling_s;     /* longest period counted (default 0.02 s, Praat's) */
    float max_period_factor;    /* largest ratio of consecutive periods (default 1.3) */
    float max_amplitude_factor; /* largest ratio of consecutive amplitudes (default 1.6) */
    float f0_min_hz;            /* lowest F0 handled; sets the HNR window (default 75) */
    float f0_max_hz;            /* highest F0 handled (default 500) */
    float periods_per_window;   /* HNR window length in periods of f0_min_hz (default 1.0) */
    float window_ms;            /* trailing span of the running jitter/shimmer (default 500) */
    size_t min_periods;         /* fewer periods give NAN jitter/shimmer (default 6) */
} rpl_voice_quality_config;

typedef struct rpl_voice_quality_frame {
    float jitter_pct; /* local jitter, % (0..~10 for voices); NAN when unvoiced/too few periods */
    float shimmer_db; /* local shimmer, dB (0..~2); NAN when unvoiced/too few periods */
    float hnr_db;     /* harmonics-to-noise ratio, dB (-10..40, clamped); NAN when unvoiced */
} rpl_voice_quality_frame;

/* Stream statistics over voiced speech since the last reset (Praat computes the same over a
 * whole file): jitter and shimmer from every period pair counted, HNR as the mean of the
 * per-frame dB values. NAN when there is nothing to average. */
typedef struct rpl_voice_quality_stats {
    float jitter_pct;
    float shimmer_db;
    float hnr_db;
    size_t periods;       /* period marks placed */
    size_t voiced_frames; /* frames that gave an HNR value */
} rpl_voice_quality_stats;

/* Defaults described above. */
rpl_voice_quality_config rpl_voice_quality_config_default(void);

/* Validate cfg (0 < floor < ceiling, factors > 1, 0 < f0_min < f0_max <= 1000 Hz, periods per
 * window in [0.5, 6], window_ms in [50, 5000], min_periods >= 3) and allocate everything.
 * *out owned by the caller. Not real-time safe. RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY. */
rpl_status rpl_voice_quality_create(const rpl_voice_quality_config *cfg, rpl_voice_quality **out);

/* Free; NULL allowed. */
void rpl_voice_quality_destroy(rpl_voice_quality *vq);

/* W, the window length in samples (even) that process expects. Real-time safe. */
size_t rpl_voice_quality_window_samples(const rpl_voice_quality *vq);

/* Analyse the next frame: window = W samples centred on its centre, frame = its final record
 * (only f0_hz and voiced are read). Writes its values to *out (no lag). Real-time safe. */
void rpl_voice_quality_process(rpl_voice_quality *vq, const float *window, const rpl_frame *frame,
                               rpl_voice_quality_frame *out);

/* Statistics since the last reset. Real-time safe. */
rpl_voice_quality_stats rpl_voice_quality_stats_get(const rpl_voice_quality *vq);

/* Start a new stream: history, marks and statistics cleared. Real-time safe. */
void rpl_voice_quality_reset(rpl_voice_quality *vq);

#endif
