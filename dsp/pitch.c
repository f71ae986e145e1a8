/* F0 and voicing: normalised cross-correlation candidates tracked by dynamic programming.
 *
 * References:
 *   D. Talkin, "A Robust Algorithm for Pitch Tracking (RAPT)", in Speech Coding and Synthesis,
 *   Kleijn & Paliwal (eds.), Elsevier, 1995, pp. 495-518 -- NCCF candidates per frame, a
 *   voiced/unvoiced state among them, and a dynamic programme across frames whose transition
 *   costs punish octave jumps and voicing flips.
 *   P. Boersma, "Accurate short-term analysis of the fundamental frequency and the
 *   harmonics-to-noise ratio of a sampled sound", Proc. Institute of Phonetic Sciences 17,
 *   1993, pp. 97-110 -- the Viterbi path with VoicedUnvoicedCost / OctaveJumpCost and a
 *   voicing threshold on the correlation peak (Praat's "To Pitch (ac)"), whose defaults our
 *   costs start from.
 *
 * Per frame (window W = N + 2 * L samples, N = 30 ms reference, L = longest lag + 1):
 *   1. remove the window's mean and high-pass it (centred 5 ms moving average subtracted);
 *      the reference y is its centre N samples;
 *   2. symmetric NCCF: phi(k) = (r+(k) + r-(k)) / (sqrt(e_y) (sqrt(e+(k)) + sqrt(e-(k)))),
 *      r+-(k) = sum y[n] x[n +- k] and e+-(k) the energy of the shifted segments. Both
 *      sides come from one FFT cross-correlation (the negative lags wrap to the top of
 *      the circular result and W <= fft size keeps them apart), evaluated at half-sample lags
 *      as by zero-padding the cross-spectrum to twice the size (but from one inverse FFT of
 *      size M: only the even part r+ + r- is needed, see compute_nccf): at 8 kHz the harmonics near
 *      3 kHz make the NCCF peak so narrow that whole-sample lags misjudge its height by up to
 *      0.3 and hand the win to a sub-octave. Correlating both ways centres the estimate on
 *      the frame centre and cancels the first-order bias of a gliding F0; being a
 *      correlation with the signal itself at lag k it needs no energy at F0, so a missing
 *      fundamental (telephone band) is recovered from the harmonics. Each side is weighed by
 *      its own energy (rather than sqrt(2 e_y (e+ + e-)): equal when e+ = e-, and still <= 1
 *      by Cauchy-Schwarz): at a voicing onset or offset the side reaching into silence adds
 *      nothing to either sum, so phi(T) keeps its value instead of losing up to 30 % to
 *      phi(T/2), whose shift reaches less far into the silence;
 *   3. candidates: the CANDIDATES best local maxima of phi between the lags of f0_max and
 *      f0_min, refined by parabolic interpolation, plus the unvoiced state. Their cost is
 *      1 - phi plus a small bias towards short lags, plus two octave checks: a half-period
 *      test on the NCCF at 2L and 3L (see ZIGZAG_WEIGHT), and a speaker prior, the distance
 *      to the running median F0 of the tracker's own recent voiced decisions (see
 *      PRIOR_WEIGHT);
 *   4. Viterbi over candidates with a fixed-lag traceback of DELAY_FRAMES frames;
 *   5. steady sounds: a run steady to 1 cent for 250 ms (see STEADY_REL) is marked steady and
 *      does not teach the speaker prior; at mains-hum F0 (below STEADY_HUM_MAX_HZ) it comes
 *      out unvoiced. Above, a steady periodic sound (a line tone, a buzz, a synthetic
 *      harmonic complex) is given out voiced at its F0, as it is periodic;
 *   6. the F0 given out for a clean frame's best candidate is refined on the half-whitened
 *      spectrum (see refine_lag and REFINE_MIN_NCCF): moving formants pull the NCCF peak off
 *      the true period by up to 20-30 cents. The DP, voicing and steps 3-5 keep the
 *      unrefined F0, so only the value given out changes, by a few cents.
 *
 * Everything is allocated in create; process does three real FFTs of size M through rpl_fft
 * (two forward, one inverse; none for silent frames or frames at the line's noise floor) and
 * O(W + CANDIDATES^2 + DELAY_FRAMES + prior bins) further work, plus in clean voiced frames
 * the refinement's O(N P + M P / 4 + M) (an order-P LPC and a few Newton steps over the M/2
 * bins; about 12k instructions at 8 kHz, a quarter of a voiced frame's), with no allocation, lock
 * or I/O.
 *
 * Reference of step 6: J. D. Markel and A. H. Gray, Linear Prediction of Speech, Springer,
 * 1976 (autocorrelation method, Levinson-Durbin recursion, inverse filter A(z)).
 */
#include "rappel/pitch.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/fft.h"

enum {
    /* Voiced candidates kept per frame: true period, its multiples (sub-octaves) and one or
     * two formant-driven peaks are the ones that matter; RAPT keeps up to 20, but beyond 5
     * the extra ones are never chosen and only cost DP time (K^2 transitions). */
    CANDIDATES = 5,
    STATES = CANDIDATES + 1, /* + the unvoiced state, always at index 0 */
    /* Look-ahead of the fixed-lag traceback: 100 ms. Octave and voicing errors that the DP
     * corrects are settled within about 5 frames in our benchmarks; 10 keeps a margin while
     * the total lag (window half-length 32 ms + 100 ms) stays under 150 ms for live use. */
    DELAY_FRAMES = 10,
    /* Steady sounds: a voiced run whose F0 moves less than STEADY_REL between every two
     * frames for this many frames (250 ms) is a line tone, a buzz or mains hum, not a voice. */
    STEADY_FRAMES = 25,
    /* Speaker prior: median of the last 128 voiced decisions (1.3 s of voicing, a few words:
     * long enough that one octave-error run cannot move it, short enough to follow a new
     * speaker on the channel), over a histogram of 1/24-octave bins (half a semitone, well
     * below the prior's dead zone). */
    PRIOR_HISTORY = 128,
    PRIOR_BINS_PER_OCTAVE = 24,
};

/* Reference segment, 30 ms: with the symmetric correlation this sums 60 ms of products, long
 * enough to keep the NCCF of voiced speech at 10 dB SNR well above that of noise, short
 * enough for a 6 Hz vibrato of +-1 semitone to stay within one period per window. */
static const float REFERENCE_S = 0.030f;
/* Smallest NCCF peak worth a candidate: white-noise peaks over ~120 lags stay below this. */
static const float CANDIDATE_MIN_NCCF = 0.25f;
/* Octave bias, per octave of lag above the shortest lag: a periodic signal has the same
 * NCCF at T, 2T, 3T...; this small preference for the shortest period (Praat's OctaveCost is
 * 0.01/octave, RAPT's lag weight ~0.3 over the range) picks T without flipping true low
 * voices whose NCCF at T/2 is low. */
static const float LAG_COST_PER_OCTAVE = 0.03f;
/* Half-period check. When the NCCF at 2L stands above the mean of those at L and 3L (a
 * zigzag over the multiples of L), L is half the period: its odd multiples fall between
 * pulses. That is the telephone octave-up error: with harmonics 1-2 removed by the 300 Hz
 * high-pass, a male voice whose even harmonics sit in F1/F2 has phi(T/2) within a few
 * hundredths of phi(T), and the lag bias alone hands the win to T/2. A true period decays
 * smoothly over its multiples (zigzag about 0; slightly positive when vibrato makes the decay
 * quadratic). The zigzag is charged twice over (a rise of 0.05 outweighs the 0.03 lag bias
 * with margin) beyond a floor of 0.1 * (1 - NCCF): at 10 dB SNR the NCCF is 0.5-0.7 and its
 * values at neighbouring multiples scatter by several hundredths, which would otherwise push
 * high voices (period 16-25 samples, 3T in range) down an octave. */
static const float ZIGZAG_WEIGHT = 2.0f;
static const float ZIGZAG_FLOOR = 0.1f;
/* Speaker prior: a candidate more than 0.9 octave from the median F0 of the recent voiced
 * decisions pays 0.4 per further octave: 0.04 for an octave (less than the 0.03 lag bias plus
 * the usual loss of the NCCF at twice the period, so a new voice an octave away after a pause
 * is still followed, see test_gap_and_octave_jump), 0.27 for the 3x and 0.44 for the 4x
 * errors of low male voices whose 3rd or 4th harmonic carries F1 in the telephone band.
 * Emotional excursions of up to an octave are not touched. Tested on real speech: a
 * 0.5-octave dead zone gains another 0.2-0.4 % gross but locks onto the old octave when a
 * perfectly periodic voice an octave higher follows. It only applies once 20 voiced
 * decisions (200 ms) are behind the median, which is exact over a histogram, so that one
 * early error cannot drag it (a running-sign median tracker, tested first, can). */
static const float PRIOR_WEIGHT = 0.4f;
static const float PRIOR_DEADZONE = 0.9f;
static const size_t PRIOR_MIN_FRAMES = 20;
/* Voicing threshold on the NCCF: Praat's VoicingThreshold is 0.45 for its windowed
 * autocorrelation; the NCCF of noise-free speech is 0.8-0.99, at 10 dB SNR about 0.65-0.9, of
 * noise below 0.35. */
static const float VOICING_THRESHOLD = 0.45f;
/* Width of the logistic that maps NCCF around the threshold to a 0..1 confidence. */
static const float VOICING_SLOPE = 0.06f;
/* Transition costs (in NCCF units, per 10 ms frame): Praat's VoicedUnvoicedCost 0.14 and
 * OctaveJumpCost 0.35 per octave. */
static const float VOICING_FLIP_COST = 0.14f;
static const float OCTAVE_JUMP_COST = 0.35f;
/* 1 cent. Mains hum and line tones (60 Hz hum with its harmonics, 425 Hz ringback, 1004 Hz
 * test tone heard through its sub-harmonics) repeat exactly: our estimates of them agree to
 * 0.1 cent from frame to frame. A voice never does: jitter (0.2-1 % per period) and drift move
 * even a held vowel by several cents per 10 ms, so 25 frames in a row under 1 cent do not
 * happen in speech (see the hum and held-vowel tests). Such a sound is periodic for any
 * periodicity measure; only its stability tells it is no voice. */
static const float STEADY_REL = 5.78e-4f;
/* Steady runs below this F0 come out unvoiced, after at most 250 ms - DELAY_FRAMES = 150 ms:
 * mains hum (50 or 60 Hz with its harmonics; at 50 Hz it is below the default range anyway).
 * Voices reach this low only in creak, which is never steady. Steady sounds above it are
 * given out voiced: a plain harmonic complex, the first signal anyone checks a pitch tracker
 * with, has an F0, and Praat and aubio give it. */
static const float STEADY_HUM_MAX_HZ = 66.0f;
/* Fine refinement of the F0 given out (see refine_lag), only in frames whose best candidate has
 * an NCCF of at least 0.93: clean and strongly periodic (1 - NCCF is roughly the share of the
 * frame's energy that is not periodic: 7 %, an SNR of 11 dB or more). The flattened spectrum
 * gives the weak bins between the formants the weight of the strong ones, and in noisy frames
 * those bins are mostly noise. Measured on pitch_accuracy.py (fine error against the 40 ms
 * window-mean truth, refinement threshold 0.7 / 0.9 / 0.93 / 0.95): 16 kHz clean 4.4 / 4.6 /
 * 4.8 / 5.3 cents (6.3 without), 10 dB SNR 10.8 / 9.2 / 8.9 / 8.7 (8.5 without). 0.93 is the
 * highest threshold that keeps clean audio under 5 cents. */
static const float REFINE_MIN_NCCF = 0.93f;
/* ... and only where the two shifted segments hold energies within 3 dB of each other. The
 * refined peak is that of the correlation alone, without the NCCF's normalisation by those
 * energies: a level that changes linearly over the window cancels between the two sides of
 * the symmetric correlation, but at a voicing onset or offset (one side reaching into
 * silence) the peak of the bare correlation leans towards the louder side by up to 1-2 %. */
static const double REFINE_MIN_BALANCE = 0.5;
/* The refinement may move the lag by at most 2 % (34 cents; it moves it by about 10): further
 * means Newton's iteration left the peak, and the DP's estimate is kept. */
static const float REFINE_MAX_REL = 0.02f;
/* Newton's iteration on the peak: at most 8 steps of at most a quarter sample (the main lobe of
 * the flattened correlation is about two samples wide, so a start up to a sample off its top
 * is climbed in a few steps; the DP's lag is usually within 0.2), stopping once a step is
 * below 0.01 samples: convergence is quadratic, so the lag is then within 1e-4 samples. */
enum { REFINE_ITERATIONS = 8 };
static const float REFINE_MAX_STEP = 0.25f;
static const float REFINE_CONVERGED = 0.01f;
/* Frames with less energy than this (mean square, full scale 1) are silence: no F0. */
static const float SILENCE_POWER = 1e-10f;
/* Line-noise gate: a frame less than 4 dB above the quietest frames of the last 5 s is the
 * line's noise floor (minimum statistics, as in dsp/vad.c), not a voice: skip its
 * correlation, which is most of the tracker's cost, in every pause and in the other party's
 * turns. Voiced speech, even at 10 dB SNR, stands well above the floor; 5 s is longer than any
 * held vowel, so a vowel cannot become its own floor. */
static const float GATE_RATIO = 2.5f;
/* ... and only when the last 5 s span at least 15 dB: without pauses (a held tone, a test
 * vowel, continuous speech) the quietest frames are not the line, so nothing is gated. */
static const float GATE_MIN_RANGE = 31.6f;
enum { GATE_BLOCK_FRAMES = 25, GATE_BLOCKS = 20 };

typedef struct pitch_cand {
    float f0_hz;   /* 0 for the unvoiced state */
    float fine_hz; /* the F0 given out: f0_hz refined on the flattened spectrum, see refine_lag */
    float log2_f0; /* for the octave-jump cost */
    float cost;    /* local cost, lower is better */
    float nccf;    /* interpolated NCCF at the peak (0 for unvoiced) */
} pitch_cand;

typedef struct pitch_step {
    pitch_cand cand[STATES];
    uint8_t back[STATES]; /* best predecessor state in the previous frame */
    uint8_t count;        /* states used (>= 1: unvoiced always present) */
    float best_nccf;      /* best NCCF peak of the frame, for the confidence */
} pitch_step;

struct rpl_pitch {
    rpl_pitch_config cfg;
    float gate_blocks[GATE_BLOCKS];      /* minimum power of each of the last blocks of frames */
    float gate_block_maxes[GATE_BLOCKS]; /* and their maximum */
    float gate_block_max;
    size_t gate_block_next, gate_block_count, gate_block_frames;
    float gate_block_min;
    float gate_power;   /* frames below this are line noise */
    size_t reference;   /* N */
    size_t lag_min;     /* shortest lag searched (f0_max) */
    size_t lag_max;     /* longest lag searched (f0_min) */
    size_t lag_limit;   /* L = lag_max + 1: NCCF computed on [lag_min - 1, L] */
    size_t window;      /* W = N + 2L */
    size_t fft_size;    /* M >= W */
    size_t smooth_half; /* h: the high-pass's moving average spans 2h + 1 samples */
    rpl_fft *fft;
    float *x;          /* M: the window, mean removed, zero padded */
    float *y;          /* M: the reference at its place in the window, zeros elsewhere */
    float *spec_x;     /* 2 * (M/2 + 1) */
    float *spec_y;     /* 2 * (M/2 + 1) */
    float *spec_up;    /* 2 * B4: Re(conj(Y) X) and its odd-lag companion, see below */
    float *half_cos;   /* M/2 + 1: weights of T(0), see compute_nccf */
    float *half_sin;   /* M/2 + 1: 2 sin(pi b / M), 0 at b = 0 and M/2 */
    float *sym;        /* 2L + 1: r+ + r- at lag j/2, times M */
    float *corr;       /* 2M: circular cross-correlation at half-sample lags, -L..L */
    double *prefix;    /* W + 1: running sums of x^2 */
    float *nccf;       /* 2L + 1: NCCF at lag j/2 */
    float *energy;     /* 2L + 1: the NCCF's denominator at lag j/2 */
    float *scratch;    /* W + 32: running sum of the window, for the high-pass; see lpc_envelope */
    size_t lpc_order;  /* P: order of the envelope used by refine_lag */
    float *taper;      /* N: Hann window of the envelope's autocorrelation */
    float *env_cos;    /* E4 = B4 / 4 + 1 rounded up to a multiple of 4: 2 cos(2 pi 4 j / M) */
    float *env_mag;    /* E4: |A| at every 4th bin, see weigh_bins */
    float *fine_b1;    /* B4: the cross-spectrum weighted by |A_b| b, see refine_lag */
    float *fine_b2;    /* B4: ... and by |A_b| b^2 */
    float lpc_rho[25]; /* autocorrelation of the inverse filter's coefficients, lags 0..P (x 2
                        * for lags > 0: the cosine series of |A|^2) */
    pitch_step *steps; /* ring of DELAY_FRAMES + 1 steps */
    size_t ring;
    float acc[STATES];              /* accumulated cost of each state of the newest frame */
    uint64_t frames;                /* frames analysed in this stream */
    uint64_t emitted;               /* decisions given out */
    float last_f0_hz;               /* F0 of the path at the last decision given out (0 unvoiced) */
    size_t steady_run;              /* steady links ending at that decision */
    float median_log2;              /* median log2 F0 of the last PRIOR_HISTORY voiced decisions */
    size_t median_count;            /* voiced decisions given out in this stream */
    size_t prior_bins;              /* histogram bins over [f0_min, f0_max] */
    uint16_t *hist;                 /* prior_bins: count of the recent voiced decisions per bin */
    uint16_t recent[PRIOR_HISTORY]; /* their bins, a ring indexed by median_count */
    /* flush: decisions of the pending frames, traced back once from the last frame */
    rpl_pitch_frame tail[DELAY_FRAMES + 1];
    size_t tail_count;
    size_t tail_next;
    int flushing;
};

rpl_pitch_config rpl_pitch_config_default(void)
{
    rpl_pitch_config cfg = {
        .sample_rate_hz = 8000.0f,
        .hop_samples = 80,
        .f0_min_hz = 60.0f,
        .f0_max_hz = 500.0f,
    };
    return cfg;
}

/* Smallest n >= want, even, whose only prime factors are 2, 3 and 5 (fast for FFTW). */
static size_t smooth_size(size_t want)
{
    for (size_t n = want + (want % 2);; n += 2) {
        size_t m = n;
        while (m % 2 == 0) {
            m /= 2;
        }
        while (m % 3 == 0) {
            m /= 3;
        }
        while (m % 5 == 0) {
            m /= 5;
        }
        if (m == 1) {
            return n;
        }
    }
}

static void reset_stream(rpl_pitch *p)
{
    p->gate_block_next = p->gate_block_count = p->gate_block_frames = 0;
    p->gate_block_min = INFINITY;
    p->gate_block_max = 0.0f;
    p->gate_power = 0.0f;
    p->frames = 0;
    p->emitted = 0;
    p->tail_count = 0;
    p->tail_next = 0;
    p->flushing = 0;
    p->last_f0_hz = 0.0f;
    p->steady_run = 0;
    p->median_log2 = 0.0f;
    p->median_count = 0;
    if (p->hist != NULL) {
        memset(p->hist, 0, p->prior_bins * sizeof *p->hist);
    }
    for (size_t s = 0; s < STATES; s++) {
        p->acc[s] = 0.0f;
    }
}

rpl_status rpl_pitch_create(const rpl_pitch_config *cfg, rpl_pitch **out)
{
    rpl_status status = RPL_ERR_NO_MEMORY;
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    const float fs = cfg->sample_rate_hz;
    /* Written so that NaN fails every test. Hop: 1 sample .. 100 ms. F0: at least 20 Hz
     * (lags stay below 2400 at 48 kHz) and at most fs/8 (a period of 8 samples or more, so
     * that parabolic interpolation of the NCCF peak stays accurate). */
    if (!(fs >= 8000.0f && fs <= 48000.0f) || cfg->hop_samples < 1 ||
        (float)cfg->hop_samples > 0.1f * fs || !(cfg->f0_min_hz >= 20.0f) ||
        !(cfg->f0_max_hz <= fs / 8.0f) || !(cfg->f0_max_hz > cfg->f0_min_hz)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_pitch *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    p->cfg = *cfg;
    p->reference = (size_t)lrintf(REFERENCE_S * fs);
    p->lag_min = (size_t)floorf(fs / cfg->f0_max_hz);
    p->lag_max = (size_t)ceilf(fs / cfg->f0_min_hz);
    if (p->lag_max <= p->lag_min) {
        p->lag_max = p->lag_min + 1;
    }
    p->lag_limit = p->lag_max + 1;
    p->window = p->reference + 2 * p->lag_limit;
    p->fft_size = smooth_size(p->window);
    p->ring = DELAY_FRAMES + 1;
    p->smooth_half = (size_t)lrintf(0.0025f * fs);
    /* LPC order: two poles per kHz of band, one formant per kHz (Markel & Gray's fs/1000
     * rule; 8 at 8 kHz, 16 at 16 kHz), at most 24 (5 formants and the glottal tilt at 48 kHz). */
    p->lpc_order = (size_t)lrintf(fs / 1000.0f);
    p->lpc_order = p->lpc_order > 24 ? 24 : p->lpc_order;

    const size_t bins = 2 * (p->fft_size / 2 + 1);
    p->x = calloc(p->fft_size, sizeof *p->x);
    p->y = calloc(p->fft_size, sizeof *p->y);
    p->spec_x = calloc(bins, sizeof *p->spec_x);
    p->spec_y = calloc(bins, sizeof *p->spec_y);
    /* Bins rounded up to a multiple of 4 for refine_lag's lanes (the extra ones stay 0). */
    const size_t lane_bins = (p->fft_size / 2 + 1 + 3) / 4 * 4;
    p->spec_up = calloc(2 * lane_bins, sizeof *p->spec_up);
    p->corr = calloc(p->fft_size, sizeof *p->corr);
    p->half_cos = calloc(p->fft_size / 2 + 1, sizeof *p->half_cos);
    p->half_sin = calloc(p->fft_size / 2 + 1, sizeof *p->half_sin);
    p->sym = calloc(2 * p->lag_limit + 1, sizeof *p->sym);
    p->prefix = calloc(p->window + 1, sizeof *p->prefix);
    p->nccf = calloc(2 * p->lag_limit + 1, sizeof *p->nccf);
    p->energy = calloc(2 * p->lag_limit + 1, sizeof *p->energy);
    p->scratch = calloc(p->window + 32, sizeof *p->scratch); /* + 32: see lpc_envelope */
    p->steps = calloc(p->ring, sizeof *p->steps);
    p->taper = calloc(p->reference, sizeof *p->taper);
    const size_t env_bins = (lane_bins / 4 + 1 + 3) / 4 * 4;
    p->env_cos = calloc(env_bins, sizeof *p->env_cos);
    p->env_mag = calloc(env_bins, sizeof *p->env_mag);
    p->fine_b1 = calloc(lane_bins, sizeof *p->fine_b1);
    p->fine_b2 = calloc(lane_bins, sizeof *p->fine_b2);
    p->prior_bins =
        (size_t)ceilf(log2f(cfg->f0_max_hz / cfg->f0_min_hz) * PRIOR_BINS_PER_OCTAVE) + 1;
    p->hist = calloc(p->prior_bins, sizeof *p->hist);
    if (p->x == NULL || p->y == NULL || p->spec_x == NULL || p->spec_y == NULL ||
        p->spec_up == NULL || p->corr == NULL || p->prefix == NULL || p->nccf == NULL ||
        p->energy == NULL || p->scratch == NULL || p->steps == NULL || p->hist == NULL ||
        p->half_cos == NULL || p->half_sin == NULL || p->sym == NULL || p->taper == NULL ||
        p->env_cos == NULL || p->env_mag == NULL || p->fine_b1 == NULL || p->fine_b2 == NULL) {
        goto fail;
    }
    for (size_t i = 0; i < p->reference; i++) {
        const double a = 6.283185307179586 * ((double)i + 0.5) / (double)p->reference;
        p->taper[i] = (float)(0.5 - 0.5 * cos(a));
    }
    for (size_t j = 0; j < env_bins; j++) {
        p->env_cos[j] =
            (float)(2.0 * cos(6.283185307179586 * (double)(4 * j) / (double)p->fft_size));
    }
    /* Tables of the half-sample correlation (see compute_nccf), in double then rounded. */
    const size_t half_m = p->fft_size / 2;
    p->half_cos[0] = 1.0f;
    for (size_t b = 1; b < half_m; b++) {
        const double a = 3.14159265358979323846 * (double)b / (double)p->fft_size;
        p->half_cos[b] = (float)(2.0 * cos(a));
        p->half_sin[b] = (float)(2.0 * sin(a));
    }
    status = rpl_fft_create(p->fft_size, &p->fft);
    if (status != RPL_OK) {
        goto fail;
    }
    reset_stream(p);
    *out = p;
    return RPL_OK;
fail:
    rpl_pitch_destroy(p);
    return status;
}

void rpl_pitch_destroy(rpl_pitch *pitch)
{
    if (pitch == NULL) {
        return;
    }
    rpl_fft_destroy(pitch->fft);
    free(pitch->spec_up);
    free(pitch->half_cos);
    free(pitch->half_sin);
    free(pitch->sym);
    free(pitch->x);
    free(pitch->y);
    free(pitch->spec_x);
    free(pitch->spec_y);
    free(pitch->corr);
    free(pitch->prefix);
    free(pitch->nccf);
    free(pitch->energy);
    free(pitch->scratch);
    free(pitch->steps);
    free(pitch->taper);
    free(pitch->env_cos);
    free(pitch->env_mag);
    free(pitch->fine_b1);
    free(pitch->fine_b2);
    free(pitch->hist);
    free(pitch);
}

size_t rpl_pitch_window_samples(const rpl_pitch *pitch)
{
    return pitch->window;
}

size_t rpl_pitch_delay_frames(const rpl_pitch *pitch)
{
    (void)pitch;
    return DELAY_FRAMES;
}

/* Follow the line's noise floor; true when this frame's power is at it. */
static bool track_floor(rpl_pitch *p, float power)
{
    bool at_floor = power < p->gate_power;
    p->gate_block_min = power < p->gate_block_min ? power : p->gate_block_min;
    p->gate_block_max = power > p->gate_block_max ? power : p->gate_block_max;
    if (++p->gate_block_frames == GATE_BLOCK_FRAMES) {
        p->gate_blocks[p->gate_block_next] = p->gate_block_min;
        p->gate_block_maxes[p->gate_block_next] = p->gate_block_max;
        p->gate_block_next = (p->gate_block_next + 1) % GATE_BLOCKS;
        p->gate_block_count += p->gate_block_count < GATE_BLOCKS;
        p->gate_block_frames = 0;
        p->gate_block_min = INFINITY;
        p->gate_block_max = 0.0f;
        float floor = INFINITY;
        float top = 0.0f;
        for (size_t b = 0; b < p->gate_block_count; b++) {
            floor = p->gate_blocks[b] < floor ? p->gate_blocks[b] : floor;
            top = p->gate_block_maxes[b] > top ? p->gate_block_maxes[b] : top;
        }
        p->gate_power = top >= GATE_MIN_RANGE * floor ? GATE_RATIO * floor : 0.0f;
    }
    return at_floor;
}

/* Element-wise kernels of compute_nccf, as functions of their own: restrict on parameters is
 * what lets -O2 vectorise them (blocks of 4 floats, one SSE register). */

/* x[i] = w[i] - mean - (hi[i] - lo[i]) * inv_span for i < count. */
static void highpass_block(float *restrict x, const float *restrict w, const float *restrict hi,
                           const float *restrict lo, size_t count, float mean, float inv_span)
{
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        for (size_t q = 0; q < 4; q++) {
            x[i + q] = w[i + q] - mean - (hi[i + q] - lo[i + q]) * inv_span;
        }
    }
    for (; i < count; i++) {
        x[i] = w[i] - mean - (hi[i] - lo[i]) * inv_span;
    }
}

/* d[b] = Re(conj(y[b]) x[b]) over count interleaved complex bins, written as the complex bin
 * (d[b], d[b] * odd[b]); returns sum of d[b] * even[b]. */
static double cross_spectrum(float *restrict out, const float *restrict x, const float *restrict y,
                             const float *restrict even, const float *restrict odd, size_t count)
{
    float part[2] = {0.0f, 0.0f};
    size_t b = 0;
    for (; b + 2 <= count; b += 2) {
        for (size_t q = 0; q < 2; q++) {
            const float d =
                y[2 * (b + q)] * x[2 * (b + q)] + y[2 * (b + q) + 1] * x[2 * (b + q) + 1];
            out[2 * (b + q)] = d;
            out[2 * (b + q) + 1] = d * odd[b + q];
            part[q] += d * even[b + q];
        }
    }
    for (; b < count; b++) {
        const float d = y[2 * b] * x[2 * b] + y[2 * b + 1] * x[2 * b + 1];
        out[2 * b] = d;
        out[2 * b + 1] = d * odd[b];
        part[0] += d * even[b];
    }
    return (double)part[0] + (double)part[1];
}

/* phi[j] = num[j] * scale / den[j], 0 where den is 0, for j < count. */
static void nccf_block(float *restrict phi, const float *restrict num, const float *restrict den,
                       size_t count, float scale)
{
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        for (size_t q = 0; q < 4; q++) {
            /* den >= 0; the select as arithmetic, so that the block has no branch */
            const float ok = (float)(den[j + q] > 0.0f);
            phi[j + q] = ok * (num[j + q] * scale) / (den[j + q] + (1.0f - ok));
        }
    }
    for (; j < count; j++) {
        const float d = den[j];
        phi[j] = d > 0.0f ? num[j] * scale / d : 0.0f;
    }
}

/* out[i] = sqrt(hi[i] - lo[i]) (0 if rounding made it negative), for i < count. */
static void root_diff(float *restrict out, const double *restrict hi, const double *restrict lo,
                      size_t count)
{
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        for (size_t q = 0; q < 4; q++) {
            const float e = (float)(hi[i + q] - lo[i + q]);
            out[i + q] = sqrtf(e > 0.0f ? e : 0.0f);
        }
    }
    for (; i < count; i++) {
        const float e = (float)(hi[i] - lo[i]);
        out[i] = sqrtf(e > 0.0f ? e : 0.0f);
    }
}

/* Fill p->nccf[j] (NCCF at lag j/2) for j in [2 (lag_min - 1), 2 lag_limit]; returns the
 * reference's mean square (0 for a frame at the line's noise floor, whose NCCF is not
 * computed). */
static float compute_nccf(rpl_pitch *p, const float *restrict window)
{
    const size_t w = p->window;
    const size_t n = p->reference;
    const size_t l = p->lag_limit;
    const size_t m = p->fft_size;
    /* Local restrict pointers: the arrays never overlap, and saying so lets the compiler keep
     * them in registers and vectorise the element-wise loops below (written in blocks of 4 so
     * that -O2's straight-line vectoriser takes them: its loop vectoriser does not take loops
     * whose trip count is only known at run time). */
    float *restrict x = p->x;
    float *restrict acc = p->scratch;
    double *restrict prefix = p->prefix;

    /* Mean, with four independent partial sums (no serial add chain). */
    float part[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    size_t i = 0;
    for (; i + 4 <= w; i += 4) {
        for (size_t q = 0; q < 4; q++) {
            part[q] += window[i + q];
        }
    }
    for (; i < w; i++) {
        part[0] += window[i];
    }
    const float mean = (part[0] + part[1] + part[2] + part[3]) / (float)w;
    /* High-pass: subtract a centred moving average of 2h+1 samples (~5 ms: response zero at
     * 0 Hz, -6 dB near 90 Hz, within 1.5 dB above 300 Hz). The telephone band has nothing below
     * 300 Hz anyway; on wide-band input this takes away the low-frequency excess of pink and
     * brown noise whose slow correlation would otherwise make NCCF peaks at short lags. */
    const size_t h = p->smooth_half;
    float run_x = 0.0f;
    for (i = 0; i + 4 <= w; i += 4) { /* unrolled: the add chain is serial anyway */
        run_x += window[i] - mean;
        acc[i] = run_x;
        run_x += window[i + 1] - mean;
        acc[i + 1] = run_x;
        run_x += window[i + 2] - mean;
        acc[i + 2] = run_x;
        run_x += window[i + 3] - mean;
        acc[i + 3] = run_x;
    }
    for (; i < w; i++) {
        run_x += window[i] - mean;
        acc[i] = run_x;
    }
    /* The average over [i - h, i + h] clipped to the window: the edges, with shorter spans,
     * apart, so that the interior loop has no branch and one constant reciprocal (W > 4h + 2
     * always: W >= 30 ms + 2 lags, h = 2.5 ms). */
    const size_t left = h + 1;  /* i < left: span starts at 0 */
    const size_t right = w - h; /* i >= right: span ends at w - 1 */
    for (i = 0; i < left; i++) {
        x[i] = window[i] - mean - acc[i + h] / (float)(i + h + 1);
    }
    const float inv_span = 1.0f / (float)(2 * h + 1);
    highpass_block(x + left, window + left, acc + left + h, acc + left - h - 1, right - left, mean,
                   inv_span);
    for (i = right; i < w; i++) {
        x[i] = window[i] - mean - (acc[w - 1] - acc[i - h - 1]) / (float)(w + h - i);
    }
    /* Energy of the reference first, in double, so that silent and gated frames (every pause,
     * the other party's turns) stop here, before the running sums and the FFTs. */
    double part_e[4] = {0.0, 0.0, 0.0, 0.0};
    for (i = l; i + 4 <= l + n; i += 4) {
        for (size_t q = 0; q < 4; q++) {
            part_e[q] += (double)(x[i + q] * x[i + q]);
        }
    }
    for (; i < l + n; i++) {
        part_e[0] += (double)(x[i] * x[i]);
    }
    const double e_y = (part_e[0] + part_e[1]) + (part_e[2] + part_e[3]);
    const float power = (float)(e_y / (double)n);
    if (!(power > SILENCE_POWER)) {
        return power;
    }
    if (track_floor(p, power)) {
        return 0.0f; /* line noise: as silence */
    }
    /* Running sums of x^2 in double (segment energies are differences of them, and a quiet
     * segment after a loud one must not lose its digits), as two independent chains over the
     * two halves, the first half's total added to the second afterwards. */
    const size_t half = w / 2;
    double run_a = 0.0, run_b = 0.0;
    prefix[0] = 0.0;
    prefix[half] = 0.0;
    for (i = 0; i < half; i++) {
        const float va = x[i];
        const float vb = x[half + i];
        run_a += (double)(va * va);
        run_b += (double)(vb * vb);
        prefix[i + 1] = run_a;
        prefix[half + i + 1] = run_b;
    }
    if (w % 2 != 0) {
        const float v = x[w - 1];
        run_b += (double)(v * v);
        prefix[w] = run_b;
    }
    for (i = half + 1; i + 4 <= w + 1; i += 4) {
        for (size_t q = 0; q < 4; q++) {
            prefix[i + q] += run_a;
        }
    }
    for (; i <= w; i++) {
        prefix[i] += run_a;
    }
    /* x[w..m) and y outside [l, l+n) stay zero from create. */
    memcpy(p->y + l, x + l, n * sizeof *p->y);

    rpl_fft_forward(p->fft, p->x, p->spec_x);
    rpl_fft_forward(p->fft, p->y, p->spec_y);
    /* Symmetric correlation at whole and half-sample lags from ONE inverse FFT of size M.
     * With D_b = Re(conj(Y_b) X_b), the band-limited r+ + r- at lag tau is
     *   s(tau) = 2 [D_0 + 2 sum_{0<b<M/2} D_b cos(2 pi b tau / M) + D_{M/2} cos(pi tau)]
     * (what zero-padding the cross-spectrum to 2M evaluates at tau = j/2; only the even part
     * of the correlation is needed, so only Re(C_b)). A real inverse transform of the bins
     * (A_b + i B_b) gives out(k) = A_0 + 2 sum (A_b cos - B_b sin)(2 pi b k / M) + A_{M/2}(-1)^k,
     * whose even part (out(k) + out(M-k)) / 2 with A = D is s(k) / 2, and whose odd part
     * (out(k) - out(M-k)) / 2 with B_b = 2 sin(pi b / M) D_b is
     *   -4 sum D_b sin(pi b / M) sin(2 pi b k / M) = T(k) - T(k-1),  T(k) = s(k + 1/2) / 2,
     * by cos(u + v) - cos(u - v) = -2 sin u sin v (the Nyquist term vanishes at half lags).
     * T(0) = D_0 + sum 2 cos(pi b / M) D_b is one dot product, and T(k) follows by a running
     * sum (in double: 135 steps at 8 kHz). The same numbers as the zero-padded 2M inverse to
     * rounding, for half its cost. */
    const size_t bins = m / 2 + 1;
    const double t0 =
        cross_spectrum(p->spec_up, p->spec_x, p->spec_y, p->half_cos, p->half_sin, bins);
    rpl_fft_inverse(p->fft, p->spec_up, p->corr);
    const float *restrict out = p->corr;
    float *restrict sym = p->sym;
    const size_t k0 = p->lag_min - 1;
    double t = t0;
    for (size_t k = 1; k < k0; k++) {
        t += 0.5 * (double)(out[k] - out[m - k]);
    }
    for (size_t k = k0; k <= l; k++) {
        sym[2 * k] = out[k] + out[m - k];
        sym[2 * k - 1] = (float)(2.0 * t);
        t += 0.5 * (double)(out[k] - out[m - k]);
    }

    /* phi(j/2) = (r+ + r-) / (sqrt(e_y) (sqrt(e+) + sqrt(e-))); the inverse is unnormalised
     * (x M: the zero-padded sum runs over the original bins). The root energies of the two
     * shifted segments, summed, per whole lag; at half-sample lags the mean of the two
     * neighbours'. Where the denominator is 0 (both shifted segments silent: then there is
     * no correlation either) phi is 0. */
    float *restrict den = p->energy;
    const float scale = 1.0f / (float)m;
    const float root_e_y = sqrtf((float)e_y);
    /* Root energies of the shifted segments: e+(k) starts at l + k, e-(k) at l - k (stored
     * from u = l - k = 0 up). The scratch of the high-pass is free again. */
    float *restrict root_p = p->scratch;
    float *restrict root_m = p->scratch + (l + 1);
    root_diff(root_p, prefix + l + k0 + n, prefix + l + k0, l - k0 + 1);
    root_diff(root_m, prefix + n, prefix, l - k0 + 1);
    for (size_t k = k0; k <= l; k++) {
        den[2 * k] = root_e_y * (root_p[k - k0] + root_m[l - k]);
    }
    for (size_t k = k0; k < l; k++) {
        den[2 * k + 1] = 0.5f * (den[2 * k] + den[2 * k + 2]);
    }
    nccf_block(p->nccf + 2 * k0, sym + 2 * k0, den + 2 * k0, 2 * (l - k0) + 1, scale);
    return power;
}

/* Insert a candidate into the frame's list kept sorted by cost (state 0 is unvoiced). */
static void add_candidate(pitch_step *step, const pitch_cand *c)
{
    size_t count = step->count;
    if (count == STATES && c->cost >= step->cand[STATES - 1].cost) {
        return;
    }
    size_t i = count == STATES ? STATES - 1 : count;
    while (i > 1 && step->cand[i - 1].cost > c->cost) {
        step->cand[i] = step->cand[i - 1];
        i--;
    }
    step->cand[i] = *c;
    if (count < STATES) {
        step->count = (uint8_t)(count + 1);
    }
}

/* Largest NCCF within two half-sample lags of the half-sample index j (the peak at a multiple
 * of a period wanders a little with jitter); -1 when out of the computed range. */
static float nccf_near(const rpl_pitch *p, float j)
{
    const long c = lrintf(j);
    const long lo = (long)(2 * (p->lag_min - 1));
    const long hi = (long)(2 * p->lag_limit);
    if (c - 2 < lo || c + 2 > hi) {
        return -1.0f;
    }
    float best = p->nccf[c - 2];
    for (long i = c - 1; i <= c + 2; i++) {
        best = p->nccf[i] > best ? p->nccf[i] : best;
    }
    return best;
}

/* Four lanes of floats (GCC/Clang vector extension, as in bandpass.c): SSE on x86-64, NEON on
 * AArch64. The refinement's loops over the bins are written with them: the loop vectoriser of
 * -O2 does not take their running phasors and recurrences. */
typedef float lanes4 __attribute__((vector_size(4 * sizeof(float))));

/* Order-P inverse filter A(z) = 1 + a_1 z^-1 + ... + a_P z^-P of the reference by the
 * autocorrelation method (Levinson-Durbin on the Hann-tapered reference; Markel & Gray 1976,
 * ch. 3); stores the autocorrelation rho_k of its coefficients in p->lpc_rho (doubled for
 * k > 0), the cosine series |A_b|^2 = rho_0 + 2 sum_k rho_k cos(2 pi b k / M). False if the
 * recursion fails (a degenerate segment). */
static bool lpc_envelope(rpl_pitch *p)
{
    const size_t n = p->reference;
    const size_t order = p->lpc_order;
    /* The tapered reference, zero padded to whole blocks of 4 plus P + 7 (the scratch has
     * W + 32 >= N + 3 + 24 + 7 samples, see create). */
    float *restrict seg = p->scratch;
    const float *restrict ref = p->x + p->lag_limit;
    const float *restrict taper = p->taper;
    const size_t blocks = (n + 3) / 4 * 4;
    size_t s = 0;
    for (; s + 4 <= n; s += 4) {
        lanes4 u, t;
        memcpy(&u, ref + s, sizeof u);
        memcpy(&t, taper + s, sizeof t);
        u *= t;
        memcpy(seg + s, &u, sizeof u);
    }
    for (; s < n; s++) {
        seg[s] = ref[s] * taper[s];
    }
    memset(seg + n, 0, (blocks - n + order + 7) * sizeof *seg);
    /* Four lags per pass, each with four products at a time, all in registers. */
    double r[28];
    for (size_t k = 0; k <= order; k += 4) {
        lanes4 a0 = {0.0f, 0.0f, 0.0f, 0.0f}, a1 = a0, a2 = a0, a3 = a0;
        for (s = 0; s < blocks; s += 4) {
            lanes4 v, u0, u1, u2, u3;
            memcpy(&v, seg + s, sizeof v);
            memcpy(&u0, seg + s + k, sizeof u0);
            memcpy(&u1, seg + s + k + 1, sizeof u1);
            memcpy(&u2, seg + s + k + 2, sizeof u2);
            memcpy(&u3, seg + s + k + 3, sizeof u3);
            a0 += v * u0;
            a1 += v * u1;
            a2 += v * u2;
            a3 += v * u3;
        }
        r[k] = (double)((a0[0] + a0[1]) + (a0[2] + a0[3]));
        r[k + 1] = (double)((a1[0] + a1[1]) + (a1[2] + a1[3]));
        r[k + 2] = (double)((a2[0] + a2[1]) + (a2[2] + a2[3]));
        r[k + 3] = (double)((a3[0] + a3[1]) + (a3[2] + a3[3]));
    }
    /* A white floor 40 dB down keeps the recursion well conditioned where the band is empty
     * (below 300 Hz and above 3400 Hz on telephone audio). */
    r[0] *= 1.0001;
    double a[25] = {1.0};
    double err = r[0];
    for (size_t i = 1; i <= order; i++) {
        if (!(err > 0.0)) {
            return false;
        }
        double acc = r[i];
        for (size_t j = 1; j < i; j++) {
            acc += a[j] * r[i - j];
        }
        const double k = -acc / err;
        for (size_t j = 1; 2 * j <= i; j++) { /* a_j += k a_(i-j), both ends at once */
            const double lo = a[j], hi = a[i - j];
            a[j] = lo + k * hi;
            if (i - j != j) {
                a[i - j] = hi + k * lo;
            }
        }
        a[i] = k;
        err *= 1.0 - k * k;
    }
    if (!(err > 0.0)) {
        return false;
    }
    for (size_t k = 0; k <= order; k++) {
        double rho = 0.0;
        for (size_t i = 0; i + k <= order; i++) {
            rho += a[i] * a[i + k];
        }
        p->lpc_rho[k] = (float)(k > 0 ? 2.0 * rho : rho);
    }
    return true;
}

/* w1[b] = d[2 b] |A_b| b and w2[b] = w1[b] b for b < count (count a multiple of 4; 0 at b = 0:
 * bin 0 has no slope or curvature). |A|^2 is the cosine series of rho (rho_0 .. rho_order),
 * summed by Clenshaw's recurrence on the Chebyshev polynomials T_k(x) = cos(k w) at every 4th
 * bin (x2 = 2 cos w there), four of them at a time, into mag; |A| between them is interpolated
 * linearly: an envelope of order <= 24 from a 30 ms Hann window has no detail 4 bins wide
 * (62 Hz at 8 kHz, 31 Hz at 16 kHz), and the weights need not be exact, only smooth. */
static void weigh_bins(float *restrict w1, float *restrict w2, float *restrict mag,
                       const float *restrict d, const float *restrict x2, const float *restrict rho,
                       size_t order, size_t count)
{
    const size_t coarse = count / 4 + 1;
    for (size_t j = 0; j < coarse; j += 4) {
        lanes4 x, u1 = {0.0f, 0.0f, 0.0f, 0.0f}, u2 = u1;
        memcpy(&x, x2 + j, sizeof x);
        for (size_t k = order; k >= 1; k--) {
            const lanes4 t = rho[k] + x * u1 - u2;
            u2 = u1;
            u1 = t;
        }
        const lanes4 a2 = rho[0] + 0.5f * x * u1 - u2;
        for (size_t q = 0; q < 4; q++) {
            mag[j + q] = sqrtf(a2[q] > 0.0f ? a2[q] : 0.0f);
        }
    }
    const lanes4 frac = {0.0f, 0.25f, 0.5f, 0.75f};
    lanes4 bf = {0.0f, 1.0f, 2.0f, 3.0f};
    for (size_t b = 0; b < count; b += 4) {
        const float m0 = mag[b / 4];
        const lanes4 m = m0 + frac * (mag[b / 4 + 1] - m0);
        const lanes4 dv = {d[2 * b], d[2 * b + 2], d[2 * b + 4], d[2 * b + 6]};
        const lanes4 v = dv * m * bf;
        const lanes4 v2 = v * bf;
        memcpy(w1 + b, &v, sizeof v);
        memcpy(w2 + b, &v2, sizeof v2);
        bf += 4.0f;
    }
}

/* sum_b w1[b] sin(b theta) and sum_b w2[b] cos(b theta) over b < count (a multiple of 4), with
 * the phasors of four bins rotated together by 4 theta (float: 0.1 ppm per rotation, 1e-5 rad
 * after the 384 rotations of 48 kHz). */
static void phasor_sums(const float *restrict w1, const float *restrict w2, size_t count,
                        float theta, float *sum_s, float *sum_c)
{
    const float c1 = cosf(theta), s1 = sinf(theta);
    const float c2 = c1 * c1 - s1 * s1, s2 = 2.0f * c1 * s1;
    const float c3 = c2 * c1 - s2 * s1, s3 = s2 * c1 + c2 * s1;
    const float c4 = c2 * c2 - s2 * s2, s4 = 2.0f * c2 * s2;
    lanes4 cs = {1.0f, c1, c2, c3}, sn = {0.0f, s1, s2, s3};
    lanes4 acc_s = {0.0f, 0.0f, 0.0f, 0.0f}, acc_c = acc_s;
    for (size_t b = 0; b < count; b += 4) {
        lanes4 a, c;
        memcpy(&a, w1 + b, sizeof a);
        memcpy(&c, w2 + b, sizeof c);
        acc_s += a * sn;
        acc_c += c * cs;
        const lanes4 cn = cs * c4 - sn * s4;
        sn = sn * c4 + cs * s4;
        cs = cn;
    }
    *sum_s = (acc_s[0] + acc_s[1]) + (acc_s[2] + acc_s[3]);
    *sum_c = (acc_c[0] + acc_c[1]) + (acc_c[2] + acc_c[3]);
}

/* Fine lag of a clean frame. The NCCF peak of a voice whose formants move is pulled off the
 * true period: a resonance sweeping past a harmonic turns its phase, which shifts that
 * harmonic's frequency by up to several Hz, and the NCCF weighs each harmonic by its power, so
 * the few harmonics under F1 and F2 (the ones whose phase turns fastest) decide the peak.
 * Flattening the spectrum spreads the decision over all harmonics (LPC inverse filtering,
 * Markel & Gray 1976, as used before the correlation in RAPT's and SIFT's pre-processing), but
 * completely flattened the weak bins between harmonics count as much as the harmonics: the
 * cross-spectrum D_b of compute_nccf is weighted by |A_b|, half of the whitening |A_b|^2 in
 * power. On pitch_accuracy.py (8 kHz telephone, fine error against the window-mean truth, every
 * voiced frame refined) the exponents 0.25 / 0.5 / 0.6 / 0.75 / 1 of |A_b|^2 gave 5.1 / 4.2 /
 * 4.1 / 4.8 / 7.4 cents against 6.5 without: full whitening hands the decision to the weak
 * high harmonics and the aspiration noise between them; 0.5 needs only a square root. The peak of
 * the weighted symmetric correlation s(tau) = sum_b w_b cos(2 pi b tau / M) is found by Newton's
 * iteration from the DP's lag (s' and s'' are sums over the bins too), at arbitrary fractional
 * lags: no interpolation error, whatever the peak's sharpness. Returns the refined lag, or lag0
 * when it does not converge near lag0 or at an onset or offset (see REFINE_MIN_BALANCE). */
static float refine_lag(rpl_pitch *p, float lag0)
{
    const size_t k = (size_t)lrintf(lag0);
    const size_t l = p->lag_limit, n = p->reference;
    const double e_plus = p->prefix[l + k + n] - p->prefix[l + k];
    const double e_minus = p->prefix[l - k + n] - p->prefix[l - k];
    if (!(e_plus >= REFINE_MIN_BALANCE * e_minus && e_minus >= REFINE_MIN_BALANCE * e_plus)) {
        return lag0;
    }
    if (!lpc_envelope(p)) {
        return lag0;
    }
    const size_t m = p->fft_size;
    const size_t half_m = m / 2;
    /* Bins 0 .. M/2, padded with zero weights to a multiple of 4. The factor 2 of the bins
     * 0 < b < M/2 and 1 of the Nyquist bin cancel in the Newton step but for that bin. */
    const size_t count = (half_m + 1 + 3) / 4 * 4;
    weigh_bins(p->fine_b1, p->fine_b2, p->env_mag, p->spec_up, p->env_cos, p->lpc_rho, p->lpc_order,
               count);
    p->fine_b1[half_m] *= 0.5f;
    p->fine_b2[half_m] *= 0.5f;
    for (size_t b = half_m + 1; b < count; b++) {
        p->fine_b1[b] = p->fine_b2[b] = 0.0f;
    }
    const float omega = 6.28318530717958648f / (float)m;
    float tau = lag0;
    for (size_t it = 0; it < REFINE_ITERATIONS; it++) {
        /* S1 = sum w_b b sin(b theta), C2 = sum w_b b^2 cos(b theta), theta = omega tau:
         * s' = -omega S1, s'' = -omega^2 C2. */
        float sum_s, sum_c;
        phasor_sums(p->fine_b1, p->fine_b2, count, omega * tau, &sum_s, &sum_c);
        /* Damped Newton: uphill by at most REFINE_MAX_STEP, and by that much where s is not
         * concave (a start on the flank of a peak sharpened by the flattening). */
        const float uphill = -sum_s; /* the sign of s'(tau) */
        float step = sum_c > 0.0f ? uphill / (omega * sum_c) : copysignf(REFINE_MAX_STEP, uphill);
        if (fabsf(step) > REFINE_MAX_STEP) {
            step = copysignf(REFINE_MAX_STEP, step);
        }
        tau += step;
        if (!(fabsf(tau - lag0) <= REFINE_MAX_REL * lag0)) {
            return lag0;
        }
        if (fabsf(step) < REFINE_CONVERGED) {
            break;
        }
    }
    return tau;
}

static void find_candidates(rpl_pitch *p, pitch_step *step, float power)
{
    step->count = 1;
    step->best_nccf = 0.0f;
    pitch_cand *unvoiced = &step->cand[0];
    unvoiced->f0_hz = 0.0f;
    unvoiced->fine_hz = 0.0f;
    unvoiced->log2_f0 = 0.0f;
    unvoiced->nccf = 0.0f;
    if (!(power > SILENCE_POWER)) {
        unvoiced->cost = 0.0f;
        return;
    }
    const float *phi = p->nccf;
    const float fs = p->cfg.sample_rate_hz;
    const float log2_lag_min = log2f((float)p->lag_min);
    const float log2_fs = log2f(fs);
    for (size_t j = 2 * p->lag_min; j <= 2 * p->lag_max; j++) {
        const float c = phi[j];
        if (c < CANDIDATE_MIN_NCCF || c < phi[j - 1] || c <= phi[j + 1]) {
            continue;
        }
        const float a = phi[j - 1], b = phi[j + 1];
        const float curv = a - 2.0f * c + b;
        float delta = 0.0f;
        float peak = c;
        if (curv < 0.0f) {
            delta = 0.5f * (a - b) / curv;
            if (delta > 0.5f) {
                delta = 0.5f;
            } else if (delta < -0.5f) {
                delta = -0.5f;
            }
            peak = c - 0.25f * (a - b) * delta;
        }
        const float lag = 0.5f * ((float)j + delta);
        pitch_cand cand;
        const float log2_lag = log2f(lag);
        cand.f0_hz = fs / lag;
        cand.fine_hz = cand.f0_hz;
        cand.log2_f0 = log2_fs - log2_lag;
        cand.nccf = peak > 1.0f ? 1.0f : peak;
        cand.cost = 1.0f - cand.nccf + LAG_COST_PER_OCTAVE * (log2_lag - log2_lag_min);
        const float phi3 = nccf_near(p, 6.0f * lag);
        if (phi3 >= 0.0f) {
            const float phi2 = nccf_near(p, 4.0f * lag);
            const float floor_z = ZIGZAG_FLOOR * (1.0f - cand.nccf);
            const float zig = phi2 - 0.5f * (cand.nccf + phi3);
            if (zig > floor_z) {
                cand.cost += ZIGZAG_WEIGHT * (zig - floor_z);
            }
            /* The same one multiple further: a rise at 3L over 2L and 4L makes L a third of
             * the period (a low voice whose 3rd harmonic carries F1, harmonics 1-2 cut). */
            const float phi4 = nccf_near(p, 8.0f * lag);
            const float zig3 = phi4 >= 0.0f ? phi3 - 0.5f * (phi2 + phi4) : 0.0f;
            if (zig3 > floor_z) {
                cand.cost += ZIGZAG_WEIGHT * (zig3 - floor_z);
            }
        }
        if (p->median_count >= PRIOR_MIN_FRAMES) {
            const float away = fabsf(cand.log2_f0 - p->median_log2) - PRIOR_DEADZONE;
            if (away > 0.0f) {
                cand.cost += PRIOR_WEIGHT * away;
            }
        }
        if (cand.nccf > step->best_nccf) {
            step->best_nccf = cand.nccf;
        }
        add_candidate(step, &cand);
    }
    /* Unvoiced: as good as a voiced candidate whose NCCF is at the threshold. */
    unvoiced->cost = 1.0f - VOICING_THRESHOLD;
    /* The F0 given out, for the best candidate of a clean frame (the DP keeps f0_hz: its
     * decisions, voicing and octave, do not depend on the refinement). */
    if (step->count > 1 && step->cand[1].nccf >= REFINE_MIN_NCCF) {
        pitch_cand *best = &step->cand[1];
        best->fine_hz = fs / refine_lag(p, fs / best->f0_hz);
    }
}

static float transition_cost(const pitch_cand *from, const pitch_cand *to)
{
    const int v_from = from->f0_hz > 0.0f;
    const int v_to = to->f0_hz > 0.0f;
    if (v_from && v_to) {
        return OCTAVE_JUMP_COST * fabsf(to->log2_f0 - from->log2_f0);
    }
    return v_from == v_to ? 0.0f : VOICING_FLIP_COST;
}

static void viterbi_step(rpl_pitch *p, pitch_step *cur, const pitch_step *prev)
{
    float acc[STATES];
    for (size_t j = 0; j < cur->count; j++) {
        float best = 0.0f;
        uint8_t arg = 0;
        if (prev == NULL) {
            cur->back[j] = 0;
            acc[j] = cur->cand[j].cost;
            continue;
        }
        for (size_t i = 0; i < prev->count; i++) {
            const float c = p->acc[i] + transition_cost(&prev->cand[i], &cur->cand[j]);
            if (i == 0 || c < best) {
                best = c;
                arg = (uint8_t)i;
            }
        }
        cur->back[j] = arg;
        acc[j] = best + cur->cand[j].cost;
    }
    /* Keep the accumulated costs small: only differences matter. */
    float low = acc[0];
    for (size_t j = 1; j < cur->count; j++) {
        low = acc[j] < low ? acc[j] : low;
    }
    for (size_t j = 0; j < cur->count; j++) {
        p->acc[j] = acc[j] - low;
    }
}

static size_t best_state(const rpl_pitch *p, const pitch_step *step)
{
    size_t best = 0;
    for (size_t j = 1; j < step->count; j++) {
        if (p->acc[j] < p->acc[best]) {
            best = j;
        }
    }
    return best;
}

static rpl_pitch_frame make_frame(const pitch_step *step, size_t state)
{
    rpl_pitch_frame f;
    const pitch_cand *c = &step->cand[state];
    f.voiced = c->f0_hz > 0.0f;
    f.steady = false;
    f.f0_hz = c->fine_hz;
    /* Confidence from the frame's own evidence: the best NCCF peak against the threshold. */
    f.voicing = 1.0f / (1.0f + expf(-(step->best_nccf - VOICING_THRESHOLD) / VOICING_SLOPE));
    if (step->best_nccf <= 0.0f) {
        f.voicing = 0.0f;
    }
    return f;
}

static int steady_link(float a_hz, float b_hz)
{
    return a_hz > 0.0f && b_hz > 0.0f && fabsf(b_hz - a_hz) < STEADY_REL * a_hz;
}

/* Add a voiced decision to the speaker's recent F0 histogram (dropping the oldest once
 * PRIOR_HISTORY are held) and update the median. O(bins), no allocation. */
static void prior_update(rpl_pitch *p, float f0_hz)
{
    const float pos = (log2f(f0_hz) - log2f(p->cfg.f0_min_hz)) * PRIOR_BINS_PER_OCTAVE;
    long bin = lrintf(floorf(pos));
    bin = bin < 0 ? 0 : bin;
    bin = bin >= (long)p->prior_bins ? (long)p->prior_bins - 1 : bin;
    const size_t slot = p->median_count % PRIOR_HISTORY;
    if (p->median_count >= PRIOR_HISTORY) {
        p->hist[p->recent[slot]]--;
    }
    p->recent[slot] = (uint16_t)bin;
    p->hist[bin]++;
    p->median_count++;
    const size_t held = p->median_count < PRIOR_HISTORY ? p->median_count : PRIOR_HISTORY;
    size_t below = 0, b = 0;
    while (b + 1 < p->prior_bins && 2 * (below + p->hist[b]) < held) {
        below += p->hist[b++];
    }
    p->median_log2 = log2f(p->cfg.f0_min_hz) + ((float)b + 0.5f) / PRIOR_BINS_PER_OCTAVE;
}

/* The decision for the next frame out: the path's state there, with ahead[] the path's F0
 * over the following frames known so far, to tell a steady sound. */
static rpl_pitch_frame emit(rpl_pitch *p, const pitch_step *step, size_t state, const float *ahead,
                            size_t ahead_count)
{
    rpl_pitch_frame f = make_frame(step, state);
    /* The steady-sound check and the prior follow the DP's own F0, as the path does. */
    const float f0 = step->cand[state].f0_hz;
    p->steady_run = steady_link(p->last_f0_hz, f0) ? p->steady_run + 1 : 0;
    p->last_f0_hz = f0;
    size_t forward = 0;
    float prev = f0;
    while (forward < ahead_count && steady_link(prev, ahead[forward])) {
        prev = ahead[forward++];
    }
    const bool steady = f0 > 0.0f && p->steady_run + 1 + forward >= STEADY_FRAMES;
    if (steady && f0 < STEADY_HUM_MAX_HZ) {
        f.voiced = false;
        f.f0_hz = 0.0f;
        f.voicing = 0.0f;
    }
    f.steady = f.voiced && steady;
    if (f.voiced && !steady) {
        prior_update(p, f0);
    }
    p->emitted++;
    return f;
}

bool rpl_pitch_process(rpl_pitch *pitch, const float *window, rpl_pitch_frame *out)
{
    rpl_pitch *p = pitch;
    if (p->flushing) {
        reset_stream(p);
    }
    const float power = compute_nccf(p, window);
    pitch_step *cur = &p->steps[p->frames % p->ring];
    const pitch_step *prev = p->frames > 0 ? &p->steps[(p->frames - 1) % p->ring] : NULL;
    find_candidates(p, cur, power);
    viterbi_step(p, cur, prev);
    p->frames++;
    if (p->frames <= DELAY_FRAMES) {
        return false;
    }
    /* Trace back DELAY_FRAMES steps from the best state of the newest frame. */
    float ahead[DELAY_FRAMES];
    size_t state = best_state(p, cur);
    uint64_t t = p->frames - 1;
    for (size_t d = DELAY_FRAMES; d-- > 0; t--) {
        const pitch_step *step = &p->steps[t % p->ring];
        ahead[d] = step->cand[state].f0_hz;
        state = step->back[state];
    }
    *out = emit(p, &p->steps[t % p->ring], state, ahead, DELAY_FRAMES);
    return true;
}

bool rpl_pitch_flush(rpl_pitch *pitch, rpl_pitch_frame *out)
{
    rpl_pitch *p = pitch;
    if (!p->flushing) {
        p->flushing = 1;
        const size_t count = (size_t)(p->frames - p->emitted);
        p->tail_count = count;
        p->tail_next = 0;
        if (count > 0) {
            /* Trace the rest of the path once, then decide its frames in order. */
            size_t states[DELAY_FRAMES + 1];
            float f0s[DELAY_FRAMES + 1];
            uint64_t t = p->frames - 1;
            size_t state = best_state(p, &p->steps[t % p->ring]);
            for (size_t i = count; i-- > 0; t--) {
                const pitch_step *step = &p->steps[t % p->ring];
                states[i] = state;
                f0s[i] = step->cand[state].f0_hz;
                state = step->back[state];
            }
            const uint64_t first = p->frames - count;
            for (size_t i = 0; i < count; i++) {
                p->tail[i] = emit(p, &p->steps[(first + i) % p->ring], states[i], f0s + i + 1,
                                  count - i - 1);
            }
        }
    }
    if (p->tail_next < p->tail_count) {
        *out = p->tail[p->tail_next++];
        return true;
    }
    reset_stream(p);
    return false;
}

bool rpl_pitch_latest(const rpl_pitch *pitch, rpl_pitch_frame *out)
{
    if (pitch->flushing || pitch->frames == 0) {
        return false;
    }
    const pitch_step *newest = &pitch->steps[(pitch->frames - 1) % pitch->ring];
    *out = make_frame(newest, best_state(pitch, newest));
    return true;
}
