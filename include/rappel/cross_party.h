/* rappel — cross-party cues of a stereo call: dead air, overtalk, response latency, talk share.
 *
 * Input: one pair of smoothed voice-activity flags per frame (agent, customer), e.g. the
 * `speech` decisions of each channel's VAD, aligned to the same frame clock. Frame f covers
 * [f, f + 1) * frame_ms; every time below is a frame boundary, so spans are exact to the frame.
 *
 * - Dead air: both parties silent for >= min_silence_s, counted only between the first and
 *   the last speech of the call (leading and trailing silence of a recording is not dead air).
 *   Live: DEAD_AIR_START is sent as soon as the silence reaches min_silence_s after some
 *   speech (for the status line); the span is confirmed by DEAD_AIR_END when either party
 *   speaks again. If the stream ends first, rpl_cross_party_flush() sends DEAD_AIR_DROPPED:
 *   the call ended in that silence, so it was trailing silence, not dead air, and it is not
 *   counted. Alerts should be made from DEAD_AIR_END (same alerts live, replay and batch).
 *   A frame where the line carries a sound that is nobody's speech (a call-progress or hold
 *   tone: rpl_frame.line_sound) is not silence: the customer is on hold, not in dead air. It
 *   ends a silence (dead air if that had lasted min_silence_s) and none runs through it.
 *   A silence that follows a line sound is the gap of a cadence (ring-back while a call is
 *   transferred: 2 s of tone, 4 s of silence) for up to max_tone_gap_s: when it ends within
 *   that, with speech or another line sound, it is hold too; longer, it is dead air from the
 *   end of the tone, and DEAD_AIR_START waits until max_tone_gap_s has passed.
 * - Overtalk: both parties speaking for >= min_overlap_s. The party already speaking is
 *   interrupted by the one who started second (interrupter); when both start in the same
 *   frame, interrupter is RPL_PARTY_BOTH (nobody interrupted). Shorter overlaps (backchannels
 *   such as "mm-hm", turn-taking collisions) are not overtalk. OVERTALK_START is sent when the
 *   overlap reaches min_overlap_s, OVERTALK_END when one party has stopped for more than
 *   0.3 s (a breath of the talker being talked over does not end the overtalk; the span ends
 *   where that silence began), or at flush.
 * - Response latency (TURN events): the floor belongs to the party who spoke last. When the
 *   other party starts speaking, that is an answer to the floor holder's turn, whose end is
 *   the end of the holder's last speech run:
 *     the holder is silent: latency = answer start - holder's end (>= 0), sent at once;
 *     the holder is still speaking: the answer overlaps; when the holder stops while the
 *     answerer is still speaking, latency = answer start - holder's end (< 0); if the
 *     answerer stops first it was a backchannel or a failed interruption: no turn.
 *   A party's own pauses, however long, never end their turn (only the other party's speech
 *   does), and gaps shorter than the VAD's bridge are already closed upstream. A silence
 *   before the answer, dead air included, counts in the latency.
 * - Talk share: speech seconds per party and their share of the total talk (overlap counts for
 *   both parties, so the two shares sum to 1).
 * Everything is integer frame counts inside; no allocation after create.
 */
#ifndef RAPPEL_CROSS_PARTY_H
#define RAPPEL_CROSS_PARTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rappel/status.h"

/* Parties; the values equal rpl_store_role (src/rules.c checks). */
typedef enum rpl_party {
    RPL_PARTY_AGENT = 0,
    RPL_PARTY_CUSTOMER = 1,
    RPL_PARTY_BOTH = 2 /* both / neither alone (simultaneous start) */
} rpl_party;

typedef struct rpl_cross_party_config {
    float frame_ms;       /* frame step, ms (default 10) */
    double min_silence_s; /* dead air: both silent at least this long, s (default 3) */
    double min_overlap_s; /* overtalk: both speaking at least this long, s (default 1) */
    /* Silence after a line sound stays hold at most this long, s (default 5: ring-back
     * cadences pause for up to 4 s in most countries, ITU-T E.180 Suppl. 2; 0 turns it off) */
    double max_tone_gap_s;
} rpl_cross_party_config;

typedef enum rpl_cross_party_event_type {
    RPL_CROSS_DEAD_AIR_START = 0,   /* silence just reached min_silence_s: t_start_s */
    RPL_CROSS_DEAD_AIR_END = 1,     /* confirmed dead-air span: t_start_s, t_end_s */
    RPL_CROSS_DEAD_AIR_DROPPED = 2, /* at flush: the call ended in this silence; not dead air */
    RPL_CROSS_OVERTALK_START = 3,   /* overlap just reached min_overlap_s: t_start_s, parties */
    RPL_CROSS_OVERTALK_END = 4,     /* overtalk span: t_start_s, t_end_s, parties */
    RPL_CROSS_TURN = 5              /* an answer: `by` answered `to`, with latency_s */
} rpl_cross_party_event_type;

typedef struct rpl_cross_party_event {
    rpl_cross_party_event_type type;
    double t_start_s; /* span start; TURN: end of the previous turn (the holder's last speech) */
    double t_end_s;   /* span end (END/DROPPED; for START the current time); TURN: answer start */
    /* OVERTALK_*: who started second (or BOTH) and who was already speaking (or BOTH).
     * TURN: by = the party who answered, to = the party whose turn ended. Else BOTH. */
    rpl_party by;
    rpl_party to;
    double latency_s; /* TURN: t_end_s - t_start_s (negative = the answer overlapped); else 0 */
} rpl_cross_party_event;

/* Called for each event, synchronously from process/flush; must itself be real-time safe when
 * the caller needs process to be. ev is valid only during the call. */
typedef void (*rpl_cross_party_sink)(const rpl_cross_party_event *ev, void *user);

/* At most this many events come out of one process or flush call. */
#define RPL_CROSS_PARTY_MAX_EVENTS 4

typedef struct rpl_cross_party_party_stats {
    double speech_s;       /* speech heard, s */
    double talk_share;     /* speech_s / (agent + customer speech_s); 0 before any speech */
    size_t interruptions;  /* overtalk spans this party started (as the second speaker) */
    size_t turns;          /* answers this party gave (TURN events with by = this party) */
    double latency_mean_s; /* mean latency of those answers, s; NAN when none */
    double latency_max_s;  /* longest, s; NAN when none */
} rpl_cross_party_party_stats;

typedef struct rpl_cross_party_stats {
    double duration_s;       /* frames given, s */
    double talk_span_s;      /* from the first speech to the end of the last, s */
    double silence_s;        /* both silent inside the talk span, s (non-talk time) */
    double hold_s;           /* a line sound, or a cadence gap after one, nobody speaking, s */
    size_t dead_air_count;   /* confirmed dead-air spans */
    double dead_air_total_s; /* and their total length, s */
    double dead_air_max_s;   /* the longest, s */
    size_t overtalk_count;   /* overtalk spans (those reaching min_overlap_s) */
    double overtalk_total_s; /* their total length, s */
    double overlap_total_s;  /* all frames with both speaking, backchannels included, s */
    rpl_cross_party_party_stats agent, customer;
} rpl_cross_party_stats;

/* Defaults described above. Real-time safe. */
rpl_cross_party_config rpl_cross_party_config_default(void);

typedef struct rpl_cross_party rpl_cross_party;

/* Validate (0 < frame_ms <= 1000; min_silence_s and min_overlap_s finite, at least one frame
 * and at most 86400 s; max_tone_gap_s finite, 0 to 86400 s) and allocate. *out is owned by the
 * caller. RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY; *out is NULL on failure. Not real-time safe. */
rpl_status rpl_cross_party_create(const rpl_cross_party_config *cfg, rpl_cross_party **out);

/* Free; NULL allowed. */
void rpl_cross_party_destroy(rpl_cross_party *cp);

/* Give the next frame's two speech flags, and whether either channel carries a line sound
 * that is not speech (see dead air above). Events caused by this frame go to sink (NULL: only
 * the statistics are kept). Returns the number of events (0..RPL_CROSS_PARTY_MAX_EVENTS).
 * Real-time safe. */
size_t rpl_cross_party_process(rpl_cross_party *cp, bool agent_speech, bool customer_speech,
                               bool line_sound, rpl_cross_party_sink sink, void *user);

/* End of stream: closes an overtalk span under way (OVERTALK_END), drops an unconfirmed
 * dead-air span (DEAD_AIR_DROPPED, after a DEAD_AIR_START was sent) and a pending overlapped
 * answer (no TURN). The statistics stay readable until rpl_cross_party_reset(). Returns the
 * number of events. Real-time safe. */
size_t rpl_cross_party_flush(rpl_cross_party *cp, rpl_cross_party_sink sink, void *user);

/* Statistics over everything given so far (a span under way is not counted yet). Real-time
 * safe. */
rpl_cross_party_stats rpl_cross_party_get_stats(const rpl_cross_party *cp);

/* Forget everything (new call). Real-time safe. */
void rpl_cross_party_reset(rpl_cross_party *cp);

#endif
