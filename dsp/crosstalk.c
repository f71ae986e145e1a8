/* Leakage of one party's voice into the other's channel: see include/rappel/crosstalk.h.
 *
 * Why these defaults:
 * - 300 ms delay: echo cancellers are specified for echo paths up to 64-128 ms (ITU-T G.168);
 *   a recorder taking the two legs at different points of the network adds its own offset.
 * - 0.5 semitone: a leaked copy has the source's F0 exactly, give or take the tracker's error
 *   on a signal 20-30 dB down; two independent voices fall within 0.5 st of each other in a
 *   few per cent of their co-voiced frames at any delay (measured on the bundled stereo calls:
 *   at most 7 of 250 co-voiced frames agree at any delay, against 810 of 880 at the echo's own
 *   delay for the agent leaking into the customer channel 20 dB down).
 * - 20 frames and 60 %: a path needs 0.2 s of agreeing voiced frames, most of the co-voiced
 *   frames at that delay. F0 moves slowly, so the delays next to the true one agree too, but
 *   less (75-90 % of it): the best delay is taken.
 * - 6 dB loss: G.168 assumes an echo return loss of at least 6 dB; a copy louder than that is a
 *   mixed recording, not a leak (and two identical channels are detected before, as mono).
 *   It also gives the direction: the louder channel is the source.
 * - 6 dB margin: the level of a leaked frame follows its source within about +-3 dB (the echo
 *   path's response varies from one sound to the next); a party speaking in their own voice
 *   over the leak is 20 dB or more above it.
 */
#include "rappel/crosstalk.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

enum {
    LOSS_BINS = 120, /* 0.5 dB bins of the loss, 0..60 dB */
    ECHO_TAIL = 8,   /* frames: an echo path rings on (room, handset) for tens of ms */
};
#define ECHO_DECAY_DB 3.0 /* per frame of the tail: 300 dB/s, a 0.2 s reverberation time */
#define LOSS_BIN_DB 0.5

struct rpl_crosstalk {
    rpl_crosstalk_config cfg;
    int delays; /* delays looked at: 0..delays-1 frames */
    int ring;   /* source history length: the longest delay, its tail and one frame more */
    float *source_db;
    double *source_st;  /* F0 in semitones (log2 x 12), NAN when unvoiced */
    int64_t frame;      /* frames processed */
    int64_t *covoiced;  /* per delay: target and delayed source both voiced */
    int64_t *matches;   /* per delay: ... with the same F0 */
    int64_t *loss_hist; /* per delay, LOSS_BINS + 1: loss of the matching frames (last: < 0) */
    bool path;
    int path_delay;
    double path_loss_db;
    bool copy; /* the same agreement, but under min_loss_db: the target carries the source's
                  voice at about its level (a mixed recording), not a leak */
    int copy_delay;
};

rpl_crosstalk_config rpl_crosstalk_config_default(void)
{
    return (rpl_crosstalk_config){.frame_ms = 10.0f,
                                  .max_delay_ms = 300.0,
                                  .f0_match_st = 0.5,
                                  .min_matches = 20,
                                  .min_share = 0.6,
                                  .min_loss_db = 6.0,
                                  .margin_db = 6.0};
}

rpl_status rpl_crosstalk_create(const rpl_crosstalk_config *cfg, rpl_crosstalk **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    rpl_crosstalk_config c = cfg != NULL ? *cfg : rpl_crosstalk_config_default();
    if (!(c.frame_ms > 0.0f) || !(c.max_delay_ms >= 0.0) || c.max_delay_ms > 2000.0 ||
        !(c.f0_match_st > 0.0) || c.min_matches < 1 || !(c.min_share > 0.0) || c.min_share > 1.0 ||
        !(c.min_loss_db >= 0.0) || !(c.margin_db >= 0.0)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_crosstalk *x = calloc(1, sizeof *x);
    if (x == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    x->cfg = c;
    x->delays = (int)lround(c.max_delay_ms / (double)c.frame_ms) + 1;
    x->ring = x->delays + ECHO_TAIL + 1;
    x->source_db = calloc((size_t)x->ring, sizeof *x->source_db);
    x->source_st = calloc((size_t)x->ring, sizeof *x->source_st);
    x->covoiced = calloc((size_t)x->delays, sizeof *x->covoiced);
    x->matches = calloc((size_t)x->delays, sizeof *x->matches);
    x->loss_hist = calloc((size_t)x->delays * (LOSS_BINS + 1), sizeof *x->loss_hist);
    if (x->source_db == NULL || x->source_st == NULL || x->covoiced == NULL || x->matches == NULL ||
        x->loss_hist == NULL) {
        rpl_crosstalk_destroy(x);
        return RPL_ERR_NO_MEMORY;
    }
    *out = x;
    return RPL_OK;
}

void rpl_crosstalk_destroy(rpl_crosstalk *x)
{
    if (x == NULL) {
        return;
    }
    free(x->source_db);
    free(x->source_st);
    free(x->covoiced);
    free(x->matches);
    free(x->loss_hist);
    free(x);
}

/* The source frame `delay` frames before the current one (delay < ring). */
static int slot(const rpl_crosstalk *x, int64_t delay)
{
    return (int)((x->frame - delay) % x->ring);
}

static double median_loss(const rpl_crosstalk *x, int d)
{
    const int64_t *h = x->loss_hist + (size_t)d * (LOSS_BINS + 1);
    int64_t half = (x->matches[d] + 1) / 2;
    int64_t seen = h[LOSS_BINS]; /* negative losses: the target is louder */
    if (seen >= half) {
        return -LOSS_BIN_DB;
    }
    for (int b = 0; b < LOSS_BINS; b++) {
        seen += h[b];
        if (seen >= half) {
            return (b + 0.5) * LOSS_BIN_DB;
        }
    }
    return LOSS_BINS * LOSS_BIN_DB;
}

/* The best-agreeing delay, if it makes a path. */
static void update_path(rpl_crosstalk *x)
{
    int best = 0;
    for (int d = 1; d < x->delays; d++) {
        if (x->matches[d] > x->matches[best]) {
            best = d;
        }
    }
    x->path = false;
    x->copy = false;
    if (x->matches[best] < x->cfg.min_matches ||
        (double)x->matches[best] < x->cfg.min_share * (double)x->covoiced[best]) {
        return;
    }
    double loss = median_loss(x, best);
    if (loss < x->cfg.min_loss_db) {
        x->copy = true;
        x->copy_delay = best;
        return;
    }
    x->path = true;
    x->path_delay = best;
    x->path_loss_db = loss;
}

bool rpl_crosstalk_process(rpl_crosstalk *x, const rpl_frame *source, const rpl_frame *target)
{
    int now = slot(x, 0);
    x->source_db[now] = source->energy_db;
    x->source_st[now] =
        rpl_frame_has_voice(source) ? 12.0 * log2((double)source->f0_hz) : (double)NAN;

    /* Count agreements of the target's F0 with the source's at every delay seen so far. */
    bool matched = false;
    if (rpl_frame_has_voice(target)) {
        double st = 12.0 * log2((double)target->f0_hz);
        int64_t reach = x->frame < x->delays - 1 ? x->frame + 1 : x->delays;
        for (int d = 0; d < reach; d++) {
            int s = slot(x, d);
            if (isnan(x->source_st[s])) {
                continue;
            }
            x->covoiced[d]++;
            if (fabs(st - x->source_st[s]) > x->cfg.f0_match_st) {
                continue;
            }
            x->matches[d]++;
            double loss = (double)x->source_db[s] - (double)target->energy_db;
            int bin = loss < 0.0 ? LOSS_BINS : (int)fmin(loss / LOSS_BIN_DB, LOSS_BINS - 1);
            x->loss_hist[(size_t)d * (LOSS_BINS + 1) + (size_t)bin]++;
            matched = true;
        }
    }
    if (matched) {
        update_path(x);
    }

    bool leak = false;
    if (x->path && target->speech && x->frame >= x->path_delay) {
        /* The loudest source frame from one frame after the delay (the echo of a syllable's
         * onset may land a frame early) to ECHO_TAIL frames before it: the path rings on, a
         * little quieter every frame (ECHO_DECAY_DB). */
        double loudest = -INFINITY;
        for (int64_t d = x->path_delay - 1; d <= x->path_delay + ECHO_TAIL; d++) {
            if (d >= 0 && d < x->ring && d <= x->frame) {
                double decay =
                    d > x->path_delay ? ECHO_DECAY_DB * (double)(d - x->path_delay) : 0.0;
                loudest = fmax(loudest, (double)x->source_db[slot(x, d)] - decay);
            }
        }
        leak = (double)target->energy_db <= loudest - x->path_loss_db + x->cfg.margin_db;
    }
    x->frame++;
    return leak;
}

bool rpl_crosstalk_copy(const rpl_crosstalk *x, double *delay_s)
{
    if (x == NULL || !x->copy) {
        return false;
    }
    if (delay_s != NULL) {
        *delay_s = x->copy_delay * (double)x->cfg.frame_ms / 1000.0;
    }
    return true;
}

bool rpl_crosstalk_path(const rpl_crosstalk *x, double *delay_s, double *loss_db)
{
    if (x == NULL || !x->path) {
        return false;
    }
    if (delay_s != NULL) {
        *delay_s = x->path_delay * (double)x->cfg.frame_ms / 1000.0;
    }
    if (loss_db != NULL) {
        *loss_db = x->path_loss_db;
    }
    return true;
}
