/* Filled-pause candidates from F0 and spectral stability.
 *
 * M. Goto, K. Itou & S. Hayamizu, "A real-time filled pause detection system for spontaneous
 * speech recognition", Proc. Eurospeech 1999, 227-230: a filled pause is a stretch with a
 * small F0 transition and a small deformation of the spectral envelope. E. Shriberg,
 * "Phonetic consequences of speech disfluency", Proc. ICPhS 1999: filled pauses sit low in
 * the speaker's range with a flat or slowly falling F0, and often next to a silent pause.
 * Here, per frame:
 * - the spectral envelope: 12 mel-spaced triangular bands over 300-3400 Hz (the telephone
 *   band; 12 bands is about one per 250 Hz at the top, coarse enough to smooth over the
 *   harmonics of a 100 Hz voice, fine enough to follow F1 and F2) from a 32 ms Hann window
 *   (two to three pitch periods of a low voice), as dB, then cepstral coefficients c1..c7 of
 *   those dB (the level c0 is left out: getting louder or softer is not formant movement);
 * - its change: RMS over the bands of the change of that smoothed envelope between the frame
 *   and the one 20 ms before, in dB (20 ms rather than 10 so that the overlap of the
 *   windows does not hide slow glides);
 * - F0 in semitones, and the speaker's running median F0 over median_window_ms of voiced
 *   speech (a 0.25-semitone histogram, so the median costs a fixed scan).
 * Every stretch of min_ms (250 ms: a filled pause is rarely shorter, and a stressed vowel of
 * running speech rarely longer) whose frames are all voiced speech is scored: its mean
 * spectral change, the spread of its F0 around a fitted line, that line's slope, and how far
 * its mean F0 is above the speaker's median each give a score of 1 at up to half their
 * configured maximum, falling linearly to 0 at the maximum; the stretch's score is the
 * smallest of the four (every cue must hold). A frame's confidence is the best score of the
 * stretches that contain it. The adjacent silent pause is not used: it is "often", not
 * always, there, and the hesitation model sees the pauses itself.
 */
#include "rappel/filled_pauses.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/energy.h"
#include "rappel/fft.h"

enum {
    BANDS = 12,     /* mel bands over the telephone band */
    CEPS = 7,       /* c1..c7: the envelope, not the harmonics */
    LAG_CHANGE = 2, /* spectral change against the frame 20 ms before */
    MAX_GAP = 12,   /* voicing drop-outs up to 120 ms inside speech are bridged (the voice-
                     * activity bridge): the pitch tracker loses a held vowel now and then */
    F0_BINS = 192,  /* 0.25-semitone bins over 48 semitones above 55 Hz (55..880 Hz) */
};
static const float band_low_hz = 300.0f;
static const float band_high_hz = 3400.0f;
static const float f0_ref_hz = 55.0f;
static const float f0_bin_st = 0.25f;
static const float median_min_s = 1.0f; /* a median from less voiced speech is not trusted */

typedef struct slot {
    float cep[CEPS];
    float change_db;
    float f0_st;
    bool speech;        /* voice activity: the envelope is computed */
    bool voiced_speech; /* voiced, or an unvoiced gap bridged between voiced frames */
    float confidence;
} slot;

struct rpl_filled_pauses {
    rpl_filled_pauses_config cfg;
    size_t window; /* samples */
    size_t nfft;
    rpl_fft *fft;
    float *hann;
    float *power;   /* |X|^2 of the windowed, zero-padded samples, nfft/2+1 bins */
    float *weights; /* BANDS x (nfft/2+1) triangular band weights */
    /* Bins [band_lo, band_hi) hold each band's non-zero weights: summing only those gives the
     * same float sums as the full rows (the other terms are exact zeros). */
    size_t band_lo[BANDS];
    size_t band_hi[BANDS];
    float dct[CEPS][BANDS];
    size_t stretch; /* frames in min_ms */
    size_t ring_size;
    slot *ring;
    size_t median_window; /* frames */
    int16_t *f0_bins;     /* ring over median_window: F0 bin of a voiced speech frame, or -1 */
    uint32_t histogram[F0_BINS];
    uint32_t histogram_count;
    int64_t n_in;   /* frames received, padding included */
    int64_t n_real; /* real frames, once flush began; else INT64_MAX */
    int64_t n_out;
};

rpl_filled_pauses_config rpl_filled_pauses_config_default(void)
{
    rpl_filled_pauses_config cfg = {
        .frame_ms = 10.0f,
        .sample_rate_hz = 8000.0f,
        .min_ms = 250.0f,
        /* Held synthetic vowels read 0.26 dB, synthetic running speech 1.6 dB on average
         * (tests/test_filled_pauses.c); 0.8 keeps a real held vowel's slow drift (up to
         * 0.4 dB scores 1) and rejects a syllable whose formants barely move. Calibrated on
         * synthetic speech only: to be checked on labelled real calls. */
        .max_change_db = 0.8f,
        /* A held vowel's F0 wobbles by jitter and tracker noise, well under 0.5 semitone
         * around its line; intonation inside running speech moves more than 1 semitone in
         * 250 ms. */
        .max_f0_sd_st = 1.0f,
        /* Phrase declination is 1-3 semitones/s; pitch accents 10-20 semitones/s. */
        .max_f0_slope_st_s = 6.0f,
        /* Filled pauses sit at or below the speaker's median (Shriberg 1999); 3 semitones
         * leaves room for a median pulled down by a low-voiced stretch. */
        .max_above_median_st = 3.0f,
        .median_window_ms = 30000.0f,
        .threshold = 0.5f,
    };
    return cfg;
}

static float mel(float hz)
{
    return 1127.0f * logf(1.0f + hz / 700.0f);
}

static void reset(rpl_filled_pauses *fp)
{
    memset(fp->ring, 0, fp->ring_size * sizeof *fp->ring);
    for (size_t i = 0; i < fp->median_window; i++) {
        fp->f0_bins[i] = -1;
    }
    memset(fp->histogram, 0, sizeof fp->histogram);
    fp->histogram_count = 0;
    fp->n_in = 0;
    fp->n_real = INT64_MAX;
    fp->n_out = 0;
}

rpl_status rpl_filled_pauses_create(const rpl_filled_pauses_config *cfg, rpl_filled_pauses **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || !(cfg->frame_ms > 0.0f && cfg->frame_ms <= 100.0f) ||
        !(cfg->sample_rate_hz >= 8000.0f && cfg->sample_rate_hz <= 48000.0f) ||
        !(cfg->min_ms >= 100.0f && cfg->min_ms <= 1000.0f) ||
        !(cfg->max_change_db >= 0.1f && cfg->max_change_db <= 20.0f) ||
        !(cfg->max_f0_sd_st >= 0.05f && cfg->max_f0_sd_st <= 10.0f) ||
        !(cfg->max_f0_slope_st_s >= 0.1f && cfg->max_f0_slope_st_s <= 100.0f) ||
        !(cfg->max_above_median_st >= 0.1f && cfg->max_above_median_st <= 24.0f) ||
        !(cfg->median_window_ms >= 1000.0f && cfg->median_window_ms <= 600000.0f) ||
        !(cfg->threshold >= 0.0f && cfg->threshold <= 1.0f) || cfg->min_ms < 3 * cfg->frame_ms) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_filled_pauses *fp = calloc(1, sizeof *fp);
    if (fp == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    rpl_status status = RPL_ERR_NO_MEMORY;
    fp->cfg = *cfg;
    fp->window = 2 * (size_t)lroundf(0.016f * cfg->sample_rate_hz);
    fp->nfft = 2;
    while (fp->nfft < fp->window) {
        fp->nfft *= 2;
    }
    size_t bins = fp->nfft / 2 + 1;
    fp->stretch = (size_t)lroundf(cfg->min_ms / cfg->frame_ms);
    fp->ring_size = fp->stretch + LAG_CHANGE + MAX_GAP + 2;
    fp->median_window = (size_t)lroundf(cfg->median_window_ms / cfg->frame_ms);
    fp->hann = calloc(fp->window, sizeof *fp->hann);
    fp->power = calloc(bins, sizeof *fp->power);
    fp->weights = calloc(BANDS * bins, sizeof *fp->weights);
    fp->ring = calloc(fp->ring_size, sizeof *fp->ring);
    fp->f0_bins = calloc(fp->median_window, sizeof *fp->f0_bins);
    if (fp->hann == NULL || fp->power == NULL || fp->weights == NULL || fp->ring == NULL ||
        fp->f0_bins == NULL) {
        goto fail;
    }
    status = rpl_fft_create(fp->nfft, &fp->fft);
    if (status != RPL_OK) {
        goto fail;
    }
    rpl_window_hann(fp->hann, fp->window);
    /* Triangular bands, centres equally spaced in mel between the band edges. */
    float m_lo = mel(band_low_hz);
    float m_hi = mel(band_high_hz);
    for (size_t b = 0; b < BANDS; b++) {
        float m0 = m_lo + (m_hi - m_lo) * (float)b / (BANDS + 1);
        float m1 = m_lo + (m_hi - m_lo) * (float)(b + 1) / (BANDS + 1);
        float m2 = m_lo + (m_hi - m_lo) * (float)(b + 2) / (BANDS + 1);
        for (size_t k = 0; k < bins; k++) {
            float m = mel((float)k * cfg->sample_rate_hz / (float)fp->nfft);
            float w = 0.0f;
            if (m > m0 && m <= m1) {
                w = (m - m0) / (m1 - m0);
            } else if (m > m1 && m < m2) {
                w = (m2 - m) / (m2 - m1);
            }
            fp->weights[b * bins + k] = w;
        }
        fp->band_lo[b] = bins;
        fp->band_hi[b] = 0;
        for (size_t k = 0; k < bins; k++) {
            if (fp->weights[b * bins + k] != 0.0f) {
                fp->band_lo[b] = k < fp->band_lo[b] ? k : fp->band_lo[b];
                fp->band_hi[b] = k + 1;
            }
        }
        if (fp->band_hi[b] == 0) {
            fp->band_lo[b] = 0; /* an empty band (not at 8 kHz and up): e stays 0 */
        }
    }
    /* Orthonormal DCT-II rows 1..CEPS: sum of squared coefficients = sum of squared dB. */
    for (size_t c = 0; c < CEPS; c++) {
        for (size_t b = 0; b < BANDS; b++) {
            fp->dct[c][b] = sqrtf(2.0f / BANDS) *
                            cosf(3.14159265f * (float)(c + 1) * ((float)b + 0.5f) / BANDS);
        }
    }
    reset(fp);
    *out = fp;
    return RPL_OK;
fail:
    rpl_filled_pauses_destroy(fp);
    return status;
}

void rpl_filled_pauses_destroy(rpl_filled_pauses *fp)
{
    if (fp == NULL) {
        return;
    }
    rpl_fft_destroy(fp->fft);
    free(fp->hann);
    free(fp->power);
    free(fp->weights);
    free(fp->ring);
    free(fp->f0_bins);
    free(fp);
}

size_t rpl_filled_pauses_window_samples(const rpl_filled_pauses *fp)
{
    return fp->window;
}

size_t rpl_filled_pauses_delay_frames(const rpl_filled_pauses *fp)
{
    return fp->stretch - 1;
}

static slot *slot_at(rpl_filled_pauses *fp, int64_t index)
{
    return &fp->ring[(size_t)(index % (int64_t)fp->ring_size)];
}

/* Level-free cepstrum of the band energies of one power spectrum (nfft/2+1 bins). */
static void envelope(const rpl_filled_pauses *fp, const float *power, float *cep)
{
    size_t bins = fp->nfft / 2 + 1;
    float band_db[BANDS];
    for (size_t b = 0; b < BANDS; b++) {
        const float *w = fp->weights + b * bins;
        float e = 0.0f;
        for (size_t k = fp->band_lo[b]; k < fp->band_hi[b]; k++) {
            e += w[k] * power[k];
        }
        band_db[b] = 10.0f * log10f(e + 1e-10f);
    }
    for (size_t c = 0; c < CEPS; c++) {
        float acc = 0.0f;
        for (size_t b = 0; b < BANDS; b++) {
            acc += fp->dct[c][b] * band_db[b];
        }
        cep[c] = acc;
    }
}

/* The speaker's median F0 in semitones re f0_ref_hz; NAN while too little voiced speech. */
static float median_st(const rpl_filled_pauses *fp)
{
    if ((float)fp->histogram_count * fp->cfg.frame_ms < median_min_s * 1000.0f) {
        return NAN;
    }
    uint32_t half = (fp->histogram_count + 1) / 2;
    uint32_t seen = 0;
    for (size_t b = 0; b < F0_BINS; b++) {
        seen += fp->histogram[b];
        if (seen >= half) {
            return ((float)b + 0.5f) * f0_bin_st;
        }
    }
    return (float)F0_BINS * f0_bin_st;
}

static void track_median(rpl_filled_pauses *fp, int64_t n, const slot *s)
{
    size_t at = (size_t)(n % (int64_t)fp->median_window);
    if (fp->f0_bins[at] >= 0) {
        fp->histogram[fp->f0_bins[at]]--;
        fp->histogram_count--;
        fp->f0_bins[at] = -1;
    }
    if (s->voiced_speech) {
        int bin = (int)(s->f0_st / f0_bin_st);
        bin = bin < 0 ? 0 : (bin >= F0_BINS ? F0_BINS - 1 : bin);
        fp->f0_bins[at] = (int16_t)bin;
        fp->histogram[bin]++;
        fp->histogram_count++;
    }
}

/* 1 up to half of max, 0 from max on, linear between. */
static float cue(float value, float max)
{
    float half = 0.5f * max;
    if (!(value > half)) {
        return value == value ? 1.0f : 0.0f;
    }
    return value >= max ? 0.0f : (max - value) / half;
}

/* Score of the stretch of frames (e - stretch, e]. */
static float score_stretch(rpl_filled_pauses *fp, int64_t e)
{
    const size_t n = fp->stretch;
    if (e + 1 < (int64_t)n) {
        return 0.0f;
    }
    double sum_t = 0.0, sum_f = 0.0, sum_tt = 0.0, sum_tf = 0.0;
    float change = 0.0f;
    size_t n_change = 0;
    /* the stretch's slots in order, walking the ring (no division per slot) */
    const size_t first = (size_t)((e - (int64_t)(n - 1)) % (int64_t)fp->ring_size);
    for (size_t i = 0, at = first; i < n; i++, at = at + 1 == fp->ring_size ? 0 : at + 1) {
        const slot *s = &fp->ring[at];
        if (!s->voiced_speech) {
            return 0.0f;
        }
        double t = (double)i;
        sum_t += t;
        sum_f += (double)s->f0_st;
        sum_tt += t * t;
        sum_tf += t * (double)s->f0_st;
        if (i >= LAG_CHANGE) {
            change += s->change_db;
            n_change++;
        }
    }
    double dn = (double)n;
    double slope = (dn * sum_tf - sum_t * sum_f) / (dn * sum_tt - sum_t * sum_t); /* st/frame */
    double mean_f = sum_f / dn;
    double mean_t = sum_t / dn;
    double resid = 0.0;
    for (size_t i = 0, at = first; i < n; i++, at = at + 1 == fp->ring_size ? 0 : at + 1) {
        const slot *s = &fp->ring[at];
        double r = (double)s->f0_st - (mean_f + slope * ((double)i - mean_t));
        resid += r * r;
    }
    float sd_st = (float)sqrt(resid / dn);
    float slope_st_s = (float)fabs(slope) * 1000.0f / fp->cfg.frame_ms;
    float score = cue(change / (float)n_change, fp->cfg.max_change_db);
    float c = cue(sd_st, fp->cfg.max_f0_sd_st);
    score = c < score ? c : score;
    c = cue(slope_st_s, fp->cfg.max_f0_slope_st_s);
    score = c < score ? c : score;
    float median = median_st(fp);
    if (!isnan(median)) {
        c = cue((float)mean_f - median, fp->cfg.max_above_median_st);
        score = c < score ? c : score;
    }
    return score;
}

/* Frame n is voiced: if 1..MAX_GAP unvoiced speech frames separate it from the previous voiced
 * frame, count them as voiced with F0 interpolated between the two. Those frames are not
 * given out yet (MAX_GAP < stretch). */
static void bridge_gap(rpl_filled_pauses *fp, int64_t n)
{
    int64_t k = 0;
    while (k <= MAX_GAP && n - 1 - k >= 0) {
        const slot *g = slot_at(fp, n - 1 - k);
        if (!g->speech || g->voiced_speech) {
            break;
        }
        k++;
    }
    if (k == 0 || k > MAX_GAP || n - 1 - k < 0) {
        return;
    }
    const slot *left = slot_at(fp, n - 1 - k);
    if (!left->voiced_speech) {
        return;
    }
    const slot *right = slot_at(fp, n);
    for (int64_t j = 1; j <= k; j++) {
        slot *g = slot_at(fp, n - 1 - k + j);
        float u = (float)j / (float)(k + 1);
        g->voiced_speech = true;
        g->f0_st = left->f0_st + u * (right->f0_st - left->f0_st);
    }
}

/* Enter one frame (power NULL: end-of-stream padding, or a frame without speech); decide the
 * frame it completes. */
static bool push(rpl_filled_pauses *fp, const rpl_frame *frame, const float *power,
                 rpl_filled_pause_frame *out)
{
    int64_t n = fp->n_in++;
    slot *s = slot_at(fp, n);
    memset(s, 0, sizeof *s);
    s->speech = power != NULL && frame->speech;
    s->voiced_speech = s->speech && rpl_frame_has_voice(frame) && isfinite(frame->f0_hz);
    if (s->speech) {
        envelope(fp, power, s->cep);
        const slot *before = n >= LAG_CHANGE ? slot_at(fp, n - LAG_CHANGE) : NULL;
        if (before != NULL && before->speech) {
            float d2 = 0.0f;
            for (size_t c = 0; c < CEPS; c++) {
                float d = s->cep[c] - before->cep[c];
                d2 += d * d;
            }
            s->change_db = sqrtf(d2 / BANDS);
        }
    }
    if (s->voiced_speech) {
        s->f0_st = 12.0f * log2f(frame->f0_hz / f0_ref_hz);
        bridge_gap(fp, n);
    }
    if (n < fp->n_real) {
        track_median(fp, n, s);
    }
    float score = score_stretch(fp, n);
    size_t at = (size_t)(n % (int64_t)fp->ring_size);
    for (size_t i = 0; i < fp->stretch && (int64_t)i <= n; i++) {
        slot *t = &fp->ring[at];
        t->confidence = score > t->confidence ? score : t->confidence;
        at = at == 0 ? fp->ring_size - 1 : at - 1;
    }
    int64_t done = n - (int64_t)(fp->stretch - 1);
    if (done < 0 || done >= fp->n_real) {
        return false;
    }
    const slot *d = slot_at(fp, done);
    out->confidence = d->confidence;
    out->filled_pause = d->confidence >= fp->cfg.threshold && d->confidence > 0.0f;
    out->change_db = d->change_db;
    fp->n_out++;
    return true;
}

bool rpl_filled_pauses_process(rpl_filled_pauses *fp, const rpl_frame *frame, const float *window,
                               rpl_filled_pause_frame *out)
{
    const float *power = NULL;
    if (window != NULL && frame->speech) {
        rpl_fft_power(fp->fft, window, fp->hann, fp->window, fp->power);
        power = fp->power;
    }
    return rpl_filled_pauses_process_power(fp, frame, power, out);
}

size_t rpl_filled_pauses_fft_size(const rpl_filled_pauses *fp)
{
    return fp->nfft;
}

bool rpl_filled_pauses_process_power(rpl_filled_pauses *fp, const rpl_frame *frame,
                                     const float *power, rpl_filled_pause_frame *out)
{
    if (fp->n_real != INT64_MAX) {
        reset(fp); /* first frame after a flush: a new stream */
    }
    return push(fp, frame, power, out);
}

bool rpl_filled_pauses_flush(rpl_filled_pauses *fp, rpl_filled_pause_frame *out)
{
    if (fp->n_real == INT64_MAX) {
        fp->n_real = fp->n_in;
    }
    while (fp->n_out < fp->n_real) {
        if (push(fp, NULL, NULL, out)) {
            return true;
        }
    }
    return false;
}
