/* rappel — what identifies a recorded call: the SHA-256 of its audio content, and whether its
 * channels are copies of one another.
 *
 * The digest covers the decoded samples (32-bit float, interleaved, little-endian) with the
 * sample rate and channel count, not the file's bytes: the same audio re-tagged or with other
 * metadata is the same call, so a batch re-run never analyses it twice.
 */
#ifndef RAPPEL_AUDIO_DIGEST_H
#define RAPPEL_AUDIO_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "rappel/source_file.h"
#include "rappel/status.h"

typedef struct rpl_audio_digest {
    char sha256_hex[65];     /* NUL-terminated lowercase hex */
    rpl_source_info info;    /* rate, channels, frames, format */
    bool channels_identical; /* more than one channel, every channel equal to channel 0 */
} rpl_audio_digest;

/* Read path to its end (one pass, constant memory) and fill *out. On failure writes the
 * reason to why and returns the rpl_source_file_open/read status. Not real-time safe. */
rpl_status rpl_audio_digest_file(const char *path, const rpl_raw_format *raw, rpl_audio_digest *out,
                                 char *why, size_t why_size);

#endif
