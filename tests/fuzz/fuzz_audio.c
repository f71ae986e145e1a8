/* libFuzzer harness: arbitrary bytes as an audio file (libsndfile virtual I/O from memory),
 * then the whole analysis path of `rappel analyze` on what decodes: the default pipeline for
 * the file's channel count (ingest, frame analysis, cues, scores, alert policy, cross-party
 * cues), finished, with every event and statistic read back.
 *
 * Decoding stops after MAX_SECONDS of audio or MAX_SAMPLES samples, whichever comes first,
 * so one input stays fast (a header may claim hours of audio). The oracle is the sanitizers
 * (ASan + UBSan abort on any finding) plus the documented contract: scores in 0..1 or NaN,
 * alert times ordered and inside the analysed span. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/pipeline.h"
#include "rappel/source_file.h"

/* 30 s: long enough for the baseline (4 s of speech) and an alert (2 s episode) to happen. */
enum { MAX_SECONDS = 30, MAX_SAMPLES = 2000000, BLOCK_FRAMES = 1024 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
    double horizon_s; /* audio given so far, s */
    size_t events;
} run;

/* A broken promise: say which (on fd 2, which the sanitizers and libFuzzer use too) and
 * abort, so libFuzzer keeps the input. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            dprintf(2, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void on_alert(void *user, const rpl_pipeline_alert *a)
{
    run *r = user;
    CHECK(a->t_start_s >= 0.0 && a->t_end_s >= a->t_start_s);
    CHECK(a->t_end_s <= r->horizon_s + 1.0);
    CHECK(a->score >= 0.0 && a->score <= 1.0);
    CHECK(a->evidence_json != NULL && a->evidence_json[0] == '{');
    r->events++;
}

static void on_point(void *user, const rpl_store_point *p)
{
    run *r = user;
    (void)p;
    r->events++;
}

static void on_scores(void *user, const rpl_pipeline_scores *s)
{
    run *r = user;
    for (int i = 0; i < RPL_SCORE_COUNT; i++) {
        CHECK(isnan(s->score[i]) || (s->score[i] >= 0.0 && s->score[i] <= 1.0));
    }
    r->events++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rpl_source_file *src = NULL;
    char why[256];
    if (rpl_source_file_open_memory(data, size, &src, why, sizeof why) != RPL_OK) {
        CHECK(src == NULL && why[0] != '\0');
        return 0;
    }
    const rpl_source_info info = *rpl_source_file_info(src);
    rpl_pipeline_config cfg = rpl_pipeline_config_default(info.channels);
    cfg.input_rate_hz = info.sample_rate_hz;
    rpl_pipeline *pl = NULL;
    if (rpl_pipeline_create(&cfg, &pl) != RPL_OK) {
        rpl_source_file_close(src);
        return 0;
    }
    float *block = malloc(sizeof(float) * BLOCK_FRAMES * (size_t)info.channels);
    CHECK(block != NULL);
    run r = {0};
    rpl_pipeline_sink sink = {
        .on_alert = on_alert, .on_point = on_point, .on_scores = on_scores, .user = &r};
    int64_t max_frames = (int64_t)MAX_SECONDS * info.sample_rate_hz;
    if (max_frames > MAX_SAMPLES / info.channels) {
        max_frames = MAX_SAMPLES / info.channels;
    }
    int64_t frames = 0;
    rpl_status status = RPL_OK;
    while (frames < max_frames) {
        size_t got = 0;
        status = rpl_source_file_read(src, block, BLOCK_FRAMES, &got, why, sizeof why);
        if (status != RPL_OK || got == 0) {
            break;
        }
        frames += (int64_t)got;
        r.horizon_s = (double)frames / info.sample_rate_hz;
        status = rpl_pipeline_process(pl, block, got, &sink);
        CHECK(status == RPL_OK);
    }
    CHECK(rpl_pipeline_finish(pl, &sink) == RPL_OK);
    CHECK(rpl_pipeline_time_s(pl) <= r.horizon_s + 1.0);
    rpl_store_channel_stats stats;
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
        (void)rpl_pipeline_channel_stats(pl, (rpl_store_role)role, &stats);
    }
    rpl_store_cross_stats cross;
    rpl_pipeline_cross_stats(pl, &cross);
    CHECK(cross.dead_air_s >= 0.0 && cross.overtalk_s >= 0.0);
    free(block);
    rpl_pipeline_destroy(pl);
    rpl_source_file_close(src);
    return 0;
}
