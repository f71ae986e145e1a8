/* rappel — one party's voice leaking into the other party's channel (line echo, crosstalk).
 *
 * Stereo call recordings often hold, in each party's channel, a quieter, delayed copy of the
 * other party: network or hybrid echo, an earpiece heard by a headset microphone, crosstalk in
 * the recorder. Counted as that party's speech, 20-25 dB down it is enough to make every turn
 * of the agent an "overtalk" by the customer and to give the customer the agent's words.
 *
 * A leaked copy is the same voice: its F0 is the source's F0 a fixed delay earlier, and its
 * level is the source's level minus a fixed loss. So, per frame pair (source, target), the
 * detector counts, for every delay 0..max_delay_ms, how often both are voiced with the same
 * F0. Two independent voices agree at any delay in a few per cent of such frames (a coincidence
 * of pitch); a leaked copy agrees in most of them, at one delay, and sits at a steady level
 * below its source. Once that is established (a leakage path: min_matches agreeing frames,
 * min_share of the co-voiced frames at that delay, a median loss of at least min_loss_db), a
 * target speech frame is leakage when its level is no more than margin_db above what the path
 * predicts from the source: the source's loudest frame around that delay, or a little before
 * it less a decay (the path rings on for tens of ms), minus the loss. A party speaking over
 * the other at their own level is far above the prediction and stays speech. Until a path is
 * established (the first 0.2 s or so of voiced echo) nothing is flagged; the decision uses only
 * frames up to the current one, so live, replay and batch agree.
 *
 * One detector per direction (agent into customer, customer into agent). No allocation after
 * create; rpl_crosstalk_process is real-time safe.
 */
#ifndef RAPPEL_CROSSTALK_H
#define RAPPEL_CROSSTALK_H

#include <stdbool.h>

#include "rappel/features.h"
#include "rappel/status.h"

typedef struct rpl_crosstalk rpl_crosstalk;

typedef struct rpl_crosstalk_config {
    float frame_ms;      /* frame step, ms (default 10) */
    double max_delay_ms; /* longest leakage delay looked for, ms (default 300) */
    double f0_match_st;  /* same voice: F0 within this many semitones (default 0.5) */
    int min_matches;     /* agreeing voiced frames that establish a path (default 20) */
    double min_share;    /* ... and their share of the co-voiced frames at that delay (0.6) */
    double min_loss_db;  /* a leaked copy is at least this much quieter (default 6) */
    double margin_db;    /* a target frame up to this far above the prediction is leakage (6) */
} rpl_crosstalk_config;

rpl_crosstalk_config rpl_crosstalk_config_default(void);

/* Allocate a detector of source-into-target leakage. RPL_ERR_INVALID_ARG, RPL_ERR_NO_MEMORY. */
rpl_status rpl_crosstalk_create(const rpl_crosstalk_config *cfg, rpl_crosstalk **out);

/* Free; NULL allowed. */
void rpl_crosstalk_destroy(rpl_crosstalk *x);

/* One frame of each channel, at the same time, in order (final frames of rpl_analysis). Returns
 * true when the target frame is speech that is only the source's leaked voice. Real-time safe. */
bool rpl_crosstalk_process(rpl_crosstalk *x, const rpl_frame *source, const rpl_frame *target);

/* The established leakage path: true with its delay (s) and loss (dB) once there is one. */
bool rpl_crosstalk_path(const rpl_crosstalk *x, double *delay_s, double *loss_db);

/* True, with the delay (s), when the target carries the source's voice as a leak would (the
 * same F0 at one delay in most co-voiced frames) but less than min_loss_db quieter: not a leak
 * but the same mix on both channels, when the other direction says so too. */
bool rpl_crosstalk_copy(const rpl_crosstalk *x, double *delay_s);

#endif
