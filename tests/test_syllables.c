/* Syllable nuclei and speaking rate (dsp/syllables.c) on signals whose syllable count is known:
 * synthetic vowel trains, and espeak-ng speech of a fixed text at several rates, wideband and
 * as an 8 kHz mu-law call, through the whole front end (libsndfile, ingest, analysis).
 * Also the pause statistics of dsp/pauses.c (count, total, mean, longest, rate per minute). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "rappel/analysis.h"
#include "rappel/ingest.h"
#include "rappel/pauses.h"
#include "rappel/source_file.h"
#include "rappel/syllables.h"
#include "signals.h"

enum { RATE = 8000 };

/* |a - b| <= tol in double precision (cmocka's assert_float_equal works in float). */
#define assert_close(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

/* ---- frames of a signal through the real analysis ---- */

typedef struct {
    rpl_frame *frames;
    size_t n_frames;
    size_t capacity;
    rpl_analysis *analysis;
} collected;

static void on_frame(void *user, const rpl_frame *f)
{
    collected *c = user;
    if (c->n_frames == c->capacity) {
        c->capacity = c->capacity ? 2 * c->capacity : 1024;
        c->frames = realloc(c->frames, c->capacity * sizeof *c->frames);
        assert_non_null(c->frames);
    }
    c->frames[c->n_frames++] = *f;
}

static void start_collect(collected *c)
{
    memset(c, 0, sizeof *c);
    rpl_analysis_config cfg = rpl_analysis_config_default();
    assert_int_equal(rpl_analysis_create(&cfg, &c->analysis), RPL_OK);
}

static void feed_analysis(void *user, const float *x, size_t n)
{
    collected *c = user;
    rpl_analysis_sink sink = {.on_frame = on_frame, .user = c};
    rpl_analysis_process(c->analysis, x, n, &sink);
}

static void end_collect(collected *c)
{
    rpl_analysis_sink sink = {.on_frame = on_frame, .user = c};
    rpl_analysis_flush(c->analysis, &sink);
    rpl_analysis_destroy(c->analysis);
    c->analysis = NULL;
}

/* An 8 kHz signal band-limited as ingest does, then analysed. */
static void analyse_signal(const float *input, size_t n, collected *c)
{
    float *x = malloc(n * sizeof *x);
    memcpy(x, input, n * sizeof *x);
    assert_true(test_band_limit(x, n, RATE));
    start_collect(c);
    for (size_t i = 0; i < n; i += 1000) {
        feed_analysis(c, x + i, n - i < 1000 ? n - i : 1000);
    }
    end_collect(c);
    free(x);
}

/* A sound file through libsndfile and ingest (resampling, band-limiting), then analysed. */
static void analyse_file(const char *path, collected *c)
{
    char why[256] = "";
    rpl_source_file *src = NULL;
    rpl_status st = rpl_source_file_open(path, NULL, &src, why, sizeof why);
    if (st != RPL_OK) {
        fail_msg("%s: %s", path, why);
    }
    const rpl_source_info *info = rpl_source_file_info(src);
    assert_int_equal(info->channels, 1);
    rpl_ingest *ingest = NULL;
    assert_int_equal(rpl_ingest_create(info->sample_rate_hz, &ingest), RPL_OK);
    start_collect(c);
    float block[4096];
    size_t got = 0;
    while (rpl_source_file_read(src, block, 4096, &got, why, sizeof why) == RPL_OK && got > 0) {
        assert_int_equal(rpl_ingest_process(ingest, block, got, feed_analysis, c), RPL_OK);
    }
    assert_int_equal(rpl_ingest_flush(ingest, feed_analysis, c), RPL_OK);
    end_collect(c);
    rpl_ingest_destroy(ingest);
    rpl_source_file_close(src);
}

/* ---- the module driven by the frames ---- */

typedef struct {
    size_t n_out;
    size_t nuclei;
    int64_t *nucleus_frames;
    rpl_syllables_frame last;
    rpl_syllable_stats stats;
} syllable_run;

static void run_syllables(const collected *c, const rpl_syllables_config *cfg, syllable_run *r)
{
    rpl_syllables *s = NULL;
    assert_int_equal(rpl_syllables_create(cfg, &s), RPL_OK);
    memset(r, 0, sizeof *r);
    r->nucleus_frames = calloc(c->n_frames + 1, sizeof *r->nucleus_frames);
    rpl_syllables_frame out;
    size_t delay = rpl_syllables_delay_frames(s);
    for (size_t i = 0; i < c->n_frames; i++) {
        bool ready = rpl_syllables_process(s, &c->frames[i], &out);
        assert_true(ready == (i >= delay));
        if (ready) {
            r->nucleus_frames[r->nuclei] = (int64_t)r->n_out;
            r->nuclei += out.nucleus ? 1 : 0;
            r->n_out++;
            r->last = out;
        }
    }
    while (rpl_syllables_flush(s, &out)) {
        r->nucleus_frames[r->nuclei] = (int64_t)r->n_out;
        r->nuclei += out.nucleus ? 1 : 0;
        r->n_out++;
        r->last = out;
    }
    assert_int_equal(r->n_out, c->n_frames);
    r->stats = rpl_syllables_stats(s);
    assert_int_equal(r->stats.nuclei, r->nuclei);
    rpl_syllables_destroy(s);
}

/* ---- espeak-ng speech of a known syllable count ---- */

/* Four sentences, syllables counted by hand (dictionary syllabification). */
static const char *const sentences[] = {
    "I would like to check the status of my order today",       /* 14 */
    "The parcel was supposed to arrive on Monday morning",      /* 14 */
    "Nobody called me back and I have been waiting for a week", /* 15 */
    "Could you please tell me when it will be delivered",       /* 12 */
};
static const int sentence_syllables = 55;

typedef struct {
    double speech_s; /* summed duration of the sentences, each trimmed of its silences */
    char wide[512];  /* the speech as espeak-ng made it (22.05 kHz) */
    char ulaw[512];  /* the same as an 8 kHz mu-law WAV */
} spoken;

static bool have_tools(void)
{
    return system("command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1") == 0;
}

/* Say the sentences at `wpm` into dir: each one trimmed of leading/trailing silence (sox,
 * 1 % of full scale), 0.6 s of silence before, between and after. The truth's speech time is
 * the sum of the trimmed sentence durations, measured on the clean wideband audio. */
static void make_spoken(const char *dir, const char *voice, int wpm, spoken *sp)
{
    char cmd[4096];
    int len = snprintf(cmd, sizeof cmd, "set -e; cd '%s'; rm -f durations.txt; ", dir);
    for (size_t i = 0; i < 4; i++) {
        len += snprintf(cmd + len, sizeof cmd - (size_t)len,
                        "espeak-ng -v %s -s %d -w r%zu.wav '%s'; "
                        "sox r%zu.wav t%zu.wav silence 1 0.02 1%% reverse silence 1 0.02 1%% "
                        "reverse; soxi -D t%zu.wav >> durations.txt; ",
                        voice, wpm, i, sentences[i], i, i, i);
    }
    snprintf(cmd + len, sizeof cmd - (size_t)len,
             "sox -n -r $(soxi -r t0.wav) -c 1 -b 16 gap.wav trim 0 0.6; "
             "sox gap.wav t0.wav gap.wav t1.wav gap.wav t2.wav gap.wav t3.wav gap.wav "
             "wide%d.wav; sox -D wide%d.wav -r 8000 -e mu-law ulaw%d.wav",
             wpm, wpm, wpm);
    assert_int_equal(system(cmd), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/durations.txt", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    sp->speech_s = 0.0;
    double d = 0.0;
    int lines = 0;
    while (fscanf(f, "%lf", &d) == 1) {
        sp->speech_s += d;
        lines++;
    }
    fclose(f);
    assert_int_equal(lines, 4);
    snprintf(sp->wide, sizeof sp->wide, "%s/wide%d.wav", dir, wpm);
    snprintf(sp->ulaw, sizeof sp->ulaw, "%s/ulaw%d.wav", dir, wpm);
}

static void rm_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Articulation rate within 15 % of the truth at 100..300 words per minute, for two espeak-ng
 * voices, wideband and 8 kHz mu-law; the estimated rates rank as the true ones; the two
 * encodings agree within 5 %. */
static void articulation_rate_tracks_espeak(void **state)
{
    (void)state;
    if (!have_tools()) {
        printf("espeak-ng or sox missing: skipped\n");
        skip();
    }
    char dir[] = "/tmp/rpl_syllables_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *const voices[] = {"en", "en+f3"};
    const int wpm[] = {100, 150, 200, 250, 300};
    enum { N_RATES = sizeof wpm / sizeof wpm[0] };
    static collected c;
    const rpl_syllables_config cfg = rpl_syllables_config_default();
    double worst = 0.0;
    for (size_t v = 0; v < 2; v++) {
        double estimate[2][N_RATES];
        double truth[N_RATES];
        for (size_t k = 0; k < N_RATES; k++) {
            spoken sp;
            make_spoken(dir, voices[v], wpm[k], &sp);
            truth[k] = sentence_syllables / sp.speech_s;
            for (int enc = 0; enc < 2; enc++) {
                analyse_file(enc == 0 ? sp.wide : sp.ulaw, &c);
                syllable_run r;
                run_syllables(&c, &cfg, &r);
                estimate[enc][k] = r.stats.articulation_rate_sps;
                double err = r.stats.articulation_rate_sps / truth[k] - 1.0;
                worst = fabs(err) > worst ? fabs(err) : worst;
                printf("%-5s %3d wpm %-4s: %2zu nuclei (truth %d), speech %5.2f s (truth %5.2f), "
                       "articulation %.2f sps (truth %.2f), error %+5.1f %%\n",
                       voices[v], wpm[k], enc == 0 ? "wide" : "ulaw", r.nuclei, sentence_syllables,
                       r.stats.speech_s, sp.speech_s, r.stats.articulation_rate_sps, truth[k],
                       100.0 * err);
                assert_true(fabs(err) <= 0.15);
                /* Speech rate is over the elapsed time: 0.6 s silences on each side. */
                assert_true(r.stats.speech_rate_sps < r.stats.articulation_rate_sps);
                free(r.nucleus_frames);
                free(c.frames);
            }
            assert_true(fabs(estimate[1][k] / estimate[0][k] - 1.0) <= 0.05);
        }
        for (size_t k = 1; k < N_RATES; k++) {
            assert_true(truth[k] > truth[k - 1]);
            assert_true(estimate[0][k] > estimate[0][k - 1]);
            assert_true(estimate[1][k] > estimate[1][k - 1]);
        }
    }
    printf("worst articulation-rate error: %.1f %%\n", 100.0 * worst);
    rm_dir(dir);
}

/* ---- synthetic syllable trains ---- */

enum { PHRASES = 3, SYLLABLES = 8 };
static const double syl_s = 0.18;     /* vowel length */
static const double syl_gap_s = 0.04; /* silence between syllables: bridged, not a pause */
static const double phrase_gap_s = 0.5;
static const double lead_s = 0.5;

static const double insert_s = 0.15; /* length of a sound put in the middle of a phrase gap */

/* Phrases of SYLLABLES vowels (F0 moving from phrase to phrase), phrase_gap_s apart. With
 * extra = 1, a voiced vowel 30 dB below the others (under the 25 dB level threshold) in the
 * middle of each phrase gap; with extra = 2, an unvoiced noise burst (a fricative) as loud as
 * the vowels there instead. Both are speech to the voice-activity detector; neither is a
 * nucleus. Start times of the vowels in starts. */
static float *syllable_train(size_t *n, double *starts, int extra, uint64_t *seed)
{
    double phrase_s = SYLLABLES * (syl_s + syl_gap_s);
    double total = lead_s + PHRASES * phrase_s + (PHRASES - 1) * phrase_gap_s + 0.8;
    *n = (size_t)(total * RATE);
    float *x = calloc(*n, sizeof *x);
    double t = lead_s;
    size_t k = 0;
    for (int p = 0; p < PHRASES; p++) {
        for (int i = 0; i < SYLLABLES; i++) {
            double f0 = 120.0 + 15.0 * p + 4.0 * i;
            test_vowel(x, (size_t)(t * RATE), (size_t)(syl_s * RATE), RATE, f0, 0.3f);
            starts[k++] = t;
            t += syl_s + syl_gap_s;
        }
        if (p + 1 < PHRASES && extra != 0) {
            size_t at =
                (size_t)((t - syl_gap_s + (phrase_gap_s + syl_gap_s - insert_s) / 2) * RATE);
            size_t len = (size_t)(insert_s * RATE);
            if (extra == 1) {
                test_vowel(x, at, len, RATE, 130.0, 0.3f * 0.0316f);
            } else {
                float *burst = calloc(len, sizeof *burst);
                test_white(burst, len, 0.05f, seed);
                for (size_t j = 0; j < len; j++) {
                    x[at + j] += burst[j];
                }
                free(burst);
            }
        }
        t += phrase_gap_s;
    }
    test_white(x, *n, 0.0005f, seed);
    return x;
}

/* Each vowel gives exactly one nucleus, inside it; articulation rate = nuclei / speech. */
static void check_train(const syllable_run *r, const double *starts, int extra)
{
    assert_int_equal(r->nuclei, PHRASES * SYLLABLES);
    for (size_t k = 0; k < r->nuclei; k++) {
        double t = ((double)r->nucleus_frames[k] + 0.5) * 0.01;
        printf("  nucleus %2zu at %.3f s, vowel %.3f..%.3f s\n", k, t, starts[k],
               starts[k] + syl_s);
        assert_true(t >= starts[k] && t <= starts[k] + syl_s);
    }
    double speech_truth = PHRASES * (SYLLABLES * (syl_s + syl_gap_s) - syl_gap_s);
    speech_truth += extra != 0 ? (PHRASES - 1) * insert_s : 0.0;
    printf("  speech %.2f s (truth %.2f s), articulation %.2f sps\n", r->stats.speech_s,
           speech_truth, r->stats.articulation_rate_sps);
    /* 48-54 segment edges, each found within a frame or two (the detector hears speech down
     * to -80 dBFS, so a fading edge counts a little longer than the test's rectangle) */
    assert_true(fabs(r->stats.speech_s - speech_truth) <= 0.1);
    assert_true(fabs(r->stats.articulation_rate_sps - r->nuclei / speech_truth) <=
                0.03 * r->nuclei / speech_truth);
    double elapsed = (double)r->n_out * 0.01;
    assert_true(fabs(r->stats.elapsed_s - elapsed) < 1e-9);
    assert_true(fabs(r->stats.speech_rate_sps - r->nuclei / elapsed) < 1e-6);
}

static void one_nucleus_per_vowel(void **state)
{
    (void)state;
    uint64_t seed = test_seed("one_nucleus_per_vowel");
    double starts[PHRASES * SYLLABLES];
    static collected c;
    const rpl_syllables_config cfg = rpl_syllables_config_default();
    const char *const what[] = {"plain", "weak voiced sounds in the pauses",
                                "loud unvoiced bursts in the pauses"};
    for (int extra = 0; extra < 3; extra++) {
        printf("%s\n", what[extra]);
        size_t n = 0;
        float *x = syllable_train(&n, starts, extra, &seed);
        analyse_signal(x, n, &c);
        syllable_run r;
        run_syllables(&c, &cfg, &r);
        check_train(&r, starts, extra);
        free(r.nucleus_frames);
        free(c.frames);
        free(x);
    }
}

/* Running rates: NAN until min_speech_ms of speech is in the window, then the window's counts;
 * a second stream through the same handle gives the same decisions. */
static void running_rates_and_restart(void **state)
{
    (void)state;
    uint64_t seed = test_seed("running_rates_and_restart");
    double starts[PHRASES * SYLLABLES];
    size_t n = 0;
    float *x = syllable_train(&n, starts, 0, &seed);
    static collected c;
    analyse_signal(x, n, &c);
    rpl_syllables_config cfg = rpl_syllables_config_default();
    cfg.rate_window_ms = 2000.0f;
    rpl_syllables *s = NULL;
    assert_int_equal(rpl_syllables_create(&cfg, &s), RPL_OK);
    assert_int_equal(rpl_syllables_window_samples(s), 0);
    bool *nuclei[2];
    for (int pass = 0; pass < 2; pass++) {
        nuclei[pass] = calloc(c.n_frames, sizeof(bool));
        rpl_syllables_frame *out = calloc(c.n_frames, sizeof *out);
        bool *speech = calloc(c.n_frames, sizeof *speech);
        size_t got = 0;
        for (size_t i = 0; i < c.n_frames; i++) {
            speech[i] = c.frames[i].speech;
            if (rpl_syllables_process(s, &c.frames[i], &out[got])) {
                got++;
            }
        }
        while (rpl_syllables_flush(s, &out[got])) {
            got++;
        }
        assert_int_equal(got, c.n_frames);
        size_t w = 200; /* rate window in frames */
        for (size_t i = 0; i < got; i++) {
            size_t from = i + 1 >= w ? i + 1 - w : 0;
            size_t nuc = 0;
            size_t sp = 0;
            for (size_t j = from; j <= i; j++) {
                nuc += out[j].nucleus ? 1 : 0;
                sp += speech[j] ? 1 : 0;
            }
            nuclei[pass][i] = out[i].nucleus;
            if (sp < 100) {
                assert_true(isnan(out[i].speech_rate_sps));
                assert_true(isnan(out[i].articulation_rate_sps));
            } else {
                assert_close((double)out[i].speech_rate_sps,
                             (double)nuc / ((double)(i + 1 - from) * 0.01), 1e-3);
                assert_close((double)out[i].articulation_rate_sps,
                             (double)nuc / ((double)sp * 0.01), 1e-3);
            }
        }
        free(out);
        free(speech);
    }
    assert_memory_equal(nuclei[0], nuclei[1], c.n_frames * sizeof(bool));
    assert_false(rpl_syllables_flush(s, &(rpl_syllables_frame){0}));
    rpl_syllables_destroy(s);
    free(nuclei[0]);
    free(nuclei[1]);
    free(c.frames);
    free(x);
}

static void silence_and_empty_streams(void **state)
{
    (void)state;
    rpl_syllables_config cfg = rpl_syllables_config_default();
    rpl_syllables *s = NULL;
    assert_int_equal(rpl_syllables_create(&cfg, &s), RPL_OK);
    rpl_syllables_frame out;
    assert_false(rpl_syllables_flush(s, &out)); /* empty stream */
    rpl_syllable_stats st = rpl_syllables_stats(s);
    assert_int_equal(st.nuclei, 0);
    assert_true(isnan(st.speech_rate_sps) && isnan(st.articulation_rate_sps));
    rpl_frame f = {.energy_db = -30.0f, .voiced = true, .speech = true};
    size_t got = 0;
    for (int i = 0; i < 300; i++) { /* a perfectly steady voiced tone: no peak */
        f.index = i;
        got += rpl_syllables_process(s, &f, &out) ? 1 : 0;
    }
    while (rpl_syllables_flush(s, &out)) {
        got++;
    }
    st = rpl_syllables_stats(s);
    assert_int_equal(got, 300);
    assert_int_equal(st.nuclei, 0);
    assert_close(st.speech_s, 3.0, 1e-9);
    assert_close(st.articulation_rate_sps, 0.0, 1e-12);
    rpl_syllables_destroy(s);
    rpl_syllables_destroy(NULL);
}

static void invalid_configs_are_refused(void **state)
{
    (void)state;
    rpl_syllables *s = (rpl_syllables *)&s;
    const rpl_syllables_config good = rpl_syllables_config_default();
    assert_int_equal(rpl_syllables_create(NULL, &s), RPL_ERR_INVALID_ARG);
    assert_null(s);
    assert_int_equal(rpl_syllables_create(&good, NULL), RPL_ERR_INVALID_ARG);
    rpl_syllables_config bad[8];
    for (size_t i = 0; i < 8; i++) {
        bad[i] = good;
    }
    bad[0].frame_ms = 0.0f;
    bad[1].dip_db = NAN;
    bad[2].level_below_max_db = 0.5f;
    bad[3].level_window_ms = 100.0f;
    bad[4].search_ms = 20.0f;
    bad[5].rate_window_ms = 100.0f;
    bad[6].min_speech_ms = 0.0f;
    bad[7].min_speech_ms = good.rate_window_ms + 10.0f;
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(rpl_syllables_create(&bad[i], &s), RPL_ERR_INVALID_ARG);
        assert_null(s);
    }
}

/* ---- pause statistics (dsp/pauses.c) ---- */

static void feed_pauses(rpl_pauses *p, bool speech, int frames)
{
    rpl_pause pause;
    for (int i = 0; i < frames; i++) {
        rpl_pauses_process(p, speech, &pause);
    }
}

/* Known runs: a 300 ms and an 800 ms pause count; a 150 ms gap (< 200 ms) and a 4 s silence
 * (> 3 s, end of turn) do not. */
static void pause_statistics(void **state)
{
    (void)state;
    rpl_pauses_config cfg = rpl_pauses_config_default();
    rpl_pauses *p = NULL;
    assert_int_equal(rpl_pauses_create(&cfg, &p), RPL_OK);
    rpl_pause_stats st = rpl_pauses_stats(p);
    assert_int_equal(st.count, 0);
    assert_true(st.mean_s == 0.0 && st.rate_per_min == 0.0);
    feed_pauses(p, false, 50); /* silence before the turn: not a pause */
    feed_pauses(p, true, 100);
    feed_pauses(p, false, 30);
    feed_pauses(p, true, 100);
    feed_pauses(p, false, 15);
    feed_pauses(p, true, 50);
    feed_pauses(p, false, 80);
    feed_pauses(p, true, 50);
    feed_pauses(p, false, 400);
    feed_pauses(p, true, 100);
    st = rpl_pauses_stats(p);
    assert_int_equal(st.count, 2);
    assert_close(st.total_s, 1.1, 1e-9);
    assert_close(st.max_s, 0.8, 1e-9);
    assert_close(st.mean_s, 0.55, 1e-9);
    assert_close(st.speech_s, 4.0, 1e-9);
    assert_close(st.rate_per_min, 30.0, 1e-9);
    rpl_pauses_destroy(p);
}

/* The same through the analysis on the syllable train: two 0.5 s pauses between phrases. */
static void pause_statistics_from_speech(void **state)
{
    (void)state;
    uint64_t seed = test_seed("pause_statistics_from_speech");
    double starts[PHRASES * SYLLABLES];
    size_t n = 0;
    float *x = syllable_train(&n, starts, 0, &seed);
    assert_true(test_band_limit(x, n, RATE));
    rpl_analysis_config cfg = rpl_analysis_config_default();
    rpl_analysis *a = NULL;
    assert_int_equal(rpl_analysis_create(&cfg, &a), RPL_OK);
    rpl_analysis_process(a, x, n, NULL);
    rpl_analysis_flush(a, NULL);
    rpl_pause_stats st = rpl_analysis_pause_stats(a);
    double speech_truth = PHRASES * (SYLLABLES * (syl_s + syl_gap_s) - syl_gap_s);
    printf("pauses %zu, total %.2f s, mean %.3f s, max %.3f s, speech %.2f s, %.1f /min\n",
           st.count, st.total_s, st.mean_s, st.max_s, st.speech_s, st.rate_per_min);
    assert_int_equal(st.count, PHRASES - 1);
    assert_true(fabs(st.mean_s - phrase_gap_s - syl_gap_s) <= 0.04);
    assert_true(fabs(st.max_s - phrase_gap_s - syl_gap_s) <= 0.04);
    assert_true(fabs(st.total_s - (PHRASES - 1) * (phrase_gap_s + syl_gap_s)) <= 0.08);
    double rate_truth = (PHRASES - 1) * 60.0 / speech_truth;
    assert_true(fabs(st.rate_per_min - rate_truth) <= 0.03 * rate_truth);
    rpl_analysis_destroy(a);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_nucleus_per_vowel),
        cmocka_unit_test(running_rates_and_restart),
        cmocka_unit_test(silence_and_empty_streams),
        cmocka_unit_test(invalid_configs_are_refused),
        cmocka_unit_test(pause_statistics),
        cmocka_unit_test(pause_statistics_from_speech),
        cmocka_unit_test(articulation_rate_tracks_espeak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
