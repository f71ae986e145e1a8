/* rappel — what identifies a recorded call: the SHA-256 of its audio content, and whether its
 * channels are copies of one another.
 *
 * The digest covers the decoded samples (32-bit float, interleaved, little-endian) with the
 * sample rate and channel count, not the file's bytes: the same audio re-tagged or with other
 * metadata is the same call, so a batch re-run never analyses it twice.
 *
 * Three ways to it, all giving the same digest: rpl_audio_digest_file (one pass of its own);
 * rpl_audio_digest_probe (only as far as needed to tell whether the channels are copies, the
 * digest when that was the whole file); and rpl_audio_hasher, fed the blocks another pass
 * reads anyway (the analysis), so that a call is decoded once.
 */
#ifndef RAPPEL_AUDIO_DIGEST_H
#define RAPPEL_AUDIO_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "rappel/source_file.h"
#include "rappel/status.h"

typedef struct rpl_audio_digest {
    char sha256_hex[65];     /* NUL-terminated lowercase hex; "" when !complete */
    rpl_source_info info;    /* rate, channels, frames, format */
    bool channels_identical; /* more than one channel, every channel equal to channel 0 */
    bool complete;           /* the whole file was read: sha256_hex holds its digest */
} rpl_audio_digest;

/* Read path to its end (one pass, constant memory) and fill *out (complete is true). On
 * failure writes the reason to why and returns the rpl_source_file_open/read status. Both
 * functions refuse a path that is not a regular file (a pipe, a device: RPL_ERR_IO), checked
 * with stat before opening: a recording is read twice, and a pipe cannot be. Not real-time
 * safe. */
rpl_status rpl_audio_digest_file(const char *path, const rpl_raw_format *raw, rpl_audio_digest *out,
                                 char *why, size_t why_size);

/* Like rpl_audio_digest_file, but stop reading at the first frame whose channels differ: a
 * mono file is not read at all, a stereo call usually one block (4096 frames). Fills info and
 * channels_identical; when the channels are copies the whole file was read, and complete and
 * sha256_hex are set as by rpl_audio_digest_file; otherwise complete is false and a read error
 * past the point reached is not seen. Returns the rpl_source_file_open/read status, the
 * reason in why. Not real-time safe. */
rpl_status rpl_audio_digest_probe(const char *path, const rpl_raw_format *raw,
                                  rpl_audio_digest *out, char *why, size_t why_size);

/* The digest of audio read elsewhere, block by block. */
typedef struct rpl_audio_hasher rpl_audio_hasher;

/* Start the digest of audio at sample_rate_hz with channels channels (1..RPL_MAX_CHANNELS).
 * *out owned by the caller. Not real-time safe. RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY. */
rpl_status rpl_audio_hasher_create(int sample_rate_hz, int channels, rpl_audio_hasher **out);

/* Add frames interleaved frames (channels floats each), in file order. No allocation. */
void rpl_audio_hasher_update(rpl_audio_hasher *h, const float *samples, size_t frames);

/* Write the digest of everything added as 64 lowercase hex digits and a NUL into hex; the
 * hasher then starts again from nothing (same rate and channels). */
void rpl_audio_hasher_hex(rpl_audio_hasher *h, char hex[65]);

/* Free; NULL allowed. */
void rpl_audio_hasher_destroy(rpl_audio_hasher *h);

#endif
