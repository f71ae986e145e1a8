/* rappel — one call through the whole analysis: interleaved source blocks in, scores,
 * timeline points, alerts and per-party statistics out.
 *
 * Every command that analyses audio (analyze, batch, replay, live) runs this same code, so
 * the same samples give the same alerts whatever their source. Per party: ingest (resample
 * to 8 kHz, band-limit), the frame analysis, the cue windows and baseline, the three scores
 * and the alert policy; across parties: dead air, overtalk and response latency.
 *
 * Channel map (DESIGN.md): mono is the customer alone (cross-party cues off; a silence
 * followed by another voice is a turn exchange, not a pause: rpl_pipeline_two_voices); on stereo
 * channel 0 is the agent and channel 1 the customer unless the config says otherwise.
 * Not thread-safe: one pipeline per call, used by one thread. No I/O.
 */
#ifndef RAPPEL_PIPELINE_H
#define RAPPEL_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "rappel/cues.h"
#include "rappel/model.h"
#include "rappel/rules.h"
#include "rappel/status.h"
#include "rappel/store.h"

typedef struct rpl_pipeline rpl_pipeline;

typedef struct rpl_pipeline_config {
    double input_rate_hz;   /* rate of the blocks given to process, 8000..192000 */
    int channels;           /* channels in those blocks, 1..16 */
    int customer_channel;   /* default: 0 on mono, 1 otherwise */
    int agent_channel;      /* -1: no agent (mono analysis); default: -1 on mono, 0 otherwise */
    const rpl_model *model; /* NULL: the compiled-in model; must outlive the pipeline */
    rpl_rules rules;        /* the alert policy and the cross-party spans */
    rpl_cues_config cues;   /* the frustration/fatigue window; hesitation uses a longer one */
    bool provisional;       /* keep provisional frames for rpl_pipeline_provisional (live) */
} rpl_pipeline_config;

/* Defaults for a source with that many channels. Real-time safe. */
rpl_pipeline_config rpl_pipeline_config_default(int channels);

/* An alert, as the policy raised or closed it. Strings valid during the callback only. */
typedef struct rpl_pipeline_alert {
    bool closed;  /* false: just raised (still going on); true: its final form */
    int sequence; /* 1, 2, ... per pipeline: a raised and a closed event of the same
                     alert share it */
    rpl_store_kind kind;
    rpl_store_role role;
    double t_start_s, t_end_s; /* t_end_s of a raised alert is "so far" */
    double score;              /* peak so far */
    const char *evidence_json; /* {"cues":[...]} as the store wants it */
} rpl_pipeline_alert;

/* The latest scores of one party, every 0.5 s (for a live status line). */
typedef struct rpl_pipeline_scores {
    rpl_store_role role;
    double t_s;
    const rpl_cues *cues;            /* the frustration/fatigue window's cues (3 s) */
    const rpl_cues *hesitation_cues; /* the hesitation window's (8 s, with the latency cue):
                                        what the hesitation score read */
    double score[RPL_SCORE_COUNT];   /* NAN when not scored */
    bool speaking;                   /* voice activity at the latest frame */
    bool dead_air, overtalk;         /* cross-party state at the latest frame */
} rpl_pipeline_scores;

typedef struct rpl_pipeline_sink {
    void (*on_alert)(void *user, const rpl_pipeline_alert *alert);
    void (*on_point)(void *user, const rpl_store_point *point); /* one a second per party */
    void (*on_scores)(void *user, const rpl_pipeline_scores *scores);
    void *user;
} rpl_pipeline_sink;

/* Validate cfg and allocate everything. *out owned by the caller. Not real-time safe.
 * RPL_ERR_INVALID_ARG (bad rate, channels, channel map, rules or model), RPL_ERR_RATE,
 * RPL_ERR_NO_MEMORY, RPL_ERR_FFT, RPL_ERR_RESAMPLE. */
rpl_status rpl_pipeline_create(const rpl_pipeline_config *cfg, rpl_pipeline **out);

/* Free; NULL allowed. */
void rpl_pipeline_destroy(rpl_pipeline *p);

/* Give `frames` interleaved sample frames; events go to sink (which may be NULL) from inside
 * this call. No allocation. RPL_ERR_RESAMPLE on a resampler failure. */
rpl_status rpl_pipeline_process(rpl_pipeline *p, const float *interleaved, size_t frames,
                                const rpl_pipeline_sink *sink);

/* End of the call: the last frames, open alerts closed, final events. */
rpl_status rpl_pipeline_finish(rpl_pipeline *p, const rpl_pipeline_sink *sink);

/* Provisional scores of one party now, for a live display that should not wait for the
 * analysis look-ahead (rpl_analysis_delay_frames, 0.71 s): its cue windows as if the frames
 * still inside that look-ahead had been final, from their provisional records (energy, and
 * pitch and voice activity decided with no look-ahead: rpl_analysis_sink.on_early), scored by
 * the model. t_s is the end of the newest frame; cues and hesitation_cues point into the
 * pipeline and stay valid until the next call. Needs cfg.provisional; false when the
 * party is absent or no frame is in yet. Alerts, timeline and statistics never use them.
 * No allocation. */
bool rpl_pipeline_provisional(rpl_pipeline *p, rpl_store_role role, rpl_pipeline_scores *out);

/* Seconds of audio analysed so far (analysis frames of the customer channel). */
double rpl_pipeline_time_s(const rpl_pipeline *p);

/* The model scoring this call (the configured one or the compiled-in default). */
const rpl_model *rpl_pipeline_model(const rpl_pipeline *p);

/* Mono calls: whether the one channel turned out to hold two voices taking turns (a mixed
 * recording of both parties), from the silences found to be exchanges between two voices
 * (include/rappel/voice_change.h); *turns and *silences (each may be NULL) get how many such
 * exchanges and how many silences were tested, 0 on stereo. Those exchanges are not counted as
 * the customer's pauses (cue windows and statistics), and every voice is still scored as the
 * customer. Valid after finish for the whole call. */
bool rpl_pipeline_two_voices(const rpl_pipeline *p, size_t *turns, size_t *silences);

/* Whether the call has an agent channel (cross-party cues on). */
bool rpl_pipeline_stereo(const rpl_pipeline *p);

/* The statistics of one party (agent or customer) so far; false when the call has no such
 * party. Valid after finish for the whole call. music_s: seconds of the channel found to carry
 * music (music on hold: include/rappel/music.h); they are not the party's speech (statistics,
 * cross-party cues: the other party's silence meanwhile is a hold, not dead air), and no score
 * is given for a window that reaches into them or into the seconds before the music was
 * recognised. */
bool rpl_pipeline_channel_stats(const rpl_pipeline *p, rpl_store_role role,
                                rpl_store_channel_stats *out);

/* Cross-party totals (include/rappel/store.h: dead air, overtalk, hold, the customer's mean
 * response latency and talk share); false, with zeros and NANs, on mono. */
bool rpl_pipeline_cross_stats(const rpl_pipeline *p, rpl_store_cross_stats *out);

/* Whether the other party's voice was found leaking into role's channel (line echo,
 * crosstalk: include/rappel/crosstalk.h), with the leak's delay (s) and loss (dB) and the
 * seconds of that channel's speech it accounted for, which are not counted as role's speech
 * (statistics, scores, cross-party cues). False on mono or when there is no leak. Any output
 * pointer may be NULL. */
bool rpl_pipeline_leak(const rpl_pipeline *p, rpl_store_role role, double *delay_s, double *loss_db,
                       double *leaked_s);

/* Whether the two channels of a stereo call carry the same voices at about the same level,
 * each into the other (rpl_crosstalk_copy both ways), and its "parties" overtalk for at least
 * half the speech of the quieter one: one mix recorded twice, not two parties (a dual-mono
 * file resampled or re-encoded, so not identical bit for bit). False on mono. After
 * rpl_pipeline_finish. */
bool rpl_pipeline_mixed(const rpl_pipeline *p);

#endif
