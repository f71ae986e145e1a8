/* Resample to the analysis rate (libsoxr) and band-limit (dsp/bandpass). */
#include "rappel/ingest.h"

#include <soxr.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/bandpass.h"
#include "rappel/features.h"
#include "rappel/source_file.h"

enum { OUT_BLOCK = 4096 };

struct rpl_ingest {
    soxr_t soxr; /* NULL when the input is already at the analysis rate */
    rpl_bandpass *bandpass;
    float out[OUT_BLOCK];
};

rpl_status rpl_ingest_create(double input_rate_hz, rpl_ingest **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!(input_rate_hz >= RPL_MIN_RATE_HZ && input_rate_hz <= RPL_MAX_RATE_HZ)) {
        return RPL_ERR_RATE;
    }
    rpl_ingest *ing = calloc(1, sizeof *ing);
    if (ing == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    rpl_status status = rpl_bandpass_create(RPL_ANALYSIS_RATE_HZ, 300.0f, 3400.0f, &ing->bandpass);
    if (status != RPL_OK) {
        goto fail;
    }
    if (input_rate_hz != RPL_ANALYSIS_RATE_HZ) {
        soxr_error_t err = NULL;
        soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
        soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
        ing->soxr = soxr_create(input_rate_hz, RPL_ANALYSIS_RATE_HZ, 1, &err, &io, &quality, NULL);
        if (ing->soxr == NULL || err != NULL) {
            status = RPL_ERR_RESAMPLE;
            goto fail;
        }
    }
    *out = ing;
    return RPL_OK;
fail:
    rpl_ingest_destroy(ing);
    return status;
}

void rpl_ingest_destroy(rpl_ingest *ing)
{
    if (ing == NULL) {
        return;
    }
    if (ing->soxr != NULL) {
        soxr_delete(ing->soxr);
    }
    rpl_bandpass_destroy(ing->bandpass);
    free(ing);
}

static void deliver(rpl_ingest *ing, size_t n, rpl_ingest_sink sink, void *user)
{
    if (n > 0) {
        rpl_bandpass_process(ing->bandpass, ing->out, n);
        sink(user, ing->out, n);
    }
}

rpl_status rpl_ingest_process(rpl_ingest *ing, const float *in, size_t n, rpl_ingest_sink sink,
                              void *user)
{
    if (ing->soxr == NULL) {
        while (n > 0) {
            size_t take = n < OUT_BLOCK ? n : OUT_BLOCK;
            memcpy(ing->out, in, take * sizeof *in);
            deliver(ing, take, sink, user);
            in += take;
            n -= take;
        }
        return RPL_OK;
    }
    /* soxr may hold input back or produce more than one block: loop until it has taken all
     * the input and has nothing more to give. */
    for (;;) {
        size_t used = 0;
        size_t made = 0;
        if (soxr_process(ing->soxr, in, n, &used, ing->out, OUT_BLOCK, &made) != NULL) {
            return RPL_ERR_RESAMPLE;
        }
        deliver(ing, made, sink, user);
        in += used;
        n -= used;
        if (n == 0 && made < OUT_BLOCK) {
            return RPL_OK;
        }
    }
}

rpl_status rpl_ingest_process_pair(rpl_ingest *a, const float *in_a, rpl_ingest_sink sink_a,
                                   void *user_a, rpl_ingest *b, const float *in_b,
                                   rpl_ingest_sink sink_b, void *user_b, size_t n)
{
    if (a->soxr != NULL || b->soxr != NULL) {
        rpl_status status = rpl_ingest_process(a, in_a, n, sink_a, user_a);
        return status == RPL_OK ? rpl_ingest_process(b, in_b, n, sink_b, user_b) : status;
    }
    while (n > 0) {
        size_t take = n < OUT_BLOCK ? n : OUT_BLOCK;
        memcpy(a->out, in_a, take * sizeof *in_a);
        memcpy(b->out, in_b, take * sizeof *in_b);
        rpl_bandpass_process_pair(a->bandpass, a->out, b->bandpass, b->out, take);
        sink_a(user_a, a->out, take);
        sink_b(user_b, b->out, take);
        in_a += take;
        in_b += take;
        n -= take;
    }
    return RPL_OK;
}

rpl_status rpl_ingest_flush(rpl_ingest *ing, rpl_ingest_sink sink, void *user)
{
    if (ing->soxr != NULL) {
        size_t made = 0;
        do {
            if (soxr_process(ing->soxr, NULL, 0, NULL, ing->out, OUT_BLOCK, &made) != NULL) {
                return RPL_ERR_RESAMPLE;
            }
            deliver(ing, made, sink, user);
        } while (made > 0);
        soxr_clear(ing->soxr);
    }
    rpl_bandpass_reset(ing->bandpass);
    return RPL_OK;
}
