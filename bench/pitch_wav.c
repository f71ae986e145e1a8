/* bench/pitch_wav: the resample-free pitch path on one WAV file, for the benchmarks.
 *
 *   pitch_wav FILE [--f0-min HZ] [--f0-max HZ] [--repeat N]
 *
 * Reads the first channel at the file's own rate, runs rpl_pitch with 10 ms hops and prints
 * CSV (time_s,f0_hz,voiced,voicing) with time_s the frame centre, (i + 0.5) * hop. On stderr:
 * the time spent in rpl_pitch_process/flush (best of --repeat runs), per frame and as
 * x-realtime. Bench tool, not part of the library: it prints and exits freely.
 */
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rappel/pitch.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pitch_wav FILE [--f0-min HZ] [--f0-max HZ] [--repeat N]\n");
        return 2;
    }
    const char *path = argv[1];
    int repeat = 1;
    rpl_pitch_config cfg = rpl_pitch_config_default();
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--f0-min") == 0) {
            cfg.f0_min_hz = strtof(argv[i + 1], NULL);
        } else if (strcmp(argv[i], "--f0-max") == 0) {
            cfg.f0_max_hz = strtof(argv[i + 1], NULL);
        } else if (strcmp(argv[i], "--repeat") == 0) {
            repeat = atoi(argv[i + 1]);
        } else {
            fprintf(stderr, "pitch_wav: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (sf == NULL) {
        fprintf(stderr, "pitch_wav: %s: %s\n", path, sf_strerror(NULL));
        return 1;
    }
    size_t n = (size_t)info.frames;
    float *inter = malloc(n * (size_t)info.channels * sizeof *inter);
    if (inter == NULL) {
        return 1;
    }
    sf_readf_float(sf, inter, info.frames);
    sf_close(sf);

    cfg.sample_rate_hz = (float)info.samplerate;
    cfg.hop_samples = (size_t)info.samplerate / 100;
    rpl_pitch *pitch = NULL;
    rpl_status st = rpl_pitch_create(&cfg, &pitch);
    if (st != RPL_OK) {
        fprintf(stderr, "pitch_wav: %s\n", rpl_strerror(st));
        return 1;
    }
    const size_t hop = cfg.hop_samples;
    const size_t w = rpl_pitch_window_samples(pitch);
    const size_t frames = (n + hop - 1) / hop;
    /* Padded copy: w/2 zeros before, enough after, so every window is a plain pointer. */
    const size_t pad = w / 2 + hop;
    float *x = calloc(n + 2 * pad + hop, sizeof *x);
    rpl_pitch_frame *res = calloc(frames + 1, sizeof *res);
    if (x == NULL || res == NULL) {
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        x[pad + i] = inter[i * (size_t)info.channels];
    }
    double best = 1e30;
    for (int r = 0; r < repeat; r++) {
        size_t got = 0;
        const double t0 = now_s();
        for (size_t i = 0; i < frames; i++) {
            /* window start = i*hop + hop/2 - w/2 in stream samples */
            const float *win = x + pad + i * hop + hop / 2 - w / 2;
            if (rpl_pitch_process(pitch, win, &res[got])) {
                got++;
            }
        }
        while (got < frames && rpl_pitch_flush(pitch, &res[got])) {
            got++;
        }
        rpl_pitch_frame dummy;
        while (rpl_pitch_flush(pitch, &dummy)) {
        }
        const double dt = now_s() - t0;
        best = dt < best ? dt : best;
    }
    printf("time_s,f0_hz,voiced,voicing\n");
    for (size_t i = 0; i < frames; i++) {
        printf("%.3f,%.3f,%d,%.3f\n", ((double)i + 0.5) * (double)hop / (double)info.samplerate,
               res[i].voiced ? (double)res[i].f0_hz : 0.0, res[i].voiced ? 1 : 0,
               (double)res[i].voicing);
    }
    const double dur = (double)n / (double)info.samplerate;
    fprintf(stderr, "pitch_wav: %zu frames, %.3f us/frame, %.0fx realtime (window %zu)\n", frames,
            1e6 * best / (double)frames, dur / best, w);
    rpl_pitch_destroy(pitch);
    free(x);
    free(res);
    free(inter);
    return 0;
}
