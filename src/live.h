/* rappel — one call analysed as it happens: the threads behind `rappel live` and `rappel replay`.
 *
 *   producer (PortAudio callback, or the replay reader) -> rpl_ring (lock-free SPSC)
 *     -> analysis thread (rpl_pipeline, the same analysis as `analyze`)
 *     -> event queue (mutex + condition variable: never touched by the producer)
 *     -> store thread (its own rpl_store handle; SQLite latency never stalls analysis)
 *
 * Storing: the call is begun (state "analysing") by rpl_live_create. An alert is stored the
 * moment the pipeline raises it (t_end_s = so far) in its own transaction, and brought up to
 * date (end, peak score, evidence) when it closes; the call is touched every few seconds;
 * timeline points are written every ~10 s. rpl_live_finish drains the ring, closes open
 * alerts, stores the per-party statistics and the rest of the timeline and marks the call
 * done (or failed, with a reason). If the process dies instead, every alert already reported
 * through on_event is in the database and the call reads as unfinished.
 *
 * Not real-time safe except what the producer calls on the ring (rpl_live_ring). Library code:
 * nothing is printed; events come to on_event, on the store thread.
 */
#ifndef RAPPEL_LIVE_H
#define RAPPEL_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rappel/pipeline.h"
#include "rappel/status.h"
#include "rappel/store.h"
#include "ring.h"

typedef struct rpl_live rpl_live;

typedef enum rpl_live_event_kind {
    RPL_LIVE_ALERT_RAISED, /* committed to the database (alert_id set) */
    RPL_LIVE_ALERT_CLOSED, /* its final end and score committed */
    RPL_LIVE_STORE_ERROR   /* a write failed: message says why; analysis goes on */
} rpl_live_event_kind;

typedef struct rpl_live_event {
    rpl_live_event_kind kind;
    int64_t alert_id;                /* 0 when not stored */
    const rpl_pipeline_alert *alert; /* alerts only; valid during the callback */
    double latency_ms;               /* alerts: its audio entering the ring -> commit */
    const char *message;             /* store errors */
} rpl_live_event;

typedef struct rpl_live_config {
    rpl_pipeline_config pipeline; /* input rate and channels are those the producer writes */
    const char *db_path;          /* required */
    rpl_store_call_info call;     /* id and channel_map required; model_version filled in */
    double ring_s;                /* ring capacity in seconds of input, 0.5..60 (default 4) */
    void (*on_event)(void *user, const rpl_live_event *event); /* store thread; may be NULL */
    void *user;
} rpl_live_config;

/* Defaults: the pipeline defaults for that many channels, ring_s 4, nothing else set. */
rpl_live_config rpl_live_config_default(int channels);

/* Open the store, begin the call, create the pipeline and the ring, start the analysis and
 * store threads. On failure *out is NULL and why receives the reason. RPL_ERR_INVALID_ARG,
 * RPL_ERR_NO_MEMORY, RPL_ERR_EXISTS (call id already stored), the store's and the pipeline's
 * errors. */
rpl_status rpl_live_create(const rpl_live_config *cfg, rpl_live **out, char *why, size_t why_size);

/* The ring the (single) producer writes interleaved frames into. */
rpl_ring *rpl_live_ring(rpl_live *live);

/* Latency figures in ms; count 0 (and NAN figures) when none yet. p99 is read from a
 * histogram of 0.25 ms bins (exact to that, capped at the max; values past 2048 ms count in
 * the last bin but keep the exact max). */
typedef struct rpl_live_latency {
    size_t count;
    double mean_ms, p99_ms, max_ms;
} rpl_live_latency;

/* What a status line shows; a consistent copy taken under a short lock. */
typedef struct rpl_live_snapshot {
    double t_s;             /* audio analysed, s */
    bool stereo;            /* cross-party cues on */
    bool customer_speaking; /* at the latest frame */
    /* The customer's state and scores now: provisional (rpl_pipeline_provisional), updated
     * at every wake of the analysis thread rather than 0.71 s of look-ahead later. The alerts
     * come from the final scores. */
    double f0_rel_st, level_rel_db;      /* customer over their baseline; NAN until known */
    double score[RPL_SCORE_COUNT];       /* customer's latest scores; NAN until scored */
    bool dead_air, overtalk;             /* now */
    size_t alerts_raised, alerts_stored; /* so far */
    size_t store_errors;
    uint64_t overruns, overrun_frames; /* ring */
    /* Timing of every score (both parties, every 0.5 s of audio) while input flows; scores
     * the end-of-input flush produces are not counted (no input follows them to time).
     * score_latency: the last frame of the scored window entering the ring -> the score out of
     *   the pipeline. It is score_lookahead (in wall time) + score_system.
     * score_lookahead: audio ms that had to arrive after that frame before the score came out
     *   (the analysis look-ahead and the cross-party alignment; algorithmic: in wall time it
     *   is this divided by the replay speed). Rounded up to the block the pipeline had.
     * score_system: the newest input the pipeline had entering the ring -> score out (waking
     *   up and computing: what the machine and the threads cost).
     * alert_latency: the block that raised an alert entering the ring -> the alert committed
     *   to the database. */
    rpl_live_latency score_latency, score_lookahead, score_system, alert_latency;
    /* The provisional path, while input flows:
     * early_score_latency: the newest frame of the provisional scores entering the ring -> the
     *   scores out (the half pitch window it still needs arrives in the same block);
     * early_frame_latency: per wake, the oldest frame it made provisional entering the ring ->
     *   its features out (mostly the wait for the wake: WAKE_MS of input). */
    rpl_live_latency early_score_latency, early_frame_latency;
    double score_latency_max_t_s; /* audio time of the slowest score */
    /* At the end of the call (rpl_pipeline_leak): the other party's voice found leaking into
     * each party's channel (indexed by rpl_store_role), its delay, loss and seconds. */
    struct {
        bool found;
        double delay_s, loss_db, leaked_s;
    } leak[2];
    double music_s[2]; /* music found on each party's channel (rpl_store_channel_stats) */
    /* Each party's channel (-1: none) and its speech over the call. */
    int channel[2];
    double speech_s[2];
    /* rpl_pipeline_two_voices: turn exchanges among the silences of a mono call (turns 0 when
     * it is not found to hold two voices) */
    size_t two_voices_turns, two_voices_silences;
    bool mixed; /* rpl_pipeline_mixed: both channels carry one mix */
} rpl_live_snapshot;

void rpl_live_snapshot_get(rpl_live *live, rpl_live_snapshot *out);

/* Whether the analysis thread has stopped (pipeline error, or input finished and drained). */
bool rpl_live_analysis_done(rpl_live *live);

/* End of input: the producer must have stopped writing. Drains the ring, finishes the
 * pipeline (open alerts closed), stores statistics and timeline, and marks the call done, or
 * failed with fail_reason when it is not NULL. Joins the threads. RPL_OK when everything was
 * stored; otherwise the first failure and why. Call once. */
rpl_status rpl_live_finish(rpl_live *live, const char *fail_reason, char *why, size_t why_size);

/* Free (after finish; if finish was never called, it is called with "abandoned"). NULL ok. */
void rpl_live_destroy(rpl_live *live);

#endif
