/* rappel — single-producer/single-consumer ring of interleaved float frames, lock-free.
 *
 * Between a real-time producer (the PortAudio callback, or the replay reader) and the analysis
 * thread. C11 atomics only: the producer never blocks, never allocates and never waits; when
 * the consumer falls behind, a block that does not fit whole is dropped and counted as an
 * overrun (whole blocks, so that the analysed audio never has a torn block inside it).
 *
 * Each write may carry the monotonic time it entered the ring; the consumer gets, with each
 * read, the time the first frame it read had entered, so the whole path (ring -> analysis ->
 * store) can be timed. Timestamps live in a second small SPSC ring; when it is full a write
 * keeps its audio but its stamp is skipped (the consumer then sees an older, earlier stamp:
 * latencies are over-, never under-estimated).
 *
 * The consumer need not poll: rpl_ring_wait sleeps until enough frames are in. The producer
 * wakes it (sem_post on an unnamed POSIX semaphore, async-signal-safe and lock-free in glibc:
 * one futex system call, made only when the consumer is actually asleep and its threshold is
 * reached) and otherwise pays one atomic load per write.
 *
 * Exactly one thread may write and one thread may read at a time. All functions except create,
 * destroy and rpl_ring_wait are real-time safe (no allocation, lock or I/O; no system call
 * except that wake-up).
 */
#ifndef RAPPEL_RING_H
#define RAPPEL_RING_H

#include <stddef.h>
#include <stdint.h>

#include "rappel/status.h"

typedef struct rpl_ring rpl_ring;

/* Largest capacity accepted, in frames (2^26: 23 minutes of stereo at 48 kHz). */
#define RPL_RING_MAX_FRAMES ((size_t)1 << 26)

/* Allocate a ring of at least min_frames frames (rounded up to a power of two) of channels
 * (1..16) floats each. RPL_ERR_INVALID_ARG (0 frames, more than RPL_RING_MAX_FRAMES, bad
 * channels, NULL out) or RPL_ERR_NO_MEMORY. Not real-time safe. */
rpl_status rpl_ring_create(size_t min_frames, int channels, rpl_ring **out);

/* Free; NULL allowed. Neither side may be using it. */
void rpl_ring_destroy(rpl_ring *ring);

/* Capacity in frames (a power of two) and channels per frame. */
size_t rpl_ring_capacity(const rpl_ring *ring);
int rpl_ring_channels(const rpl_ring *ring);

/* Producer: append frames interleaved frames, all or nothing. Returns frames (written) or 0
 * (not enough room: the block is dropped and counted as an overrun). entered_ns is the
 * monotonic time the block was captured (rpl_ring_now_ns()), or 0 for "no stamp". When the
 * consumer sleeps in rpl_ring_wait and this write reaches its threshold, one sem_post wakes
 * it (async-signal-safe; the only system call here). */
size_t rpl_ring_write(rpl_ring *ring, const float *interleaved, size_t frames, int64_t entered_ns);

/* Producer: frames that fit now. */
size_t rpl_ring_write_space(const rpl_ring *ring);

/* Consumer: take up to max_frames frames into out (max_frames * channels floats). Returns the
 * count (0 when empty). When entered_ns is not NULL it receives the entry time of the first
 * frame taken (0 if unknown). */
size_t rpl_ring_read(rpl_ring *ring, float *out, size_t max_frames, int64_t *entered_ns);

/* Consumer: as rpl_ring_read, but never past the end of the producer's write the first frame
 * belongs to, so every frame taken entered the ring at *entered_ns (exact per-frame timing).
 * With entered_ns NULL it is rpl_ring_read. */
size_t rpl_ring_read_block(rpl_ring *ring, float *out, size_t max_frames, int64_t *entered_ns);

/* Consumer: sleep until at least min_frames (>= 1) frames are waiting, rpl_ring_end_input was
 * called, or timeout_s passed (<= 0: no timeout; then something must end the wait: the
 * producer's frames or rpl_ring_end_input). Returns the frames waiting then (it may be fewer
 * than min_frames). Not real-time safe (it blocks). */
size_t rpl_ring_wait(rpl_ring *ring, size_t min_frames, double timeout_s);

/* Any thread, once: no more input (or stop waiting). Wakes a consumer asleep in rpl_ring_wait;
 * later waits return at once. */
void rpl_ring_end_input(rpl_ring *ring);

/* Consumer: frames waiting. */
size_t rpl_ring_available(const rpl_ring *ring);

/* Either side: totals since create. */
uint64_t rpl_ring_frames_written(const rpl_ring *ring);
uint64_t rpl_ring_overruns(const rpl_ring *ring);       /* blocks dropped */
uint64_t rpl_ring_overrun_frames(const rpl_ring *ring); /* frames dropped */

/* CLOCK_MONOTONIC in ns (vDSO: real-time safe on Linux). */
int64_t rpl_ring_now_ns(void);

#endif
