/* One call analysed as it happens: see live.h.
 *
 * Wake-ups, not analysis, dominate the CPU of a real-time run on a virtual machine: each
 * sleep and wake of a thread costs some 50-100 us of a core there (timer, futex, cold caches),
 * the analysis of 40 ms of stereo audio about as much. So no thread polls, and the producers
 * deliver 40 ms blocks (source_live.c, cli/replay.c): measured on a 20 s replay (load 8-9),
 * 20 ms blocks cost 1.11-1.39 % of a core, 40 ms blocks 0.66-0.84 %. The analysis thread sleeps in
 * rpl_ring_wait until WAKE_MS = 40 ms of input is in (one block), woken at once with no polling
 * delay, and takes one producer block at a time (rpl_ring_read_block, at most CHUNK_MS), so that
 * every frame's entry time is known exactly. Before it sleeps it updates the status line's
 * provisional scores (provisional_update). Waking every 80 ms instead cost 0.46-0.55 % of a core
 * against 0.74-0.77 % (60 s replay at 1x, from the start of pacing, load ~1.7), but a frame then
 * waited up to 80 ms for its provisional features, against 40-45 ms (issue 9: < 50 ms). The
 * store thread sleeps on its queue and is woken only for alerts (committed within milliseconds),
 * for the finish, and when POINT_BATCH timeline points wait; it also touches the call every TOUCH_S
 * = 5 s (the store's staleness horizon is minutes) and then takes whatever points wait. A crash
 * loses at most ~10 s of timeline (20 points: 10 s of a stereo call) and no alert.
 *
 * Timing (live.h, rpl_live_snapshot): for each score the pipeline gives at audio time t_s,
 * the frame that ends its window is input frame t_s * rate - 1; its latency is the time the
 * score is out minus the time that frame entered the ring. It splits into the look-ahead (the
 * wall time until the newest input the pipeline had then entered the ring: the analysis
 * delays and the cross-party alignment wait for future frames, an algorithmic cost) and the
 * system latency (that newest input entering the ring -> score out: waiting and computing,
 * what this file controls). Histograms of LAT_BIN_MS bins give p99.
 */
#include "live.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    WAKE_MS = 40,      /* input the analysis thread sleeps for */
    CHUNK_MS = 40,     /* most input per pipeline call */
    TOUCH_S = 5,       /* store: touch the call */
    POINT_BATCH = 20,  /* store: timeline points per write */
    STAMP_HIST = 1024, /* analysis: entry times of the last blocks (>= 40 s of 40 ms blocks) */
    LAT_BINS = 8192    /* latency histograms: 0.25 ms bins up to 2048 ms */
};
#define LAT_BIN_MS 0.25

/* A latency histogram with exact mean and max. */
typedef struct lat_hist {
    uint32_t bins[LAT_BINS];
    size_t count;
    double sum_ms, max_ms;
} lat_hist;

static void lat_add(lat_hist *h, double ms)
{
    double b = ms / LAT_BIN_MS;
    size_t i = b <= 0.0 ? 0 : b >= (double)(LAT_BINS - 1) ? LAT_BINS - 1 : (size_t)b;
    h->bins[i]++;
    h->count++;
    h->sum_ms += ms;
    h->max_ms = ms > h->max_ms ? ms : h->max_ms;
}

static void lat_get(const lat_hist *h, rpl_live_latency *out)
{
    out->count = h->count;
    out->mean_ms = h->count > 0 ? h->sum_ms / (double)h->count : (double)NAN;
    out->max_ms = h->count > 0 ? h->max_ms : (double)NAN;
    out->p99_ms = (double)NAN;
    size_t need = h->count - h->count / 100, seen = 0; /* ceil(0.99 n) */
    for (size_t i = 0; i < LAT_BINS && h->count > 0; i++) {
        seen += h->bins[i];
        if (seen >= need) {
            /* the bin's upper edge, never above the true max */
            double edge = (double)(i + 1) * LAT_BIN_MS;
            out->p99_ms = edge < h->max_ms ? edge : h->max_ms;
            break;
        }
    }
}

typedef struct block_stamp {
    uint64_t start; /* input frame position of the block's first frame */
    int64_t entered_ns;
} block_stamp;

typedef enum ev_type { EV_RAISED, EV_CLOSED, EV_POINT, EV_FINISH } ev_type;

typedef struct event {
    struct event *next;
    ev_type type;
    rpl_pipeline_alert alert; /* evidence_json -> evidence */
    char *evidence;
    int64_t entered_ns;
    rpl_store_point point;
    /* EV_FINISH */
    bool has_stats[2];
    rpl_store_channel_stats stats[2];
    bool has_cross; /* a stereo call */
    rpl_store_cross_stats cross;
    double duration_s;
    bool failed;
    char reason[512];
} event;

struct rpl_live {
    rpl_live_config cfg;
    char *call_id, *channel_map, *agent, *customer, *source_file, *model_version;
    rpl_store *store;
    rpl_pipeline *pipeline;
    rpl_ring *ring;
    float *chunk;
    size_t chunk_frames;

    pthread_t analysis_thread, store_thread;
    bool threads_started, finished;
    atomic_bool input_done;
    atomic_bool analysis_done;
    rpl_status analysis_status;
    size_t wake_frames;
    int64_t cur_entered_ns;         /* analysis thread: entry stamp of the chunk being processed */
    uint64_t frames_in;             /* analysis thread: input frames given to the pipeline */
    block_stamp stamps[STAMP_HIST]; /* analysis thread: entry times by input position */
    uint64_t stamp_count;
    bool flushing;       /* analysis thread: in rpl_pipeline_finish (nothing to time) */
    event *finish_event; /* allocated up front */

    /* event queue */
    pthread_mutex_t q_lock;
    pthread_cond_t q_cond;
    event *q_head, *q_tail;
    size_t q_points; /* points waiting */
    bool q_wake;     /* something the store thread must see now */

    /* status snapshot */
    pthread_mutex_t s_lock;
    rpl_live_snapshot snap;
    lat_hist score_latency, score_system, score_lookahead, alert_latency;
    lat_hist early_score_latency, early_frame_latency;
    double early_t_s; /* analysis thread: end of the newest provisional frame shown */

    /* store thread */
    rpl_status store_status;
    char store_why[600];
    int64_t *alert_ids; /* by sequence */
    size_t alert_ids_cap;
    rpl_store_point *points;
    size_t point_count;
};

rpl_live_config rpl_live_config_default(int channels)
{
    rpl_live_config c;
    memset(&c, 0, sizeof c);
    c.pipeline = rpl_pipeline_config_default(channels);
    c.ring_s = 4.0;
    return c;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* ---- event queue --------------------------------------------------------------------------- */

static void event_free(event *e)
{
    if (e != NULL) {
        free(e->evidence);
        free(e);
    }
}

/* Queue e; wake the store thread for anything but a timeline point, and for points once a
 * batch of them waits. */
static void push(rpl_live *live, event *e)
{
    pthread_mutex_lock(&live->q_lock);
    if (live->q_tail != NULL) {
        live->q_tail->next = e;
    } else {
        live->q_head = e;
    }
    live->q_tail = e;
    bool wake = e->type != EV_POINT || ++live->q_points >= POINT_BATCH;
    if (wake && !live->q_wake) {
        live->q_wake = true;
        pthread_cond_signal(&live->q_cond);
    }
    pthread_mutex_unlock(&live->q_lock);
}

/* ---- analysis thread ----------------------------------------------------------------------- */

static void on_alert(void *user, const rpl_pipeline_alert *alert)
{
    rpl_live *live = user;
    event *e = calloc(1, sizeof *e);
    char *evidence = strdup(alert->evidence_json != NULL ? alert->evidence_json : "{}");
    if (e == NULL || evidence == NULL) {
        free(e);
        free(evidence);
        live->analysis_status = RPL_ERR_NO_MEMORY;
        return;
    }
    e->type = alert->closed ? EV_CLOSED : EV_RAISED;
    e->alert = *alert;
    e->evidence = evidence;
    e->alert.evidence_json = evidence;
    e->entered_ns = live->cur_entered_ns;
    if (!alert->closed) {
        pthread_mutex_lock(&live->s_lock);
        live->snap.alerts_raised++;
        pthread_mutex_unlock(&live->s_lock);
    }
    push(live, e);
}

static void on_point(void *user, const rpl_store_point *point)
{
    rpl_live *live = user;
    event *e = calloc(1, sizeof *e);
    if (e == NULL) {
        live->analysis_status = RPL_ERR_NO_MEMORY;
        return;
    }
    e->type = EV_POINT;
    e->point = *point;
    push(live, e);
}

/* Entry time of input frame pos (0 when no longer known). */
static int64_t entered_at(const rpl_live *live, uint64_t pos)
{
    uint64_t n = live->stamp_count < STAMP_HIST ? live->stamp_count : STAMP_HIST;
    for (uint64_t k = 1; k <= n; k++) {
        const block_stamp *b = &live->stamps[(live->stamp_count - k) & (STAMP_HIST - 1)];
        if (b->start <= pos) {
            return b->entered_ns;
        }
    }
    return 0;
}

static void on_scores(void *user, const rpl_pipeline_scores *s)
{
    rpl_live *live = user;
    int64_t now = rpl_ring_now_ns();
    double rate = live->cfg.pipeline.input_rate_hz;
    /* the last input frame of the scored window, and the newest the pipeline has */
    double end = floor(s->t_s * rate + 0.5) - 1.0;
    uint64_t pos = end <= 0.0 ? 0 : (uint64_t)end;
    int64_t frame_in = pos < live->frames_in ? entered_at(live, pos) : 0;
    pthread_mutex_lock(&live->s_lock);
    rpl_live_snapshot *n = &live->snap;
    /* the customer's gauges are the provisional ones (provisional_update), which are ahead */
    n->t_s = s->t_s > n->t_s ? s->t_s : n->t_s;
    n->dead_air = s->dead_air;
    n->overtalk = s->overtalk;
    if (frame_in != 0 && live->cur_entered_ns != 0 && !live->flushing) {
        double latency_ms = (double)(now - frame_in) / 1e6;
        lat_add(&live->score_latency, latency_ms);
        lat_add(&live->score_system, (double)(now - live->cur_entered_ns) / 1e6);
        lat_add(&live->score_lookahead, (double)(live->frames_in - 1 - pos) / rate * 1e3);
        if (latency_ms >= live->score_latency.max_ms) {
            n->score_latency_max_t_s = s->t_s;
        }
    }
    pthread_mutex_unlock(&live->s_lock);
}

/* Input frame (at the input rate) that ends audio time t_s, clamped at 0. */
static uint64_t input_frame_ending(const rpl_live *live, double t_s)
{
    double end = floor(t_s * live->cfg.pipeline.input_rate_hz + 0.5) - 1.0;
    return end <= 0.0 ? 0 : (uint64_t)end;
}

/* The customer's provisional scores and state for the status line, once per wake, after the
 * input it brought: they cannot wait for the analysis look-ahead (0.71 s) as the final
 * scores, alerts and timeline do. Times the newest provisional frame (ring -> its score) and
 * the oldest frame this wake made provisional (ring -> its features: waiting for the wake). */
static void provisional_update(rpl_live *live)
{
    rpl_pipeline_scores s;
    if (!rpl_pipeline_provisional(live->pipeline, RPL_STORE_ROLE_CUSTOMER, &s) ||
        s.t_s <= live->early_t_s) {
        return;
    }
    int64_t now = rpl_ring_now_ns();
    uint64_t newest = input_frame_ending(live, s.t_s);
    uint64_t oldest = input_frame_ending(live, live->early_t_s + 0.01);
    int64_t newest_in = newest < live->frames_in ? entered_at(live, newest) : 0;
    int64_t oldest_in = oldest < live->frames_in ? entered_at(live, oldest) : 0;
    live->early_t_s = s.t_s;
    pthread_mutex_lock(&live->s_lock);
    rpl_live_snapshot *n = &live->snap;
    n->t_s = s.t_s > n->t_s ? s.t_s : n->t_s;
    n->customer_speaking = s.speaking;
    for (int k = 0; k < RPL_SCORE_COUNT; k++) {
        n->score[k] = s.score[k];
    }
    if (s.cues->baseline_ok) {
        n->f0_rel_st = s.cues->value[RPL_CUE_F0_REL_ST];
        n->level_rel_db = s.cues->value[RPL_CUE_LEVEL_REL_DB];
    }
    if (newest_in != 0) {
        lat_add(&live->early_score_latency, (double)(now - newest_in) / 1e6);
    }
    if (oldest_in != 0) {
        lat_add(&live->early_frame_latency, (double)(now - oldest_in) / 1e6);
    }
    pthread_mutex_unlock(&live->s_lock);
}

static void *analysis_main(void *arg)
{
    rpl_live *live = arg;
    rpl_pipeline_sink sink = {
        .on_alert = on_alert, .on_point = on_point, .on_scores = on_scores, .user = live};
    rpl_status status = RPL_OK;
    while (status == RPL_OK && live->analysis_status == RPL_OK) {
        bool done = atomic_load_explicit(&live->input_done, memory_order_acquire);
        int64_t entered = 0;
        size_t n = rpl_ring_read_block(live->ring, live->chunk, live->chunk_frames, &entered);
        if (n == 0) {
            if (done) {
                break;
            }
            provisional_update(live);
            rpl_ring_wait(live->ring, live->wake_frames, 0.0); /* finish ends the wait */
            continue;
        }
        live->stamps[live->stamp_count++ & (STAMP_HIST - 1)] =
            (block_stamp){.start = live->frames_in, .entered_ns = entered};
        live->cur_entered_ns = entered;
        live->frames_in += n;
        status = rpl_pipeline_process(live->pipeline, live->chunk, n, &sink);
    }
    if (status == RPL_OK) {
        status = live->analysis_status;
    }
    if (status == RPL_OK) {
        live->flushing = true;
        status = rpl_pipeline_finish(live->pipeline, &sink);
    }
    if (status == RPL_OK) {
        pthread_mutex_lock(&live->s_lock);
        for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
            live->snap.leak[role].found = rpl_pipeline_leak(
                live->pipeline, (rpl_store_role)role, &live->snap.leak[role].delay_s,
                &live->snap.leak[role].loss_db, &live->snap.leak[role].leaked_s);
            rpl_store_channel_stats stats;
            bool heard = rpl_pipeline_channel_stats(live->pipeline, (rpl_store_role)role, &stats);
            live->snap.music_s[role] = heard ? stats.music_s : 0.0;
            live->snap.channel[role] = heard ? stats.channel : -1;
            live->snap.speech_s[role] = heard ? stats.speech_s : 0.0;
        }
        live->snap.mixed = rpl_pipeline_mixed(live->pipeline);
        size_t turns = 0, silences = 0;
        bool two = rpl_pipeline_two_voices(live->pipeline, &turns, &silences);
        live->snap.two_voices_turns = two ? turns : 0;
        live->snap.two_voices_silences = silences;
        pthread_mutex_unlock(&live->s_lock);
    }
    if (status == RPL_OK) {
        status = live->analysis_status;
    }
    live->analysis_status = status;
    atomic_store_explicit(&live->analysis_done, true, memory_order_release);
    /* the finish event is pushed by rpl_live_finish once the reason is known */
    return NULL;
}

/* ---- store thread -------------------------------------------------------------------------- */

static void store_failed(rpl_live *live, const char *what)
{
    char msg[600];
    snprintf(msg, sizeof msg, "%s: %s", what, rpl_store_errmsg(live->store));
    if (live->store_status == RPL_OK) {
        snprintf(live->store_why, sizeof live->store_why, "%s", msg);
    }
    pthread_mutex_lock(&live->s_lock);
    live->snap.store_errors++;
    pthread_mutex_unlock(&live->s_lock);
    if (live->cfg.on_event != NULL) {
        rpl_live_event ev = {.kind = RPL_LIVE_STORE_ERROR, .message = msg};
        live->cfg.on_event(live->cfg.user, &ev);
    }
}

static int64_t *alert_slot(rpl_live *live, int sequence)
{
    if (sequence < 0) {
        return NULL;
    }
    size_t need = (size_t)sequence + 1;
    if (need > live->alert_ids_cap) {
        size_t cap = live->alert_ids_cap ? live->alert_ids_cap : 64;
        while (cap < need) {
            cap *= 2;
        }
        int64_t *p = realloc(live->alert_ids, cap * sizeof *p);
        if (p == NULL) {
            return NULL;
        }
        memset(p + live->alert_ids_cap, 0, (cap - live->alert_ids_cap) * sizeof *p);
        live->alert_ids = p;
        live->alert_ids_cap = cap;
    }
    return &live->alert_ids[sequence];
}

static void flush_points(rpl_live *live)
{
    if (live->point_count == 0) {
        return;
    }
    rpl_status st =
        rpl_store_add_timeline(live->store, live->call_id, live->points, live->point_count);
    if (st != RPL_OK) {
        store_failed(live, "cannot store the timeline");
        if (live->store_status == RPL_OK) {
            live->store_status = st;
        }
    }
    live->point_count = 0;
}

static void store_alert(rpl_live *live, const event *e)
{
    int64_t *slot = alert_slot(live, e->alert.sequence);
    rpl_status st = RPL_OK;
    int64_t id = slot != NULL ? *slot : 0;
    bool inserted = id <= 0;
    if (id > 0) {
        st = rpl_store_update_alert(live->store, id, e->alert.t_end_s, e->alert.score,
                                    e->alert.evidence_json);
    } else {
        rpl_store_alert_info info = {
            .kind = e->alert.kind,
            .role = e->alert.role,
            .t_start_s = e->alert.t_start_s,
            .t_end_s = e->alert.t_end_s,
            .score = e->alert.score,
            /* as analyze: callback prompts above live cues */
            .priority = e->alert.kind <= RPL_STORE_KIND_FATIGUE ? 50 : 10,
            .evidence_json = e->alert.evidence_json,
            .model_version = live->model_version,
        };
        st = rpl_store_add_alert(live->store, live->call_id, &info, &id);
        if (st == RPL_OK && slot != NULL) {
            *slot = id;
        }
    }
    if (st != RPL_OK) {
        store_failed(live, "cannot store an alert");
        if (live->store_status == RPL_OK) {
            live->store_status = st;
        }
        id = 0;
    }
    double latency_ms =
        e->entered_ns != 0 ? (double)(rpl_ring_now_ns() - e->entered_ns) / 1e6 : (double)NAN;
    if (st == RPL_OK) {
        pthread_mutex_lock(&live->s_lock);
        if (inserted) {
            live->snap.alerts_stored++;
        }
        if (e->type == EV_RAISED && isfinite(latency_ms)) {
            lat_add(&live->alert_latency, latency_ms);
        }
        pthread_mutex_unlock(&live->s_lock);
    }
    if (live->cfg.on_event != NULL && st == RPL_OK) {
        rpl_live_event ev = {.kind = e->type == EV_RAISED ? RPL_LIVE_ALERT_RAISED
                                                          : RPL_LIVE_ALERT_CLOSED,
                             .alert_id = id,
                             .alert = &e->alert,
                             .latency_ms = latency_ms};
        live->cfg.on_event(live->cfg.user, &ev);
    }
}

/* Returns true at the finish event. */
static bool store_event(rpl_live *live, const event *e)
{
    switch (e->type) {
    case EV_RAISED:
    case EV_CLOSED:
        store_alert(live, e);
        return false;
    case EV_POINT:
        live->points[live->point_count++] = e->point;
        if (live->point_count == POINT_BATCH) {
            flush_points(live);
        }
        return false;
    case EV_FINISH:
        break;
    }
    flush_points(live);
    for (int r = 0; r < 2; r++) {
        if (e->has_stats[r] &&
            rpl_store_add_channel(live->store, live->call_id, &e->stats[r]) != RPL_OK) {
            store_failed(live, "cannot store the channel statistics");
            live->store_status = live->store_status != RPL_OK ? live->store_status : RPL_ERR_DB;
        }
    }
    if (e->has_cross && rpl_store_add_cross(live->store, live->call_id, &e->cross) != RPL_OK) {
        store_failed(live, "cannot store the cross-party statistics");
        live->store_status = live->store_status != RPL_OK ? live->store_status : RPL_ERR_DB;
    }
    rpl_status st = !e->failed ? rpl_store_finish_call(live->store, live->call_id, e->duration_s)
                               : rpl_store_fail_call(live->store, live->call_id, e->reason);
    if (st != RPL_OK) {
        store_failed(live, "cannot close the call");
        live->store_status = live->store_status != RPL_OK ? live->store_status : st;
    }
    return true;
}

static void *store_main(void *arg)
{
    rpl_live *live = arg;
    struct timespec next_touch;
    clock_gettime(CLOCK_MONOTONIC, &next_touch); /* q_cond times out on this clock */
    next_touch.tv_sec += TOUCH_S;
    for (bool finished = false; !finished;) {
        pthread_mutex_lock(&live->q_lock);
        int rc = 0;
        while (!live->q_wake && rc != ETIMEDOUT) {
            rc = pthread_cond_timedwait(&live->q_cond, &live->q_lock, &next_touch);
        }
        event *list = live->q_head;
        live->q_head = live->q_tail = NULL;
        live->q_points = 0;
        live->q_wake = false;
        pthread_mutex_unlock(&live->q_lock);
        while (list != NULL) {
            event *e = list;
            list = e->next;
            if (!finished) {
                finished = store_event(live, e);
            }
            event_free(e);
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!finished && now.tv_sec >= next_touch.tv_sec) {
            if (rpl_store_touch_call(live->store, live->call_id) != RPL_OK) {
                store_failed(live, "cannot touch the call");
            }
            next_touch = now;
            next_touch.tv_sec += TOUCH_S;
        }
    }
    return NULL;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

rpl_status rpl_live_create(const rpl_live_config *cfg, rpl_live **out, char *why, size_t why_size)
{
    if (why_size > 0) {
        why[0] = '\0';
    }
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || cfg->db_path == NULL || cfg->call.id == NULL ||
        cfg->call.channel_map == NULL || !(cfg->ring_s >= 0.5 && cfg->ring_s <= 60.0)) {
        snprintf(why, why_size, "%s", rpl_strerror(RPL_ERR_INVALID_ARG));
        return RPL_ERR_INVALID_ARG;
    }
    rpl_live *live = calloc(1, sizeof *live);
    if (live == NULL) {
        snprintf(why, why_size, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_ERR_NO_MEMORY;
    }
    live->cfg = *cfg;
    pthread_mutex_init(&live->q_lock, NULL);
    /* the store thread's touches keep their 5 s pace when the wall clock is set (NTP) */
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&live->q_cond, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    pthread_mutex_init(&live->s_lock, NULL);
    atomic_init(&live->input_done, false);
    atomic_init(&live->analysis_done, false);
    for (int k = 0; k < RPL_SCORE_COUNT; k++) {
        live->snap.score[k] = NAN;
    }
    live->snap.f0_rel_st = live->snap.level_rel_db = NAN;

    live->cfg.pipeline.provisional = true; /* the status line's gauges */
    rpl_status status = rpl_pipeline_create(&live->cfg.pipeline, &live->pipeline);
    if (status != RPL_OK) {
        snprintf(why, why_size, "cannot set up the analysis: %s", rpl_strerror(status));
        goto fail;
    }
    live->snap.stereo = rpl_pipeline_stereo(live->pipeline);
    int channels = cfg->pipeline.channels;
    status =
        rpl_ring_create((size_t)(cfg->ring_s * cfg->pipeline.input_rate_hz), channels, &live->ring);
    if (status != RPL_OK) {
        snprintf(why, why_size, "cannot allocate the ring: %s", rpl_strerror(status));
        goto fail;
    }
    live->chunk_frames = (size_t)(cfg->pipeline.input_rate_hz * CHUNK_MS / 1000.0);
    live->wake_frames = (size_t)(cfg->pipeline.input_rate_hz * WAKE_MS / 1000.0);
    live->chunk = malloc(live->chunk_frames * (size_t)channels * sizeof *live->chunk);
    live->points = malloc(POINT_BATCH * sizeof *live->points);
    live->finish_event = calloc(1, sizeof *live->finish_event);
    live->call_id = strdup(cfg->call.id);
    live->channel_map = strdup(cfg->call.channel_map);
    live->agent = dup_or_null(cfg->call.agent);
    live->customer = dup_or_null(cfg->call.customer);
    live->source_file = dup_or_null(cfg->call.source_file);
    live->model_version = strdup(rpl_pipeline_model(live->pipeline)->version);
    if (live->chunk == NULL || live->points == NULL || live->finish_event == NULL ||
        live->call_id == NULL || live->channel_map == NULL || live->model_version == NULL ||
        (cfg->call.agent != NULL && live->agent == NULL) ||
        (cfg->call.customer != NULL && live->customer == NULL) ||
        (cfg->call.source_file != NULL && live->source_file == NULL) ||
        alert_slot(live, 64) == NULL) {
        status = RPL_ERR_NO_MEMORY;
        snprintf(why, why_size, "%s", rpl_strerror(status));
        goto fail;
    }
    live->cfg.db_path = NULL; /* not kept: the caller's string */
    live->cfg.call = (rpl_store_call_info){0};

    rpl_store_config scfg = rpl_store_config_default();
    scfg.cache_kib = RPL_STORE_APPEND_CACHE_KIB; /* it appends one call */
    char detail[256] = "";
    status = rpl_store_open(cfg->db_path, &scfg, &live->store, detail, sizeof detail);
    if (status != RPL_OK) {
        snprintf(why, why_size, "%s: %s", cfg->db_path, detail);
        goto fail;
    }
    rpl_store_call_info info = {
        .id = live->call_id,
        .source_file = live->source_file,
        .agent = live->agent,
        .customer = live->customer,
        .started_unix_s = cfg->call.started_unix_s,
        .started_from = cfg->call.started_from,
        .channel_map = live->channel_map,
        .model_version = live->model_version,
    };
    status = rpl_store_begin_call(live->store, &info);
    if (status != RPL_OK) {
        if (status == RPL_ERR_EXISTS) {
            snprintf(why, why_size, "call %s is already stored (choose another --call-id)",
                     live->call_id);
        } else {
            snprintf(why, why_size, "cannot store the call: %s", rpl_store_errmsg(live->store));
        }
        goto fail;
    }
    if (pthread_create(&live->store_thread, NULL, store_main, live) != 0) {
        status = RPL_ERR_NO_MEMORY;
        snprintf(why, why_size, "cannot start the store thread");
        rpl_store_fail_call(live->store, live->call_id, "could not start");
        goto fail;
    }
    if (pthread_create(&live->analysis_thread, NULL, analysis_main, live) != 0) {
        status = RPL_ERR_NO_MEMORY;
        snprintf(why, why_size, "cannot start the analysis thread");
        event *e = live->finish_event;
        live->finish_event = NULL;
        e->type = EV_FINISH;
        e->failed = true;
        snprintf(e->reason, sizeof e->reason, "could not start");
        push(live, e);
        pthread_join(live->store_thread, NULL);
        goto fail;
    }
    live->threads_started = true;
    *out = live;
    return RPL_OK;
fail:
    live->finished = true;
    rpl_live_destroy(live);
    return status;
}

rpl_ring *rpl_live_ring(rpl_live *live)
{
    return live->ring;
}

void rpl_live_snapshot_get(rpl_live *live, rpl_live_snapshot *out)
{
    pthread_mutex_lock(&live->s_lock);
    *out = live->snap;
    lat_get(&live->score_latency, &out->score_latency);
    lat_get(&live->score_system, &out->score_system);
    lat_get(&live->score_lookahead, &out->score_lookahead);
    lat_get(&live->alert_latency, &out->alert_latency);
    lat_get(&live->early_score_latency, &out->early_score_latency);
    lat_get(&live->early_frame_latency, &out->early_frame_latency);
    pthread_mutex_unlock(&live->s_lock);
    out->overruns = rpl_ring_overruns(live->ring);
    out->overrun_frames = rpl_ring_overrun_frames(live->ring);
}

bool rpl_live_analysis_done(rpl_live *live)
{
    return atomic_load_explicit(&live->analysis_done, memory_order_acquire);
}

rpl_status rpl_live_finish(rpl_live *live, const char *fail_reason, char *why, size_t why_size)
{
    if (why_size > 0) {
        why[0] = '\0';
    }
    if (live == NULL || live->finished || !live->threads_started) {
        return RPL_ERR_INVALID_ARG;
    }
    live->finished = true;
    atomic_store_explicit(&live->input_done, true, memory_order_release);
    rpl_ring_end_input(live->ring);
    pthread_join(live->analysis_thread, NULL);

    event *e = live->finish_event; /* allocated at create: finishing cannot fail for memory */
    live->finish_event = NULL;
    char reason[512] = "";
    rpl_status status = live->analysis_status;
    if (status != RPL_OK) {
        snprintf(reason, sizeof reason, "analysis failed at %.1f s: %s",
                 rpl_pipeline_time_s(live->pipeline), rpl_strerror(status));
    } else if (fail_reason != NULL) {
        snprintf(reason, sizeof reason, "%s", fail_reason);
    }
    e->type = EV_FINISH;
    e->duration_s = (double)live->frames_in / live->cfg.pipeline.input_rate_hz;
    for (int r = 0; r < 2; r++) {
        e->has_stats[r] =
            rpl_pipeline_channel_stats(live->pipeline, (rpl_store_role)r, &e->stats[r]);
    }
    e->has_cross = rpl_pipeline_cross_stats(live->pipeline, &e->cross);
    snprintf(e->reason, sizeof e->reason, "%s", reason);
    e->failed = reason[0] != '\0';
    push(live, e);
    pthread_join(live->store_thread, NULL);
    if (status == RPL_OK) {
        status = live->store_status;
        snprintf(why, why_size, "%s", live->store_why);
    } else {
        snprintf(why, why_size, "%s", reason);
    }
    return status;
}

void rpl_live_destroy(rpl_live *live)
{
    if (live == NULL) {
        return;
    }
    if (!live->finished && live->threads_started) {
        char why[16];
        rpl_live_finish(live, "abandoned", why, sizeof why);
    }
    event *e = live->q_head;
    while (e != NULL) {
        event *next = e->next;
        event_free(e);
        e = next;
    }
    rpl_store_close(live->store);
    rpl_pipeline_destroy(live->pipeline);
    rpl_ring_destroy(live->ring);
    free(live->chunk);
    free(live->points);
    free(live->alert_ids);
    free(live->call_id);
    free(live->channel_map);
    free(live->agent);
    free(live->customer);
    free(live->source_file);
    free(live->model_version);
    event_free(live->finish_event);
    pthread_mutex_destroy(&live->q_lock);
    pthread_cond_destroy(&live->q_cond);
    pthread_mutex_destroy(&live->s_lock);
    free(live);
}
