/* One channel's analysis: framing, energy, pitch, voice activity, pauses; frames aligned
 * across the modules' different look-aheads. */
#include "rappel/analysis.h"

#include <stdlib.h>
#include <string.h>

#include "rappel/energy.h"

enum { ENERGY_WINDOW = 160 }; /* 20 ms at 8 kHz: sharp enough for 30 ms pause boundaries */

struct rpl_analysis {
    rpl_pitch *pitch;
    rpl_vad *vad;
    rpl_pauses *pauses;
    size_t pitch_window; /* samples */
    size_t span;         /* samples kept: the widest window */
    float *buffer;       /* the span of samples around the next frame's centre */
    size_t buffered;     /* samples in buffer */
    float *energy_window;
    rpl_frame *pending; /* ring of frames waiting for their pitch and voice decisions */
    size_t ring_size;
    int64_t samples_in; /* real samples received in this stream */
    int64_t frames_in;  /* frames whose samples are complete */
    int64_t pitch_done; /* frames with a pitch decision */
    int64_t vad_done;   /* frames with a voice-activity decision */
    int64_t frames_out; /* frames given to the sink */
    bool fresh;         /* flushed: the next sample starts a new stream */
};

rpl_analysis_config rpl_analysis_config_default(void)
{
    rpl_analysis_config cfg = {
        .pitch = rpl_pitch_config_default(),
        .vad = rpl_vad_config_default(),
        .pauses = rpl_pauses_config_default(),
    };
    return cfg;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

rpl_status rpl_analysis_create(const rpl_analysis_config *cfg, rpl_analysis **out)
{
    if (out == NULL || cfg == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    rpl_analysis *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    const float frame_ms = 1000.0f * RPL_HOP_SAMPLES / RPL_ANALYSIS_RATE_HZ;
    rpl_pitch_config pitch_cfg = cfg->pitch;
    pitch_cfg.sample_rate_hz = RPL_ANALYSIS_RATE_HZ;
    pitch_cfg.hop_samples = RPL_HOP_SAMPLES;
    rpl_vad_config vad_cfg = cfg->vad;
    vad_cfg.frame_ms = frame_ms;
    rpl_pauses_config pauses_cfg = cfg->pauses;
    pauses_cfg.frame_ms = frame_ms;

    rpl_status status = rpl_pitch_create(&pitch_cfg, &a->pitch);
    if (status == RPL_OK) {
        status = rpl_vad_create(&vad_cfg, &a->vad);
    }
    if (status == RPL_OK) {
        status = rpl_pauses_create(&pauses_cfg, &a->pauses);
    }
    if (status != RPL_OK) {
        goto fail;
    }
    a->pitch_window = rpl_pitch_window_samples(a->pitch);
    /* Both windows are centred in the span: keep the span's parity equal to each window's. */
    a->span = max_size(a->pitch_window, ENERGY_WINDOW);
    a->span += (a->span - a->pitch_window) % 2;
    a->span += (a->span - ENERGY_WINDOW) % 2;
    a->ring_size = max_size(rpl_pitch_delay_frames(a->pitch), rpl_vad_delay_frames(a->vad)) + 2;
    a->buffer = calloc(a->span, sizeof *a->buffer);
    a->energy_window = calloc(ENERGY_WINDOW, sizeof *a->energy_window);
    a->pending = calloc(a->ring_size, sizeof *a->pending);
    if (a->buffer == NULL || a->energy_window == NULL || a->pending == NULL) {
        status = RPL_ERR_NO_MEMORY;
        goto fail;
    }
    rpl_window_hann(a->energy_window, ENERGY_WINDOW);
    rpl_analysis_flush(a, NULL);
    *out = a;
    return RPL_OK;
fail:
    rpl_analysis_destroy(a);
    return status;
}

void rpl_analysis_destroy(rpl_analysis *a)
{
    if (a == NULL) {
        return;
    }
    rpl_pitch_destroy(a->pitch);
    rpl_vad_destroy(a->vad);
    rpl_pauses_destroy(a->pauses);
    free(a->buffer);
    free(a->energy_window);
    free(a->pending);
    free(a);
}

size_t rpl_analysis_delay_frames(const rpl_analysis *a)
{
    return max_size(rpl_pitch_delay_frames(a->pitch), rpl_vad_delay_frames(a->vad));
}

rpl_pause_stats rpl_analysis_pause_stats(const rpl_analysis *a)
{
    return rpl_pauses_stats(a->pauses);
}

static rpl_frame *pending_frame(rpl_analysis *a, int64_t index)
{
    return &a->pending[(size_t)(index % (int64_t)a->ring_size)];
}

static void emit_ready(rpl_analysis *a, const rpl_analysis_sink *sink)
{
    int64_t ready = a->pitch_done < a->vad_done ? a->pitch_done : a->vad_done;
    while (a->frames_out < ready) {
        const rpl_frame *frame = pending_frame(a, a->frames_out);
        rpl_pause pause;
        if (rpl_pauses_process(a->pauses, frame->speech, &pause) && sink != NULL &&
            sink->on_pause != NULL) {
            sink->on_pause(sink->user, &pause);
        }
        if (sink != NULL && sink->on_frame != NULL) {
            sink->on_frame(sink->user, frame);
        }
        a->frames_out++;
    }
}

static void store_pitch(rpl_analysis *a, const rpl_pitch_frame *p)
{
    rpl_frame *frame = pending_frame(a, a->pitch_done++);
    frame->f0_hz = p->voiced ? p->f0_hz : 0.0f;
    frame->voiced = p->voiced;
    frame->voicing = p->voicing;
}

static void store_vad(rpl_analysis *a, const rpl_vad_frame *v)
{
    rpl_frame *frame = pending_frame(a, a->vad_done++);
    frame->speech = v->speech;
    frame->noise_db = v->noise_db;
}

/* The buffer holds the span around the next frame's centre: analyse that frame. */
static void analyse_frame(rpl_analysis *a, const rpl_analysis_sink *sink)
{
    int64_t index = a->frames_in++;
    rpl_frame *frame = pending_frame(a, index);
    memset(frame, 0, sizeof *frame);
    frame->index = index;
    frame->time_s = ((double)index + 0.5) * RPL_HOP_SAMPLES / RPL_ANALYSIS_RATE_HZ;
    frame->energy_db =
        rpl_energy_db(a->buffer + (a->span - ENERGY_WINDOW) / 2, a->energy_window, ENERGY_WINDOW);
    rpl_pitch_frame p;
    if (rpl_pitch_process(a->pitch, a->buffer + (a->span - a->pitch_window) / 2, &p)) {
        store_pitch(a, &p);
    }
    rpl_vad_frame v;
    if (rpl_vad_process(a->vad, frame->energy_db, &v)) {
        store_vad(a, &v);
    }
    emit_ready(a, sink);
    memmove(a->buffer, a->buffer + RPL_HOP_SAMPLES, (a->span - RPL_HOP_SAMPLES) * sizeof(float));
    a->buffered -= RPL_HOP_SAMPLES;
}

void rpl_analysis_process(rpl_analysis *a, const float *samples, size_t n,
                          const rpl_analysis_sink *sink)
{
    if (a->fresh && n > 0) {
        rpl_pauses_reset(a->pauses); /* kept after flush so that its statistics can be read */
        a->fresh = false;
    }
    while (n > 0) {
        size_t take = a->span - a->buffered;
        take = take < n ? take : n;
        memcpy(a->buffer + a->buffered, samples, take * sizeof *samples);
        a->buffered += take;
        a->samples_in += (int64_t)take;
        samples += take;
        n -= take;
        if (a->buffered == a->span) {
            analyse_frame(a, sink);
        }
    }
}

void rpl_analysis_flush(rpl_analysis *a, const rpl_analysis_sink *sink)
{
    int64_t frames_total = (a->samples_in + RPL_HOP_SAMPLES - 1) / RPL_HOP_SAMPLES;
    while (a->frames_in < frames_total) {
        memset(a->buffer + a->buffered, 0, (a->span - a->buffered) * sizeof(float));
        a->buffered = a->span;
        analyse_frame(a, sink);
    }
    rpl_pitch_frame p;
    while (rpl_pitch_flush(a->pitch, &p)) {
        store_pitch(a, &p);
    }
    rpl_vad_frame v;
    while (rpl_vad_flush(a->vad, &v)) {
        store_vad(a, &v);
    }
    emit_ready(a, sink);
    /* New stream: history before its first sample is silence. */
    a->buffered = a->span / 2 - RPL_HOP_SAMPLES / 2;
    memset(a->buffer, 0, a->span * sizeof(float));
    a->samples_in = 0;
    a->frames_in = 0;
    a->pitch_done = 0;
    a->vad_done = 0;
    a->frames_out = 0;
    a->fresh = true;
}
