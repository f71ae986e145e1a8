/* Voice activity from frame energy against a tracked noise floor.
 *
 * Noise floor: minimum of the frame energies over a sliding window (R. Martin, "Noise power
 * spectral density estimation based on optimal smoothing and minimum statistics", IEEE
 * Trans. Speech Audio Proc. 9(5), 2001, applied to the broadband level). 5 s is longer
 * than any sustained vowel or hummed "mmm" (with 1.5 s the floor climbed onto a held vowel
 * and cut it), and still follows a line whose noise level changes within seconds.
 * Raw decision: hysteresis between enter_db and stay_db above the floor; 9 dB is well clear
 * of the frame-to-frame spread of stationary noise (about 1 dB for a 20 ms window at
 * 8 kHz), 5 dB keeps weak word endings.
 * Smoothing with look-ahead: bursts shorter than min_speech_ms are dropped, gaps shorter
 * than bridge_ms between speech are filled (stop closures are 50-100 ms), and boundaries of
 * longer pauses stay where the energy crossed the thresholds.
 */
#include "rappel/vad.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct rpl_vad {
    rpl_vad_config cfg;
    size_t floor_window; /* frames */
    size_t floor_ahead;  /* frames */
    size_t min_speech;   /* frames */
    size_t bridge;       /* frames */
    size_t ring_size;    /* frames kept: history for the floor plus every look-ahead */
    float *energy;       /* ring of energies, by frame index */
    float *floor_db;     /* ring of floors, by frame index */
    bool *raw;           /* ring of raw decisions, by frame index */
    int64_t *minima;     /* sliding-minimum deque: frame indices of rising energy */
    size_t minima_head;  /* ring position of its first (smallest) entry */
    size_t minima_count;
    int64_t n_pushed;     /* energies entered into the deque */
    int64_t n_in;         /* energies received */
    int64_t n_raw;        /* raw decisions made */
    int64_t n_out;        /* smoothed decisions given out */
    int64_t bridge_until; /* frames before this index are speech (bridged gap) */
    bool raw_state;       /* hysteresis state */
    bool prev_out;        /* previous smoothed decision */
    bool ended;           /* flush started: no more energies */
};

rpl_vad_config rpl_vad_config_default(void)
{
    rpl_vad_config cfg = {
        .frame_ms = 10.0f,
        .floor_window_ms = 5000.0f,
        .floor_ahead_ms = 100.0f,
        .enter_db = 9.0f,
        .stay_db = 5.0f,
        .min_level_db = -80.0f,
        .min_speech_ms = 30.0f,
        .bridge_ms = 120.0f,
    };
    return cfg;
}

static size_t frames_of(float ms, float frame_ms)
{
    return (size_t)lroundf(ms / frame_ms);
}

rpl_status rpl_vad_create(const rpl_vad_config *cfg, rpl_vad **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || !(cfg->frame_ms > 0.0f) || !(cfg->floor_window_ms >= cfg->frame_ms) ||
        !(cfg->floor_ahead_ms >= 0.0f) || !(cfg->stay_db > 0.0f) ||
        !(cfg->enter_db >= cfg->stay_db) || !(cfg->min_speech_ms >= cfg->frame_ms) ||
        !(cfg->bridge_ms >= 0.0f) || !isfinite(cfg->min_level_db) ||
        cfg->floor_window_ms > 60000.0f || cfg->floor_ahead_ms > 10000.0f ||
        cfg->min_speech_ms > 10000.0f || cfg->bridge_ms > 10000.0f) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_vad *vad = calloc(1, sizeof *vad);
    if (vad == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    vad->cfg = *cfg;
    vad->floor_window = frames_of(cfg->floor_window_ms, cfg->frame_ms);
    vad->floor_ahead = frames_of(cfg->floor_ahead_ms, cfg->frame_ms);
    vad->min_speech = frames_of(cfg->min_speech_ms, cfg->frame_ms);
    vad->bridge = frames_of(cfg->bridge_ms, cfg->frame_ms);
    vad->ring_size = vad->floor_window + vad->floor_ahead + vad->bridge + vad->min_speech + 2;
    vad->energy = calloc(vad->ring_size, sizeof *vad->energy);
    vad->floor_db = calloc(vad->ring_size, sizeof *vad->floor_db);
    vad->raw = calloc(vad->ring_size, sizeof *vad->raw);
    vad->minima = calloc(vad->ring_size, sizeof *vad->minima);
    if (vad->energy == NULL || vad->floor_db == NULL || vad->raw == NULL || vad->minima == NULL) {
        rpl_vad_destroy(vad);
        return RPL_ERR_NO_MEMORY;
    }
    *out = vad;
    return RPL_OK;
}

void rpl_vad_destroy(rpl_vad *vad)
{
    if (vad == NULL) {
        return;
    }
    free(vad->energy);
    free(vad->floor_db);
    free(vad->raw);
    free(vad->minima);
    free(vad);
}

size_t rpl_vad_delay_frames(const rpl_vad *vad)
{
    return vad->floor_ahead + vad->bridge + vad->min_speech;
}

static size_t slot(const rpl_vad *vad, int64_t index)
{
    return (size_t)(index % (int64_t)vad->ring_size);
}

/* Sliding minimum over the floor window (a monotonic deque: each energy enters and leaves
 * once, so the 5 s window costs O(1) a frame instead of 500 comparisons). */
static float window_minimum(rpl_vad *vad, int64_t first, int64_t last)
{
    while (vad->n_pushed <= last) {
        float e = vad->energy[slot(vad, vad->n_pushed)];
        while (vad->minima_count > 0) {
            size_t back = (vad->minima_head + vad->minima_count - 1) % vad->ring_size;
            if (vad->energy[slot(vad, vad->minima[back])] < e) {
                break;
            }
            vad->minima_count--;
        }
        vad->minima[(vad->minima_head + vad->minima_count) % vad->ring_size] = vad->n_pushed;
        vad->minima_count++;
        vad->n_pushed++;
    }
    while (vad->minima[vad->minima_head] < first) {
        vad->minima_head = (vad->minima_head + 1) % vad->ring_size;
        vad->minima_count--;
    }
    return vad->energy[slot(vad, vad->minima[vad->minima_head])];
}

/* Raw decision for the next frame, from the energies around it that have arrived. */
static void decide_raw(rpl_vad *vad)
{
    int64_t j = vad->n_raw;
    int64_t first = j - (int64_t)vad->floor_window;
    int64_t last = j + (int64_t)vad->floor_ahead;
    if (first < 0) {
        first = 0;
    }
    if (last > vad->n_in - 1) {
        last = vad->n_in - 1;
    }
    float floor_db = window_minimum(vad, first, last);
    float e = vad->energy[slot(vad, j)];
    float margin = vad->raw_state ? vad->cfg.stay_db : vad->cfg.enter_db;
    vad->raw_state = e > vad->cfg.min_level_db && e > floor_db + margin;
    vad->raw[slot(vad, j)] = vad->raw_state;
    vad->floor_db[slot(vad, j)] = floor_db;
    vad->n_raw++;
}

static bool raw_at(const rpl_vad *vad, int64_t index)
{
    return index >= 0 && index < vad->n_raw && vad->raw[slot(vad, index)];
}

/* A burst of at least min_speech raw speech frames starts at index. */
static bool speech_run_starts(const rpl_vad *vad, int64_t index)
{
    for (size_t k = 0; k < vad->min_speech; k++) {
        if (!raw_at(vad, index + (int64_t)k)) {
            return false;
        }
    }
    return true;
}

/* Smoothed decision for the next output frame; needs raw decisions bridge + min_speech
 * frames ahead of it (or the end of the stream). */
static void decide_smoothed(rpl_vad *vad, rpl_vad_frame *out)
{
    int64_t k = vad->n_out;
    bool speech;
    if (raw_at(vad, k)) {
        speech = (vad->prev_out && raw_at(vad, k - 1)) || speech_run_starts(vad, k);
    } else if (k < vad->bridge_until) {
        speech = true;
    } else {
        speech = false;
        if (vad->prev_out) {
            for (int64_t s = k + 1; s < k + (int64_t)vad->bridge; s++) {
                if (speech_run_starts(vad, s)) {
                    vad->bridge_until = s;
                    speech = true;
                    break;
                }
            }
        }
    }
    vad->prev_out = speech;
    out->speech = speech;
    out->noise_db = vad->floor_db[slot(vad, k)];
    vad->n_out++;
}

static void reset(rpl_vad *vad)
{
    vad->n_in = 0;
    vad->n_raw = 0;
    vad->n_out = 0;
    vad->bridge_until = 0;
    vad->minima_head = 0;
    vad->minima_count = 0;
    vad->n_pushed = 0;
    vad->raw_state = false;
    vad->prev_out = false;
    vad->ended = false;
}

bool rpl_vad_process(rpl_vad *vad, float energy_db, rpl_vad_frame *out)
{
    if (vad->ended) {
        reset(vad);
    }
    vad->energy[slot(vad, vad->n_in)] = energy_db;
    vad->n_in++;
    if (vad->n_in > (int64_t)vad->floor_ahead) {
        decide_raw(vad);
    }
    if (vad->n_raw > (int64_t)(vad->bridge + vad->min_speech)) {
        decide_smoothed(vad, out);
        return true;
    }
    return false;
}

bool rpl_vad_flush(rpl_vad *vad, rpl_vad_frame *out)
{
    vad->ended = true;
    while (vad->n_raw < vad->n_in) {
        decide_raw(vad);
    }
    if (vad->n_out < vad->n_in) {
        decide_smoothed(vad, out);
        return true;
    }
    reset(vad);
    return false;
}

bool rpl_vad_latest(const rpl_vad *vad, rpl_vad_frame *out)
{
    if (vad->ended || vad->n_in == 0) {
        return false;
    }
    float e = vad->energy[slot(vad, vad->n_in - 1)];
    /* before the first raw decision the floor is unknown: the stream's quietest energy so far */
    float floor_db = e;
    if (vad->n_raw > 0) {
        floor_db = vad->floor_db[slot(vad, vad->n_raw - 1)];
    } else {
        for (int64_t i = 0; i < vad->n_in; i++) {
            floor_db = fminf(floor_db, vad->energy[slot(vad, i)]);
        }
    }
    float margin = vad->raw_state ? vad->cfg.stay_db : vad->cfg.enter_db;
    out->speech = e > vad->cfg.min_level_db && e > floor_db + margin;
    out->noise_db = floor_db;
    return true;
}
