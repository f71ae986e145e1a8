/* bench/voice_quality_wav: voice quality and spectral balance on one audio file, the way the
 * analysis will run them, for the benchmarks.
 *
 *   voice_quality_wav FILE [--frames] [--write-8k OUT.wav] [--repeat N]
 *
 * Reads the first channel, makes the 8 kHz telephone-band analysis signal (ingest), runs the
 * frame analysis (pitch, voicing, energy, voice activity) and then rpl_voice_quality and
 * rpl_spectral on every final frame, with the window centred on it. Prints one summary line
 * (key=value) on stdout; with --frames, first a CSV of every frame. --write-8k saves the
 * analysis signal (32-bit float WAV) so that Praat measures the very same samples. On
 * stderr: the time spent in the two modules (best of --repeat runs), per frame. Bench tool,
 * not part of the library: it prints and exits freely.
 */
#include <math.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rappel/analysis.h"
#include "rappel/ingest.h"
#include "rappel/spectral.h"
#include "rappel/voice_quality.h"

typedef struct growing {
    float *x;
    size_t n, cap;
    rpl_frame *frames;
    size_t n_frames, cap_frames;
} growing;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void keep_samples(void *user, const float *samples, size_t n)
{
    growing *g = user;
    if (g->n + n > g->cap) {
        g->cap = 2 * (g->n + n);
        g->x = realloc(g->x, g->cap * sizeof *g->x);
        if (g->x == NULL) {
            exit(1);
        }
    }
    memcpy(g->x + g->n, samples, n * sizeof *samples);
    g->n += n;
}

static void keep_frame(void *user, const rpl_frame *frame)
{
    growing *g = user;
    if (g->n_frames == g->cap_frames) {
        g->cap_frames = 2 * g->cap_frames + 64;
        g->frames = realloc(g->frames, g->cap_frames * sizeof *g->frames);
        if (g->frames == NULL) {
            exit(1);
        }
    }
    g->frames[g->n_frames++] = *frame;
}

static int write_wav(const char *path, const float *x, size_t n)
{
    SF_INFO info = {.samplerate = RPL_ANALYSIS_RATE_HZ,
                    .channels = 1,
                    .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (sf == NULL) {
        fprintf(stderr, "voice_quality_wav: %s: %s\n", path, sf_strerror(NULL));
        return 1;
    }
    sf_writef_float(sf, x, (sf_count_t)n);
    sf_close(sf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: voice_quality_wav FILE [--frames] [--write-8k OUT.wav] "
                        "[--repeat N]\n");
        return 2;
    }
    const char *path = argv[1];
    const char *out8k = NULL;
    bool print_frames = false;
    int repeat = 1;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--frames") == 0) {
            print_frames = true;
        } else if (strcmp(argv[i], "--write-8k") == 0 && i + 1 < argc) {
            out8k = argv[++i];
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeat = atoi(argv[++i]);
        } else {
            fprintf(stderr, "voice_quality_wav: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (sf == NULL) {
        fprintf(stderr, "voice_quality_wav: %s: %s\n", path, sf_strerror(NULL));
        return 1;
    }
    size_t n_in = (size_t)info.frames;
    float *inter = malloc(n_in * (size_t)info.channels * sizeof *inter);
    float *mono = malloc(n_in * sizeof *mono);
    if (inter == NULL || mono == NULL) {
        return 1;
    }
    sf_readf_float(sf, inter, info.frames);
    sf_close(sf);
    for (size_t i = 0; i < n_in; i++) {
        mono[i] = inter[i * (size_t)info.channels];
    }

    growing g = {0};
    rpl_ingest *ingest = NULL;
    rpl_status st = rpl_ingest_create(info.samplerate, &ingest);
    if (st == RPL_OK) {
        st = rpl_ingest_process(ingest, mono, n_in, keep_samples, &g);
    }
    if (st == RPL_OK) {
        st = rpl_ingest_flush(ingest, keep_samples, &g);
    }
    rpl_ingest_destroy(ingest);
    rpl_analysis_config acfg = rpl_analysis_config_default();
    rpl_analysis *analysis = NULL;
    if (st == RPL_OK) {
        st = rpl_analysis_create(&acfg, &analysis);
    }
    rpl_voice_quality_config vcfg = rpl_voice_quality_config_default();
    rpl_voice_quality *vq = NULL;
    if (st == RPL_OK) {
        st = rpl_voice_quality_create(&vcfg, &vq);
    }
    rpl_spectral_config scfg = rpl_spectral_config_default();
    rpl_spectral *sp = NULL;
    if (st == RPL_OK) {
        st = rpl_spectral_create(&scfg, &sp);
    }
    if (st != RPL_OK) {
        fprintf(stderr, "voice_quality_wav: %s: %s\n", path, rpl_strerror(st));
        return 1;
    }
    if (out8k != NULL && write_wav(out8k, g.x, g.n) != 0) {
        return 1;
    }
    rpl_analysis_sink sink = {.on_frame = keep_frame, .user = &g};
    rpl_analysis_process(analysis, g.x, g.n, &sink);
    rpl_analysis_flush(analysis, &sink);

    const size_t wv = rpl_voice_quality_window_samples(vq);
    const size_t ws = rpl_spectral_window_samples(sp);
    const size_t w = wv > ws ? wv : ws;
    const size_t pad = w;
    float *x = calloc(g.n + 2 * pad + RPL_HOP_SAMPLES, sizeof *x);
    rpl_voice_quality_frame *vf = calloc(g.n_frames + 1, sizeof *vf);
    rpl_spectral_frame *sfr = calloc(g.n_frames + 1, sizeof *sfr);
    if (x == NULL || vf == NULL || sfr == NULL) {
        return 1;
    }
    memcpy(x + pad, g.x, g.n * sizeof *x);
    double best = INFINITY;
    for (int r = 0; r < repeat; r++) {
        rpl_voice_quality_reset(vq);
        rpl_spectral_reset(sp);
        const double t0 = now_s();
        for (size_t i = 0; i < g.n_frames; i++) {
            const float *centre = x + pad + i * RPL_HOP_SAMPLES + RPL_HOP_SAMPLES / 2;
            rpl_voice_quality_process(vq, centre - wv / 2, &g.frames[i], &vf[i]);
            rpl_spectral_process(sp, centre - ws / 2, &g.frames[i], &sfr[i]);
        }
        const double dt = now_s() - t0;
        best = dt < best ? dt : best;
    }
    if (print_frames) {
        printf("time_s,f0_hz,voiced,energy_db,speech,jitter_pct,shimmer_db,hnr_db,slope_db_khz,"
               "alpha_ratio_db,hammarberg_db,share_800_1500_db,flux,loudness\n");
        for (size_t i = 0; i < g.n_frames; i++) {
            const rpl_frame *f = &g.frames[i];
            printf("%.3f,%.2f,%d,%.2f,%d,%.3f,%.3f,%.2f,%.3f,%.2f,%.2f,%.2f,%.4f,%.3f\n", f->time_s,
                   (double)f->f0_hz, f->voiced ? 1 : 0, (double)f->energy_db, f->speech ? 1 : 0,
                   (double)vf[i].jitter_pct, (double)vf[i].shimmer_db, (double)vf[i].hnr_db,
                   (double)sfr[i].slope_db_khz, (double)sfr[i].alpha_ratio_db,
                   (double)sfr[i].hammarberg_db, (double)sfr[i].share_800_1500_db,
                   (double)sfr[i].flux, (double)sfr[i].loudness);
        }
    }
    rpl_voice_quality_stats vs = rpl_voice_quality_stats_get(vq);
    rpl_spectral_stats ss = rpl_spectral_stats_get(sp);
    double e_sum = 0.0;
    size_t e_n = 0;
    for (size_t i = 0; i < g.n_frames; i++) {
        e_sum += pow(10.0, 0.1 * (double)g.frames[i].energy_db);
        e_n++;
    }
    printf("summary file=%s jitter_pct=%.4f shimmer_db=%.4f hnr_db=%.3f periods=%zu "
           "voiced_frames=%zu energy_db=%.3f slope_db_khz=%.3f alpha_ratio_db=%.3f "
           "hammarberg_db=%.3f share_800_1500_db=%.3f flux=%.4f loudness=%.3f speech_frames=%zu\n",
           path, (double)vs.jitter_pct, (double)vs.shimmer_db, (double)vs.hnr_db, vs.periods,
           vs.voiced_frames, 10.0 * log10(e_sum / (double)(e_n > 0 ? e_n : 1) + 1e-30),
           (double)ss.mean.slope_db_khz, (double)ss.mean.alpha_ratio_db,
           (double)ss.mean.hammarberg_db, (double)ss.mean.share_800_1500_db, (double)ss.mean.flux,
           (double)ss.mean.loudness, ss.frames);
    fprintf(stderr,
            "voice_quality_wav: %zu frames, voice quality + spectral %.3f us/frame "
            "(best of %d)\n",
            g.n_frames, 1e6 * best / (double)(g.n_frames > 0 ? g.n_frames : 1), repeat);
    rpl_voice_quality_destroy(vq);
    rpl_spectral_destroy(sp);
    rpl_analysis_destroy(analysis);
    free(x);
    free(vf);
    free(sfr);
    free(g.x);
    free(g.frames);
    free(inter);
    free(mono);
    return 0;
}
