/* Formants F1 and F2 of a voiced frame by linear prediction, from the frame's power spectrum.
 *
 * References: J. D. Markel & A. H. Gray, "Linear Prediction of Speech" (Springer, 1976):
 * the order rule and peak picking on the LPC envelope; J. Makhoul (1975), "Linear prediction:
 * a tutorial review", Proc. IEEE 63(4): autocorrelation from the power spectrum (his section
 * on spectral matching, Wiener-Khinchin), the Levinson-Durbin recursion (his eq. 38-40).
 *
 * Steps and constants:
 * - Pre-emphasis in the power domain: bin k times |1 - mu e^{-jw_k}|^2 = 1 + mu^2 - 2 mu cos
 *   w_k, mu = 0.7. The voiced source falls by about 12 dB/octave and the lips give back 6: the
 *   LPC should spend its poles on the formants, not on that tilt. mu = 0.7 lifts 3.4 kHz over
 *   300 Hz by 13 dB without over-boosting the band edge (0.97: 18 dB, and a deeper notch at
 *   the low end that pushes a low F1 up). Measured on band-limited synthetic vowels with a
 *   -6 dB/octave source: an F1 of 300-350 Hz read 10-20 Hz higher with mu = 0.9 than with 0.7
 *   (Python prototype); without pre-emphasis, an F1 of 778 Hz at F0 228 Hz read 642 Hz
 *   instead of 694 Hz (tests/test_formants.c fails).
 * - The whole band, 0-4 kHz, goes into the autocorrelation, as in the prototype. The analysis
 *   signal is already band-limited to 300-3400 Hz (4th-order Butterworth edges); zeroing the
 *   bins outside 250-3400 Hz gave the same F1 and F2 within a few Hz for most synthetic vowels
 *   and a worse F1 for /i/ at F0 220 Hz (+30 Hz), and adds brick-wall edges for the poles to
 *   fit.
 * - r[m] = sum over the 129 bins of c_k P_k cos(2 pi k m / 256) (c_k = 1 at DC and Nyquist, 2
 *   elsewhere): the circular autocorrelation of the Hann-weighted window, whose wrapped-around
 *   part r[256 - m] for m <= 10 multiplies the window's near-zero ends (negligible). A direct
 *   cosine sum, bins k and 128 - k folded together (their cosines differ by (-1)^m): about
 *   1,000 instructions a frame (callgrind), against 2,750 for FFTW's 256-point inverse alone.
 * - Order p = 10 = 2 + fs / 1 kHz (Markel & Gray): one pole pair per kHz for the four
 *   formants below 4 kHz, plus two for the source and radiation shape. r[0] *= 1.0001 (a -40
 *   dB white-noise floor) keeps the recursion stable on the band-limited spectrum's deep
 *   stop bands without moving peaks that stand 20-40 dB above them.
 * - Envelope 1/|A(e^jw)|^2, |A|^2 = rho_0 + 2 sum rho_m cos(m w), rho the coefficients'
 *   autocorrelation: its peaks are the local minima of |A|^2 on a coarse grid (62.5 Hz, 0-3690
 *   Hz; two peaks closer than about 125 Hz would show as one, and an order-10 LPC of a 32 ms
 *   window does not resolve formants that close anyway), each refined on a fine grid (7.8 Hz)
 *   from the coarse parabola's vertex down to the lowest point, then by a parabola through the
 *   log envelope there (within about 1 Hz of the continuous maximum). The -3 dB points are
 *   found on the coarse grid, linearly interpolated (a few Hz against a 500 Hz limit).
 * - A peak is a formant when its frequency lies in 200-3300 Hz and its -3 dB bandwidth is
 *   below 500 Hz (the prototype's rule; vowel formant bandwidths are 40-300 Hz, a wider peak
 *   shapes the spectral tilt or is the LPC fitting noise). The bandwidth is twice the distance
 *   from the peak to its half-power point on the nearer side that reaches it before a valley:
 *   F2 of /a/ (1220 Hz) often sits only 2-3 dB above the valley towards F1 (700 Hz), and a
 *   width measured through that valley would reject it. The rule does not tell noise from a
 *   vowel: on band-limited white or pink noise the LPC envelope has peaks 180-490 Hz wide and
 *   5-20 dB prominent (the 3400 Hz band edge and the 32 ms periodogram's ripple), as narrow
 *   as real formants (95 % of those accepted in samples/call-angry.wav, RAVDESS speech, are
 *   under 320 Hz); a 300 Hz limit still let noise through in every frame and failed synthetic
 *   vowels of tests/test_formants.c. Only voiced frames are given to this module
 *   (dsp/analysis.c).
 * - Limits: at a high F0 the LPC peak leans towards the harmonic nearest the formant (an F1
 *   of 795 Hz at F0 239 Hz read 714 Hz, the third harmonic being 717 Hz); an F1 near the 300
 *   Hz band edge reads high (300 Hz read about 340 Hz). A Gaussian lag window (60 or 100 Hz,
 *   as speech codecs use) made both worse by merging F1 and F2 of /a/.
 */
#include "rappel/formants.h"

#include <math.h>
#include <stdlib.h>

#include "rappel/energy.h"
#include "rappel/features.h"
#include "rappel/fft.h"

enum {
    FFT_SIZE = 256,              /* as rpl_spectral: 32 ms, 31.25 Hz bins */
    BINS = FFT_SIZE / 2 + 1,     /* 129 */
    MAX_ORDER = 15,              /* 2 + fs/1 kHz up to 13 kHz, beyond any use here */
    HALF = FFT_SIZE / 4,         /* bin pairs k, 128 - k folded together (k < 64) */
    FINE = 512,                  /* fine grid intervals over 0..fs/2: 7.8 Hz */
    COARSE_STEP = 8,             /* fine intervals per coarse interval */
    COARSE = FINE / COARSE_STEP, /* coarse grid intervals: 62.5 Hz */
    COARSE_ROW = 60, /* coarse points evaluated: up to 3687.5 Hz, above max_hz (< 3400 Hz on
                      * the line) plus half the widest bandwidth allowed; a multiple of 4 */
};

static const double pi = 3.14159265358979323846;
static const double noise_correction = 1.0001; /* r[0] factor: a -40 dB white-noise floor */

struct rpl_formants {
    rpl_formants_config cfg;

    rpl_fft *fft;
    float *hann;
    float *spec;        /* |X|^2 for rpl_formants_process */
    float *weight;      /* BINS: c_k |1 - mu e^{-jw_k}|^2 (c_k = 1 at DC and Nyquist, else 2) */
    float *basis;       /* (order + 1) x HALF: cos(w_k m) */
    float *cos_coarse;  /* (order + 1) x COARSE_ROW: cos(m w_j), w_j = pi j / COARSE */
    double *cos_fine;   /* cos(pi n / FINE), n <= FINE (Clenshaw's x on the fine grid) */
    double silence_sum; /* r[0] below which the window is silent */
    double half_max_hz; /* max_bandwidth_hz / 2 */
};

rpl_formants_config rpl_formants_config_default(void)
{
    rpl_formants_config cfg = {
        .pre_emphasis = 0.7f,
        .order = 10,
        .min_hz = 200.0f,
        .max_hz = 3300.0f,
        .max_bandwidth_hz = 500.0f,
        .silence_db = -110.0f,
    };
    return cfg;
}

static bool config_valid(const rpl_formants_config *cfg)
{
    const float nyquist = 0.5f * (float)RPL_ANALYSIS_RATE_HZ;
    return cfg->pre_emphasis >= 0.0f && cfg->pre_emphasis <= 0.99f && cfg->order >= 2 &&
           cfg->order <= MAX_ORDER && cfg->min_hz > 0.0f && cfg->min_hz < cfg->max_hz &&
           cfg->max_hz <= 3600.0f && cfg->max_bandwidth_hz > 0.0f &&
           cfg->max_bandwidth_hz <= nyquist && cfg->silence_db >= -200.0f &&
           cfg->silence_db <= 0.0f;
}

rpl_status rpl_formants_create(const rpl_formants_config *cfg, rpl_formants **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || !config_valid(cfg)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_formants *fm = calloc(1, sizeof *fm);
    if (fm == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    fm->cfg = *cfg;
    rpl_status status = rpl_fft_create(FFT_SIZE, &fm->fft);
    if (status != RPL_OK) {
        goto fail;
    }
    status = RPL_ERR_NO_MEMORY;
    const size_t p = cfg->order;

    fm->hann = calloc(FFT_SIZE, sizeof *fm->hann);
    fm->spec = calloc(BINS, sizeof *fm->spec);
    fm->weight = calloc(BINS, sizeof *fm->weight);
    fm->basis = calloc((p + 1) * HALF, sizeof *fm->basis);
    fm->cos_coarse = calloc((p + 1) * COARSE_ROW, sizeof *fm->cos_coarse);
    fm->cos_fine = calloc(FINE + 1, sizeof *fm->cos_fine);
    if (fm->hann == NULL || fm->spec == NULL || fm->weight == NULL || fm->basis == NULL ||
        fm->cos_coarse == NULL || fm->cos_fine == NULL) {
        goto fail;
    }
    rpl_window_hann(fm->hann, FFT_SIZE);
    const double mu = (double)cfg->pre_emphasis;
    for (size_t k = 0; k < BINS; k++) {
        const double w = 2.0 * pi * (double)k / FFT_SIZE;
        const double c = (k == 0 || k == BINS - 1) ? 1.0 : 2.0;
        fm->weight[k] = (float)(c * (1.0 + mu * mu - 2.0 * mu * cos(w)));
    }
    for (size_t m = 0; m <= p; m++) {
        for (size_t k = 0; k < HALF; k++) {
            /* cos(w_k m) from the exact phase (k m mod FFT_SIZE) */
            const double phase = 2.0 * pi * (double)((k * m) % FFT_SIZE) / FFT_SIZE;
            fm->basis[m * HALF + k] = (float)cos(phase);
        }
    }
    for (size_t m = 0; m <= p; m++) {
        for (size_t j = 0; j < COARSE_ROW; j++) {
            const size_t n = (m * j) % (2 * COARSE);
            fm->cos_coarse[m * COARSE_ROW + j] = (float)cos(pi * (double)n / COARSE);
        }
    }
    for (size_t n = 0; n <= FINE; n++) {
        fm->cos_fine[n] = cos(pi * (double)n / FINE);
    }
    double w2 = 0.0;
    for (size_t i = 0; i < FFT_SIZE; i++) {
        w2 += (double)fm->hann[i] * (double)fm->hann[i];
    }
    /* Parseval: r[0] = sum of c_k P_k (pre-emphasised) = FFT_SIZE x the sum of the weighted,
     * pre-emphasised squares = FFT_SIZE w2 x their mean square (dBFS as rpl_spectral: 10 log10
     * of the mean square; pre-emphasis moves it by -9..+4 dB across the band) */
    fm->silence_sum = FFT_SIZE * w2 * pow(10.0, 0.1 * (double)cfg->silence_db);
    fm->half_max_hz = 0.5 * (double)cfg->max_bandwidth_hz;
    *out = fm;
    return RPL_OK;
fail:
    rpl_formants_destroy(fm);
    return status;
}

void rpl_formants_destroy(rpl_formants *fm)
{
    if (fm == NULL) {
        return;
    }
    rpl_fft_destroy(fm->fft);
    free(fm->hann);
    free(fm->spec);
    free(fm->weight);
    free(fm->basis);
    free(fm->cos_coarse);
    free(fm->cos_fine);
    free(fm);
}

size_t rpl_formants_window_samples(const rpl_formants *fm)
{
    (void)fm;
    return FFT_SIZE;
}

size_t rpl_formants_power_bins(const rpl_formants *fm)
{
    (void)fm;
    return BINS;
}

/* Levinson-Durbin (Makhoul 1975, eq. 38-40): a[0..p] of A(z) = 1 + sum a_i z^-i from
 * r[0..p]. False when the recursion breaks down (prediction error not positive). */
static bool levinson(const double *r, size_t p, double *a)
{
    double tmp[MAX_ORDER + 1];
    a[0] = 1.0;
    for (size_t i = 1; i <= p; i++) {
        a[i] = 0.0;
    }
    double e = r[0];
    for (size_t i = 1; i <= p; i++) {
        double acc = r[i];
        for (size_t j = 1; j < i; j++) {
            acc += a[j] * r[i - j];
        }
        const double k = -acc / e;
        for (size_t j = 1; j < i; j++) {
            tmp[j] = a[j] + k * a[i - j];
        }
        for (size_t j = 1; j < i; j++) {
            a[j] = tmp[j];
        }
        a[i] = k;
        e *= 1.0 - k * k;
        if (!(e > 0.0)) {
            return false;
        }
    }
    return true;
}

/* |A|^2 at fine grid point n: rho_0 + sum_m rho_m cos(m w) by Clenshaw's recurrence
 * (rho_m for m >= 1 already doubled). */
static double fine_power(const rpl_formants *fm, const double *rho, size_t n)
{
    const double x2 = 2.0 * fm->cos_fine[n];
    double b1 = 0.0, b2 = 0.0;
    for (size_t m = fm->cfg.order; m >= 1; m--) {
        const double b0 = rho[m] + x2 * b1 - b2;
        b2 = b1;
        b1 = b0;
    }
    return rho[0] + 0.5 * x2 * b1 - b2;
}

/* Hz from the peak (at peak_hz, |A|^2 = floor) to its half-power point (|A|^2 = 2 floor) on
 * the coarse grid from coarse point j in direction step (-1 or +1), linearly interpolated;
 * negative when a valley or the grid's end comes first, or it lies beyond half_max_hz. */
static double half_power_hz(const rpl_formants *fm, const float *d, size_t j, int step,
                            double peak_hz, double floor)
{
    const double hz = 0.5 * RPL_ANALYSIS_RATE_HZ / COARSE;
    const double target = 2.0 * floor;
    size_t i = j;
    if ((double)d[i] >= target) { /* a peak narrower than a coarse step */
        return fabs((double)i * hz - peak_hz);
    }
    for (;;) {
        if ((step < 0 && i == 0) || (step > 0 && i + 1 == COARSE_ROW)) {
            return -1.0;
        }
        const size_t next = step < 0 ? i - 1 : i + 1;
        if ((double)d[next] >= target) {
            const double at =
                (double)i + (double)step * (target - (double)d[i]) / (double)(d[next] - d[i]);
            const double dist = fabs(at * hz - peak_hz);
            return dist <= fm->half_max_hz ? dist : -1.0;
        }
        if (d[next] < d[i]) {
            return -1.0; /* a valley of the envelope before half power */
        }
        if (fabs((double)next * hz - peak_hz) > fm->half_max_hz) {
            return -1.0;
        }
        i = next;
    }
}

void rpl_formants_process_power(rpl_formants *fm, const float *spectrum, rpl_formant_frame *out)
{
    out->f1_hz = NAN;
    out->f2_hz = NAN;
    const size_t p = fm->cfg.order;

    /* autocorrelation of the pre-emphasised window (times FFT_SIZE: LPC is scale-free),
     * r[m] = sum of u_k cos(w_k m), u_k = weight_k P_k. Bins k and 128 - k fold together, as
     * cos(w_{128-k} m) = (-1)^m cos(w_k m): r[m] = sum over k < 64 of cos(w_k m) (u_k +- u_{128-k})
     * plus u_64 cos(pi m / 2). In float, four partial sums (one vector): a float sum of 64
     * terms is good to about 1e-6 of r[0], far below the -40 dB floor. */
    float u[BINS];
    for (size_t k = 0; k < BINS; k++) {
        u[k] = fm->weight[k] * spectrum[k];
    }
    float sum_pair[HALF], diff_pair[HALF];
    for (size_t k = 0; k < HALF; k++) {
        sum_pair[k] = u[k] + u[2 * HALF - k];
        diff_pair[k] = u[k] - u[2 * HALF - k];
    }
    double r[MAX_ORDER + 1];
    for (size_t m = 0; m <= p; m++) {
        const float *b = fm->basis + m * HALF;
        const float *v = m % 2 == 0 ? sum_pair : diff_pair;
        float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (size_t k = 0; k < HALF; k += 4) {
            for (size_t i = 0; i < 4; i++) {
                acc[i] += b[k + i] * v[k + i];
            }
        }
        const float middle = m % 2 == 1 ? 0.0f : (m % 4 == 0 ? u[HALF] : -u[HALF]);
        r[m] = (double)((acc[0] + acc[1]) + (acc[2] + acc[3]) + middle);
    }
    if (!(r[0] >= fm->silence_sum) || !isfinite(r[0])) {
        return; /* digital silence (or a spectrum that is not one) */
    }
    r[0] *= noise_correction;
    double a[MAX_ORDER + 1];
    if (!levinson(r, p, a)) {
        return;
    }
    /* |A(e^jw)|^2 = rho_0 + 2 sum rho_m cos(m w), rho the coefficients' autocorrelation */
    double rho[MAX_ORDER + 1];
    for (size_t m = 0; m <= p; m++) {
        double acc = 0.0;
        for (size_t i = 0; i + m <= p; i++) {
            acc += a[i] * a[i + m];
        }
        rho[m] = m == 0 ? acc : 2.0 * acc;
    }
    /* the coarse grid (62.5 Hz) finds the peaks, in float, each lag over all points in turn
     * (vectorised); the fine grid refines them in double */
    float d[COARSE_ROW]; /* on the stack: no aliasing with the table, the loop vectorises */
    for (size_t j = 0; j < COARSE_ROW; j++) {
        d[j] = (float)rho[0];
    }
    for (size_t m = 1; m <= p; m++) {
        const float *c = fm->cos_coarse + m * COARSE_ROW;
        const float rm = (float)rho[m];
        for (size_t j = 0; j < COARSE_ROW; j++) {
            d[j] += rm * c[j];
        }
    }
    /* peaks of the envelope: minima of |A|^2, lowest frequency first */
    const double fine_hz = 0.5 * RPL_ANALYSIS_RATE_HZ / FINE;
    float found[2];
    size_t n_found = 0;
    for (size_t j = 1; j + 1 < COARSE_ROW && n_found < 2; j++) {
        if (!(d[j] < d[j - 1] && d[j] <= d[j + 1])) {
            continue;
        }
        /* refine on the fine grid (7.8 Hz): from the fine point nearest the coarse
         * parabola's vertex down to the lowest point, then a parabola through the log
         * envelope there and at its two neighbours */
        const double c0 = (double)d[j - 1], c1 = (double)d[j], c2 = (double)d[j + 1];
        const double denom = c0 - 2.0 * c1 + c2;
        const double shift = denom > 0.0 ? 0.5 * (c0 - c2) / denom : 0.0;
        size_t best = (size_t)lround(((double)j + shift) * COARSE_STEP);
        best = best < 1 ? 1 : (best > FINE - 1 ? FINE - 1 : best);
        double y0 = fine_power(fm, rho, best - 1);
        double y1 = fine_power(fm, rho, best);
        double y2 = fine_power(fm, rho, best + 1);
        for (size_t moves = 0; moves < COARSE_STEP; moves++) {
            if (y0 < y1 && best > 1) {
                best--;
                y2 = y1;
                y1 = y0;
                y0 = fine_power(fm, rho, best - 1);
            } else if (y2 < y1 && best < FINE - 1) {
                best++;
                y0 = y1;
                y1 = y2;
                y2 = fine_power(fm, rho, best + 1);
            } else {
                break;
            }
        }
        if (!(y0 > 0.0 && y1 > 0.0 && y2 > 0.0)) {
            continue;
        }
        const double l0 = -log(y0), l1 = -log(y1), l2 = -log(y2);
        const double curvature = l0 - 2.0 * l1 + l2;
        const double offset = curvature < 0.0 ? 0.5 * (l0 - l2) / curvature : 0.0;
        const double f_hz = ((double)best + offset) * fine_hz;
        if (f_hz < (double)fm->cfg.min_hz || f_hz > (double)fm->cfg.max_hz) {
            continue;
        }
        const double left = half_power_hz(fm, d, j, -1, f_hz, y1);
        const double right = half_power_hz(fm, d, j, +1, f_hz, y1);
        const double half = left >= 0.0 && (right < 0.0 || left < right) ? left : right;
        if (half < 0.0 || 2.0 * half >= (double)fm->cfg.max_bandwidth_hz) {
            continue;
        }
        found[n_found++] = (float)f_hz;
    }
    if (n_found >= 1) {
        out->f1_hz = found[0];
    }
    if (n_found >= 2) {
        out->f2_hz = found[1];
    }
}

void rpl_formants_process(rpl_formants *fm, const float *window, rpl_formant_frame *out)
{
    rpl_fft_power(fm->fft, window, fm->hann, FFT_SIZE, fm->spec);
    rpl_formants_process_power(fm, fm->spec, out);
}
