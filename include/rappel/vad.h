/* rappel — voice activity: speech/non-speech per 10 ms frame from frame energies.
 *
 * The noise floor is tracked as the minimum energy over the last seconds (minimum
 * statistics), so stationary line noise, hum and hiss are floor, not speech. Decisions have
 * hysteresis and come out with a fixed look-ahead of rpl_vad_delay_frames() frames, used to
 * drop clicks shorter than min_speech_ms and to bridge gaps shorter than bridge_ms (a stop
 * consonant's closure is not a pause) without moving the true pause boundaries.
 */
#ifndef RAPPEL_VAD_H
#define RAPPEL_VAD_H

#include <stdbool.h>
#include <stddef.h>

#include "rappel/status.h"

typedef struct rpl_vad rpl_vad;

typedef struct rpl_vad_config {
    float frame_ms;        /* frame step (default 10) */
    float floor_window_ms; /* noise-floor memory (default 5000) */
    float floor_ahead_ms;  /* look-ahead of the floor estimate (default 100) */
    float enter_db;        /* speech starts this far above the floor (default 9) */
    float stay_db;         /* and continues while this far above it (default 5) */
    float min_level_db;    /* never speech below this absolute level (default -80 dBFS: a quiet
                            * line 12 dB down still has its speech; mu-law's own floor is
                            * below -90) */
    float min_speech_ms;   /* shorter bursts are clicks (default 30) */
    float bridge_ms;       /* shorter gaps inside speech are not pauses (default 120) */
} rpl_vad_config;

typedef struct rpl_vad_frame {
    bool speech;    /* smoothed decision */
    float noise_db; /* noise floor at this frame, dBFS */
} rpl_vad_frame;

/* Defaults described above. */
rpl_vad_config rpl_vad_config_default(void);

/* Validate cfg (all durations > 0 except floor_ahead_ms >= 0, enter_db >= stay_db > 0) and
 * allocate. *out owned by the caller. Not real-time safe. RPL_ERR_INVALID_ARG or
 * RPL_ERR_NO_MEMORY. */
rpl_status rpl_vad_create(const rpl_vad_config *cfg, rpl_vad **out);

/* Free; NULL allowed. */
void rpl_vad_destroy(rpl_vad *vad);

/* Fixed lag, in frames, between a frame's energy going in and its decision coming out.
 * Real-time safe. */
size_t rpl_vad_delay_frames(const rpl_vad *vad);

/* Give the next frame's energy (dBFS). When a decision is ready (once delay frames have been
 * given), writes it for the frame given `delay` calls earlier and returns true. RT-safe. */
bool rpl_vad_process(rpl_vad *vad, float energy_db, rpl_vad_frame *out);

/* End of stream: writes the next pending decision and returns true until none remain; then
 * the detector is ready for a new stream. Real-time safe. */
bool rpl_vad_flush(rpl_vad *vad, rpl_vad_frame *out);

/* Provisional decision for the newest energy given to process, with no look-ahead: its level
 * against the latest noise floor known, with the raw decision's hysteresis, and none of the
 * smoothing (a click may count, a stop closure may not). For a live display; false before the
 * stream's first energy. Does not change the detector. Real-time safe. */
bool rpl_vad_latest(const rpl_vad *vad, rpl_vad_frame *out);

#endif
