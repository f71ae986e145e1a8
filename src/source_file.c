/* Recorded calls through libsndfile: open with checks, read in blocks. */
#include "rappel/source_file.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct rpl_source_file {
    SNDFILE *sf;
    rpl_source_info info;
    int64_t frames_read;
};

static rpl_status say(rpl_status status, char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static rpl_status say(rpl_status status, char *why, size_t why_size, const char *fmt, ...)
{
    if (why != NULL && why_size > 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(why, why_size, fmt, args);
        va_end(args);
    }
    return status;
}

static int raw_sf_format(rpl_raw_encoding encoding)
{
    switch (encoding) {
    case RPL_RAW_ULAW:
        return SF_FORMAT_RAW | SF_FORMAT_ULAW;
    case RPL_RAW_ALAW:
        return SF_FORMAT_RAW | SF_FORMAT_ALAW;
    case RPL_RAW_S16LE:
        return SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
    case RPL_RAW_NONE:
        break;
    }
    return 0;
}

static void describe_format(int format, char *out, size_t size)
{
    SF_FORMAT_INFO major = {.format = format & SF_FORMAT_TYPEMASK};
    SF_FORMAT_INFO minor = {.format = format & SF_FORMAT_SUBMASK};
    const char *major_name = "unknown";
    const char *minor_name = "unknown";
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &major, sizeof major) == 0) {
        major_name = major.name;
    }
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &minor, sizeof minor) == 0) {
        minor_name = minor.name;
    }
    snprintf(out, size, "%s / %s", major_name, minor_name);
}

/* Checks libsndfile cannot make for us: the path is a readable, non-empty regular file. */
static rpl_status check_path(const char *path, char *why, size_t why_size)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        return say(RPL_ERR_IO, why, why_size, "%s", strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        return say(RPL_ERR_IO, why, why_size, "is a directory");
    }
    FILE *probe = fopen(path, "rb");
    if (probe == NULL) {
        return say(RPL_ERR_IO, why, why_size, "%s", strerror(errno));
    }
    fclose(probe);
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        return say(RPL_ERR_EMPTY, why, why_size, "empty file (0 bytes)");
    }
    return RPL_OK;
}

rpl_status rpl_source_file_open(const char *path, const rpl_raw_format *raw, rpl_source_file **out,
                                char *why, size_t why_size)
{
    if (out == NULL || path == NULL) {
        return say(RPL_ERR_INVALID_ARG, why, why_size, "no file given");
    }
    *out = NULL;
    rpl_status status = check_path(path, why, why_size);
    if (status != RPL_OK) {
        return status;
    }
    SF_INFO sfinfo = {0};
    if (raw != NULL && raw->encoding != RPL_RAW_NONE) {
        if (raw_sf_format(raw->encoding) == 0) {
            return say(RPL_ERR_INVALID_ARG, why, why_size, "unknown raw encoding");
        }
        if (raw->sample_rate_hz < RPL_MIN_RATE_HZ || raw->sample_rate_hz > RPL_MAX_RATE_HZ) {
            return say(RPL_ERR_RATE, why, why_size,
                       "headerless audio needs a sample rate from %d to %d Hz (got %d)",
                       RPL_MIN_RATE_HZ, RPL_MAX_RATE_HZ, raw->sample_rate_hz);
        }
        if (raw->channels < 1 || raw->channels > RPL_MAX_CHANNELS) {
            return say(RPL_ERR_CHANNELS, why, why_size,
                       "headerless audio needs 1 to %d channels (got %d)", RPL_MAX_CHANNELS,
                       raw->channels);
        }
        sfinfo.format = raw_sf_format(raw->encoding);
        sfinfo.samplerate = raw->sample_rate_hz;
        sfinfo.channels = raw->channels;
    }
    SNDFILE *sf = sf_open(path, SFM_READ, &sfinfo);
    if (sf == NULL) {
        return say(RPL_ERR_FORMAT, why, why_size, "not an audio file rappel can read (%s)",
                   sf_strerror(NULL));
    }
    if (sfinfo.samplerate < RPL_MIN_RATE_HZ || sfinfo.samplerate > RPL_MAX_RATE_HZ) {
        status = say(RPL_ERR_RATE, why, why_size, "sample rate %d Hz is outside %d..%d Hz",
                     sfinfo.samplerate, RPL_MIN_RATE_HZ, RPL_MAX_RATE_HZ);
        goto fail;
    }
    if (sfinfo.channels < 1 || sfinfo.channels > RPL_MAX_CHANNELS) {
        status = say(RPL_ERR_CHANNELS, why, why_size, "%d channels (rappel reads 1 to %d)",
                     sfinfo.channels, RPL_MAX_CHANNELS);
        goto fail;
    }
    if (sfinfo.frames <= 0) {
        status = say(RPL_ERR_EMPTY, why, why_size, "no audio frames");
        goto fail;
    }
    rpl_source_file *src = calloc(1, sizeof *src);
    if (src == NULL) {
        status = say(RPL_ERR_NO_MEMORY, why, why_size, "out of memory");
        goto fail;
    }
    src->sf = sf;
    src->info.sample_rate_hz = sfinfo.samplerate;
    src->info.channels = sfinfo.channels;
    src->info.frames = sfinfo.frames;
    describe_format(sfinfo.format, src->info.format_name, sizeof src->info.format_name);
    *out = src;
    return RPL_OK;
fail:
    sf_close(sf);
    return status;
}

const rpl_source_info *rpl_source_file_info(const rpl_source_file *src)
{
    return &src->info;
}

rpl_status rpl_source_file_read(rpl_source_file *src, float *buffer, size_t max_frames, size_t *got,
                                char *why, size_t why_size)
{
    *got = 0;
    sf_count_t n = sf_readf_float(src->sf, buffer, (sf_count_t)max_frames);
    if (n < 0 || (n == 0 && sf_error(src->sf) != SF_ERR_NO_ERROR)) {
        return say(RPL_ERR_IO, why, why_size, "read failed (%s)", sf_strerror(src->sf));
    }
    size_t count = (size_t)n * (size_t)src->info.channels;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(buffer[i])) {
            int64_t frame = src->frames_read + (int64_t)(i / (size_t)src->info.channels);
            return say(RPL_ERR_BAD_SAMPLES, why, why_size,
                       "non-finite sample (NaN or infinity) at %.3f s",
                       (double)frame / src->info.sample_rate_hz);
        }
    }
    src->frames_read += n;
    *got = (size_t)n;
    return RPL_OK;
}

void rpl_source_file_close(rpl_source_file *src)
{
    if (src == NULL) {
        return;
    }
    sf_close(src->sf);
    free(src);
}
