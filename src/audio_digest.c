/* The content digest of a recorded call: see include/rappel/audio_digest.h. SHA-256 is
 * nettle's. */
#include "rappel/audio_digest.h"

#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { READ_FRAMES = 4096 };

static void put_le32(uint8_t *out, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        out[i] = (uint8_t)(v >> (8 * i));
    }
}

rpl_status rpl_audio_digest_file(const char *path, const rpl_raw_format *raw, rpl_audio_digest *out,
                                 char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    rpl_source_file *src = NULL;
    rpl_status status = rpl_source_file_open(path, raw, &src, why, why_size);
    if (status != RPL_OK) {
        return status;
    }
    out->info = *rpl_source_file_info(src);
    size_t channels = (size_t)out->info.channels;
    float *block = malloc(sizeof(float) * READ_FRAMES * channels);
    uint8_t *bytes = malloc(4 * READ_FRAMES * channels);
    if (block == NULL || bytes == NULL) {
        free(block);
        free(bytes);
        rpl_source_file_close(src);
        snprintf(why, why_size, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_ERR_NO_MEMORY;
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    uint8_t header[8];
    put_le32(header, (uint32_t)out->info.sample_rate_hz);
    put_le32(header + 4, (uint32_t)out->info.channels);
    sha256_update(&ctx, sizeof header, header);
    bool identical = channels > 1;
    for (;;) {
        size_t got = 0;
        status = rpl_source_file_read(src, block, READ_FRAMES, &got, why, why_size);
        if (status != RPL_OK || got == 0) {
            break;
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* the floats' bytes in memory are already the little-endian layout hashed */
        (void)bytes;
        sha256_update(&ctx, 4 * got * channels, (const uint8_t *)block);
#else
        for (size_t i = 0; i < got * channels; i++) {
            uint32_t v;
            memcpy(&v, &block[i], sizeof v);
            put_le32(bytes + 4 * i, v);
        }
        sha256_update(&ctx, 4 * got * channels, bytes);
#endif
        for (size_t f = 0; identical && f < got; f++) {
            for (size_t c = 1; c < channels; c++) {
                identical = identical && block[f * channels + c] == block[f * channels];
            }
        }
    }
    free(block);
    free(bytes);
    rpl_source_file_close(src);
    if (status != RPL_OK) {
        return status;
    }
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++) {
        snprintf(out->sha256_hex + 2 * i, 3, "%02x", digest[i]);
    }
    out->channels_identical = identical;
    return RPL_OK;
}
