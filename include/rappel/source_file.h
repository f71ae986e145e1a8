/* rappel — recorded calls read with libsndfile, streamed in blocks.
 *
 * Anything libsndfile reads by content (WAV PCM/float/mu-law/A-law, FLAC, AIFF, AU, ...),
 * plus headerless telephony audio when the caller names its encoding or the file's extension
 * does (rpl_raw_format_from_name). Memory does not grow
 * with the file's length. Errors come with a reason naming what is wrong with the file.
 */
#ifndef RAPPEL_SOURCE_FILE_H
#define RAPPEL_SOURCE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rappel/status.h"

#define RPL_MIN_RATE_HZ 8000
#define RPL_MAX_RATE_HZ 192000
#define RPL_MAX_CHANNELS 16

typedef struct rpl_source_file rpl_source_file;

typedef enum rpl_raw_encoding {
    RPL_RAW_NONE = 0, /* a file with a header: libsndfile finds the format by content */
    RPL_RAW_ULAW,     /* headerless G.711 mu-law */
    RPL_RAW_ALAW,     /* headerless G.711 A-law */
    RPL_RAW_S16LE,    /* headerless 16-bit signed little-endian PCM */
} rpl_raw_encoding;

typedef struct rpl_raw_format {
    rpl_raw_encoding encoding;
    int sample_rate_hz; /* required for headerless audio */
    int channels;       /* required for headerless audio */
} rpl_raw_format;

typedef struct rpl_source_info {
    int sample_rate_hz;
    int channels;
    int64_t frames;            /* sample frames (one sample per channel) in the file */
    char format_name[96];      /* e.g. "WAV (Microsoft) / U-Law" */
    bool truncated;            /* the file ends before its header says (a recording cut
                                  short): frames counts what it holds (WAV, AIFF, AU:
                                  libsndfile's checks) */
    int64_t recorded_unix_s;   /* when it was recorded, as its metadata says (Broadcast WAVE
                                  origination date and time, else a WAV INFO ICRD or FLAC/Ogg
                                  DATE tag with a time of day; local time when it names no
                                  zone); 0 when it says nothing usable */
    const char *recorded_from; /* "bext" or "date tag" (static), NULL with 0 above */
} rpl_source_info;

/* The headerless format a call recorder's file extension names, case-insensitively, as
 * Asterisk and sox write them: .ulaw .ul .ulw .mu (G.711 mu-law), .alaw .al .alw (A-law), all
 * 8 kHz mono; .sln .slin (16-bit little-endian PCM, 8 kHz mono) and .sln12 .sln16 .sln24
 * .sln32 .sln44 .sln48 .sln96 .sln192 (the rate in kHz; 44: 44.1 kHz). False for any other
 * name (.raw and .pcm say nothing of the encoding). Real-time safe. */
bool rpl_raw_format_from_name(const char *path, rpl_raw_format *out);

/* Open path for reading. raw may be NULL (format by content, or by a headerless telephony
 * extension: rpl_raw_format_from_name). On failure *out is NULL and
 * why (why_size bytes, may be 0) receives the reason: missing or unreadable file, empty
 * file, not audio, sample rate outside 8000..192000 Hz, 0 or more than 16 channels, no
 * frames. Not real-time safe. Returns RPL_ERR_IO, RPL_ERR_FORMAT, RPL_ERR_RATE,
 * RPL_ERR_CHANNELS, RPL_ERR_EMPTY, RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY. */
rpl_status rpl_source_file_open(const char *path, const rpl_raw_format *raw, rpl_source_file **out,
                                char *why, size_t why_size);

/* The same checks and reasons on an audio file held in memory (size bytes at data, read
 * through libsndfile's virtual I/O; the format is always found by content). data is not
 * copied: it must stay valid and unchanged until rpl_source_file_close. Used by the fuzz
 * harness (tests/fuzz/) and for audio that never touches the disk. Not real-time safe.
 * Returns the codes of rpl_source_file_open (RPL_ERR_EMPTY for size 0). */
rpl_status rpl_source_file_open_memory(const void *data, size_t size, rpl_source_file **out,
                                       char *why, size_t why_size);

/* Facts about the open file. */
const rpl_source_info *rpl_source_file_info(const rpl_source_file *src);

/* Read up to max_frames interleaved frames (channels floats each, nominally in [-1, 1]) into
 * buffer; *got receives the count, 0 at the end of the file. Non-finite samples are an error
 * (RPL_ERR_BAD_SAMPLES, why names the time), as is a read failure (RPL_ERR_IO). Not
 * real-time safe (file I/O). */
rpl_status rpl_source_file_read(rpl_source_file *src, float *buffer, size_t max_frames, size_t *got,
                                char *why, size_t why_size);

/* Close; NULL allowed. */
void rpl_source_file_close(rpl_source_file *src);

#endif
