/* rappel — pauses: runs of non-speech inside a speaker's turn, from per-frame voice activity.
 *
 * A pause is a non-speech run that follows speech, is at least min_pause_ms long, and ends
 * with speech again within max_pause_ms; a longer silence ends the turn (it is not a pause
 * of the speaker's, and cross-party cues such as dead air look at it instead).
 */
#ifndef RAPPEL_PAUSES_H
#define RAPPEL_PAUSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rappel/status.h"

typedef struct rpl_pauses rpl_pauses;

typedef struct rpl_pauses_config {
    float frame_ms;     /* frame step (default 10) */
    float min_pause_ms; /* shorter gaps are not counted (default 200) */
    float max_pause_ms; /* longer silences end the turn (default 3000) */
} rpl_pauses_config;

typedef struct rpl_pause {
    double start_s;  /* time of the first non-speech frame's start */
    double length_s; /* duration of the run */
} rpl_pause;

typedef struct rpl_pause_stats {
    size_t count;        /* pauses so far */
    double total_s;      /* their summed length */
    double max_s;        /* the longest */
    double speech_s;     /* speech heard so far */
    double mean_s;       /* total_s / count; 0 when there is no pause */
    double rate_per_min; /* pauses per minute of speech: count / (speech_s / 60); 0 when no
                          * speech has been heard */
} rpl_pause_stats;

/* Defaults described above. */
rpl_pauses_config rpl_pauses_config_default(void);

/* Validate (0 < frame_ms, 0 < min_pause_ms <= max_pause_ms) and allocate. Not RT-safe.
 * RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY. */
rpl_status rpl_pauses_create(const rpl_pauses_config *cfg, rpl_pauses **out);

/* Free; NULL allowed. */
void rpl_pauses_destroy(rpl_pauses *pauses);

/* Give the next frame's smoothed speech flag. When this frame ends a pause (speech after a
 * qualifying gap), writes it to *out and returns true. Real-time safe. */
bool rpl_pauses_process(rpl_pauses *pauses, bool speech, rpl_pause *out);

/* Running statistics over everything given so far. Real-time safe. */
rpl_pause_stats rpl_pauses_stats(const rpl_pauses *pauses);

/* Forget everything (new stream). Real-time safe. */
void rpl_pauses_reset(rpl_pauses *pauses);

#endif
