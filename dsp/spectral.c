/* Spectral balance in the telephone band: slope, alpha ratio, Hammarberg index, 800-1500 Hz
 * share, flux, loudness.
 *
 * References: F. Eyben et al. (2016), "The Geneva Minimalistic Acoustic Parameter Set
 * (GeMAPS)", IEEE Trans. Affective Computing 7(2) (alpha ratio, Hammarberg index, slope),
 * here restricted to 300-3400 Hz because nothing else survives a telephone line;
 * B. Hammarberg et al. (1980), Acta Oto-Laryngologica 90; E. Zwicker & H. Fastl,
 * "Psychoacoustics" (critical bands, specific loudness ~ E^0.23).
 *
 * Constants: 256-point Hann window (32 ms) so that the 31.25 Hz bins resolve the band edges
 * and a 10 ms hop still overlaps 70 %; -110 dBFS silence threshold: 16-bit quantisation noise
 * in the band is near -100 dBFS, so only digital silence falls below it.
 */
#include "rappel/spectral.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/energy.h"
#include "rappel/fft.h"

enum {
    FFT_SIZE = 256,
    BIN_LO = 10,  /* 312.5 Hz: first bin centre >= 300 Hz */
    BIN_HI = 108, /* 3375 Hz: last bin centre <= 3400 Hz */
    BIN_1000 = 32,
    BIN_800 = 26,  /* 812.5 Hz */
    BIN_1500 = 48, /* bins below 1500 Hz: up to 47 (1468.75 Hz) */
    BIN_2000 = 64,
    N_BARK = 14,
};

static const float bark_edges_hz[N_BARK + 1] = {300,  400,  510,  630,  770,  920,  1080, 1270,
                                                1480, 1720, 2000, 2320, 2700, 3150, 3400};
static const float bin_hz = (float)RPL_ANALYSIS_RATE_HZ / FFT_SIZE;

struct rpl_spectral {
    rpl_spectral_config cfg;
    rpl_fft *fft;
    float *window;     /* Hann */
    float *spec;       /* |X|^2 of the windowed frame, FFT_SIZE / 2 + 1 bins */
    float *prev_norm;  /* previous frame's critical-band powers, normalised to sum 1 */
    float *power;      /* band power per bin */
    bool have_prev;    /* prev_norm holds a non-silent frame */
    float power_scale; /* |X|^2 to mean-square power per one-sided bin */
    float inv_e_tq;    /* 1 / band power at the threshold (a -80 dBFS sine) */
    float loud_scale;  /* makes a -60 dBFS sine in one band read 1 */
    size_t bark_lo[N_BARK];
    size_t bark_hi[N_BARK];      /* exclusive */
    float f_centred[BIN_HI + 1]; /* bin frequency minus the band mean, kHz (regression) */
    float f_var_sum;             /* sum of f_centred^2 */
    float silence_power;         /* cfg.silence_db as a mean square */
    double sums[6];
    size_t counts[6];
    size_t frames;
};

rpl_spectral_config rpl_spectral_config_default(void)
{
    rpl_spectral_config cfg = {.silence_db = -110.0f};
    return cfg;
}

/* log2 to about 3e-5 (1e-4 dB): a 5th-order polynomial on the mantissa. */
static float fast_log2(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    float e = (float)((int)((bits >> 23) & 255u) - 127);
    bits = (bits & 0x7FFFFFu) | 0x3F800000u;
    float m;
    memcpy(&m, &bits, sizeof m);
    float p = 0.04342842f;
    p = p * m - 0.40486285f;
    p = p * m + 1.59388642f;
    p = p * m - 3.49246918f;
    p = p * m + 5.0468555f;
    p = p * m - 2.78680639f;
    return e + p;
}

rpl_status rpl_spectral_create(const rpl_spectral_config *cfg, rpl_spectral **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || !(cfg->silence_db >= -200.0f && cfg->silence_db <= 0.0f)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_spectral *sp = calloc(1, sizeof *sp);
    if (sp == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    sp->cfg = *cfg;
    rpl_status status = rpl_fft_create(FFT_SIZE, &sp->fft);
    if (status != RPL_OK) {
        goto fail;
    }
    status = RPL_ERR_NO_MEMORY;
    sp->window = calloc(FFT_SIZE, sizeof *sp->window);
    sp->spec = calloc(FFT_SIZE / 2 + 1, sizeof *sp->spec);
    sp->prev_norm = calloc(N_BARK, sizeof *sp->prev_norm);
    sp->power = calloc(BIN_HI + 1, sizeof *sp->power);
    if (sp->window == NULL || sp->spec == NULL || sp->prev_norm == NULL || sp->power == NULL) {
        goto fail;
    }
    rpl_window_hann(sp->window, FFT_SIZE);
    double w2 = 0.0;
    for (size_t i = 0; i < FFT_SIZE; i++) {
        w2 += (double)sp->window[i] * (double)sp->window[i];
    }
    /* Parseval: mean square of the windowed frame = sum over one-sided bins of 2|X|^2/(N w2). */
    sp->power_scale = (float)(2.0 / (FFT_SIZE * w2));
    for (size_t b = 0; b < N_BARK; b++) {
        sp->bark_lo[b] = (size_t)ceilf(bark_edges_hz[b] / bin_hz);
        sp->bark_hi[b] = (size_t)ceilf(bark_edges_hz[b + 1] / bin_hz);
    }
    sp->bark_hi[N_BARK - 1] = BIN_HI + 1;
    /* Threshold: a -80 dBFS sine (with full scale near 100 dB SPL, the 20 dB SPL threshold of
     * hearing in the 1-3 kHz region); the line's own noise sits near it. */
    const double e_tq = 0.5e-8;
    const double e_ref = 0.5e-6; /* -60 dBFS sine */
    sp->inv_e_tq = (float)(1.0 / e_tq);
    sp->loud_scale = (float)(1.0 / (pow(0.5 + 0.5 * e_ref / e_tq, 0.23) - 1.0));
    const double f_mean = 0.5 * (BIN_LO + BIN_HI) * (double)bin_hz / 1000.0;
    double var = 0.0;
    for (size_t k = BIN_LO; k <= BIN_HI; k++) {
        double fc = (double)k * (double)bin_hz / 1000.0 - f_mean;
        sp->f_centred[k] = (float)fc;
        var += fc * fc;
    }
    sp->f_var_sum = (float)var;
    sp->silence_power = powf(10.0f, 0.1f * cfg->silence_db);
    rpl_spectral_reset(sp);
    *out = sp;
    return RPL_OK;
fail:
    rpl_spectral_destroy(sp);
    return status;
}

void rpl_spectral_destroy(rpl_spectral *sp)
{
    if (sp == NULL) {
        return;
    }
    rpl_fft_destroy(sp->fft);
    free(sp->window);
    free(sp->spec);
    free(sp->prev_norm);
    free(sp->power);
    free(sp);
}

size_t rpl_spectral_window_samples(const rpl_spectral *sp)
{
    (void)sp;
    return FFT_SIZE;
}

void rpl_spectral_reset(rpl_spectral *sp)
{
    sp->have_prev = false;
    memset(sp->sums, 0, sizeof sp->sums);
    memset(sp->counts, 0, sizeof sp->counts);
    sp->frames = 0;
}

static void accumulate(rpl_spectral *sp, const rpl_spectral_frame *f)
{
    const float v[6] = {f->slope_db_khz,      f->alpha_ratio_db, f->hammarberg_db,
                        f->share_800_1500_db, f->flux,           f->loudness};
    for (size_t i = 0; i < 6; i++) {
        if (!isnan(v[i])) {
            sp->sums[i] += (double)v[i];
            sp->counts[i]++;
        }
    }
    sp->frames++;
}

void rpl_spectral_process(rpl_spectral *sp, const float *window, const rpl_frame *frame,
                          rpl_spectral_frame *out)
{
    rpl_fft_power(sp->fft, window, sp->window, FFT_SIZE, sp->spec);
    rpl_spectral_process_power(sp, sp->spec, frame, out);
}

size_t rpl_spectral_power_bins(const rpl_spectral *sp)
{
    (void)sp;
    return FFT_SIZE / 2 + 1;
}

void rpl_spectral_process_power(rpl_spectral *sp, const float *spectrum, const rpl_frame *frame,
                                rpl_spectral_frame *out)
{
    /* Element-wise first (vectorised: the power and its level per bin), then each sum in its
     * own loop in increasing bin order, so every float sum adds the same terms in the same
     * order as one loop over the bins would. */
    float level[BIN_HI + 1];
    for (size_t k = BIN_LO; k <= BIN_HI; k++) {
        const float p = spectrum[k] * sp->power_scale;
        sp->power[k] = p;
        /* 1e-30 keeps exact zeros finite; it is far below any real bin (-110 dBFS band). */
        level[k] = 3.0103f * fast_log2(p + 1e-30f); /* 10 log10 */
    }
    float total = 0.0f;
    float level_f_sum = 0.0f; /* sum of (f - mean f) * level: the regression's numerator */
    for (size_t k = BIN_LO; k <= BIN_HI; k++) {
        total += sp->power[k];
        level_f_sum += level[k] * sp->f_centred[k];
    }
    float low = 0.0f; /* 300-1000 Hz */
    for (size_t k = BIN_LO; k < BIN_1000; k++) {
        low += sp->power[k];
    }
    float mid = 0.0f; /* 800-1500 Hz */
    for (size_t k = BIN_800; k < BIN_1500; k++) {
        mid += sp->power[k];
    }
    /* maxima: exact whatever the order (the powers are >= 0, never NAN for finite input) */
    float max_low = 0.0f;
    for (size_t k = BIN_LO; k < BIN_2000; k++) {
        max_low = sp->power[k] > max_low ? sp->power[k] : max_low;
    }
    float max_high = 0.0f;
    for (size_t k = BIN_2000; k <= BIN_HI; k++) {
        max_high = sp->power[k] > max_high ? sp->power[k] : max_high;
    }
    out->loudness = 0.0f;
    if (!(total > sp->silence_power)) {
        out->slope_db_khz = NAN;
        out->alpha_ratio_db = NAN;
        out->hammarberg_db = NAN;
        out->share_800_1500_db = NAN;
        out->flux = NAN;
        sp->have_prev = false;
    } else {
        out->slope_db_khz = level_f_sum / sp->f_var_sum;
        const float tiny = 1e-30f;
        out->alpha_ratio_db = 10.0f * log10f((low + tiny) / (total - low + tiny));
        out->hammarberg_db = 10.0f * log10f((max_low + tiny) / (max_high + tiny));
        out->share_800_1500_db = 10.0f * log10f((mid + tiny) / total);
        const float inv = 1.0f / total;
        float dist = 0.0f;
        float loud = 0.0f;
        for (size_t b = 0; b < N_BARK; b++) {
            float e = 0.0f;
            for (size_t k = sp->bark_lo[b]; k < sp->bark_hi[b]; k++) {
                e += sp->power[k];
            }
            float q = e * inv;
            dist += fabsf(q - sp->prev_norm[b]);
            sp->prev_norm[b] = q;
            /* Zwicker: N' = c [(0.5 + 0.5 E / E_tq)^0.23 - 1], 0 at the threshold. */
            float rel = 0.5f + 0.5f * e * sp->inv_e_tq;
            if (rel > 1.0f) {
                loud += exp2f(0.23f * fast_log2(rel)) - 1.0f;
            }
        }
        out->flux = sp->have_prev ? 0.5f * dist : NAN;
        sp->have_prev = true;
        out->loudness = sp->loud_scale * loud;
    }
    if (frame != NULL && frame->speech) {
        accumulate(sp, out);
    }
}

rpl_spectral_stats rpl_spectral_stats_get(const rpl_spectral *sp)
{
    float m[6];
    for (size_t i = 0; i < 6; i++) {
        m[i] = sp->counts[i] > 0 ? (float)(sp->sums[i] / (double)sp->counts[i]) : NAN;
    }
    rpl_spectral_stats s = {
        .mean = {.slope_db_khz = m[0],
                 .alpha_ratio_db = m[1],
                 .hammarberg_db = m[2],
                 .share_800_1500_db = m[3],
                 .flux = m[4],
                 .loudness = m[5]},
        .frames = sp->frames,
    };
    return s;
}

void rpl_spectral_skip(rpl_spectral *sp, rpl_spectral_frame *out)
{
    out->slope_db_khz = NAN;
    out->alpha_ratio_db = NAN;
    out->hammarberg_db = NAN;
    out->share_800_1500_db = NAN;
    out->flux = NAN;
    out->loudness = 0.0f;
    sp->have_prev = false;
}
