/* Lock-free SPSC ring of interleaved float frames: see ring.h.
 *
 * Lamport's single-producer/single-consumer queue (Lamport 1983, "Specifying concurrent
 * program modules") with C11 acquire/release ordering: the producer publishes its write
 * position with a release store after copying, the consumer reads it with an acquire load
 * before copying out, and symmetrically for the read position. Positions are free-running
 * 64-bit frame counters (they never wrap in practice: 2^64 frames is millions of years), and
 * the capacity is a power of two so that a position maps to a slot with a mask.
 *
 * Waking the consumer is the classic store/load handshake (Dekker): the consumer publishes how
 * many frames it waits for, then re-checks the write position; the producer publishes its
 * write position, then reads that threshold; a sequentially consistent fence on each side
 * between the two makes it impossible for both to miss each other. Whichever side takes the
 * threshold back to 0 (compare-and-swap) owns the wake-up, so the producer posts at most once
 * per wait; a post that arrives after a timed-out wait is drained by the next wait.
 */
#define _GNU_SOURCE /* sem_clockwait: a timeout that a wall-clock step cannot stretch */
#include "ring.h"

#include <errno.h>
#include <semaphore.h>
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
    /* wake-up: frames the sleeping consumer waits for (0: not asleep) */
    _Alignas(64) atomic_size_t want;
    atomic_bool ended;
    sem_t wake;
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
    if (r->data == NULL || sem_init(&r->wake, 0, 0) != 0) {
        free(r->data);
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
    atomic_init(&r->want, 0);
    atomic_init(&r->ended, false);
    *out = r;
    return RPL_OK;
}

void rpl_ring_destroy(rpl_ring *ring)
{
    if (ring != NULL) {
        sem_destroy(&ring->wake);
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
    /* wake a sleeping consumer once its threshold is reached (see the file comment) */
    atomic_thread_fence(memory_order_seq_cst);
    size_t want = atomic_load_explicit(&ring->want, memory_order_relaxed);
    if (want != 0) {
        uint64_t rp = atomic_load_explicit(&ring->read_pos, memory_order_relaxed);
        if (w + frames - rp >= want &&
            atomic_compare_exchange_strong_explicit(&ring->want, &want, 0, memory_order_relaxed,
                                                    memory_order_relaxed)) {
            sem_post(&ring->wake);
        }
    }
    return frames;
}

size_t rpl_ring_wait(rpl_ring *ring, size_t min_frames, double timeout_s)
{
    if (min_frames == 0) {
        min_frames = 1;
    }
    size_t n = rpl_ring_available(ring);
    if (n >= min_frames || atomic_load_explicit(&ring->ended, memory_order_acquire)) {
        return n;
    }
    while (sem_trywait(&ring->wake) == 0) {
        /* a post meant for an earlier wait that timed out */
    }
    atomic_store_explicit(&ring->want, min_frames, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    n = rpl_ring_available(ring);
    if (n < min_frames && !atomic_load_explicit(&ring->ended, memory_order_acquire)) {
        if (timeout_s <= 0.0) {
            while (sem_wait(&ring->wake) != 0 && errno == EINTR) {
                /* a signal: keep waiting */
            }
        } else {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += (time_t)timeout_s;
            until.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
            if (until.tv_nsec >= 1000000000) {
                until.tv_nsec -= 1000000000;
                until.tv_sec++;
            }
            while (sem_clockwait(&ring->wake, CLOCK_MONOTONIC, &until) != 0 && errno == EINTR) {
                /* a signal: keep waiting for the producer or the timeout */
            }
        }
        n = rpl_ring_available(ring);
    }
    atomic_store_explicit(&ring->want, 0, memory_order_relaxed);
    return n;
}

void rpl_ring_end_input(rpl_ring *ring)
{
    atomic_store_explicit(&ring->ended, true, memory_order_release);
    sem_post(&ring->wake);
}

static size_t read_impl(rpl_ring *ring, float *out, size_t max_frames, int64_t *entered_ns,
                        bool one_block)
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
        if (one_block && sw != sr) {
            /* stop where the next stamped write begins (or the current one, if unstamped
             * frames come first) */
            uint64_t end = s->start_pos > r ? s->start_pos
                           : sw - sr > 1    ? ring->stamps[(sr + 1) & (STAMP_COUNT - 1)].start_pos
                                            : w;
            if (end > r && end - r < n) {
                n = (size_t)(end - r);
            }
        }
    }
    if (n == 0) {
        return 0;
    }
    copy_out(ring, r, out, n);
    atomic_store_explicit(&ring->read_pos, r + n, memory_order_release);
    return n;
}

size_t rpl_ring_read(rpl_ring *ring, float *out, size_t max_frames, int64_t *entered_ns)
{
    return read_impl(ring, out, max_frames, entered_ns, false);
}

size_t rpl_ring_read_block(rpl_ring *ring, float *out, size_t max_frames, int64_t *entered_ns)
{
    return read_impl(ring, out, max_frames, entered_ns, true);
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
