/* One party's cue window and speaker baseline: see include/rappel/cues.h.
 *
 * Window statistics are medians and percentiles (robust to a stray octave error or a cough),
 * found with Wirth's selection (include/rappel/select.h; N. Wirth, Algorithms + Data Structures =
 * Programs, 1976) so that nothing allocates or sorts a whole array per step. In the stepping path
 * (rpl_cue_window_process) the percentiles come instead from sorted copies of the window's
 * values, updated at each step by one merge of the 50 frames that came in and the 50 that left
 * (O(window) per step, no selection): the k-th smallest of a set is the same value whichever
 * way it is found, so the cues are bit for bit those of the selection. Values are sorted by a
 * key that orders their bits totally (-0 before +0, NaN at the ends); the one case where that
 * order and the selection's `<` may disagree -- a window holding NaN, or both -0 and +0 --
 * falls back to the selection. F0 in semitones is likewise computed once per frame, when the
 * frame comes in, not at every step that sees it.
 *
 * The baseline keeps histograms of the speaker's F0 (0.25 st bins) and speech level (0.5 dB
 * bins) for robust medians, and weighted means of the window cues whose usual value differs
 * from speaker to speaker (F0 range, spectral balance and flux, HNR, articulation rate, pause
 * time). Until establish_speech_s of speech has been heard every frame counts equally and the
 * baseline includes the current window, so relative cues start near 0 and the models rest on the
 * gain-invariant absolute cues; afterwards old evidence fades with a memory of
 * adapt_speech_s seconds of speech, and only while the caller says the party is not alerting.
 */
#include "rappel/cues.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/select.h"

static const rpl_cue_info cue_table[RPL_CUE_COUNT] = {
#define RPL_CUE_INFO(id, name, unit, meaning) {name, unit, meaning},
    RPL_CUE_LIST(RPL_CUE_INFO)
#undef RPL_CUE_INFO
};

const rpl_cue_info *rpl_cue_info_get(size_t i)
{
    return i < RPL_CUE_COUNT ? &cue_table[i] : NULL;
}

int rpl_cue_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < RPL_CUE_COUNT; i++) {
        if (strcmp(cue_table[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

enum {
    F0_BINS = 240,    /* -30..+30 st re 100 Hz (25..575 Hz) in 0.25 st */
    LEVEL_BINS = 200, /* -100..0 dBFS in 0.5 dB */
};
#define F0_BIN_ST 0.25
#define F0_LOW_ST (-30.0)
#define LEVEL_BIN_DB 0.5
#define LEVEL_LOW_DB (-100.0)
#define FRAME_S 0.01
/* Windows with less speech than this say little about the speaker's usual range or rate. */
#define MIN_WINDOW_SPEECH_S 1.0

/* Cues whose usual value the baseline tracks as a weighted mean of window values. */
static const rpl_cue_id tracked_cues[] = {
    RPL_CUE_F0_RANGE_ST,  RPL_CUE_ALPHA_DB,         RPL_CUE_HAMMARBERG_DB,
    RPL_CUE_SLOPE_DB_KHZ, RPL_CUE_BAND_800_1500_DB, RPL_CUE_FLUX,
    RPL_CUE_HNR_DB,       RPL_CUE_ARTIC_RATE_SPS,   RPL_CUE_PAUSE_S};
enum { TRACKED = sizeof tracked_cues / sizeof tracked_cues[0] };

/* The window percentiles the stepping path keeps sorted. */
typedef enum sorted_stat {
    SORTED_F0_ST,      /* voiced frames: F0, semitones re 100 Hz */
    SORTED_HAMMARBERG, /* voiced frames, finite values: Hammarberg index */
    SORTED_ALPHA,      /* voiced frames, finite values: alpha ratio */
    SORTED_SLOPE,      /* voiced frames, finite values: spectral slope */
    SORTED_LEVEL,      /* speech frames: energy_db (not filtered: may hold NaN) */
    SORTED_COUNT
} sorted_stat;

/* One statistic's values over the window, as order keys (see key_of), ascending. Frames given
 * since the last step wait in in[]; values of frames that left the window wait in out[]. */
typedef struct sorted_set {
    uint64_t *keys;  /* capacity, the first n sorted */
    uint64_t *spare; /* capacity: the next step's keys are merged here, then swapped */
    size_t n;
    uint64_t in[RPL_CUES_STEP_FRAMES];
    uint64_t out[RPL_CUES_STEP_FRAMES];
    size_t n_in, n_out;
    size_t nan, neg_zero, pos_zero; /* members that are NaN, -0, +0 (including in[] and out[]'s
                                       changes: the counts are the window's) */
} sorted_set;

typedef struct baseline {
    double f0_hist[F0_BINS];
    double level_hist[LEVEL_BINS];
    double sum[TRACKED], weight[TRACKED];
} baseline;

struct rpl_cue_window {
    rpl_cues_config cfg;
    size_t capacity; /* frames in the window */
    rpl_frame *ring;
    bool *other_ring; /* the other party speaking, per frame of ring */
    bool *turn_ring;  /* marked as a turn exchange (rpl_cue_window_mark_turn), per frame */
    size_t count;     /* frames held, <= capacity */
    size_t next;      /* ring slot of the next frame */
    size_t since_step;
    double speech_total_s;
    double *scratch;      /* capacity values for percentiles */
    baseline base;        /* established and adapted evidence */
    baseline pending;     /* this step's frames, merged at the step */
    bool pending_adapt;   /* every frame of this step allowed adaptation */
    rpl_cues last;        /* the latest step's cues */
    rpl_frame *peek_ring; /* capacity: the window as rpl_cue_window_peek sees it */
    bool *peek_other;
    bool *peek_turn;
    double *st_ring; /* per slot of ring: F0 in semitones of a voiced frame, else 0 */
    sorted_set sorted[SORTED_COUNT];
};

rpl_cues_config rpl_cues_config_default(void)
{
    rpl_cues_config cfg = {
        .window_s = 3.0,
        .establish_speech_s = 8.0,
        .adapt_speech_s = 120.0,
        .min_pause_s = 0.2,
        .part_pause_s = 0.8,
        .full_pause_s = 1.5,
        .max_pause_s = 3.0,
    };
    return cfg;
}

rpl_status rpl_cue_window_create(const rpl_cues_config *cfg, rpl_cue_window **out)
{
    if (cfg == NULL || out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!(cfg->window_s >= 0.5 && cfg->window_s <= 60.0) || !(cfg->establish_speech_s >= 0.0) ||
        !(cfg->adapt_speech_s > 0.0) || !(cfg->min_pause_s > 0.0) ||
        !(cfg->part_pause_s >= cfg->min_pause_s) || !(cfg->full_pause_s >= cfg->part_pause_s) ||
        !(cfg->max_pause_s >= cfg->min_pause_s)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_cue_window *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    w->cfg = *cfg;
    w->capacity = (size_t)lround(cfg->window_s / FRAME_S);
    w->ring = calloc(w->capacity, sizeof *w->ring);
    w->other_ring = calloc(w->capacity, sizeof *w->other_ring);
    w->turn_ring = calloc(w->capacity, sizeof *w->turn_ring);
    w->peek_turn = calloc(w->capacity, sizeof *w->peek_turn);
    w->scratch = calloc(w->capacity, sizeof *w->scratch);
    w->peek_ring = calloc(w->capacity, sizeof *w->peek_ring);
    w->peek_other = calloc(w->capacity, sizeof *w->peek_other);
    w->st_ring = calloc(w->capacity, sizeof *w->st_ring);
    bool sorted_ok = true;
    for (size_t i = 0; i < SORTED_COUNT; i++) {
        w->sorted[i].keys = calloc(w->capacity, sizeof *w->sorted[i].keys);
        w->sorted[i].spare = calloc(w->capacity, sizeof *w->sorted[i].spare);
        sorted_ok = sorted_ok && w->sorted[i].keys != NULL && w->sorted[i].spare != NULL;
    }
    if (w->ring == NULL || w->other_ring == NULL || w->turn_ring == NULL || w->peek_turn == NULL ||
        w->scratch == NULL || w->peek_ring == NULL || w->peek_other == NULL || w->st_ring == NULL ||
        !sorted_ok) {
        rpl_cue_window_destroy(w);
        return RPL_ERR_NO_MEMORY;
    }
    /* A frame must not come and leave between two steps (the merge removes only what the
     * previous steps added): window_s >= 0.5 s makes capacity >= RPL_CUES_STEP_FRAMES. */
    _Static_assert(RPL_CUES_STEP_FRAMES <= 50, "window_s >= 0.5 s must hold a step");
    rpl_cue_window_reset(w);
    *out = w;
    return RPL_OK;
}

void rpl_cue_window_destroy(rpl_cue_window *w)
{
    if (w == NULL) {
        return;
    }
    free(w->ring);
    free(w->other_ring);
    free(w->turn_ring);
    free(w->peek_turn);
    free(w->scratch);
    free(w->peek_ring);
    free(w->peek_other);
    free(w->st_ring);
    for (size_t i = 0; i < SORTED_COUNT; i++) {
        free(w->sorted[i].keys);
        free(w->sorted[i].spare);
    }
    free(w);
}

void rpl_cue_window_reset(rpl_cue_window *w)
{
    w->count = 0;
    w->next = 0;
    w->since_step = 0;
    w->speech_total_s = 0.0;
    memset(&w->base, 0, sizeof w->base);
    memset(&w->pending, 0, sizeof w->pending);
    w->pending_adapt = true;
    memset(&w->last, 0, sizeof w->last);
    for (size_t i = 0; i < RPL_CUE_COUNT; i++) {
        w->last.value[i] = NAN;
    }
    for (size_t i = 0; i < SORTED_COUNT; i++) {
        sorted_set *s = &w->sorted[i];
        s->n = s->n_in = s->n_out = 0;
        s->nan = s->neg_zero = s->pos_zero = 0;
    }
}

double rpl_cue_window_speech_s(const rpl_cue_window *w)
{
    return w->speech_total_s;
}

/* The p-quantile (0..1) of v[0..n), nearest rank; NAN when n == 0. */
static double quantile(double *v, size_t n, double p)
{
    if (n == 0) {
        return NAN;
    }
    size_t k = (size_t)lround(p * (double)(n - 1));
    return rpl_select_kth(v, n, k);
}

static double semitones(double f0_hz)
{
    return 12.0 * log2(f0_hz / 100.0);
}

/* ---- sorted window values (the stepping path's percentiles) ------------------------------ */

#define KEY_SIGN (UINT64_C(1) << 63)

/* An unsigned key whose order is the total order of x's bits: negatives (more negative first),
 * -0, +0, positives; NaNs at both ends. Between two values that are neither NaN nor zeros of
 * opposite signs it is the order of `<`, and equal keys are equal bits. */
static uint64_t key_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return (b & KEY_SIGN) != 0 ? ~b : b | KEY_SIGN;
}

static double value_of(uint64_t key)
{
    uint64_t b = (key & KEY_SIGN) != 0 ? key & ~KEY_SIGN : ~key;
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* Count x in (dir = +1) or out of (dir = -1) the set's special values. */
static void count_special(sorted_set *s, double x, int dir)
{
    size_t *c = isnan(x) ? &s->nan : x != 0.0 ? NULL : signbit(x) ? &s->neg_zero : &s->pos_zero;
    if (c != NULL) {
        *c = dir > 0 ? *c + 1 : *c - 1;
    }
}

/* x comes in (dir = +1) or leaves (dir = -1) at the next step. */
static void set_change(sorted_set *s, double x, int dir)
{
    if (dir > 0) {
        s->in[s->n_in++] = key_of(x);
    } else {
        s->out[s->n_out++] = key_of(x);
    }
    count_special(s, x, dir);
}

/* Ascending; n <= RPL_CUES_STEP_FRAMES. Shell sort (gaps 13, 4, 1): a few hundred compares. */
static void sort_keys(uint64_t *k, size_t n)
{
    static const size_t gaps[] = {13, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        size_t gap = gaps[g];
        for (size_t i = gap; i < n; i++) {
            uint64_t x = k[i];
            size_t j = i;
            while (j >= gap && k[j - gap] > x) {
                k[j] = k[j - gap];
                j -= gap;
            }
            k[j] = x;
        }
    }
}

/* Apply the step's comings and goings: keys minus out[], merged with in[]. Every key of out[]
 * is in keys (it came in at an earlier step: see rpl_cue_window_create). */
static void set_step(sorted_set *s)
{
    sort_keys(s->in, s->n_in);
    sort_keys(s->out, s->n_out);
    const uint64_t *keys = s->keys;
    uint64_t *dst = s->spare;
    size_t i = 0, a = 0, r = 0, m = 0;
    for (; i < s->n; i++) {
        uint64_t k = keys[i];
        if (r < s->n_out && k == s->out[r]) {
            r++;
            continue;
        }
        while (a < s->n_in && s->in[a] < k) {
            dst[m++] = s->in[a++];
        }
        dst[m++] = k;
    }
    while (a < s->n_in) {
        dst[m++] = s->in[a++];
    }
    s->spare = s->keys;
    s->keys = dst;
    s->n = m;
    s->n_in = 0;
    s->n_out = 0;
}

/* Whether the set's k-th key is the k-th smallest by `<` (what rpl_select_kth finds). */
static bool set_agrees(const sorted_set *s)
{
    return s->nan == 0 && (s->neg_zero == 0 || s->pos_zero == 0);
}

/* The p-quantile of the set, nearest rank, as quantile() has it; NAN when empty. */
static double set_quantile(const sorted_set *s, double p)
{
    if (s->n == 0) {
        return NAN;
    }
    size_t k = (size_t)lround(p * (double)(s->n - 1));
    return value_of(s->keys[k]);
}

/* Ring slot of the i-th frame held, i = 0 the oldest. */
static size_t slot_of(const rpl_cue_window *w, size_t i)
{
    size_t start = (w->next + w->capacity - w->count) % w->capacity;
    return (start + i) % w->capacity;
}

void rpl_cue_window_mark_turn(rpl_cue_window *w, int64_t first_index, int64_t last_index, bool turn)
{
    for (size_t i = 0; i < w->count; i++) {
        size_t slot = slot_of(w, i);
        int64_t index = w->ring[slot].index;
        if (index >= first_index && index <= last_index) {
            w->turn_ring[slot] = turn;
        }
    }
}

static bool is_voiced(const rpl_frame *f)
{
    return f->speech && rpl_frame_has_voice(f);
}

/* The frame's values into (dir = +1) or out of (dir = -1) the sorted sets, with the same
 * membership as the selection path's: st is its F0 in semitones when voiced. */
static void sorted_change(rpl_cue_window *w, const rpl_frame *f, double st, int dir)
{
    if (is_voiced(f)) {
        set_change(&w->sorted[SORTED_F0_ST], st, dir);
        if (isfinite(f->hammarberg_db)) {
            set_change(&w->sorted[SORTED_HAMMARBERG], (double)f->hammarberg_db, dir);
        }
        if (isfinite(f->alpha_db)) {
            set_change(&w->sorted[SORTED_ALPHA], (double)f->alpha_db, dir);
        }
        if (isfinite(f->slope_db_khz)) {
            set_change(&w->sorted[SORTED_SLOPE], (double)f->slope_db_khz, dir);
        }
    }
    if (f->speech) {
        set_change(&w->sorted[SORTED_LEVEL], (double)f->energy_db, dir);
    }
}

/* A running mean that ignores what is not finite. */
typedef struct mean_acc {
    double sum;
    size_t n;
} mean_acc;

static void mean_add(mean_acc *m, float v)
{
    if (isfinite(v)) {
        m->sum += (double)v;
        m->n++;
    }
}

static double mean_get(const mean_acc *m)
{
    return m->n > 0 ? m->sum / (double)m->n : (double)NAN;
}

/* The p-quantile of the float field at byte offset field of the window's voiced frames (finite
 * values only), NAN when there is none. */
static double voiced_quantile(rpl_cue_window *w, size_t field, double p)
{
    size_t n = 0;
    size_t slot = slot_of(w, 0);
    for (size_t i = 0; i < w->count; i++, slot = slot + 1 == w->capacity ? 0 : slot + 1) {
        const rpl_frame *f = &w->ring[slot];
        float x;
        memcpy(&x, (const char *)f + field, sizeof x);
        if (is_voiced(f) && isfinite(x)) {
            w->scratch[n++] = (double)x;
        }
    }
    return quantile(w->scratch, n, p);
}

/* How much a silent pause of len seconds counts: nothing up to part_pause_s, rising linearly
 * to in full at full_pause_s. Pause lengths fall in three groups (Campione & Veronis 2002, read
 * and spontaneous speech): brief ones under 0.2 s (joins, stop closures), medium ones up to
 * about 1 s, which is how long people pause between the sentences and phrases of a fluent turn
 * (median about 0.5 s), and long ones past 1 s, rare in fluent speech: those say the speaker is
 * searching. Measured, a pause left between two sentences reads 0.1-0.6 s longer than it was
 * (a soft onset or ending is not speech), so the ramp starts at 0.8 s and is full at 1.5 s: a
 * turn of sentences with 0.4-1 s between them is not hesitant (bench/model_bench.py, section
 * e: 56 false hesitation alerts an hour with the earlier 0.2-0.4 s ramp, 6 now), and a ramp
 * rather than a hard threshold keeps one 10 ms boundary moved by a line's noise from making
 * the score jump. */
static double pause_weight(const rpl_cues_config *cfg, double len)
{
    if (len >= cfg->full_pause_s || cfg->full_pause_s <= cfg->part_pause_s) {
        return len >= cfg->part_pause_s ? 1.0 : 0.0;
    }
    return len <= cfg->part_pause_s
               ? 0.0
               : (len - cfg->part_pause_s) / (cfg->full_pause_s - cfg->part_pause_s);
}

/* The window's own cues, in one pass over its frames, and the percentiles: from the sorted
 * sets when sorted (the stepping path, whose st_ring holds the voiced frames' semitones), else
 * by selection. */
static void window_absolute(rpl_cue_window *w, rpl_cues *c, bool sorted)
{
    double *v = c->value;
    size_t speech = 0, voiced = 0, nuclei = 0, filled = 0, slope_n = 0;
    size_t run = 0;
    double slope_sum = 0.0, pauses = 0.0, pause_s = 0.0;
    bool seen_speech = false, turn_gap = false, prev_voiced = false;
    double prev_st = 0.0;
    mean_acc alpha = {0}, hammarberg = {0}, tilt = {0}, band = {0}, flux = {0}, hnr = {0},
             jitter = {0}, shimmer = {0};
    size_t slot = slot_of(w, 0);
    for (size_t i = 0; i < w->count; i++, slot = slot + 1 == w->capacity ? 0 : slot + 1) {
        const rpl_frame *f = &w->ring[slot];
        bool is_v = is_voiced(f);
        speech += f->speech;
        voiced += is_v;
        nuclei += f->speech && f->nucleus;
        filled += f->filled_pause;
        double f0_st = !is_v ? 0.0 : sorted ? w->st_ring[slot] : semitones(f->f0_hz);
        if (is_v && prev_voiced) {
            slope_sum += fabs(f0_st - prev_st) / FRAME_S;
            slope_n++;
        }
        prev_voiced = is_v;
        prev_st = f0_st;
        if (is_v) {
            mean_add(&alpha, f->alpha_db);
            mean_add(&hammarberg, f->hammarberg_db);
            mean_add(&tilt, f->slope_db_khz);
            mean_add(&band, f->band_800_1500_db);
            mean_add(&hnr, f->hnr_db);
            mean_add(&jitter, f->jitter_pct);
            mean_add(&shimmer, f->shimmer_db);
        }
        if (f->speech) {
            mean_add(&flux, f->flux);
        }
        /* Silent pauses: runs of non-speech with speech on both sides, inside the window,
         * during which the other party did not speak and that were not marked a turn
         * exchange (then it was the other party's turn). */
        if (!f->speech) {
            run += seen_speech;
            turn_gap = turn_gap || w->other_ring[slot] || w->turn_ring[slot];
            continue;
        }
        double len = (double)run * FRAME_S;
        if (run > 0 && !turn_gap && len >= w->cfg.min_pause_s - 1e-9 &&
            len <= w->cfg.max_pause_s + 1e-9) {
            double weight = pause_weight(&w->cfg, len);
            pauses += weight;
            pause_s += weight * len;
        }
        run = 0;
        turn_gap = false;
        seen_speech = true;
    }
    double speech_s = (double)speech * FRAME_S;
    v[RPL_CUE_SPEECH_S] = speech_s;
    v[RPL_CUE_VOICED_S] = (double)voiced * FRAME_S;
    v[RPL_CUE_FILLED_S] = (double)filled * FRAME_S;
    v[RPL_CUE_ARTIC_RATE_SPS] =
        speech_s >= MIN_WINDOW_SPEECH_S / 2 ? (double)nuclei / speech_s : (double)NAN;
    v[RPL_CUE_F0_SLOPE_ST_S] = slope_n > 0 ? slope_sum / (double)slope_n : (double)NAN;
    v[RPL_CUE_ALPHA_DB] = mean_get(&alpha);
    v[RPL_CUE_HAMMARBERG_DB] = mean_get(&hammarberg);
    v[RPL_CUE_SLOPE_DB_KHZ] = mean_get(&tilt);
    v[RPL_CUE_BAND_800_1500_DB] = mean_get(&band);
    v[RPL_CUE_FLUX] = mean_get(&flux);
    v[RPL_CUE_HNR_DB] = mean_get(&hnr);
    v[RPL_CUE_JITTER_PCT] = mean_get(&jitter);
    v[RPL_CUE_SHIMMER_DB] = mean_get(&shimmer);
    v[RPL_CUE_PAUSE_COUNT] = pauses;
    v[RPL_CUE_PAUSE_S] = pause_s;

    bool agree = sorted;
    for (size_t i = 0; i < SORTED_COUNT && agree; i++) {
        agree = set_agrees(&w->sorted[i]);
    }
    if (agree) {
        const sorted_set *set = w->sorted;
        v[RPL_CUE_F0_MEDIAN_ST] = set_quantile(&set[SORTED_F0_ST], 0.5);
        v[RPL_CUE_F0_RANGE_ST] =
            set_quantile(&set[SORTED_F0_ST], 0.9) - set_quantile(&set[SORTED_F0_ST], 0.1);
        v[RPL_CUE_HAMMARBERG_P10_DB] = set_quantile(&set[SORTED_HAMMARBERG], 0.10);
        v[RPL_CUE_ALPHA_P25_DB] = set_quantile(&set[SORTED_ALPHA], 0.25);
        v[RPL_CUE_SLOPE_P90_DB_KHZ] = set_quantile(&set[SORTED_SLOPE], 0.90);
        double l50 = set_quantile(&set[SORTED_LEVEL], 0.5);
        v[RPL_CUE_LEVEL_DB] = l50;
        v[RPL_CUE_LEVEL_RANGE_DB] =
            set_quantile(&set[SORTED_LEVEL], 0.9) - set_quantile(&set[SORTED_LEVEL], 0.1);
        v[RPL_CUE_LEVEL_PEAK_DB] = set_quantile(&set[SORTED_LEVEL], 0.95) - l50;
        return;
    }

    size_t n = 0;
    slot = slot_of(w, 0);
    for (size_t i = 0; i < w->count; i++, slot = slot + 1 == w->capacity ? 0 : slot + 1) {
        if (is_voiced(&w->ring[slot])) {
            w->scratch[n++] = semitones(w->ring[slot].f0_hz);
        }
    }
    double p10 = quantile(w->scratch, n, 0.1);
    double p90 = quantile(w->scratch, n, 0.9);
    v[RPL_CUE_F0_MEDIAN_ST] = quantile(w->scratch, n, 0.5);
    v[RPL_CUE_F0_RANGE_ST] = p90 - p10;

    /* Vocal effort comes in bursts (the stressed syllables of an angry phrase): the window's
     * most effortful voiced frames, those with the flattest spectrum, tell it better than the
     * mean over every voiced frame. 10th percentile of the Hammarberg index, 25th of the alpha
     * ratio (both fall with effort), 90th of the slope (rises with it): for the Hammarberg index
     * p10 is about the loudest stressed syllables of a 3 s window (30 of its ~300 frames); the
     * alpha ratio and slope are noisier frame by frame and need more frames per estimate (p25,
     * p90). Chosen by leave-speakers-out within RAVDESS (models/README.md). */
    v[RPL_CUE_HAMMARBERG_P10_DB] = voiced_quantile(w, offsetof(rpl_frame, hammarberg_db), 0.10);
    v[RPL_CUE_ALPHA_P25_DB] = voiced_quantile(w, offsetof(rpl_frame, alpha_db), 0.25);
    v[RPL_CUE_SLOPE_P90_DB_KHZ] = voiced_quantile(w, offsetof(rpl_frame, slope_db_khz), 0.90);

    n = 0;
    slot = slot_of(w, 0);
    for (size_t i = 0; i < w->count; i++, slot = slot + 1 == w->capacity ? 0 : slot + 1) {
        if (w->ring[slot].speech) {
            w->scratch[n++] = w->ring[slot].energy_db;
        }
    }
    double l10 = quantile(w->scratch, n, 0.1);
    double l95 = quantile(w->scratch, n, 0.95);
    double l90 = quantile(w->scratch, n, 0.9);
    double l50 = quantile(w->scratch, n, 0.5);
    v[RPL_CUE_LEVEL_DB] = l50;
    v[RPL_CUE_LEVEL_RANGE_DB] = l90 - l10;
    v[RPL_CUE_LEVEL_PEAK_DB] = l95 - l50;
}

static void hist_add(double *hist, size_t bins, double low, double width, double x, double weight)
{
    if (!isfinite(x)) {
        return;
    }
    double pos = (x - low) / width;
    size_t bin = pos <= 0.0 ? 0 : pos >= (double)(bins - 1) ? bins - 1 : (size_t)pos;
    hist[bin] += weight;
}

/* The p-quantile of a histogram (bin centres), NAN when empty. */
static double hist_quantile(const double *hist, size_t bins, double low, double width, double p)
{
    double total = 0.0;
    for (size_t i = 0; i < bins; i++) {
        total += hist[i];
    }
    if (total <= 0.0) {
        return NAN;
    }
    double target = p * total;
    double acc = 0.0;
    for (size_t i = 0; i < bins; i++) {
        acc += hist[i];
        if (acc >= target) {
            return low + ((double)i + 0.5) * width;
        }
    }
    return low + ((double)bins - 0.5) * width;
}

static void baseline_scale(baseline *b, double k)
{
    for (size_t i = 0; i < F0_BINS; i++) {
        b->f0_hist[i] *= k;
    }
    for (size_t i = 0; i < LEVEL_BINS; i++) {
        b->level_hist[i] *= k;
    }
    for (size_t i = 0; i < TRACKED; i++) {
        b->sum[i] *= k;
        b->weight[i] *= k;
    }
}

static void baseline_merge(baseline *into, const baseline *from)
{
    for (size_t i = 0; i < F0_BINS; i++) {
        into->f0_hist[i] += from->f0_hist[i];
    }
    for (size_t i = 0; i < LEVEL_BINS; i++) {
        into->level_hist[i] += from->level_hist[i];
    }
    for (size_t i = 0; i < TRACKED; i++) {
        into->sum[i] += from->sum[i];
        into->weight[i] += from->weight[i];
    }
}

static void baseline_add_window(baseline *b, const rpl_cues *c)
{
    if (!(c->value[RPL_CUE_SPEECH_S] >= MIN_WINDOW_SPEECH_S)) {
        return;
    }
    for (size_t i = 0; i < TRACKED; i++) {
        double x = c->value[tracked_cues[i]];
        if (tracked_cues[i] == RPL_CUE_PAUSE_S) {
            /* kept per second of the speaker's speech: a window that holds the other party's
             * turn, or the start of a stream, holds less of the speaker and so fewer of their
             * pauses, and would make their usual pausing look smaller than it is */
            x = x / c->value[RPL_CUE_SPEECH_S];
        }
        if (isfinite(x)) {
            b->sum[i] += x;
            b->weight[i] += 1.0;
        }
    }
}

/* The baseline as cues of a window holding speech_s seconds of the speaker's speech (the
 * pause time scales with it). */
static void baseline_cues(const baseline *b, double speech_s, rpl_cues *out)
{
    for (size_t i = 0; i < RPL_CUE_COUNT; i++) {
        out->value[i] = NAN;
    }
    out->value[RPL_CUE_F0_MEDIAN_ST] =
        hist_quantile(b->f0_hist, F0_BINS, F0_LOW_ST, F0_BIN_ST, 0.5);
    out->value[RPL_CUE_LEVEL_DB] =
        hist_quantile(b->level_hist, LEVEL_BINS, LEVEL_LOW_DB, LEVEL_BIN_DB, 0.5);
    for (size_t i = 0; i < TRACKED; i++) {
        out->value[tracked_cues[i]] = b->weight[i] > 0.0 ? b->sum[i] / b->weight[i] : (double)NAN;
    }
    out->value[RPL_CUE_PAUSE_S] *= speech_s;
}

void rpl_cue_window_baseline(const rpl_cue_window *w, rpl_cues *out)
{
    memset(out, 0, sizeof *out);
    /* as for a window of the speaker's speech alone (its length less the pauses) */
    rpl_cues usual;
    baseline_cues(&w->base, 1.0, &usual);
    baseline_cues(&w->base, w->cfg.window_s / (1.0 + usual.value[RPL_CUE_PAUSE_S]), out);
    out->baseline_ok = w->speech_total_s >= w->cfg.establish_speech_s;
}

static bool established(const rpl_cue_window *w)
{
    return w->speech_total_s >= w->cfg.establish_speech_s;
}

static void relative_cues(const baseline *b, rpl_cues *c)
{
    rpl_cues base;
    baseline_cues(b, c->value[RPL_CUE_SPEECH_S], &base);
    double *v = c->value;
    const double *u = base.value;
    v[RPL_CUE_F0_REL_ST] = v[RPL_CUE_F0_MEDIAN_ST] - u[RPL_CUE_F0_MEDIAN_ST];
    v[RPL_CUE_F0_RANGE_REL_ST] = v[RPL_CUE_F0_RANGE_ST] - u[RPL_CUE_F0_RANGE_ST];
    v[RPL_CUE_LEVEL_REL_DB] = v[RPL_CUE_LEVEL_DB] - u[RPL_CUE_LEVEL_DB];
    v[RPL_CUE_ALPHA_REL_DB] = v[RPL_CUE_ALPHA_DB] - u[RPL_CUE_ALPHA_DB];
    v[RPL_CUE_HAMMARBERG_REL_DB] = v[RPL_CUE_HAMMARBERG_DB] - u[RPL_CUE_HAMMARBERG_DB];
    v[RPL_CUE_SLOPE_REL_DB_KHZ] = v[RPL_CUE_SLOPE_DB_KHZ] - u[RPL_CUE_SLOPE_DB_KHZ];
    v[RPL_CUE_BAND_800_1500_REL_DB] = v[RPL_CUE_BAND_800_1500_DB] - u[RPL_CUE_BAND_800_1500_DB];
    v[RPL_CUE_FLUX_REL] = v[RPL_CUE_FLUX] - u[RPL_CUE_FLUX];
    v[RPL_CUE_HNR_REL_DB] = v[RPL_CUE_HNR_DB] - u[RPL_CUE_HNR_DB];
    v[RPL_CUE_RATE_REL] = log2(v[RPL_CUE_ARTIC_RATE_SPS] / u[RPL_CUE_ARTIC_RATE_SPS]);
    v[RPL_CUE_PAUSE_REL_S] = v[RPL_CUE_PAUSE_S] - u[RPL_CUE_PAUSE_S];
    v[RPL_CUE_LATENCY_S] = NAN; /* a cross-party cue: the pipeline fills it in */
}

bool rpl_cue_window_process(rpl_cue_window *w, const rpl_frame *frame, bool other_speaking,
                            bool adapt, rpl_cues *out)
{
    if (w->count == w->capacity) {
        sorted_change(w, &w->ring[w->next], w->st_ring[w->next], -1);
    }
    double st = is_voiced(frame) ? semitones(frame->f0_hz) : 0.0;
    sorted_change(w, frame, st, +1);
    w->ring[w->next] = *frame;
    w->st_ring[w->next] = st;
    w->other_ring[w->next] = other_speaking;
    w->turn_ring[w->next] = false;
    w->next = (w->next + 1) % w->capacity;
    if (w->count < w->capacity) {
        w->count++;
    }
    if (frame->speech) {
        w->speech_total_s += FRAME_S;
        if (is_voiced(frame)) {
            hist_add(w->pending.f0_hist, F0_BINS, F0_LOW_ST, F0_BIN_ST, st, 1.0);
        }
        hist_add(w->pending.level_hist, LEVEL_BINS, LEVEL_LOW_DB, LEVEL_BIN_DB, frame->energy_db,
                 1.0);
    }
    w->pending_adapt = w->pending_adapt && adapt;
    if (++w->since_step < RPL_CUES_STEP_FRAMES) {
        return false;
    }
    memset(out, 0, sizeof *out);
    out->t_s = ((double)frame->index + 1.0) * FRAME_S;
    out->window_s = (double)w->count * FRAME_S;
    for (size_t i = 0; i < SORTED_COUNT; i++) {
        set_step(&w->sorted[i]);
    }
    window_absolute(w, out, true);
    rpl_cues_config cfg = w->cfg;
    bool was_established = established(w);
    out->baseline_ok = was_established;
    if (!was_established) {
        /* Establishing: everything so far counts, this step included. */
        baseline_merge(&w->base, &w->pending);
        baseline_add_window(&w->base, out);
    } else if (w->pending_adapt) {
        double step_speech_s = out->value[RPL_CUE_SPEECH_S] * RPL_CUES_STEP_FRAMES /
                               (double)(w->count > 0 ? w->count : 1);
        baseline_scale(&w->base, exp(-step_speech_s / cfg.adapt_speech_s));
        baseline_merge(&w->base, &w->pending);
        baseline_add_window(&w->base, out);
    }
    relative_cues(&w->base, out);
    memset(&w->pending, 0, sizeof w->pending);
    w->pending_adapt = true;
    w->since_step = 0;
    w->last = *out;
    return true;
}

void rpl_cue_window_peek(rpl_cue_window *w, const rpl_frame *recent, const bool *other_speaking,
                         size_t n, rpl_cues *out)
{
    if (n > w->capacity) {
        recent += n - w->capacity;
        other_speaking = other_speaking != NULL ? other_speaking + (n - w->capacity) : NULL;
        n = w->capacity;
    }
    /* the view: the newest frames held that still fit, then the recent ones, oldest first */
    rpl_cue_window view = *w;
    view.ring = w->peek_ring;
    view.other_ring = w->peek_other;
    view.turn_ring = w->peek_turn;
    size_t keep = w->count + n > w->capacity ? w->capacity - n : w->count;
    size_t slot = slot_of(w, w->count - keep);
    for (size_t i = 0; i < keep; i++, slot = slot + 1 == w->capacity ? 0 : slot + 1) {
        view.ring[i] = w->ring[slot];
        view.other_ring[i] = w->other_ring[slot];
        view.turn_ring[i] = w->turn_ring[slot];
    }
    for (size_t i = 0; i < n; i++) {
        view.ring[keep + i] = recent[i];
        view.other_ring[keep + i] = other_speaking != NULL && other_speaking[i];
        view.turn_ring[keep + i] = false;
    }
    view.count = keep + n;
    view.next = view.count % view.capacity;
    memset(out, 0, sizeof *out);
    out->t_s = n > 0 ? ((double)recent[n - 1].index + 1.0) * FRAME_S : w->last.t_s;
    out->window_s = (double)view.count * FRAME_S;
    window_absolute(&view, out, false);
    out->value[RPL_CUE_ARTIC_RATE_SPS] = w->last.value[RPL_CUE_ARTIC_RATE_SPS];
    out->value[RPL_CUE_FILLED_S] = w->last.value[RPL_CUE_FILLED_S];
    out->baseline_ok = established(w);
    relative_cues(&w->base, out);
}
