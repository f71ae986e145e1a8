/* One channel's analysis: framing, energy, pitch, voice activity, pauses; frames aligned
 * across the modules' different look-aheads.
 *
 * Two stages. The first works on the sample buffer around each new frame (energy, pitch,
 * voice activity). When a frame's pitch and voice decisions are in, it is final for the
 * second stage: the modules that need the final F0 and voicing (syllable nuclei, ...) get the
 * frame and, if they ask, its samples from a history ring; frames leave once every module,
 * lagged or not, has filled its fields. The spectral features and the filled-pause envelope
 * read the same 32 ms Hann-windowed spectrum of a speech frame: it is transformed once here
 * and given to both (bit-identical to each transforming its own).
 *
 * Speech needs a voice. Between the two stages, energy above the noise floor that is neither
 * within SPEECH_UNVOICED_TAIL frames after a voiced frame nor within SPEECH_UNVOICED_LEAD frames
 * before one is not speech: a word's unvoiced onset ("s", "f") or ending ("-ts", a breath out)
 * lasts up to about 150 and 300 ms, while a noise swell (an automatic gain control raising the
 * line noise in a pause, a click, typing) has no voice at all. Without this, a handset's AGC
 * turned the pauses after a turn into speech and moved hesitation and fatigue scores by up
 * to 0.6 (tests/cli/analyze_gain.sh). */
#include "rappel/analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/energy.h"
#include "rappel/fft.h"
#include "rappel/filled_pauses.h"
#include "rappel/spectral.h"
#include "rappel/syllables.h"
#include "rappel/voice_quality.h"

enum {
    ENERGY_WINDOW = 160,       /* 20 ms at 8 kHz: sharp enough for 30 ms pause boundaries */
    BUFFER_SLACK = 32,         /* frames the first-stage buffer slides before it is moved back */
    SPEECH_UNVOICED_TAIL = 30, /* frames: 300 ms */
    SPEECH_UNVOICED_LEAD = 15, /* frames: 150 ms, the look-ahead the speech check adds */
};

struct rpl_analysis {
    rpl_pitch *pitch;
    rpl_vad *vad;
    rpl_pauses *pauses;
    rpl_syllables *syllables;
    rpl_voice_quality *voice_quality;
    rpl_filled_pauses *filled_pauses;
    rpl_spectral *spectral;
    size_t pitch_window; /* samples */
    /* Samples of the stream, for the second stage's windows (which lag the first stage). */
    float *history;
    size_t history_mask; /* capacity - 1, a power of two */
    size_t vq_window, spectral_window, filled_window;
    float *stage_window; /* the largest second-stage window */
    /* One Hann-windowed transform of each speech frame feeds both the spectral features and
     * the filled-pause envelope (same 256-point window at 8 kHz): shared_fft is NULL when
     * their windows differ, and each module then transforms its own. */
    rpl_fft *shared_fft;
    float *shared_hann;
    float *shared_power;
    size_t shared_window;
    size_t span;        /* samples kept: the widest window */
    float *buffer;      /* the span of samples around the next frame's centre */
    float *buffer_base; /* buffer slides along this (span + BUFFER_SLACK hops), moved back to
                         * the start once per BUFFER_SLACK frames instead of every frame */
    size_t buffered;    /* samples in buffer */
    float *energy_window;
    float energy_window_power; /* its sum of squares, constant */
    rpl_frame *pending;        /* ring of frames waiting for their pitch and voice decisions */
    size_t ring_size;
    int64_t samples_in;  /* real samples received in this stream */
    int64_t frames_in;   /* frames whose samples are complete */
    int64_t pitch_done;  /* frames with a pitch decision */
    int64_t vad_done;    /* frames with a voice-activity decision */
    int64_t final_done;  /* frames given to the second stage */
    int64_t last_voiced; /* latest voiced frame given to the second stage (-1: none yet) */
    int64_t syllables_done;
    int64_t filled_done;
    int64_t frames_out; /* frames given to the sink */
    bool fresh;         /* flushed: the next sample starts a new stream */
};

rpl_analysis_config rpl_analysis_config_default(void)
{
    rpl_analysis_config cfg = {
        .pitch = rpl_pitch_config_default(),
        .vad = rpl_vad_config_default(),
        .pauses = rpl_pauses_config_default(),
        .syllables = rpl_syllables_config_default(),
        .voice_quality = rpl_voice_quality_config_default(),
        .spectral = rpl_spectral_config_default(),
        .filled_pauses = rpl_filled_pauses_config_default(),
    };
    return cfg;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* Frames between a frame's samples and its final speech decision (pitch, voice activity and
 * the voice check's look-ahead). */
static size_t first_stage_delay(const rpl_analysis *a)
{
    return max_size(rpl_pitch_delay_frames(a->pitch), rpl_vad_delay_frames(a->vad)) +
           SPEECH_UNVOICED_LEAD;
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
    rpl_syllables_config syllables_cfg = cfg->syllables;
    syllables_cfg.frame_ms = frame_ms;
    if (status == RPL_OK) {
        status = rpl_syllables_create(&syllables_cfg, &a->syllables);
    }
    if (status == RPL_OK) {
        status = rpl_voice_quality_create(&cfg->voice_quality, &a->voice_quality);
    }
    if (status == RPL_OK) {
        status = rpl_spectral_create(&cfg->spectral, &a->spectral);
    }
    rpl_filled_pauses_config filled_cfg = cfg->filled_pauses;
    filled_cfg.frame_ms = frame_ms;
    filled_cfg.sample_rate_hz = RPL_ANALYSIS_RATE_HZ;
    if (status == RPL_OK) {
        status = rpl_filled_pauses_create(&filled_cfg, &a->filled_pauses);
    }
    if (status != RPL_OK) {
        goto fail;
    }
    a->pitch_window = rpl_pitch_window_samples(a->pitch);
    /* Both windows are centred in the span: keep the span's parity equal to each window's. */
    a->span = max_size(a->pitch_window, ENERGY_WINDOW);
    a->span += (a->span - a->pitch_window) % 2;
    a->span += (a->span - ENERGY_WINDOW) % 2;
    a->ring_size = rpl_analysis_delay_frames(a) + 2;
    a->vq_window = rpl_voice_quality_window_samples(a->voice_quality);
    a->spectral_window = rpl_spectral_window_samples(a->spectral);
    a->filled_window = rpl_filled_pauses_window_samples(a->filled_pauses);
    size_t stage_window = max_size(max_size(a->vq_window, a->spectral_window), a->filled_window);
    /* A frame reaches the second stage first_stage_delay frames after its samples came in. */
    size_t history = a->span + (first_stage_delay(a) + 2) * RPL_HOP_SAMPLES + stage_window;
    size_t capacity = 1;
    while (capacity < history) {
        capacity <<= 1;
    }
    a->history_mask = capacity - 1;
    a->history = calloc(capacity, sizeof *a->history);
    a->stage_window = calloc(stage_window, sizeof *a->stage_window);
    a->buffer_base = calloc(a->span + BUFFER_SLACK * RPL_HOP_SAMPLES, sizeof *a->buffer_base);
    a->buffer = a->buffer_base;
    a->energy_window = calloc(ENERGY_WINDOW, sizeof *a->energy_window);
    a->pending = calloc(a->ring_size, sizeof *a->pending);
    if (a->buffer_base == NULL || a->energy_window == NULL || a->pending == NULL ||
        a->history == NULL || a->stage_window == NULL) {
        status = RPL_ERR_NO_MEMORY;
        goto fail;
    }
    rpl_window_hann(a->energy_window, ENERGY_WINDOW);
    a->energy_window_power = rpl_window_power(a->energy_window, ENERGY_WINDOW);
    if (a->spectral_window == a->filled_window &&
        rpl_filled_pauses_fft_size(a->filled_pauses) == a->filled_window &&
        rpl_spectral_power_bins(a->spectral) == a->spectral_window / 2 + 1) {
        a->shared_window = a->spectral_window;
        status = rpl_fft_create(a->shared_window, &a->shared_fft);
        if (status != RPL_OK) {
            goto fail;
        }
        a->shared_hann = calloc(a->shared_window, sizeof *a->shared_hann);
        a->shared_power = calloc(a->shared_window / 2 + 1, sizeof *a->shared_power);
        if (a->shared_hann == NULL || a->shared_power == NULL) {
            status = RPL_ERR_NO_MEMORY;
            goto fail;
        }
        rpl_window_hann(a->shared_hann, a->shared_window);
    }
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
    rpl_syllables_destroy(a->syllables);
    rpl_voice_quality_destroy(a->voice_quality);
    rpl_spectral_destroy(a->spectral);
    rpl_filled_pauses_destroy(a->filled_pauses);
    rpl_fft_destroy(a->shared_fft);
    free(a->shared_hann);
    free(a->shared_power);
    free(a->history);
    free(a->stage_window);
    free(a->buffer_base);
    free(a->energy_window);
    free(a->pending);
    free(a);
}

size_t rpl_analysis_delay_frames(const rpl_analysis *a)
{
    return first_stage_delay(a) + max_size(rpl_syllables_delay_frames(a->syllables),
                                           rpl_filled_pauses_delay_frames(a->filled_pauses));
}

rpl_pause_stats rpl_analysis_pause_stats(const rpl_analysis *a)
{
    return rpl_pauses_stats(a->pauses);
}

static rpl_frame *pending_frame(rpl_analysis *a, int64_t index)
{
    return &a->pending[(size_t)(index % (int64_t)a->ring_size)];
}

static void store_syllables(rpl_analysis *a, const rpl_syllables_frame *s)
{
    rpl_frame *frame = pending_frame(a, a->syllables_done++);
    frame->nucleus = s->nucleus;
    frame->artic_rate_sps = s->articulation_rate_sps;
}

static void store_filled_pause(rpl_analysis *a, const rpl_filled_pause_frame *fp)
{
    rpl_frame *frame = pending_frame(a, a->filled_done++);
    frame->filled_pause = fp->filled_pause;
    frame->filled_pause_conf = fp->confidence;
}

/* n samples of the stream centred on the frame's centre into a->stage_window: zeros before
 * the stream's start and after its end (as the first stage pads them). */
static const float *history_window(rpl_analysis *a, const rpl_frame *frame, size_t n)
{
    int64_t centre = frame->index * RPL_HOP_SAMPLES + RPL_HOP_SAMPLES / 2;
    int64_t first = centre - (int64_t)(n / 2);
    size_t i = 0;
    for (; i < n && first + (int64_t)i < 0; i++) {
        a->stage_window[i] = 0.0f;
    }
    /* the ring's samples in at most two contiguous runs */
    int64_t end = first + (int64_t)n < a->samples_in ? first + (int64_t)n : a->samples_in;
    while (first + (int64_t)i < end) {
        size_t at = (size_t)(first + (int64_t)i) & a->history_mask;
        size_t run = a->history_mask + 1 - at;
        size_t left = (size_t)(end - (first + (int64_t)i));
        run = run < left ? run : left;
        memcpy(a->stage_window + i, a->history + at, run * sizeof *a->history);
        i += run;
    }
    for (; i < n; i++) {
        a->stage_window[i] = 0.0f;
    }
    return a->stage_window;
}

static void store_spectral(rpl_frame *frame, const rpl_spectral_frame *sp)
{
    frame->slope_db_khz = sp->slope_db_khz;
    frame->alpha_db = sp->alpha_ratio_db;
    frame->hammarberg_db = sp->hammarberg_db;
    frame->band_800_1500_db = sp->share_800_1500_db;
    frame->flux = sp->flux;
    frame->loudness_sone = sp->loudness;
}

/* The modules that need the frame's samples and its final F0 and voicing. */
static void second_stage(rpl_analysis *a, rpl_frame *frame)
{
    rpl_voice_quality_frame vq;
    rpl_voice_quality_process(a->voice_quality, history_window(a, frame, a->vq_window), frame, &vq);
    frame->jitter_pct = vq.jitter_pct;
    frame->shimmer_db = vq.shimmer_db;
    frame->hnr_db = vq.hnr_db;
    rpl_spectral_frame sp;
    rpl_filled_pause_frame fp;
    bool fp_ready;
    if (a->shared_fft != NULL) {
        const float *power = NULL;
        if (frame->speech) { /* the models read spectral cues of speech only */
            rpl_fft_power(a->shared_fft, history_window(a, frame, a->shared_window), a->shared_hann,
                          a->shared_window, a->shared_power);
            power = a->shared_power;
            rpl_spectral_process_power(a->spectral, power, frame, &sp);
        } else {
            rpl_spectral_skip(a->spectral, &sp);
        }
        fp_ready = rpl_filled_pauses_process_power(a->filled_pauses, frame, power, &fp);
    } else {
        if (frame->speech) {
            rpl_spectral_process(a->spectral, history_window(a, frame, a->spectral_window), frame,
                                 &sp);
        } else {
            rpl_spectral_skip(a->spectral, &sp);
        }
        fp_ready = rpl_filled_pauses_process(a->filled_pauses, frame,
                                             history_window(a, frame, a->filled_window), &fp);
    }
    store_spectral(frame, &sp);
    if (fp_ready) {
        store_filled_pause(a, &fp);
    }
    rpl_syllables_frame s;
    if (rpl_syllables_process(a->syllables, frame, &s)) {
        store_syllables(a, &s);
    }
}

/* A voiced frame among the decided frames up to SPEECH_UNVOICED_LEAD after index. */
static bool voiced_ahead(rpl_analysis *a, int64_t index, int64_t decided)
{
    for (int64_t j = index + 1; j <= index + SPEECH_UNVOICED_LEAD && j < decided; j++) {
        if (pending_frame(a, j)->voiced) {
            return true;
        }
    }
    return false;
}

/* The voice check of the frame at final_done (see the top of the file). */
static void check_voice(rpl_analysis *a, rpl_frame *frame, int64_t decided)
{
    if (frame->voiced) {
        a->last_voiced = frame->index;
    }
    if (frame->speech &&
        !(a->last_voiced >= 0 && frame->index - a->last_voiced <= SPEECH_UNVOICED_TAIL) &&
        !voiced_ahead(a, frame->index, decided)) {
        frame->speech = false;
    }
}

/* Second stage for every frame whose first-stage decisions and voice check are in; then out
 * with every frame that all modules have finished. end: the stream is flushed, every frame's
 * decisions are in and no look-ahead is left. */
static void emit_ready(rpl_analysis *a, const rpl_analysis_sink *sink, bool end)
{
    int64_t decided = a->pitch_done < a->vad_done ? a->pitch_done : a->vad_done;
    int64_t final = end ? decided : decided - SPEECH_UNVOICED_LEAD;
    while (a->final_done < final) {
        rpl_frame *frame = pending_frame(a, a->final_done++);
        check_voice(a, frame, decided);
        second_stage(a, frame);
    }
    int64_t ready = a->syllables_done < a->filled_done ? a->syllables_done : a->filled_done;
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

/* The provisional record of the newest frame (see on_early in analysis.h). */
static void emit_early(rpl_analysis *a, const rpl_frame *frame, const rpl_analysis_sink *sink)
{
    rpl_frame early = *frame;
    rpl_pitch_frame p;
    if (rpl_pitch_latest(a->pitch, &p)) {
        early.f0_hz = p.voiced ? p.f0_hz : 0.0f;
        early.voiced = p.voiced;
        early.voicing = p.voicing;
    }
    rpl_vad_frame v;
    if (rpl_vad_latest(a->vad, &v)) {
        early.speech = v.speech;
        early.noise_db = v.noise_db;
    }
    sink->on_early(sink->user, &early);
}

/* The buffer holds the span around the next frame's centre: analyse that frame. */
static void analyse_frame(rpl_analysis *a, const rpl_analysis_sink *sink)
{
    int64_t index = a->frames_in++;
    rpl_frame *frame = pending_frame(a, index);
    memset(frame, 0, sizeof *frame);
    frame->artic_rate_sps = NAN;
    frame->filled_pause_conf = NAN;
    frame->jitter_pct = frame->shimmer_db = frame->hnr_db = NAN;
    frame->slope_db_khz = frame->alpha_db = frame->hammarberg_db = NAN;
    frame->band_800_1500_db = frame->flux = frame->loudness_sone = NAN;
    frame->index = index;
    frame->time_s = ((double)index + 0.5) * RPL_HOP_SAMPLES / RPL_ANALYSIS_RATE_HZ;
    frame->energy_db = rpl_energy_db_power(a->buffer + (a->span - ENERGY_WINDOW) / 2,
                                           a->energy_window, ENERGY_WINDOW, a->energy_window_power);
    rpl_pitch_frame p;
    if (rpl_pitch_process(a->pitch, a->buffer + (a->span - a->pitch_window) / 2, &p)) {
        store_pitch(a, &p);
    }
    rpl_vad_frame v;
    if (rpl_vad_process(a->vad, frame->energy_db, &v)) {
        store_vad(a, &v);
    }
    if (sink != NULL && sink->on_early != NULL) {
        emit_early(a, frame, sink);
    }
    emit_ready(a, sink, false);
    if ((size_t)(a->buffer - a->buffer_base) + RPL_HOP_SAMPLES <= BUFFER_SLACK * RPL_HOP_SAMPLES) {
        a->buffer += RPL_HOP_SAMPLES;
    } else {
        memmove(a->buffer_base, a->buffer + RPL_HOP_SAMPLES,
                (a->span - RPL_HOP_SAMPLES) * sizeof(float));
        a->buffer = a->buffer_base;
    }
    a->buffered -= RPL_HOP_SAMPLES;
}

void rpl_analysis_process(rpl_analysis *a, const float *samples, size_t n,
                          const rpl_analysis_sink *sink)
{
    if (a->fresh && n > 0) {
        /* kept after flush so that their statistics can be read */
        rpl_pauses_reset(a->pauses);
        rpl_voice_quality_reset(a->voice_quality);
        rpl_spectral_reset(a->spectral);
        a->fresh = false;
    }
    while (n > 0) {
        size_t take = a->span - a->buffered;
        take = take < n ? take : n;
        memcpy(a->buffer + a->buffered, samples, take * sizeof *samples);
        /* into the history ring: at most two contiguous runs (take <= span < capacity) */
        size_t at = (size_t)a->samples_in & a->history_mask;
        size_t run = a->history_mask + 1 - at;
        run = run < take ? run : take;
        memcpy(a->history + at, samples, run * sizeof *samples);
        memcpy(a->history, samples + run, (take - run) * sizeof *samples);
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
    /* the last frames' windows are padded with silence: no provisional records for them */
    rpl_analysis_sink final_only = {0};
    if (sink != NULL) {
        final_only = *sink;
        final_only.on_early = NULL;
    }
    int64_t frames_total = (a->samples_in + RPL_HOP_SAMPLES - 1) / RPL_HOP_SAMPLES;
    while (a->frames_in < frames_total) {
        memset(a->buffer + a->buffered, 0, (a->span - a->buffered) * sizeof(float));
        a->buffered = a->span;
        analyse_frame(a, &final_only);
    }
    rpl_pitch_frame p;
    while (rpl_pitch_flush(a->pitch, &p)) {
        store_pitch(a, &p);
    }
    rpl_vad_frame v;
    while (rpl_vad_flush(a->vad, &v)) {
        store_vad(a, &v);
    }
    emit_ready(a, sink, true);
    rpl_syllables_frame s;
    while (rpl_syllables_flush(a->syllables, &s)) {
        store_syllables(a, &s);
    }
    rpl_filled_pause_frame fp;
    while (rpl_filled_pauses_flush(a->filled_pauses, &fp)) {
        store_filled_pause(a, &fp);
    }
    emit_ready(a, sink, true);
    /* New stream: history before its first sample is silence. */
    a->buffered = a->span / 2 - RPL_HOP_SAMPLES / 2;
    a->buffer = a->buffer_base;
    memset(a->buffer, 0, a->span * sizeof(float));
    a->samples_in = 0;
    a->frames_in = 0;
    a->pitch_done = 0;
    a->vad_done = 0;
    a->final_done = 0;
    a->last_voiced = -1;
    a->syllables_done = 0;
    a->filled_done = 0;
    a->frames_out = 0;
    a->fresh = true;
}
