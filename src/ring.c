/* Lock-free SPSC ring of interleaved float frames: see ring.h.
 *
 * Lamport's single-producer/single-consumer queue (Lamport 1983, "Specifying concurrent
 * program modules") with C11 acquire/release ordering: the producer publishes its write
 * position with a release store after copying, the consumer reads it with an acquire load
 * before copying out, and symmetrically for the read position. Positions are free-running
 * 64-bit frame counters (they never wrap in practice: 2^64 frames is millions of years), and
 * the capacity is a power of two so that a position maps to a slot with a mask.
 */
#include "ring.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Stamps kept: one per write. 1024 covers 10 s of 10 ms callbacks, more than any ring we
 * allocate holds, so stamps are only skipped when the audio itself would overrun. */
enum { STAMP_COUNT = 1024 };

typedef struct stamp {
    uint64_t start_pos; /* position of the first frame of the write */
    int64_t entered_ns;
} stamp;

struct rpl_ring {
    float *data;
    size_t capacity; /* frames, power of two */
    size_t mask;
    int channels;
    /* producer-owned, consumer-read */
    _Alignas(64) atomic_uint_fast64_t write_pos;
    atomic_uint_fast64_t stamp_write;
    atomic_uint_fast64_t overruns;
    atomic_uint_fast64_t overrun_frames;
    /* consumer-owned, producer-read */
    _Alignas(64) atomic_uint_fast64_t read_pos;
    atomic_uint_fast64_t stamp_read;
    stamp stamps[STAMP_COUNT];
};

_Static_assert((STAMP_COUNT & (STAMP_COUNT - 1)) == 0, "STAMP_COUNT must be a power of two");

rpl_status rpl_ring_create(size_t min_frames, int channels, rpl_ring **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (min_frames == 0 || min_frames > RPL_RING_MAX_FRAMES || channels < 1 || channels > 16) {
        return RPL_ERR_INVALID_ARG;
    }
    size_t capacity = 1;
    while (capacity < min_frames) {
        capacity <<= 1;
    }
    rpl_ring *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    r->data = calloc(capacity * (size_t)channels, sizeof *r->data);
    if (r->data == NULL) {
        free(r);
        return RPL_ERR_NO_MEMORY;
    }
    r->capacity = capacity;
    r->mask = capacity - 1;
    r->channels = channels;
    atomic_init(&r->write_pos, 0);
    atomic_init(&r->read_pos, 0);
    atomic_init(&r->stamp_write, 0);
    atomic_init(&r->stamp_read, 0);
    atomic_init(&r->overruns, 0);
    atomic_init(&r->overrun_frames, 0);
    *out = r;
    return RPL_OK;
}

void rpl_ring_destroy(rpl_ring *ring)
{
    if (ring != NULL) {
        free(ring->data);
        free(ring);
    }
}

size_t rpl_ring_capacity(const rpl_ring *ring)
{
    return ring->capacity;
}

int rpl_ring_channels(const rpl_ring *ring)
{
    return ring->channels;
}

size_t rpl_ring_write_space(const rpl_ring *ring)
{
    uint64_t w = atomic_load_explicit(&ring->write_pos, memory_order_relaxed);
    uint64_t r = atomic_load_explicit(&ring->read_pos, memory_order_acquire);
    return ring->capacity - (size_t)(w - r);
}

size_t rpl_ring_available(const rpl_ring *ring)
{
    uint64_t w = atomic_load_explicit(&ring->write_pos, memory_order_acquire);
    uint64_t r = atomic_load_explicit(&ring->read_pos, memory_order_relaxed);
    return (size_t)(w - r);
}

/* Copy frames between the linear buffer and the ring at position pos (two pieces at most). */
static void copy_in(rpl_ring *ring, uint64_t pos, const float *src, size_t frames)
{
    size_t ch = (size_t)ring->channels;
    size_t at = (size_t)pos & ring->mask;
    size_t first = frames < ring->capacity - at ? frames : ring->capacity - at;
    memcpy(ring->data + at * ch, src, first * ch * sizeof *src);
    memcpy(ring->data, src + first * ch, (frames - first) * ch * sizeof *src);
}

static void copy_out(const rpl_ring *ring, uint64_t pos, float *dst, size_t frames)
{
    size_t ch = (size_t)ring->channels;
    size_t at = (size_t)pos & ring->mask;
    size_t first = frames < ring->capacity - at ? frames : ring->capacity - at;
    memcpy(dst, ring->data + at * ch, first * ch * sizeof *dst);
    memcpy(dst + first * ch, ring->data, (frames - first) * ch * sizeof *dst);
}

size_t rpl_ring_write(rpl_ring *ring, const float *interleaved, size_t frames, int64_t entered_ns)
{
    if (frames == 0) {
        return 0;
    }
    uint64_t w = atomic_load_explicit(&ring->write_pos, memory_order_relaxed);
    uint64_t r = atomic_load_explicit(&ring->read_pos, memory_order_acquire);
    if (frames > ring->capacity - (size_t)(w - r)) {
        atomic_fetch_add_explicit(&ring->overruns, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&ring->overrun_frames, frames, memory_order_relaxed);
        return 0;
    }
    copy_in(ring, w, interleaved, frames);
    if (entered_ns != 0) {
        uint64_t sw = atomic_load_explicit(&ring->stamp_write, memory_order_relaxed);
        uint64_t sr = atomic_load_explicit(&ring->stamp_read, memory_order_acquire);
        if (sw - sr < STAMP_COUNT) {
            ring->stamps[sw & (STAMP_COUNT - 1)] =
                (stamp){.start_pos = w, .entered_ns = entered_ns};
            atomic_store_explicit(&ring->stamp_write, sw + 1, memory_order_release);
        }
    }
    atomic_store_explicit(&ring->write_pos, w + frames, memory_order_release);
    return frames;
}

size_t rpl_ring_read(rpl_ring *ring, float *out, size_t max_frames, int64_t *entered_ns)
{
    uint64_t w = atomic_load_explicit(&ring->write_pos, memory_order_acquire);
    uint64_t r = atomic_load_explicit(&ring->read_pos, memory_order_relaxed);
    size_t n = (size_t)(w - r);
    if (n > max_frames) {
        n = max_frames;
    }
    if (entered_ns != NULL) {
        /* The stamp of the first frame read: the last stamp that starts at or before r. Stamps
         * before it are released to the producer; the current one is kept (it may cover
         * frames not yet read). */
        uint64_t sr = atomic_load_explicit(&ring->stamp_read, memory_order_relaxed);
        uint64_t sw = atomic_load_explicit(&ring->stamp_write, memory_order_acquire);
        while (sw - sr > 1 && ring->stamps[(sr + 1) & (STAMP_COUNT - 1)].start_pos <= r) {
            sr++;
        }
        atomic_store_explicit(&ring->stamp_read, sr, memory_order_release);
        const stamp *s = &ring->stamps[sr & (STAMP_COUNT - 1)];
        *entered_ns = (n > 0 && sw != sr && s->start_pos <= r) ? s->entered_ns : 0;
    }
    if (n == 0) {
        return 0;
    }
    copy_out(ring, r, out, n);
    atomic_store_explicit(&ring->read_pos, r + n, memory_order_release);
    return n;
}

uint64_t rpl_ring_frames_written(const rpl_ring *ring)
{
    return atomic_load_explicit(&ring->write_pos, memory_order_acquire);
}

uint64_t rpl_ring_overruns(const rpl_ring *ring)
{
    return atomic_load_explicit(&ring->overruns, memory_order_relaxed);
}

uint64_t rpl_ring_overrun_frames(const rpl_ring *ring)
{
    return atomic_load_explicit(&ring->overrun_frames, memory_order_relaxed);
}

int64_t rpl_ring_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
