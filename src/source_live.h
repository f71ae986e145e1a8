/* rappel — live capture with PortAudio into an SPSC ring (src/ring.h).
 *
 * The PortAudio callback only stamps the time, copies the block into the ring (dropping it and
 * counting an overrun when the ring is full) and updates atomic counters: no allocation, lock,
 * logging or I/O. Everything else here runs on the caller's thread and is not real-time safe.
 * No PortAudio type appears in this header.
 */
#ifndef RAPPEL_SOURCE_LIVE_H
#define RAPPEL_SOURCE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rappel/status.h"
#include "ring.h"

/* One capture device as PortAudio lists it. Strings valid during the callback only. */
typedef struct rpl_live_device {
    int index;
    const char *name;
    const char *host_api;
    int max_input_channels;
    double default_rate_hz;
    bool is_default; /* the host's default input device */
} rpl_live_device;

/* List the devices with at least one input channel, in PortAudio's order; fn returns 0 to go
 * on. RPL_ERR_DEVICE (PortAudio cannot start: why says so) or RPL_OK. */
rpl_status rpl_live_devices(int (*fn)(const rpl_live_device *dev, void *user), void *user,
                            char *why, size_t why_size);

typedef struct rpl_source_live rpl_source_live;

typedef struct rpl_source_live_config {
    const char *device; /* exact name, else a unique part of a name, or an index; NULL: the
                           default input device */
    double rate_hz;     /* wanted rate, 8000..192000; 0: the device's default rate */
    int channels;       /* 1..16; 0: two when the device has two, else one */
} rpl_source_live_config;

/* What was opened. */
typedef struct rpl_source_live_info {
    int device_index;
    char device_name[128];
    char host_api[64];
    int channels;
    double rate_hz;         /* the rate the stream runs at */
    bool rate_fallback;     /* the wanted rate was refused: rate_hz is the device default */
    char refused_why[128];  /* PortAudio's reason when rate_fallback */
    double input_latency_s; /* PortAudio's figure */
} rpl_source_live_info;

/* Find the device and open an input stream (not started). On failure *out is NULL and why
 * says which device and why (PortAudio's own text kept). RPL_ERR_INVALID_ARG, RPL_ERR_NOT_FOUND
 * (no such device, or ambiguous name), RPL_ERR_CHANNELS, RPL_ERR_RATE (neither the wanted nor
 * the default rate usable), RPL_ERR_DEVICE, RPL_ERR_NO_MEMORY. */
rpl_status rpl_source_live_open(const rpl_source_live_config *cfg, rpl_source_live **out, char *why,
                                size_t why_size);

const rpl_source_live_info *rpl_source_live_info_get(const rpl_source_live *src);

/* Start capturing into ring (channels must match; the ring must outlive the stream). */
rpl_status rpl_source_live_start(rpl_source_live *src, rpl_ring *ring, char *why, size_t why_size);

/* Whether audio is still coming: false when PortAudio stopped the stream, or when no callback
 * came for stall_s seconds (a device that went away); why then says what happened. */
bool rpl_source_live_alive(rpl_source_live *src, double stall_s, char *why, size_t why_size);

/* Totals: callbacks so far, and callbacks flagged with a device-side input overflow. */
uint64_t rpl_source_live_callbacks(const rpl_source_live *src);
uint64_t rpl_source_live_input_overflows(const rpl_source_live *src);

/* Stop the stream (the callback writes nothing to the ring after this returns). A stream whose
 * device went away (rpl_source_live_alive said so) is abandoned rather than stopped: stopping
 * it can hang in the audio library. Idempotent. */
void rpl_source_live_stop(rpl_source_live *src);

/* Stop, close and release PortAudio (an abandoned stream is left to the process's exit); NULL
 * allowed. */
void rpl_source_live_close(rpl_source_live *src);

#endif
