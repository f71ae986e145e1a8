/* Speaker change across a silence on one channel: see include/rappel/voice_change.h.
 *
 * The test is the simplest form of the F0-statistics speaker-change detectors (e.g. the
 * pitch cue of Lu & Zhang, "Speaker change detection and tracking in real-time news
 * broadcasting analysis", ACM Multimedia 2002): the median F0 in semitones of the voice before
 * a silence against that of the voiced frames after it. Medians, because a run's first frames
 * and a stray octave error pull a mean. Two voices are remembered: the current one and the
 * one heard before the latest change, so that a change back finds its voice's history.
 *
 * Constants, measured on RAVDESS training actors 01-16 only (telephone channel as
 * models/train/train.py telephone(), frames from `rappel features`). Pairs of utterances A, B,
 * "before" the last 200 voiced frames of A, "after" the first N voiced frames of B, 1500 pairs
 * per kind, neutral/calm takes (the emotion of a call's turns changes slowly), |delta| > 6 st:
 *   N = 150: same speaker called a change 1.4 %; other speaker found: mixed gender 91 %, same
 *   gender 6 %. (5 st: 2.7 / 95 / 9 %; 7 st: 0.7 / 87 / 4 %.)
 *   N = 50: 6-7 % / 89 % / 14 %: a phrase's first half second is a poor sample of a voice (some
 *   speakers start phrases an octave-like leap above their usual F0, or the tracker doubles
 *   there), so the test waits for up to 150 voiced frames, or the run's end.
 * On whole calls built from the same actors (24 turns of 1-2 neutral/calm utterances, gaps
 * 0.4-1.0 s, as bench/mono_mix_bench.sh builds them): 6 mixed-gender calls 15-24 exchanges
 * found of 23, 10 one-voice calls 3 false ones in 300 silences (all in one call), 4 same-gender
 * calls 4 in 124 silences (so same-gender mixes are not separated). With N = 50 and 150 frames
 * of history the one-voice calls had 21 false changes (up to 8 in one call).
 * Over all six emotions of the corpus copy the same speaker is called a change 40 % of the time
 * (RAVDESS anger and fear move F0 by 10 st and more): an emotion onset right after a silence
 * looks like a new voice. Spectral balance (alpha, Hammarberg, slope, 800-1500 Hz share; voiced
 * means) did not separate same-gender speakers from one speaker (AUC 0.50-0.55 against 0.55 for F0
 * at N = 50), so it is not used. Held-out actors 17-20 (evaluation only), pairs as above at N =
 * 150: 1.0 % / 89 % / 6 %. min_voiced = 15 (0.15 s) is about one stressed syllable, below which a
 * median says nothing; 200 frames of history (2 s of voicing, a phrase or two) follow a voice's
 * slow drift.
 */
#include "rappel/voice_change.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/select.h"

typedef struct history {
    float *st; /* capacity values, a ring */
    size_t n, next;
} history;

struct rpl_voice_change {
    rpl_voice_change_config cfg;
    int64_t min_gap_frames;
    history voice[2]; /* [cur] the current voice, [!cur] the one before the latest change */
    int cur;
    float *run;      /* decide_voiced: voiced frames after the open silence */
    size_t run_n;    /* in run */
    double *scratch; /* history_voiced: for medians */
    bool seen_speech;
    int64_t gap_frames, gap_first; /* the silence going on (after speech) */
    bool open;                     /* a tested silence waits for its decision */
    rpl_voice_event pending;
    size_t turns;
    size_t decided; /* silences decided, turn exchanges or pauses */
};

rpl_voice_change_config rpl_voice_change_config_default(void)
{
    rpl_voice_change_config cfg = {
        .min_gap_s = 0.2,
        .decide_voiced = 150,
        .min_voiced = 15,
        .history_voiced = 200,
        .threshold_st = 6.0,
    };
    return cfg;
}

rpl_status rpl_voice_change_create(const rpl_voice_change_config *cfg, rpl_voice_change **out)
{
    if (cfg == NULL || out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!(cfg->min_gap_s >= 0.01 && cfg->min_gap_s <= 10.0) || cfg->decide_voiced < 2 ||
        cfg->decide_voiced > 1000 || cfg->min_voiced < 1 || cfg->min_voiced > cfg->decide_voiced ||
        cfg->history_voiced < cfg->decide_voiced || cfg->history_voiced > 10000 ||
        !(cfg->threshold_st > 0.0) || !isfinite(cfg->threshold_st)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_voice_change *v = calloc(1, sizeof *v);
    if (v == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    v->cfg = *cfg;
    v->min_gap_frames = (int64_t)lround(cfg->min_gap_s / 0.01);
    v->voice[0].st = calloc(cfg->history_voiced, sizeof(float));
    v->voice[1].st = calloc(cfg->history_voiced, sizeof(float));
    v->run = calloc(cfg->decide_voiced, sizeof *v->run);
    v->scratch = calloc(cfg->history_voiced, sizeof *v->scratch);
    if (v->voice[0].st == NULL || v->voice[1].st == NULL || v->run == NULL || v->scratch == NULL) {
        rpl_voice_change_destroy(v);
        return RPL_ERR_NO_MEMORY;
    }
    rpl_voice_change_reset(v);
    *out = v;
    return RPL_OK;
}

void rpl_voice_change_destroy(rpl_voice_change *v)
{
    if (v == NULL) {
        return;
    }
    free(v->voice[0].st);
    free(v->voice[1].st);
    free(v->run);
    free(v->scratch);
    free(v);
}

void rpl_voice_change_reset(rpl_voice_change *v)
{
    v->voice[0].n = v->voice[0].next = 0;
    v->voice[1].n = v->voice[1].next = 0;
    v->cur = 0;
    v->run_n = 0;
    v->seen_speech = false;
    v->gap_frames = 0;
    v->gap_first = 0;
    v->open = false;
    v->turns = 0;
    v->decided = 0;
}

size_t rpl_voice_change_turns(const rpl_voice_change *v)
{
    return v->turns;
}

size_t rpl_voice_change_decided(const rpl_voice_change *v)
{
    return v->decided;
}

static void history_add(history *h, size_t capacity, float st)
{
    h->st[h->next] = st;
    h->next = h->next + 1 == capacity ? 0 : h->next + 1;
    h->n += h->n < capacity;
}

/* The median (lower middle for an even count) of x[0..n), which is reordered. */
static double median(double *x, size_t n)
{
    return rpl_select_kth(x, n, (n - 1) / 2);
}

static double median_of(rpl_voice_change *v, const float *st, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v->scratch[i] = (double)st[i];
    }
    return median(v->scratch, n);
}

/* Decide the open silence from the voiced frames after it so far. */
static void decide(rpl_voice_change *v, rpl_voice_event *out)
{
    history *before = &v->voice[v->cur];
    *out = v->pending;
    out->type = RPL_VOICE_SAME;
    out->delta_st = NAN;
    v->decided++;
    if (v->run_n >= v->cfg.min_voiced && before->n >= v->cfg.min_voiced) {
        double after_st = median_of(v, v->run, v->run_n);
        out->delta_st = after_st - median_of(v, before->st, before->n);
        if (fabs(out->delta_st) > v->cfg.threshold_st) {
            out->type = RPL_VOICE_CHANGE;
            v->turns++;
            v->cur = !v->cur;
        }
    }
    history *now = &v->voice[v->cur];
    for (size_t i = 0; i < v->run_n; i++) {
        history_add(now, v->cfg.history_voiced, v->run[i]);
    }
    v->run_n = 0;
    v->open = false;
}

bool rpl_voice_change_process(rpl_voice_change *v, const rpl_frame *frame, rpl_voice_event *out)
{
    if (!frame->speech) {
        if (!v->seen_speech) {
            return false;
        }
        if (v->gap_frames++ == 0) {
            v->gap_first = frame->index;
        }
        if (v->open && v->gap_frames == v->min_gap_frames) {
            decide(v, out); /* the next tested silence begins: decide with what there is */
            return true;
        }
        return false;
    }
    bool event = false;
    if (v->seen_speech && v->gap_frames >= v->min_gap_frames) {
        v->pending = (rpl_voice_event){
            .type = RPL_VOICE_GAP_CLOSED,
            .gap_first = v->gap_first,
            .gap_last = frame->index - 1,
            .gap_s = (double)v->gap_frames * 0.01,
            .delta_st = NAN,
        };
        v->open = true;
        v->run_n = 0;
        *out = v->pending;
        event = true;
    }
    v->seen_speech = true;
    v->gap_frames = 0;
    if (!rpl_frame_has_voice(frame)) {
        return event;
    }
    float st = (float)(12.0 * log2((double)frame->f0_hz / 100.0));
    if (!v->open) {
        history_add(&v->voice[v->cur], v->cfg.history_voiced, st);
        return event;
    }
    v->run[v->run_n++] = st;
    if (v->run_n == v->cfg.decide_voiced) {
        decide(v, out); /* not the GAP_CLOSED frame: decide_voiced >= 2 */
        return true;
    }
    return event;
}

bool rpl_voice_change_flush(rpl_voice_change *v, rpl_voice_event *out)
{
    if (!v->open) {
        return false;
    }
    decide(v, out);
    return true;
}
