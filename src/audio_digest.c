/* The content digest of a recorded call: see include/rappel/audio_digest.h. SHA-256 is
 * nettle's. */
#include "rappel/audio_digest.h"

#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Frames per read: the same block as the analysis reads (cli_pipeline.c); the digest does
 * not depend on it. */
enum { READ_FRAMES = 4096 };

struct rpl_audio_hasher {
    struct sha256_ctx ctx;
    int sample_rate_hz;
    int channels;
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
    uint8_t bytes[4 * READ_FRAMES]; /* samples as little-endian bytes, a chunk at a time */
#endif
};

static void put_le32(uint8_t *out, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        out[i] = (uint8_t)(v >> (8 * i));
    }
}

/* The digest starts with the rate and channel count, 32-bit little-endian each. */
static void hasher_start(rpl_audio_hasher *h)
{
    sha256_init(&h->ctx);
    uint8_t header[8];
    put_le32(header, (uint32_t)h->sample_rate_hz);
    put_le32(header + 4, (uint32_t)h->channels);
    sha256_update(&h->ctx, sizeof header, header);
}

rpl_status rpl_audio_hasher_create(int sample_rate_hz, int channels, rpl_audio_hasher **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (sample_rate_hz <= 0 || channels < 1 || channels > RPL_MAX_CHANNELS) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_audio_hasher *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    h->sample_rate_hz = sample_rate_hz;
    h->channels = channels;
    hasher_start(h);
    *out = h;
    return RPL_OK;
}

void rpl_audio_hasher_update(rpl_audio_hasher *h, const float *samples, size_t frames)
{
    size_t n = frames * (size_t)h->channels;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* the floats' bytes in memory are already the little-endian layout hashed */
    sha256_update(&h->ctx, 4 * n, (const uint8_t *)samples);
#else
    for (size_t done = 0; done < n;) {
        size_t chunk = n - done < READ_FRAMES ? n - done : READ_FRAMES;
        for (size_t i = 0; i < chunk; i++) {
            uint32_t v;
            memcpy(&v, &samples[done + i], sizeof v);
            put_le32(h->bytes + 4 * i, v);
        }
        sha256_update(&h->ctx, 4 * chunk, h->bytes);
        done += chunk;
    }
#endif
}

void rpl_audio_hasher_hex(rpl_audio_hasher *h, char hex[65])
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&h->ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++) {
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    hasher_start(h);
}

void rpl_audio_hasher_destroy(rpl_audio_hasher *h)
{
    free(h);
}

/* Whether every frame of block has all its channels equal to channel 0. */
static bool frames_identical(const float *block, size_t frames, size_t channels)
{
    for (size_t f = 0; f < frames; f++) {
        const float *frame = block + f * channels;
        for (size_t c = 1; c < channels; c++) {
            if (!(frame[c] == frame[0])) {
                return false;
            }
        }
    }
    return true;
}

/* The digest is the first of two reads of a recording (the analysis or the replay is the
 * second), so path must be a file that can be read again: a pipe, a socket or a device gives
 * its audio once, and the second open would wait for a writer that is gone. Checked with
 * stat, which does not block as opening a FIFO without a writer would. A folder and a path
 * that cannot be stat'ed are left to rpl_source_file_open, which says why. */
static rpl_status check_rereadable(const char *path, char *why, size_t why_size)
{
    struct stat st;
    if (path == NULL || stat(path, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        return RPL_OK;
    }
    const char *kind = S_ISFIFO(st.st_mode)   ? "a pipe"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                                              : "not a file";
    snprintf(why, why_size,
             "not a regular file (%s): a recording is read twice (its digest, then the audio); "
             "save it to a file first",
             kind);
    return RPL_ERR_IO;
}

/* The file's digest and channel check; with until_different, stop reading (and leave the
 * digest incomplete) once the channels are known to differ. */
static rpl_status digest_read(const char *path, const rpl_raw_format *raw, bool until_different,
                              rpl_audio_digest *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    rpl_status status = check_rereadable(path, why, why_size);
    if (status != RPL_OK) {
        return status;
    }
    rpl_source_file *src = NULL;
    status = rpl_source_file_open(path, raw, &src, why, why_size);
    if (status != RPL_OK) {
        return status;
    }
    out->info = *rpl_source_file_info(src);
    size_t channels = (size_t)out->info.channels;
    bool identical = channels > 1;
    if (until_different && !identical) {
        rpl_source_file_close(src);
        return RPL_OK;
    }
    float *block = malloc(sizeof(float) * READ_FRAMES * channels);
    rpl_audio_hasher *h = NULL;
    status = rpl_audio_hasher_create(out->info.sample_rate_hz, out->info.channels, &h);
    if (block == NULL || status != RPL_OK) {
        free(block);
        rpl_audio_hasher_destroy(h);
        rpl_source_file_close(src);
        snprintf(why, why_size, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_ERR_NO_MEMORY;
    }
    bool complete = false;
    for (;;) {
        size_t got = 0;
        status = rpl_source_file_read(src, block, READ_FRAMES, &got, why, why_size);
        if (status != RPL_OK) {
            break;
        }
        if (got == 0) {
            complete = true;
            break;
        }
        identical = identical && frames_identical(block, got, channels);
        if (until_different && !identical) {
            break; /* the digest of a part is no use: not this block's hash either */
        }
        rpl_audio_hasher_update(h, block, got);
    }
    if (status == RPL_OK && complete) {
        rpl_audio_hasher_hex(h, out->sha256_hex);
        out->complete = true;
    }
    out->channels_identical = status == RPL_OK && identical;
    free(block);
    rpl_audio_hasher_destroy(h);
    rpl_source_file_close(src);
    return status;
}

rpl_status rpl_audio_digest_file(const char *path, const rpl_raw_format *raw, rpl_audio_digest *out,
                                 char *why, size_t why_size)
{
    return digest_read(path, raw, false, out, why, why_size);
}

rpl_status rpl_audio_digest_probe(const char *path, const rpl_raw_format *raw,
                                  rpl_audio_digest *out, char *why, size_t why_size)
{
    return digest_read(path, raw, true, out, why, why_size);
}
