/* One call through the whole analysis: see include/rappel/pipeline.h. */
#include "rappel/pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/analysis.h"
#include "rappel/cross_party.h"
#include "rappel/crosstalk.h"
#include "rappel/ingest.h"
#include "rappel/music.h"
#include "rappel/voice_change.h"

enum {
    CHUNK_FRAMES = 1024,   /* input frames deinterleaved at a time */
    FRAME_QUEUE = 1 << 12, /* frames waiting for the other party's frame of the same time */
    EARLY_FRAMES = 1 << 9, /* provisional frames kept: more than the analysis look-ahead (~70)
                              plus the frames of one process call and the other party's wait */
    POINT_FRAMES = 100,    /* a timeline point every second */
    EVIDENCE_PARTS = 4,    /* cues named in an alert's evidence */
    F0_STAT_BINS = 600,    /* call F0 histogram: -30..+30 st re 100 Hz in 0.1 st */
};
#define FRAME_S 0.01
#define F0_STAT_LOW_ST (-30.0)
#define F0_STAT_BIN_ST 0.1
/* Hesitation is a pattern over several pauses and answers: a longer window than the 3 s of
 * frustration and fatigue. */
#define HESITATION_WINDOW_S 8.0
/* Without the agent's channel a silence of the customer may be the agent's turn: only
 * silences up to this long count as the customer's pauses. */
#define MONO_MAX_PAUSE_S 1.5
/* A mono call holds two alternating voices when at least this many of its silences, and this
 * share of them, are turn exchanges (include/rappel/voice_change.h). One voice's F0 leaps (anger,
 * a question) make a few: 5 of 35 silences (0.14) in a call of held-out RAVDESS actor 19 alone,
 * 2 in call-mono.wav; the four sample calls mixed to mono give 0.65-0.93, two-voice calls of
 * held-out actors 0.56-0.82 (bench/mono_mix_bench.sh). */
#define TWO_VOICES_MIN_TURNS 3
#define TWO_VOICES_MIN_SHARE 0.25
/* A line sound holds the line while its channel stays this far above the floor it had before
 * (line_held): a channel back at its floor is silent again. */
#define HOLD_ABOVE_FLOOR_DB 10.0f
/* One mix recorded on both channels (rpl_pipeline_mixed): its two "parties" overtalk for at
 * least this share of the quieter one's speech: nearly all of it, as both channels are speech
 * whenever anyone speaks; the bundled stereo calls, the overtalk call included, 0.25 at most.
 * Line tones heard on both legs agree in F0 too, but are not speech: no overtalk. */
#define MIXED_OVERTALK_SHARE 0.5
/* A party is "alerting" (its baseline must not adapt) while a score is above this. */
#define ADAPT_BELOW_SCORE 0.5

typedef struct party {
    bool present;
    rpl_store_role role;
    int channel;
    rpl_ingest *ingest;
    rpl_analysis *analysis;
    rpl_cue_window *window;            /* frustration and fatigue */
    rpl_cue_window *hesitation_window; /* longer */
    rpl_policy *policy[RPL_SCORE_COUNT];
    float *mono;
    rpl_frame *queue; /* frames waiting for the other party's (stereo) */
    size_t queue_head, queue_count;
    /* scores and statistics */
    double score[RPL_SCORE_COUNT];
    double score_sum[RPL_SCORE_COUNT], score_max[RPL_SCORE_COUNT];
    size_t score_n[RPL_SCORE_COUNT];
    int64_t frames, speech_frames, nuclei;
    /* pauses inside turns: a silence of this party between its own speech while the other
     * party is silent too (else it is a turn exchange) */
    bool seen_speech, gap_is_turn;
    int64_t gap_frames;
    size_t pause_count;
    double pause_total_s, pause_max_s;
    double f0_hist[F0_STAT_BINS];
    double f0_st_sum, f0_st_sum2;
    size_t f0_n;
    double last_latency_s, last_latency_t_s; /* the latest answer this party gave */
    /* the timeline point being gathered */
    double point_f0_sum, point_energy_sum;
    size_t point_voiced, point_speech, point_frames;
    bool speaking;
    rpl_cues last_cues;
    /* provisional frames (cfg.provisional): a ring by frame index, the newest early_next - 1 */
    rpl_frame *early;
    int64_t early_next;
    rpl_frame *early_view; /* EARLY_FRAMES: the not yet final ones, in order */
    bool *early_other;
    rpl_cues provisional_cues, provisional_hesitation;
    rpl_crosstalk *leak; /* the other party's voice leaking into this channel (stereo) */
    int64_t leak_frames; /* speech frames found to be only that leak */
    rpl_music *music;    /* music on the channel (hold music): no one's voice */
    int64_t music_frames;
    int64_t music_to;    /* the latest music frame (-1: none); it began at rpl_music_onset */
    bool holding;        /* the channel carries a line sound (line_held) */
    float hold_floor_db; /* its noise floor when the line sound began */
    /* mono: whether a silence is a pause or an exchange between two voices on the one channel
     * (NULL on stereo); the pause statistics then count a silence once it is decided */
    rpl_voice_change *voices;
} party;

struct rpl_pipeline {
    rpl_pipeline_config cfg;
    const rpl_model *model;
    party parties[2]; /* indexed by rpl_store_role: agent, customer */
    rpl_cross_party *cross;
    rpl_policy *span_policy[2];    /* dead air, overtalk */
    const rpl_pipeline_sink *sink; /* during process/finish */
    int sequence;
    int open_sequence[3][RPL_ALERT_KIND_COUNT]; /* raised alert per role (both too), kind */
    bool dead_air, overtalk;
    char evidence_json[RPL_EVIDENCE_JSON_MAX];
};

rpl_pipeline_config rpl_pipeline_config_default(int channels)
{
    rpl_pipeline_config cfg = {
        .input_rate_hz = 8000.0,
        .channels = channels,
        .customer_channel = channels > 1 ? 1 : 0,
        .agent_channel = channels > 1 ? 0 : -1,
        .model = NULL,
        .rules = rpl_rules_default(),
        .cues = rpl_cues_config_default(),
    };
    return cfg;
}

static void party_destroy(party *p)
{
    rpl_ingest_destroy(p->ingest);
    rpl_analysis_destroy(p->analysis);
    rpl_cue_window_destroy(p->window);
    rpl_cue_window_destroy(p->hesitation_window);
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        rpl_policy_destroy(p->policy[k]);
    }
    free(p->mono);
    free(p->queue);
    free(p->early);
    free(p->early_view);
    free(p->early_other);
    rpl_crosstalk_destroy(p->leak);
    rpl_music_destroy(p->music);
    rpl_voice_change_destroy(p->voices);
}

static rpl_status party_create(party *p, const rpl_pipeline_config *cfg, rpl_store_role role,
                               int channel)
{
    memset(p, 0, sizeof *p);
    p->present = true;
    p->role = role;
    p->channel = channel;
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        p->score[k] = NAN;
    }
    p->last_latency_s = p->last_latency_t_s = NAN;
    p->music_to = -1;
    rpl_status status = rpl_ingest_create(cfg->input_rate_hz, &p->ingest);
    rpl_analysis_config analysis_cfg = rpl_analysis_config_default();
    if (status == RPL_OK) {
        status = rpl_analysis_create(&analysis_cfg, &p->analysis);
    }
    if (status == RPL_OK) {
        status = rpl_music_create(&p->music);
    }
    if (status == RPL_OK) {
        status = rpl_cue_window_create(&cfg->cues, &p->window);
    }
    rpl_cues_config long_cfg = cfg->cues;
    long_cfg.window_s = HESITATION_WINDOW_S;
    if (status == RPL_OK) {
        status = rpl_cue_window_create(&long_cfg, &p->hesitation_window);
    }
    /* The score kinds are the first three alert kinds. */
    for (size_t k = 0; k < RPL_SCORE_COUNT && status == RPL_OK; k++) {
        rpl_policy_config policy_cfg = rpl_rules_policy_config(&cfg->rules, (rpl_alert_kind)k);
        status = rpl_policy_create(&policy_cfg, &p->policy[k]);
    }
    if (status == RPL_OK) {
        p->mono = malloc(CHUNK_FRAMES * sizeof *p->mono);
        p->queue = calloc(FRAME_QUEUE, sizeof *p->queue);
        if (p->mono == NULL || p->queue == NULL) {
            status = RPL_ERR_NO_MEMORY;
        }
    }
    if (status == RPL_OK && cfg->provisional) {
        p->early = calloc(EARLY_FRAMES, sizeof *p->early);
        p->early_view = calloc(EARLY_FRAMES, sizeof *p->early_view);
        p->early_other = calloc(EARLY_FRAMES, sizeof *p->early_other);
        if (p->early == NULL || p->early_view == NULL || p->early_other == NULL) {
            status = RPL_ERR_NO_MEMORY;
        }
    }
    return status;
}

void rpl_pipeline_destroy(rpl_pipeline *pl)
{
    if (pl == NULL) {
        return;
    }
    for (size_t r = 0; r < 2; r++) {
        if (pl->parties[r].present) {
            party_destroy(&pl->parties[r]);
        }
    }
    rpl_cross_party_destroy(pl->cross);
    rpl_policy_destroy(pl->span_policy[0]);
    rpl_policy_destroy(pl->span_policy[1]);
    free(pl);
}

rpl_status rpl_pipeline_create(const rpl_pipeline_config *cfg, rpl_pipeline **out)
{
    if (cfg == NULL || out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    const rpl_model *model = cfg->model != NULL ? cfg->model : rpl_model_default();
    if (cfg->channels < 1 || cfg->channels > 16 || cfg->customer_channel < 0 ||
        cfg->customer_channel >= cfg->channels || cfg->agent_channel < -1 ||
        cfg->agent_channel >= cfg->channels || cfg->agent_channel == cfg->customer_channel ||
        rpl_model_validate(model) != RPL_OK) {
        return RPL_ERR_INVALID_ARG;
    }
    for (int k = 0; k < RPL_ALERT_KIND_COUNT; k++) {
        if (rpl_policy_rule_check(&cfg->rules.kind[k]) != NULL) {
            return RPL_ERR_INVALID_ARG;
        }
    }
    rpl_pipeline *pl = calloc(1, sizeof *pl);
    if (pl == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    pl->cfg = *cfg;
    pl->model = model;
    if (cfg->agent_channel < 0 && pl->cfg.cues.max_pause_s > MONO_MAX_PAUSE_S) {
        pl->cfg.cues.max_pause_s = MONO_MAX_PAUSE_S;
    }
    cfg = &pl->cfg;
    rpl_status status = party_create(&pl->parties[RPL_STORE_ROLE_CUSTOMER], cfg,
                                     RPL_STORE_ROLE_CUSTOMER, cfg->customer_channel);
    if (status == RPL_OK && cfg->agent_channel < 0) {
        rpl_voice_change_config voices_cfg = rpl_voice_change_config_default();
        voices_cfg.min_gap_s = cfg->cues.min_pause_s;
        status = rpl_voice_change_create(&voices_cfg, &pl->parties[RPL_STORE_ROLE_CUSTOMER].voices);
    }
    if (status == RPL_OK && cfg->agent_channel >= 0) {
        status = party_create(&pl->parties[RPL_STORE_ROLE_AGENT], cfg, RPL_STORE_ROLE_AGENT,
                              cfg->agent_channel);
        rpl_cross_party_config cross_cfg =
            rpl_rules_cross_party_config(&cfg->rules, rpl_cross_party_config_default());
        if (status == RPL_OK) {
            status = rpl_cross_party_create(&cross_cfg, &pl->cross);
        }
        for (int r = 0; r < 2 && status == RPL_OK; r++) {
            status = rpl_crosstalk_create(NULL, &pl->parties[r].leak);
        }
        for (int i = 0; i < 2 && status == RPL_OK; i++) {
            rpl_alert_kind kind = i == 0 ? RPL_ALERT_DEAD_AIR : RPL_ALERT_OVERTALK;
            rpl_policy_config policy_cfg = rpl_rules_policy_config(&cfg->rules, kind);
            status = rpl_policy_create(&policy_cfg, &pl->span_policy[i]);
        }
    }
    if (status != RPL_OK) {
        rpl_pipeline_destroy(pl);
        return status;
    }
    *out = pl;
    return RPL_OK;
}

const rpl_model *rpl_pipeline_model(const rpl_pipeline *pl)
{
    return pl->model;
}

bool rpl_pipeline_leak(const rpl_pipeline *pl, rpl_store_role role, double *delay_s,
                       double *loss_db, double *leaked_s)
{
    if (role != RPL_STORE_ROLE_AGENT && role != RPL_STORE_ROLE_CUSTOMER) {
        return false;
    }
    const party *p = &pl->parties[role];
    if (p->leak == NULL || p->leak_frames == 0 || !rpl_crosstalk_path(p->leak, delay_s, loss_db)) {
        return false;
    }
    if (leaked_s != NULL) {
        *leaked_s = (double)p->leak_frames * FRAME_S;
    }
    return true;
}

bool rpl_pipeline_mixed(const rpl_pipeline *pl)
{
    /* The same F0 both ways is also what a line tone heard on both legs gives (ringing, a
     * hold melody), which is not speech; one mix recorded twice makes the "two parties" talk
     * over each other nearly all the time they speak, which two real parties never do. */
    rpl_store_cross_stats cross;
    rpl_store_channel_stats agent, customer;
    if (!rpl_crosstalk_copy(pl->parties[RPL_STORE_ROLE_AGENT].leak, NULL) ||
        !rpl_crosstalk_copy(pl->parties[RPL_STORE_ROLE_CUSTOMER].leak, NULL) ||
        !rpl_pipeline_cross_stats(pl, &cross) ||
        !rpl_pipeline_channel_stats(pl, RPL_STORE_ROLE_AGENT, &agent) ||
        !rpl_pipeline_channel_stats(pl, RPL_STORE_ROLE_CUSTOMER, &customer)) {
        return false;
    }
    return cross.overtalk_s >= MIXED_OVERTALK_SHARE * fmin(agent.speech_s, customer.speech_s);
}

bool rpl_pipeline_two_voices(const rpl_pipeline *pl, size_t *turns, size_t *silences)
{
    const rpl_voice_change *v = pl->parties[RPL_STORE_ROLE_CUSTOMER].voices;
    size_t n = v != NULL ? rpl_voice_change_turns(v) : 0;
    size_t tested = v != NULL ? rpl_voice_change_decided(v) : 0;
    if (turns != NULL) {
        *turns = n;
    }
    if (silences != NULL) {
        *silences = tested;
    }
    return n >= TWO_VOICES_MIN_TURNS && (double)n >= TWO_VOICES_MIN_SHARE * (double)tested;
}

bool rpl_pipeline_stereo(const rpl_pipeline *pl)
{
    return pl->cross != NULL;
}

double rpl_pipeline_time_s(const rpl_pipeline *pl)
{
    return (double)pl->parties[RPL_STORE_ROLE_CUSTOMER].frames * FRAME_S;
}

/* ---- alerts ------------------------------------------------------------------------------ */

static void emit_alert(rpl_pipeline *pl, rpl_store_role role, const rpl_policy_event *ev)
{
    if (ev->type == RPL_POLICY_NONE) {
        return;
    }
    int *open = &pl->open_sequence[role][ev->kind];
    if (ev->type == RPL_POLICY_ALERT_RAISED || *open == 0) {
        *open = ++pl->sequence;
    }
    rpl_pipeline_alert alert = {
        .closed = ev->type == RPL_POLICY_ALERT_CLOSED,
        .sequence = *open,
        .kind = (rpl_store_kind)ev->kind,
        .role = role,
        .t_start_s = ev->t_start_s,
        .t_end_s = ev->t_end_s,
        .score = ev->score,
        .evidence_json = pl->evidence_json,
    };
    if (rpl_policy_evidence_json(&ev->evidence, ev->t_peak_s, pl->evidence_json,
                                 sizeof pl->evidence_json, NULL) != RPL_OK) {
        snprintf(pl->evidence_json, sizeof pl->evidence_json, "{\"cues\":[]}");
    }
    if (alert.closed) {
        *open = 0;
    }
    if (pl->sink != NULL && pl->sink->on_alert != NULL) {
        pl->sink->on_alert(pl->sink->user, &alert);
    }
}

/* ---- per party --------------------------------------------------------------------------- */

static void evidence_from_parts(const rpl_cue_part *parts, size_t n, rpl_evidence *ev)
{
    ev->count = 0;
    for (size_t i = 0; i < n; i++) {
        const rpl_cue_info *info = rpl_cue_info_get(parts[i].cue);
        rpl_evidence_add(ev, info->name, parts[i].value, info->unit, parts[i].z);
    }
}

/* The window reaches into music, counted from its onset: its first seconds went in as the
 * party's speech before the music was found, so the window says nothing of the party. */
static bool window_heard_music(const party *p, const rpl_cues *cues)
{
    double first_frame = cues->t_s / FRAME_S - cues->window_s / FRAME_S;
    return p->music_to >= 0 && (double)p->music_to >= first_frame &&
           (double)rpl_music_onset(p->music) < cues->t_s / FRAME_S;
}

static void score_window(rpl_pipeline *pl, party *p, rpl_score_kind kind, const rpl_cues *cues)
{
    rpl_cue_part parts[EVIDENCE_PARTS];
    size_t n = 0;
    double score = rpl_score_eval(&pl->model->score[kind], cues, parts, EVIDENCE_PARTS, &n);
    if (window_heard_music(p, cues)) {
        score = NAN;
    }
    p->score[kind] = score;
    if (!isfinite(score)) {
        return; /* too little speech to judge: the policy keeps its state */
    }
    p->score_sum[kind] += score;
    p->score_n[kind]++;
    p->score_max[kind] = score > p->score_max[kind] ? score : p->score_max[kind];
    if (p->role != RPL_STORE_ROLE_CUSTOMER) {
        return; /* the agent's scores are statistics: callbacks are for customers */
    }
    rpl_evidence ev;
    evidence_from_parts(parts, n, &ev);
    rpl_policy_input in = {
        .t_s = cues->t_s,
        .score = score,
        .speech_s = rpl_cue_window_speech_s(p->window),
        .evidence = &ev,
    };
    rpl_policy_event event;
    if (rpl_policy_update(p->policy[kind], &in, &event) == RPL_OK) {
        emit_alert(pl, p->role, &event);
    }
}

static bool party_alerting(const party *p)
{
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        if (p->score[k] > ADAPT_BELOW_SCORE) {
            return true;
        }
    }
    return false;
}

static void emit_point(rpl_pipeline *pl, party *p, double t_s)
{
    rpl_cues base;
    rpl_cue_window_baseline(p->window, &base);
    double f0_median_st = base.value[RPL_CUE_F0_MEDIAN_ST];
    rpl_store_point point = {
        .t_s = t_s,
        .role = p->role,
        .f0_st = p->point_voiced > 0 && isfinite(f0_median_st)
                     ? p->point_f0_sum / (double)p->point_voiced - f0_median_st
                     : (double)NAN,
        .energy_db =
            p->point_speech > 0 ? p->point_energy_sum / (double)p->point_speech : (double)NAN,
        .speech = 2 * p->point_speech >= p->point_frames,
        .frustration = p->score[RPL_SCORE_FRUSTRATION],
        .hesitation = p->score[RPL_SCORE_HESITATION],
        .fatigue = p->score[RPL_SCORE_FATIGUE],
    };
    p->point_f0_sum = p->point_energy_sum = 0.0;
    p->point_voiced = p->point_speech = p->point_frames = 0;
    if (pl->sink != NULL && pl->sink->on_point != NULL) {
        pl->sink->on_point(pl->sink->user, &point);
    }
}

static void add_pause(rpl_pipeline *pl, party *p, double gap_s)
{
    if (gap_s >= pl->cfg.cues.min_pause_s - 1e-9 && gap_s <= pl->cfg.cues.max_pause_s + 1e-9) {
        p->pause_count++;
        p->pause_total_s += gap_s;
        p->pause_max_s = gap_s > p->pause_max_s ? gap_s : p->pause_max_s;
    }
}

static void count_pause(rpl_pipeline *pl, party *p, const rpl_frame *frame, bool other_speaking)
{
    if (!frame->speech) {
        p->gap_frames += p->seen_speech;
        p->gap_is_turn = p->gap_is_turn || other_speaking;
        return;
    }
    /* mono: the silences long enough to be pauses are counted by voice_decision */
    if (p->gap_frames > 0 && !p->gap_is_turn && p->voices == NULL) {
        add_pause(pl, p, (double)p->gap_frames * FRAME_S);
    }
    p->seen_speech = true;
    p->gap_frames = 0;
    p->gap_is_turn = false;
}

/* The party's latest response latency, when it falls inside the hesitation window. */
static void add_latency_cue(const party *p, rpl_cues *hesitation)
{
    if (isfinite(p->last_latency_t_s) &&
        hesitation->t_s - p->last_latency_t_s <= hesitation->window_s) {
        hesitation->value[RPL_CUE_LATENCY_S] = p->last_latency_s;
    }
}

/* Whether the party's channel carries a line sound at this frame (a line tone): not only the
 * frames analysis marks (line_sound), but also those after them while the channel stays
 * HOLD_ABOVE_FLOOR_DB above the noise floor it had when the sound began and nobody speaks. The
 * voice-activity detector's floor learns a steady sound's level within seconds, and its later
 * frames may then be left unmarked, yet the line is not silent. */
static bool line_held(party *p, const rpl_frame *frame)
{
    if (frame->line_sound) {
        if (!p->holding) {
            p->holding = true;
            p->hold_floor_db = frame->noise_db;
        }
        return true;
    }
    p->holding =
        p->holding && !frame->speech && frame->energy_db > p->hold_floor_db + HOLD_ABOVE_FLOOR_DB;
    return p->holding;
}

/* Mono: a silence ends (taken as a turn exchange until decided, so that no step in between
 * counts a pause that may be the other voice's turn), or is decided a pause of the same voice
 * (counted) or a turn exchange (left marked). */
static void voice_decision(rpl_pipeline *pl, party *p, const rpl_voice_event *ev)
{
    bool turn = ev->type != RPL_VOICE_SAME;
    rpl_cue_window_mark_turn(p->window, ev->gap_first, ev->gap_last, turn);
    rpl_cue_window_mark_turn(p->hesitation_window, ev->gap_first, ev->gap_last, turn);
    if (ev->type == RPL_VOICE_SAME) {
        add_pause(pl, p, ev->gap_s);
    }
}

static void party_frame(rpl_pipeline *pl, party *p, const rpl_frame *frame, bool other_speaking)
{
    p->frames++;
    rpl_voice_event voice_ev;
    if (p->voices != NULL && rpl_voice_change_process(p->voices, frame, &voice_ev)) {
        voice_decision(pl, p, &voice_ev);
    }
    count_pause(pl, p, frame, other_speaking);
    p->speaking = frame->speech;
    bool voiced = frame->speech && rpl_frame_has_voice(frame);
    double f0_st = voiced ? 12.0 * log2((double)frame->f0_hz / 100.0) : 0.0;
    if (frame->speech) {
        p->speech_frames++;
        p->nuclei += frame->nucleus;
        p->point_speech++;
        p->point_energy_sum += (double)frame->energy_db;
    }
    if (voiced) {
        double pos = (f0_st - F0_STAT_LOW_ST) / F0_STAT_BIN_ST;
        size_t bin = pos <= 0.0 ? 0 : pos >= F0_STAT_BINS - 1 ? F0_STAT_BINS - 1 : (size_t)pos;
        p->f0_hist[bin] += 1.0;
        p->f0_st_sum += f0_st;
        p->f0_st_sum2 += f0_st * f0_st;
        p->f0_n++;
        p->point_f0_sum += f0_st;
        p->point_voiced++;
    }
    p->point_frames++;

    bool adapt = !party_alerting(p);
    rpl_cues cues;
    if (rpl_cue_window_process(p->window, frame, other_speaking, adapt, &cues)) {
        p->last_cues = cues;
        score_window(pl, p, RPL_SCORE_FRUSTRATION, &cues);
        score_window(pl, p, RPL_SCORE_FATIGUE, &cues);
    }
    if (rpl_cue_window_process(p->hesitation_window, frame, other_speaking, adapt, &cues)) {
        add_latency_cue(p, &cues);
        score_window(pl, p, RPL_SCORE_HESITATION, &cues);
        if (pl->sink != NULL && pl->sink->on_scores != NULL) {
            rpl_pipeline_scores s = {
                .role = p->role,
                .t_s = cues.t_s,
                .cues = &p->last_cues,
                .hesitation_cues = &cues,
                .speaking = p->speaking,
                .dead_air = pl->dead_air,
                .overtalk = pl->overtalk,
            };
            memcpy(s.score, p->score, sizeof s.score);
            pl->sink->on_scores(pl->sink->user, &s);
        }
    }
    if (p->point_frames == POINT_FRAMES) {
        emit_point(pl, p, ((double)frame->index + 1.0) * FRAME_S);
    }
}

static void on_party_frame(void *user, const rpl_frame *frame);

typedef struct frame_route {
    rpl_pipeline *pl;
    party *p;
} frame_route;

/* Frames wait in their party's queue until the other party's frame of the same time is in. */
static void on_party_frame(void *user, const rpl_frame *frame)
{
    party *p = ((frame_route *)user)->p;
    if (p->queue_count == FRAME_QUEUE) {
        return; /* cannot happen: the queues are drained after every block */
    }
    p->queue[(p->queue_head + p->queue_count++) % FRAME_QUEUE] = *frame;
}

static void on_party_early(void *user, const rpl_frame *frame)
{
    party *p = ((frame_route *)user)->p;
    p->early[frame->index % EARLY_FRAMES] = *frame;
    p->early_next = frame->index + 1;
}

static void on_party_samples(void *user, const float *samples, size_t n)
{
    frame_route *route = user;
    rpl_analysis_sink sink = {.on_frame = on_party_frame, .user = route};
    if (route->p->early != NULL) {
        sink.on_early = on_party_early;
    }
    rpl_analysis_process(route->p->analysis, samples, n, &sink);
}

/* ---- provisional scores ------------------------------------------------------------------ */

/* The party's provisional frames not yet final, in order, with the other party's provisional
 * voice activity at each (false where it is not in yet); their count. */
static size_t early_pending(rpl_pipeline *pl, party *p)
{
    const party *other = &pl->parties[p->role == RPL_STORE_ROLE_AGENT ? RPL_STORE_ROLE_CUSTOMER
                                                                      : RPL_STORE_ROLE_AGENT];
    int64_t first = p->frames;
    if (p->early_next - first > EARLY_FRAMES) {
        first = p->early_next - EARLY_FRAMES; /* cannot happen: see EARLY_FRAMES */
    }
    size_t n = 0;
    for (int64_t i = first; i < p->early_next; i++, n++) {
        p->early_view[n] = p->early[i % EARLY_FRAMES];
        bool other_in = other->present && other->early != NULL && i < other->early_next &&
                        i >= other->early_next - EARLY_FRAMES;
        p->early_other[n] = other_in && other->early[i % EARLY_FRAMES].speech;
    }
    return n;
}

bool rpl_pipeline_provisional(rpl_pipeline *pl, rpl_store_role role, rpl_pipeline_scores *out)
{
    if (role != RPL_STORE_ROLE_AGENT && role != RPL_STORE_ROLE_CUSTOMER) {
        return false;
    }
    party *p = &pl->parties[role];
    if (!p->present || p->early == NULL || p->early_next == 0) {
        return false;
    }
    size_t n = early_pending(pl, p);
    const bool *other = pl->cross != NULL ? p->early_other : NULL;
    if (p->voices != NULL) {
        /* mono: a silence not decided yet is a turn exchange until it is (voice_decision) */
        for (size_t i = 0; i < n; i++) {
            p->early_other[i] = !p->early_view[i].speech;
        }
        other = p->early_other;
    }
    rpl_cues *cues = &p->provisional_cues;
    rpl_cues *hesitation = &p->provisional_hesitation;
    rpl_cue_window_peek(p->window, p->early_view, other, n, cues);
    rpl_cue_window_peek(p->hesitation_window, p->early_view, other, n, hesitation);
    add_latency_cue(p, hesitation);
    memset(out, 0, sizeof *out);
    out->role = p->role;
    out->t_s = (double)p->early_next * FRAME_S;
    out->cues = cues;
    out->hesitation_cues = hesitation;
    out->speaking = p->early[(p->early_next - 1) % EARLY_FRAMES].speech;
    out->dead_air = pl->dead_air;
    out->overtalk = pl->overtalk;
    size_t unused;
    for (int k = 0; k < RPL_SCORE_COUNT; k++) {
        const rpl_cues *c = k == RPL_SCORE_HESITATION ? hesitation : cues;
        out->score[k] = rpl_score_eval(&pl->model->score[k], c, NULL, 0, &unused);
        if (window_heard_music(p, c)) {
            out->score[k] = NAN; /* as in score_window */
        }
    }
    return true;
}

/* ---- across parties ---------------------------------------------------------------------- */

static void on_cross_event(const rpl_cross_party_event *ev, void *user)
{
    rpl_pipeline *pl = user;
    switch (ev->type) {
    case RPL_CROSS_DEAD_AIR_START:
        pl->dead_air = true;
        return;
    case RPL_CROSS_DEAD_AIR_DROPPED:
        pl->dead_air = false;
        return;
    case RPL_CROSS_OVERTALK_START:
        pl->overtalk = true;
        return;
    case RPL_CROSS_TURN:
        if (ev->by == RPL_PARTY_AGENT || ev->by == RPL_PARTY_CUSTOMER) {
            party *p = &pl->parties[ev->by];
            p->last_latency_s = ev->latency_s;
            p->last_latency_t_s = ev->t_end_s;
        }
        return;
    case RPL_CROSS_DEAD_AIR_END:
    case RPL_CROSS_OVERTALK_END:
        break;
    }
    bool dead_air = ev->type == RPL_CROSS_DEAD_AIR_END;
    pl->dead_air = dead_air ? false : pl->dead_air;
    pl->overtalk = dead_air ? pl->overtalk : false;
    rpl_policy *policy = pl->span_policy[dead_air ? 0 : 1];
    double length_s = ev->t_end_s - ev->t_start_s;
    rpl_evidence evidence = {0};
    rpl_evidence_add(&evidence, dead_air ? "silence_s" : "overlap_s", length_s, "s", NAN);
    if (!dead_air) {
        /* who started talking over whom, as the cue's name */
        rpl_evidence_add(&evidence,
                         ev->by == RPL_PARTY_AGENT      ? "interrupted_by_agent"
                         : ev->by == RPL_PARTY_CUSTOMER ? "interrupted_by_customer"
                                                        : "started_together",
                         1.0, "", NAN);
    }
    double speech_s = rpl_cue_window_speech_s(pl->parties[RPL_STORE_ROLE_CUSTOMER].window);
    rpl_policy_input start = {
        .t_s = ev->t_start_s, .score = 1.0, .speech_s = speech_s, .evidence = &evidence};
    rpl_policy_input end = {
        .t_s = ev->t_end_s, .score = 0.0, .speech_s = speech_s, .evidence = &evidence};
    rpl_policy_event event;
    if (rpl_policy_update(policy, &start, &event) == RPL_OK) {
        emit_alert(pl, RPL_STORE_ROLE_BOTH, &event);
    }
    if (rpl_policy_update(policy, &end, &event) == RPL_OK) {
        emit_alert(pl, RPL_STORE_ROLE_BOTH, &event);
    }
}

static bool pop_frame(party *p, rpl_frame *out)
{
    if (!p->present || p->queue_count == 0) {
        return false;
    }
    *out = p->queue[p->queue_head];
    p->queue_head = (p->queue_head + 1) % FRAME_QUEUE;
    p->queue_count--;
    return true;
}

/* Music on the party's channel: no voice, but a line sound, so that the other party's silence
 * meanwhile is a hold, not dead air. */
static void take_out_music(party *p, rpl_frame *frame)
{
    if (rpl_music_take_out(p->music, frame)) {
        p->music_frames++;
        p->music_to = frame->index;
    }
}

/* Analyse the frames both parties have (at the end of the call, whatever is left). */
static void drain_frames(rpl_pipeline *pl, bool finishing)
{
    party *agent = &pl->parties[RPL_STORE_ROLE_AGENT];
    party *customer = &pl->parties[RPL_STORE_ROLE_CUSTOMER];
    for (;;) {
        bool paired = customer->queue_count > 0 && (!agent->present || agent->queue_count > 0);
        bool leftover = agent->queue_count > 0 || customer->queue_count > 0;
        if (!paired && !(finishing && leftover)) {
            return;
        }
        rpl_frame a = {0};
        rpl_frame c = {0};
        bool have_a = pop_frame(agent, &a);
        bool have_c = pop_frame(customer, &c);
        if (have_a && have_c && agent->leak != NULL) {
            /* Both decisions on the frames as analysed, before either is changed. */
            bool agent_leak = rpl_crosstalk_process(agent->leak, &c, &a);
            bool customer_leak = rpl_crosstalk_process(customer->leak, &a, &c);
            if (agent_leak) {
                rpl_frame_clear_voice(&a);
                agent->leak_frames++;
            }
            if (customer_leak) {
                rpl_frame_clear_voice(&c);
                customer->leak_frames++;
            }
        }
        if (have_a) {
            take_out_music(agent, &a);
        }
        if (have_c) {
            take_out_music(customer, &c);
        }
        if (have_a) {
            party_frame(pl, agent, &a, have_c && c.speech);
        }
        if (have_c) {
            party_frame(pl, customer, &c, have_a && a.speech);
        }
        if (pl->cross != NULL) {
            bool line_sound =
                (have_a && line_held(agent, &a)) | (have_c && line_held(customer, &c));
            rpl_cross_party_process(pl->cross, have_a && a.speech, have_c && c.speech, line_sound,
                                    on_cross_event, pl);
        }
    }
}

/* ---- the stream -------------------------------------------------------------------------- */

rpl_status rpl_pipeline_process(rpl_pipeline *pl, const float *interleaved, size_t frames,
                                const rpl_pipeline_sink *sink)
{
    pl->sink = sink;
    rpl_status status = RPL_OK;
    while (frames > 0 && status == RPL_OK) {
        size_t n = frames < CHUNK_FRAMES ? frames : CHUNK_FRAMES;
        frame_route route[2] = {{pl, &pl->parties[0]}, {pl, &pl->parties[1]}};
        for (size_t r = 0; r < 2; r++) {
            party *p = &pl->parties[r];
            for (size_t i = 0; p->present && i < n; i++) {
                p->mono[i] = interleaved[i * (size_t)pl->cfg.channels + (size_t)p->channel];
            }
        }
        party *pa = &pl->parties[0], *pb = &pl->parties[1];
        if (pa->present && pb->present) {
            /* stereo: both parties' band-pass filters share the vector lanes */
            status = rpl_ingest_process_pair(pa->ingest, pa->mono, on_party_samples, &route[0],
                                             pb->ingest, pb->mono, on_party_samples, &route[1], n);
        } else {
            for (size_t r = 0; r < 2 && status == RPL_OK; r++) {
                party *p = &pl->parties[r];
                if (p->present) {
                    status = rpl_ingest_process(p->ingest, p->mono, n, on_party_samples, &route[r]);
                }
            }
        }
        drain_frames(pl, false);
        interleaved += n * (size_t)pl->cfg.channels;
        frames -= n;
    }
    pl->sink = NULL;
    return status;
}

static void flush_policy(rpl_pipeline *pl, rpl_policy *policy, rpl_store_role role, double t_s)
{
    rpl_policy_event event;
    if (rpl_policy_flush(policy, t_s, &event) == RPL_OK) {
        emit_alert(pl, role, &event);
    }
}

rpl_status rpl_pipeline_finish(rpl_pipeline *pl, const rpl_pipeline_sink *sink)
{
    pl->sink = sink;
    rpl_status status = RPL_OK;
    for (size_t r = 0; r < 2; r++) {
        party *p = &pl->parties[r];
        if (!p->present) {
            continue;
        }
        frame_route route = {pl, p};
        rpl_status s = rpl_ingest_flush(p->ingest, on_party_samples, &route);
        status = status == RPL_OK ? s : status;
        rpl_analysis_sink analysis_sink = {.on_frame = on_party_frame, .user = &route};
        rpl_analysis_flush(p->analysis, &analysis_sink);
    }
    drain_frames(pl, true);
    for (size_t r = 0; r < 2; r++) {
        party *p = &pl->parties[r];
        rpl_voice_event voice_ev;
        if (p->present && p->voices != NULL && rpl_voice_change_flush(p->voices, &voice_ev)) {
            voice_decision(pl, p, &voice_ev);
        }
    }
    for (size_t r = 0; r < 2; r++) {
        party *p = &pl->parties[r];
        if (p->present && p->point_frames > 0) {
            emit_point(pl, p, (double)p->frames * FRAME_S);
        }
    }
    if (pl->cross != NULL) {
        rpl_cross_party_flush(pl->cross, on_cross_event, pl);
    }
    double end_s = rpl_pipeline_time_s(pl);
    for (size_t r = 0; r < 2; r++) {
        party *p = &pl->parties[r];
        for (size_t k = 0; p->present && k < RPL_SCORE_COUNT; k++) {
            flush_policy(pl, p->policy[k], p->role, end_s);
        }
    }
    for (size_t i = 0; pl->cross != NULL && i < 2; i++) {
        flush_policy(pl, pl->span_policy[i], RPL_STORE_ROLE_BOTH, end_s);
    }
    pl->sink = NULL;
    return status;
}

/* ---- statistics -------------------------------------------------------------------------- */

static double f0_median_hz(const party *p)
{
    double half = (double)p->f0_n / 2.0;
    double acc = 0.0;
    for (size_t i = 0; i < F0_STAT_BINS; i++) {
        acc += p->f0_hist[i];
        if (acc >= half) {
            double st = F0_STAT_LOW_ST + ((double)i + 0.5) * F0_STAT_BIN_ST;
            return 100.0 * pow(2.0, st / 12.0);
        }
    }
    return NAN;
}

bool rpl_pipeline_channel_stats(const rpl_pipeline *pl, rpl_store_role role,
                                rpl_store_channel_stats *out)
{
    if ((role != RPL_STORE_ROLE_AGENT && role != RPL_STORE_ROLE_CUSTOMER) ||
        !pl->parties[role].present) {
        return false;
    }
    const party *p = &pl->parties[role];
    double speech_s = (double)p->speech_frames * FRAME_S;
    double mean = p->f0_n > 0 ? p->f0_st_sum / (double)p->f0_n : (double)NAN;
    double var = p->f0_n > 1
                     ? (p->f0_st_sum2 - (double)p->f0_n * mean * mean) / (double)(p->f0_n - 1)
                     : (double)NAN;
    *out = (rpl_store_channel_stats){
        .role = role,
        .channel = p->channel,
        .speech_s = speech_s,
        .pause_count = p->pause_count,
        .pause_total_s = p->pause_total_s,
        .pause_max_s = p->pause_max_s,
        .f0_median_hz = p->f0_n > 0 ? f0_median_hz(p) : (double)NAN,
        .f0_sd_st = p->f0_n > 1 ? sqrt(var > 0.0 ? var : 0.0) : (double)NAN,
        .speaking_rate_sps = speech_s >= 1.0 ? (double)p->nuclei / speech_s : (double)NAN,
        .music_s = (double)p->music_frames * FRAME_S,
    };
    rpl_store_score *scores[RPL_SCORE_COUNT] = {&out->frustration, &out->hesitation, &out->fatigue};
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        /* No window scored (too little speech): no score, which 0 would misreport as calm. */
        scores[k]->max = p->score_n[k] > 0 ? p->score_max[k] : (double)NAN;
        scores[k]->mean = p->score_n[k] > 0 ? p->score_sum[k] / (double)p->score_n[k] : (double)NAN;
    }
    return true;
}

bool rpl_pipeline_cross_stats(const rpl_pipeline *pl, rpl_store_cross_stats *out)
{
    memset(out, 0, sizeof *out);
    out->customer_latency_mean_s = NAN;
    out->talk_share_customer = NAN;
    if (pl->cross == NULL) {
        return false;
    }
    rpl_cross_party_stats s = rpl_cross_party_get_stats(pl->cross);
    out->dead_air_s = s.dead_air_total_s;
    out->hold_s = s.hold_s;
    out->dead_air_count = s.dead_air_count;
    out->overtalk_s = s.overtalk_total_s;
    out->overtalk_count = s.overtalk_count;
    out->customer_latency_mean_s = s.customer.latency_mean_s;
    if (s.agent.speech_s + s.customer.speech_s > 0.0) {
        out->talk_share_customer = s.customer.talk_share;
    }
    return true;
}
