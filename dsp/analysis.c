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
 * to 0.6 (tests/cli/analyze_gain.sh).
 *
 * Line tones are not speech. Call-progress tones (ITU-T E.180 and its Supplement 2, the
 * national tone plans: ringback 440+480 Hz or 425 Hz or 400+450 Hz, busy 480+620 Hz, dial
 * 350+440 Hz or 425 Hz, special information tones 913.8/1370.6/1776.7 Hz of 274-380 ms),
 * DTMF digits (ITU-T Q.23: one of 697-941 Hz plus one of 1209-1633 Hz; Q.24: at least 40 ms,
 * twist within about -8..+4 dB), a recording beep (1400 Hz) and a fax or modem answer tone
 * (2100 Hz, ITU-T V.25) carry energy above the noise floor, and the pitch tracker often
 * calls them voiced; counted as speech they open dead air and overtalk and feed the
 * filled-pause detector. Each frame that is speech when its decisions are in is transformed
 * once (the spectrum is kept in a ring for the second stage, bit-identical to transforming it
 * there); the tone check transforms a frame that is not speech, or not decided yet, only when
 * a candidate tone's run reaches it. Two kinds of line tone, each a run of frames:
 * - single: at least tone_share (97 %) of the 300-3400 Hz power lies within +-TONE_LOBE bins
 *   (the Hann main lobe: a sinusoid anywhere between bins keeps > 99.9 % of its power there)
 *   of the strongest bin and of the strongest bin outside that lobe (bins where the two lobes
 *   overlap counted once, so that 440+480 Hz beating inside one lobe still counts), and the
 *   strongest bin stays within +-1 bin for TONE_MIN_FRAMES (300 ms: ringback, busy, dial,
 *   beep, fax, the 380 ms SIT segments). Telephone speech is often that concentrated (a back
 *   vowel whose third harmonic dominates after the 300 Hz high-pass: 13 % of the speech frames
 *   of the sample calls and of 60 telephone-band RAVDESS and EmoDB files), but not for long:
 *   the longest such run measured there was 24 frames.
 * - dual: the same 97 % in two lobes whose strongest bins lie in DTMF's low group (697-941 Hz,
 *   bins 21-31) and high group (1209-1633 Hz, bins 38-53), the weaker with >= 10 % of the band
 *   (a twist within 9.5 dB, wider than Q.24's 8 dB), the very same two bins for
 *   TONE_DUAL_FRAMES (40 ms, Q.24's shortest digit). Without the group bands a high voice
 *   whose 2nd and 6th harmonics dominate (a RAVDESS actress, F0 297 Hz) passed for a digit.
 * Neither kind has a third peak: no bin more than TONE_LOBE + 1 bins from both lobes may come
 * within tone_third_peak (-32 dB) of the strongest bin. A line tone's third peak is its line
 * noise or codec noise, -40 dB and lower (-41 dB for ringback through mu-law); a clean
 * synthetic vowel with a narrow formant on one harmonic is as concentrated as a tone, but its
 * other harmonics stand at -15 to -30 dB (without this rule, vowels made at 16 and 48 kHz
 * were taken out as tones: bench/features_bench.sh, 33-62 % of pause boundaries found).
 * A steady harmonic sound (a buzz, a square wave, a synthetic vowel at a constant F0) is not
 * taken out: nothing in it tells a machine's buzz from a synthetic voice at a constant F0,
 * and its voice activity is real. Mains hum is unvoiced by the pitch tracker
 * (F0 below 66 Hz), and a sound that lasts becomes the noise floor within the voice-activity
 * detector's memory (5 s; from the first frame when it is there from the start).
 * Speech frames around a tone go with it: up to TONE_EDGE (a 32 ms window straddling its
 * start or end) between the tone and a quiet frame, up to TONE_GAP between two tones (a gap
 * between DTMF digits that the voice-activity detector bridges). A tone frame is not speech,
 * so it neither counts as the call's first speech nor reaches the filled-pause detector, and
 * it is no voice for the voice check of its neighbours; it carries line_sound (a silence while
 * the line carries one is no dead air: include/rappel/cross_party.h). The check looks
 * TONE_LOOK_AHEAD frames ahead of a final frame, which the voice-activity detector's look-ahead and
 * SPEECH_UNVOICED_LEAD already give with the default configuration (the analysis's delay
 * does not grow). Measured: not one frame of `rappel features` nor one row of `rappel cues`
 * changed on the sample calls, 60 telephone-band RAVDESS and EmoDB files and 487 more (132904
 * frames); the cost is 1.5 % of `rappel analyze` (callgrind, call-angry.wav). The check
 * needs the shared spectrum (the default configuration); without it, there is none. */
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
    TONE_BIN_LO = 10,          /* 312.5 Hz: first 256-point bin centre >= 300 Hz */
    TONE_BIN_HI = 108,         /* 3375 Hz: last bin centre <= 3400 Hz */
    TONE_LOBE = 2,             /* bins each side of a peak: the Hann main lobe is +-2 bins */
    DTMF_LOW_FIRST = 21,       /* 656 Hz: the bin below 697 Hz (bin 22.3) */
    DTMF_LOW_LAST = 31,        /* 969 Hz: the bin above 941 Hz (bin 30.1) */
    DTMF_HIGH_FIRST = 38,      /* 1188 Hz: the bin below 1209 Hz (bin 38.7) */
    DTMF_HIGH_LAST = 53,       /* 1656 Hz: the bin above 1633 Hz (bin 52.3) */
    TONE_MIN_FRAMES = 30,      /* frames: 300 ms, above speech's longest run (24), below E.180's
                                * tones (not the 274 ms SIT segment) */
    TONE_DUAL_FRAMES = 4,      /* frames: 40 ms, a dual tone with two separate lobes (DTMF) */
    TONE_EDGE = 3,             /* frames: a window straddling a tone's start or end */
    TONE_GAP = 18, /* frames: a gap the VAD bridges (120 ms) and the two edges around it */
    /* frames of look-ahead the tone check needs: a whole run seen from an edge frame, plus
     * the 128 samples of a window after its frame */
    TONE_LOOK_AHEAD = TONE_MIN_FRAMES + TONE_EDGE + 3,
};

static const float tone_share = 0.97f;        /* band power in the two lobes: a tone 20 dB above the
                                               * line noise keeps > 99 % there */
static const float tone_dual_share = 0.1f;    /* each lobe of a dual tone: twist within 9.5 dB */
static const float tone_third_peak = 6.3e-4f; /* -32 dB: a third peak this close to the strongest
                                               * bin is a harmonic (see the top of the file) */

/* One frame's spectral peaks, for the tone check (bin -1: no spectrum or not tonal). */
typedef struct tone_peaks {
    int64_t frame;    /* the frame whose spectrum the slot holds (-1: none) */
    int16_t bin;      /* strongest bin; -1 not tonal */
    int16_t pair_bin; /* the other lobe of a dual tone with separate lobes, or -1 */
    bool tone;        /* final: the frame was taken out of speech as a tone or its edge */
} tone_peaks;

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
    float *shared_power; /* ring of spectra by frame index (ring_size x bins) */
    size_t shared_bins;
    size_t shared_window;
    tone_peaks *tones;    /* ring of the frames' peaks, by frame index */
    int64_t tones_done;   /* frames whose spectrum and peaks are in */
    int64_t tone_visible; /* frames whose window is complete: the tone check's horizon */
    size_t span;          /* samples kept: the widest window */
    float *buffer;        /* the span of samples around the next frame's centre */
    float *buffer_base;   /* buffer slides along this (span + BUFFER_SLACK hops), moved back to
                           * the start once per BUFFER_SLACK frames instead of every frame */
    size_t buffered;      /* samples in buffer */
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
    int64_t last_tone;   /* latest final frame taken out as a tone (-1: none yet) */
    int64_t last_quiet;  /* latest final frame without speech and not a tone (-1: none yet) */
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
    return max_size(max_size(rpl_pitch_delay_frames(a->pitch), rpl_vad_delay_frames(a->vad)) +
                        SPEECH_UNVOICED_LEAD,
                    TONE_LOOK_AHEAD);
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
    /* ... and the tone check reads spectra up to TONE_MIN_FRAMES before a final frame */
    size_t history = a->span + (first_stage_delay(a) + TONE_MIN_FRAMES + 2) * RPL_HOP_SAMPLES +
                     max_size(stage_window, rpl_spectral_window_samples(a->spectral));
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
        a->shared_bins = a->shared_window / 2 + 1;
        a->shared_hann = calloc(a->shared_window, sizeof *a->shared_hann);
        a->shared_power = calloc(a->ring_size * a->shared_bins, sizeof *a->shared_power);
        a->tones = calloc(a->ring_size, sizeof *a->tones);
        if (a->shared_hann == NULL || a->shared_power == NULL || a->tones == NULL ||
            a->shared_bins <= TONE_BIN_HI + TONE_LOBE) {
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
    free(a->tones);
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

/* The cached power spectrum of frame index (valid for frames that were speech when decided). */
static const float *frame_power(const rpl_analysis *a, int64_t index)
{
    return a->shared_power + (size_t)(index % (int64_t)a->ring_size) * a->shared_bins;
}

/* Strongest bin of power[lo, hi) after *best (power best_power), updating both. */
static void strongest_bin(const float *power, size_t lo, size_t hi, size_t *best, float *best_power)
{
    for (size_t k = lo; k < hi; k++) {
        if (power[k] > *best_power) {
            *best_power = power[k];
            *best = k;
        }
    }
}

/* Power of the lobe of +-TONE_LOBE bins around bin k (its part inside the band). */
static float lobe_power(const float *power, size_t k)
{
    size_t lo = k >= TONE_BIN_LO + TONE_LOBE ? k - TONE_LOBE : TONE_BIN_LO;
    size_t hi = k + TONE_LOBE <= TONE_BIN_HI ? k + TONE_LOBE : TONE_BIN_HI;
    float sum = 0.0f;
    for (size_t i = lo; i <= hi; i++) {
        sum += power[i];
    }
    return sum;
}

/* A peak within tone_third_peak of the strongest bin, away from both lobes (and the Hann
 * window's first sidelobe beside each): a third harmonic, which a line tone has not. */
static bool has_third_peak(const float *power, size_t first, size_t second)
{
    float limit = tone_third_peak * power[first];
    for (size_t k = TONE_BIN_LO; k <= TONE_BIN_HI; k++) {
        size_t d1 = k > first ? k - first : first - k;
        size_t d2 = k > second ? k - second : second - k;
        if (d1 > TONE_LOBE + 1 && d2 > TONE_LOBE + 1 && power[k] > limit) {
            return true;
        }
    }
    return false;
}

/* Spectrum of frame index into its ring slot and its tone peaks (see the top of the file). */
static void find_peaks(rpl_analysis *a, int64_t index)
{
    rpl_frame *frame = pending_frame(a, index);
    tone_peaks *t = &a->tones[(size_t)(index % (int64_t)a->ring_size)];
    t->frame = index;
    t->bin = -1;
    t->pair_bin = -1;
    t->tone = false;
    float *power = a->shared_power + (size_t)(index % (int64_t)a->ring_size) * a->shared_bins;
    rpl_fft_power(a->shared_fft, history_window(a, frame, a->shared_window), a->shared_hann,
                  a->shared_window, power);
    float band = 0.0f;
    size_t first = TONE_BIN_LO;
    float first_power = power[TONE_BIN_LO];
    for (size_t k = TONE_BIN_LO; k <= TONE_BIN_HI; k++) {
        band += power[k];
        if (power[k] > first_power) {
            first_power = power[k];
            first = k;
        }
    }
    /* the second lobe: the strongest bin outside the first lobe; where the two lobes overlap
     * (a pair closer than the main lobe, 440 + 480 Hz) its bins are counted once */
    size_t second = first > TONE_BIN_LO + TONE_LOBE ? TONE_BIN_LO : first + TONE_LOBE + 1;
    float second_power = -1.0f;
    strongest_bin(power, TONE_BIN_LO, first - TONE_LOBE, &second, &second_power);
    strongest_bin(power, first + TONE_LOBE + 1, TONE_BIN_HI + 1, &second, &second_power);
    float p1 = lobe_power(power, first);
    float p2 = lobe_power(power, second);
    size_t gap = second > first ? second - first : first - second;
    for (size_t k = gap; k <= 2 * TONE_LOBE; k++) { /* the overlap, inside the band */
        size_t bin = (second > first ? second : first) - TONE_LOBE + (k - gap);
        if (bin >= TONE_BIN_LO && bin <= TONE_BIN_HI) {
            p2 -= power[bin];
        }
    }
    if (!(band > 0.0f) || p1 + p2 < tone_share * band || has_third_peak(power, first, second)) {
        return;
    }
    t->bin = (int16_t)first;
    size_t low = first < second ? first : second;
    size_t high = first < second ? second : first;
    if (low >= DTMF_LOW_FIRST && low <= DTMF_LOW_LAST && high >= DTMF_HIGH_FIRST &&
        high <= DTMF_HIGH_LAST && p2 >= tone_dual_share * band) {
        t->pair_bin = (int16_t)second;
    }
}

/* A newly decided frame: speech frames are transformed now (the spectral features and the
 * filled-pause envelope read the same spectrum later), the others only if the tone check asks. */
static void decided_frame(rpl_analysis *a, int64_t index)
{
    if (pending_frame(a, index)->speech &&
        a->tones[(size_t)(index % (int64_t)a->ring_size)].frame != index) {
        find_peaks(a, index);
    }
}

static const tone_peaks *frame_peaks(rpl_analysis *a, int64_t index)
{
    const tone_peaks *t = &a->tones[(size_t)(index % (int64_t)a->ring_size)];
    if (t->frame != index) {
        find_peaks(a, index);
    }
    return t;
}

static bool same_bin(int16_t x, int16_t y)
{
    return x >= 0 && y >= 0 && x - y <= 1 && y - x <= 1;
}

enum tone_kind { TONE_SINGLE, TONE_DUAL };

/* Frame j continues the tone of frame i. Single: tonal with the same strongest lobe (+-1 bin).
 * Dual: the same pair of separate lobes (the strongest one may swap with the twist). */
static bool same_tone(rpl_analysis *a, const tone_peaks *i, int64_t index_j, enum tone_kind kind)
{
    const tone_peaks *j = frame_peaks(a, index_j);
    switch (kind) {
    case TONE_DUAL: /* the very same bins: a DTMF generator is crystal-controlled (Q.23) */
        return j->bin >= 0 && j->pair_bin >= 0 &&
               ((i->bin == j->bin && i->pair_bin == j->pair_bin) ||
                (i->bin == j->pair_bin && i->pair_bin == j->bin));
    case TONE_SINGLE:
    default:
        return same_bin(i->bin, j->bin);
    }
}

/* Frame index's run of frames of the same kind, among the decided frames, is at least need
 * frames long; a final frame taken out as the same tone continues it (the run before it may
 * have left the ring). */
static bool long_run(rpl_analysis *a, int64_t index, enum tone_kind kind, int64_t need)
{
    const tone_peaks *t = frame_peaks(a, index);
    int64_t first = index;
    int64_t last = index;
    while (last + 1 < a->tone_visible && last + 1 - index < need &&
           same_tone(a, t, last + 1, kind)) {
        last++;
    }
    while (first > index - need && first > a->frames_out && same_tone(a, t, first - 1, kind)) {
        first--;
        if (frame_peaks(a, first)->tone) {
            return true;
        }
    }
    return last - first + 1 >= need;
}

/* Frame index lies in a line tone (see the top of the file). */
static bool in_tone(rpl_analysis *a, int64_t index)
{
    if (a->shared_fft == NULL) {
        return false;
    }
    const tone_peaks *t = frame_peaks(a, index);
    return (t->pair_bin >= 0 && long_run(a, index, TONE_DUAL, TONE_DUAL_FRAMES)) ||
           (t->bin >= 0 && long_run(a, index, TONE_SINGLE, TONE_MIN_FRAMES));
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
        if (frame->speech) {                      /* the models read spectral cues of speech only */
            power = frame_power(a, frame->index); /* transformed by find_peaks */
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

/* A voice (not a tone) among the decided frames up to SPEECH_UNVOICED_LEAD after index. */
static bool voiced_ahead(rpl_analysis *a, int64_t index, int64_t decided)
{
    for (int64_t j = index + 1; j <= index + SPEECH_UNVOICED_LEAD && j < decided; j++) {
        const rpl_frame *ahead = pending_frame(a, j);
        if (rpl_frame_has_voice(ahead) && !(ahead->speech && in_tone(a, j))) {
            return true;
        }
    }
    return false;
}

/* Frame index (speech, not in a tone) goes with a tone: it belongs to a stretch of speech
 * frames that touches a tone and is at most TONE_EDGE frames long (a window straddling the
 * tone's start or end), or lies between two tones and is at most TONE_GAP frames long (the
 * gap between two DTMF digits, bridged by the voice-activity detector). */
static bool tone_edge(rpl_analysis *a, int64_t index, int64_t decided)
{
    /* the final frames before it: speech back to the latest tone or quiet frame */
    bool before = a->last_tone > a->last_quiet;
    int64_t run = index - (before ? a->last_tone : a->last_quiet);
    if ((!before && run > TONE_EDGE) || run > TONE_GAP) {
        return false;
    }
    bool after = false;
    int64_t limit = before ? TONE_GAP : TONE_EDGE;
    for (int64_t j = index + 1; j < decided && run <= limit; j++) {
        if (!pending_frame(a, j)->speech) {
            break;
        }
        if (in_tone(a, j)) {
            after = true;
            break;
        }
        run++;
    }
    return ((before || after) && run <= TONE_EDGE) || (before && after && run <= TONE_GAP);
}

/* The voice check of the frame at final_done (see the top of the file). */
static void check_voice(rpl_analysis *a, rpl_frame *frame, int64_t decided)
{
    if (frame->speech && (in_tone(a, frame->index) || tone_edge(a, frame->index, decided))) {
        a->tones[(size_t)(frame->index % (int64_t)a->ring_size)].tone = true;
        a->last_tone = frame->index;
        frame->line_sound = true;
        frame->speech = false; /* a line tone: neither speech nor a voice */
        return;
    }
    if (rpl_frame_has_voice(frame)) {
        a->last_voiced = frame->index;
    }
    if (frame->speech &&
        !(a->last_voiced >= 0 && frame->index - a->last_voiced <= SPEECH_UNVOICED_TAIL) &&
        !voiced_ahead(a, frame->index, decided)) {
        frame->speech = false;
    }
    if (!frame->speech) {
        a->last_quiet = frame->index;
    }
}

/* Second stage for every frame whose first-stage decisions and voice check are in; then out
 * with every frame that all modules have finished. end: the stream is flushed, every frame's
 * decisions are in and no look-ahead is left. */
static void emit_ready(rpl_analysis *a, const rpl_analysis_sink *sink, bool end)
{
    int64_t decided = a->pitch_done < a->vad_done ? a->pitch_done : a->vad_done;
    if (a->shared_fft != NULL) {
        while (a->tones_done < decided) {
            decided_frame(a, a->tones_done++);
        }
    }
    /* the tone check reads spectra ahead of the decided frames: those with their window in */
    int64_t complete =
        (a->samples_in - (int64_t)(a->shared_window / 2) - RPL_HOP_SAMPLES / 2) / RPL_HOP_SAMPLES;
    a->tone_visible = end ? a->frames_in : (complete < a->frames_in ? complete : a->frames_in);
    int64_t final = end ? decided : decided - SPEECH_UNVOICED_LEAD;
    if (!end && final > a->frames_in - TONE_LOOK_AHEAD) {
        final = a->frames_in - TONE_LOOK_AHEAD;
    }
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
    a->last_tone = -1;
    a->last_quiet = -1;
    a->syllables_done = 0;
    a->filled_done = 0;
    a->frames_out = 0;
    a->tones_done = 0;
    a->tone_visible = 0;
    if (a->tones != NULL) {
        for (size_t i = 0; i < a->ring_size; i++) {
            a->tones[i].frame = -1;
        }
    }
    a->fresh = true;
}
