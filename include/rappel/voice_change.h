/* rappel — on a single channel that may hold both parties, tell a turn exchange (the voice
 * after a silence is another speaker's) from a pause (the same voice resumes).
 *
 * Many call-centre recorders mix agent and customer into one channel. Analysed as the customer
 * alone, every silence between the agent's turn and the customer's answer would count as a
 * pause inside the customer's speech. This detector follows one channel's frames causally and,
 * for every silence of at least min_gap_s between speech, compares the F0 median (semitones)
 * of the voice heard before it with that of the first decide_voiced voiced frames after it:
 * a difference over threshold_st is a change of speaker (models/voice_change.c says how the
 * constants were chosen, on RAVDESS actors 01-16, and how well it does).
 *
 * It is an F0 test: it finds mixed-gender exchanges well and same-gender ones poorly, and a
 * speaker whose F0 leaps (strong anger: +15 st) looks like a new voice.
 */
#ifndef RAPPEL_VOICE_CHANGE_H
#define RAPPEL_VOICE_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rappel/features.h"
#include "rappel/status.h"

typedef struct rpl_voice_change rpl_voice_change;

typedef struct rpl_voice_change_config {
    double min_gap_s;      /* silences from this long are tested, 0.01..10 s (default 0.2: the
                              shortest pause the cue windows count) */
    size_t decide_voiced;  /* voiced frames after the silence that decide, 2..1000 (default 150:
                              the next phrase, about 2 s of speech) */
    size_t min_voiced;     /* fewer voiced frames on either side: no decision, taken as the same
                              voice; 1..decide_voiced (default 15) */
    size_t history_voiced; /* voiced frames of each voice remembered, >= decide_voiced, <= 10000
                              (default 200) */
    double threshold_st;   /* F0 median difference that is a change of speaker, > 0 st
                              (default 6) */
} rpl_voice_change_config;

typedef enum rpl_voice_event_type {
    RPL_VOICE_GAP_CLOSED, /* speech resumed after a tested silence: not decided yet */
    RPL_VOICE_SAME,       /* the silence was a pause of the same voice */
    RPL_VOICE_CHANGE,     /* the silence was a turn exchange: another voice after it */
} rpl_voice_event_type;

typedef struct rpl_voice_event {
    rpl_voice_event_type type;
    int64_t gap_first, gap_last; /* frame indices (rpl_frame.index) of the silence, inclusive */
    double gap_s;                /* its length, s */
    double delta_st;             /* after minus before, F0 medians, st; NAN when undecided or
                                    when there was too little voice to compare (then SAME) */
} rpl_voice_event;

/* Defaults described above. Real-time safe. */
rpl_voice_change_config rpl_voice_change_config_default(void);

/* Allocate a detector. *out owned by the caller. Not real-time safe. RPL_ERR_INVALID_ARG
 * (cfg or out NULL, a value out of range) or RPL_ERR_NO_MEMORY. */
rpl_status rpl_voice_change_create(const rpl_voice_change_config *cfg, rpl_voice_change **out);

/* Free; NULL allowed. */
void rpl_voice_change_destroy(rpl_voice_change *v);

/* Give the channel's next frame (in order, one per 10 ms; speech, voiced and f0_hz are used).
 * Returns true and fills *out when the frame produces an event: GAP_CLOSED on the first speech
 * frame after a tested silence, then SAME or CHANGE for that silence once decide_voiced voiced
 * frames have followed it, or earlier when the next tested silence begins (with what there
 * is). At most one event per frame; every GAP_CLOSED is followed by exactly one decision (at
 * the latest from rpl_voice_change_flush). Real-time safe. */
bool rpl_voice_change_process(rpl_voice_change *v, const rpl_frame *frame, rpl_voice_event *out);

/* End of the stream: decide the silence still undecided, if any (true, *out filled).
 * Real-time safe. */
bool rpl_voice_change_flush(rpl_voice_change *v, rpl_voice_event *out);

/* Turn exchanges (CHANGE decisions) so far. Real-time safe. */
size_t rpl_voice_change_turns(const rpl_voice_change *v);

/* Silences decided so far: turn exchanges and pauses of the same voice. Real-time safe. */
size_t rpl_voice_change_decided(const rpl_voice_change *v);

/* Forget everything: a new stream. Real-time safe. */
void rpl_voice_change_reset(rpl_voice_change *v);

#endif
