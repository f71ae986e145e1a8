/* rappel — one party's prosodic cues over a trailing window, and the speaker's baseline.
 *
 * The models never look at single frames: every RPL_CUES_STEP_FRAMES (0.5 s) the cue window
 * summarises the last window_s seconds of a party's frames (F0 in semitones, level, spectral
 * balance, voice quality, articulation rate, pauses), and the baseline says what is usual for
 * this speaker, so that cues can be read relative to it: a deep voice is not "calm" and a
 * loud line is not "angry". The cue table (rpl_cue_info) names every cue once: models,
 * parameter files, evidence JSON and the training export all refer to cues by these names.
 */
#ifndef RAPPEL_CUES_H
#define RAPPEL_CUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rappel/features.h"
#include "rappel/status.h"

/* Windows are updated every 50 frames (0.5 s). */
#define RPL_CUES_STEP_FRAMES 50

/* Every cue, in the order of rpl_cues.value[]. Level-dependent cues (level_db, loudness) are
 * absolute and must only be used relative to the baseline; all others are gain-invariant. */
#define RPL_CUE_LIST(X)                                                                            \
    X(SPEECH_S, "speech_s", "s", "speech in the window")                                           \
    X(VOICED_S, "voiced_s", "s", "voiced speech in the window")                                    \
    X(F0_MEDIAN_ST, "f0_median_st", "st", "median F0, semitones re 100 Hz")                        \
    X(F0_RANGE_ST, "f0_range_st", "st", "F0 range (90th minus 10th percentile)")                   \
    X(F0_SLOPE_ST_S, "f0_slope_st_s", "st/s", "mean absolute F0 change within voiced runs")        \
    X(LEVEL_DB, "level_db", "dBFS", "median level of speech frames (absolute: line-dependent)")    \
    X(LEVEL_RANGE_DB, "level_range_db", "dB", "level range of speech frames (90th - 10th pct)")    \
    X(LEVEL_PEAK_DB, "level_peak_db", "dB", "loudest speech frames (95th pct) over the median")    \
    X(ALPHA_DB, "alpha_db", "dB", "level 300-1000 Hz minus 1000-3400 Hz, voiced mean")             \
    X(HAMMARBERG_DB, "hammarberg_db", "dB", "peak 300-2000 Hz minus peak 2000-3400 Hz")            \
    X(HAMMARBERG_P10_DB, "hammarberg_p10_db", "dB", "Hammarberg index, 10th pct of voiced frames") \
    X(ALPHA_P25_DB, "alpha_p25_db", "dB", "alpha ratio, 25th percentile of voiced frames")         \
    X(SLOPE_DB_KHZ, "slope_db_khz", "dB/kHz", "spectral slope 300-3400 Hz, voiced mean")           \
    X(SLOPE_P90_DB_KHZ, "slope_p90_db_khz", "dB/kHz", "spectral slope, 90th pct of voiced frames") \
    X(BAND_800_1500_DB, "band_800_1500_db", "dB", "share of energy in 800-1500 Hz, voiced mean")   \
    X(FLUX, "flux", "1", "spectral flux, speech mean")                                             \
    X(HNR_DB, "hnr_db", "dB", "harmonics-to-noise ratio, voiced mean")                             \
    X(JITTER_PCT, "jitter_pct", "%", "local jitter, voiced mean")                                  \
    X(SHIMMER_DB, "shimmer_db", "dB", "local shimmer, voiced mean")                                \
    X(ARTIC_RATE_SPS, "artic_rate_sps", "1/s", "syllable nuclei per second of speech")             \
    X(PAUSE_COUNT, "pause_count", "1",                                                             \
      "silent pauses inside speech (from 200 ms, in full from 400 ms)")                            \
    X(PAUSE_S, "pause_s", "s", "total silent pause inside speech")                                 \
    X(FILLED_S, "filled_s", "s", "filled-pause candidates")                                        \
    X(F0_REL_ST, "f0_rel_st", "st", "median F0 over the speaker's baseline")                       \
    X(F0_RANGE_REL_ST, "f0_range_rel_st", "st", "F0 range over the speaker's usual range")         \
    X(LEVEL_REL_DB, "level_rel_db", "dB", "speech level over the speaker's usual level")           \
    X(ALPHA_REL_DB, "alpha_rel_db", "dB", "alpha ratio over the speaker's usual one")              \
    X(HAMMARBERG_REL_DB, "hammarberg_rel_db", "dB", "Hammarberg index over the speaker's usual")   \
    X(SLOPE_REL_DB_KHZ, "slope_rel_db_khz", "dB/kHz", "spectral slope over the speaker's usual")   \
    X(BAND_800_1500_REL_DB, "band_800_1500_rel_db", "dB", "800-1500 Hz share over the usual")      \
    X(FLUX_REL, "flux_rel", "1", "spectral flux over the speaker's usual")                         \
    X(HNR_REL_DB, "hnr_rel_db", "dB", "HNR over the speaker's usual one")                          \
    X(RATE_REL, "rate_rel", "log2", "articulation rate over the speaker's usual rate")             \
    X(PAUSE_REL_S, "pause_rel_s", "s", "pause time over what the speaker usually pauses")          \
    X(LATENCY_S, "latency_s", "s", "the party's latest response latency (stereo calls only)")

typedef enum rpl_cue_id {
#define RPL_CUE_ENUM(id, name, unit, meaning) RPL_CUE_##id,
    RPL_CUE_LIST(RPL_CUE_ENUM)
#undef RPL_CUE_ENUM
        RPL_CUE_COUNT
} rpl_cue_id;

typedef struct rpl_cue_info {
    const char *name;    /* e.g. "f0_rel_st": parameter files, evidence and exports use it */
    const char *unit;    /* e.g. "st" */
    const char *meaning; /* one line */
} rpl_cue_info;

/* Cue i's description (static storage), NULL out of range. Real-time safe. */
const rpl_cue_info *rpl_cue_info_get(size_t i);

/* The cue named name, or -1. Real-time safe. */
int rpl_cue_find(const char *name);

/* One window's cues. A cue that the window cannot tell (no voiced frame for an F0 cue, no
 * speech for a level cue) is NAN. */
typedef struct rpl_cues {
    double t_s;       /* end of the window: time of its last frame's end, s */
    double window_s;  /* length actually covered (shorter at the start of a stream) */
    bool baseline_ok; /* the speaker's baseline was established when it was computed */
    double value[RPL_CUE_COUNT];
} rpl_cues;

typedef struct rpl_cues_config {
    double window_s;           /* trailing window, 0.5..60 s (default 3) */
    double establish_speech_s; /* speech that establishes the baseline (default 8 s) */
    double adapt_speech_s;     /* later, the baseline's memory in seconds of speech
                                  (default 120): it moves slowly */
    double min_pause_s;        /* shortest silence inside a turn that is a pause (default
                                  0.2; the pipeline's pause statistics count from it) */
    double part_pause_s;       /* the pause cues count a pause in part from this long (default
                                  0.8; >= min_pause_s) ... */
    double full_pause_s;       /* ... and in full from this (default 1.5; >= part_pause_s) */
    double max_pause_s;        /* longer silences are turn ends, not pauses (default 3) */
} rpl_cues_config;

typedef struct rpl_cue_window rpl_cue_window;

/* Defaults described above. Real-time safe. */
rpl_cues_config rpl_cues_config_default(void);

/* Allocate a cue window and its baseline for one party. *out owned by the caller.
 * Not real-time safe. RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY. */
rpl_status rpl_cue_window_create(const rpl_cues_config *cfg, rpl_cue_window **out);

/* Free; NULL allowed. */
void rpl_cue_window_destroy(rpl_cue_window *w);

/* Give the party's next frame (in order, one per 10 ms). Every RPL_CUES_STEP_FRAMES frames
 * the window's cues are written to *out and true is returned. other_speaking: the other party
 * speaks at this frame (stereo calls; false on mono): a silence of this party while the other
 * speaks is a turn exchange, not a pause. adapt: the frame may update the baseline once it is
 * established (pass false while the party is alerting, so that an angry stretch does not
 * become the new normal). Real-time safe. */
bool rpl_cue_window_process(rpl_cue_window *w, const rpl_frame *frame, bool other_speaking,
                            bool adapt, rpl_cues *out);

/* The window's cues now as if the n frames of recent (in order, each newer than the last frame
 * given to process; other_speaking per frame, or NULL for none) had been given too: for a
 * live display that should not wait for the analysis look-ahead (rpl_analysis_sink.on_early).
 * Nothing changes: no step, no baseline update. Per-frame values the recent frames lack
 * (NAN: spectral balance, voice quality) come from the window's other frames; the articulation
 * rate and filled-pause time, whose decisions need look-ahead, are the latest step's. Frames
 * beyond the window's length are ignored, oldest first. Real-time safe. */
void rpl_cue_window_peek(rpl_cue_window *w, const rpl_frame *recent, const bool *other_speaking,
                         size_t n, rpl_cues *out);

/* Mark (turn true) or unmark (false) the frames held whose index (rpl_frame.index) is in
 * first_index..last_index as a turn exchange: a silence among them then counts as no pause,
 * as when the other party speaks (process's other_speaking, which unmarking leaves alone).
 * For single-channel input holding both parties, where a speaker change is decided only after
 * the silence's frames went in (include/rappel/voice_change.h): pauses are recomputed from the
 * held frames at every step, so the decision applies to every later step; frames no longer
 * held are ignored. Real-time safe (one pass over the window). */
void rpl_cue_window_mark_turn(rpl_cue_window *w, int64_t first_index, int64_t last_index,
                              bool turn);

/* Seconds of this party's speech heard so far in the stream. Real-time safe. */
double rpl_cue_window_speech_s(const rpl_cue_window *w);

/* The speaker's baseline as cues (F0 median and range, level, spectral balance, HNR, articulation
 * rate, pause time per window), NAN where unknown. Real-time safe. */
void rpl_cue_window_baseline(const rpl_cue_window *w, rpl_cues *out);

/* Forget everything: a new stream, a new speaker. Real-time safe. */
void rpl_cue_window_reset(rpl_cue_window *w);

#endif
