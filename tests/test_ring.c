/* Tests for the SPSC ring (src/ring.h): argument checks, power-of-two capacity, wrap-around
 * copies, all-or-nothing writes with overrun counting, entry stamps, block-wise reads that
 * never mix two writes' stamps, the consumer's sleep (rpl_ring_wait: woken by the producer at
 * its threshold, by rpl_ring_end_input, or by its timeout), and two real threads (one
 * producer, one consumer) passing a numbered stream: lossless when the producer waits for
 * room, with overruns counted exactly when it does not, and with a consumer that sleeps in
 * rpl_ring_wait instead of polling (no wake-up lost: no wait runs into its timeout).
 * Randomised block sizes print their seed (RPL_TEST_SEED repeats a run). */
#include "ring.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static unsigned test_seed(void)
{
    const char *env = getenv("RPL_TEST_SEED");
    unsigned seed =
        env != NULL ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)clock();
    print_message("seed %u (set RPL_TEST_SEED to repeat)\n", seed);
    return seed;
}

/* xorshift32: per-thread, reproducible */
static uint32_t next_rand(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void test_create_arguments(void **state)
{
    (void)state;
    rpl_ring *r = (rpl_ring *)1;
    assert_int_equal(rpl_ring_create(0, 2, &r), RPL_ERR_INVALID_ARG);
    assert_null(r);
    assert_int_equal(rpl_ring_create(16, 0, &r), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_ring_create(16, 17, &r), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_ring_create(RPL_RING_MAX_FRAMES + 1, 1, &r), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_ring_create(16, 1, NULL), RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_ring_create(100, 3, &r), RPL_OK);
    assert_int_equal(rpl_ring_capacity(r), 128);
    assert_int_equal(rpl_ring_channels(r), 3);
    assert_int_equal(rpl_ring_write_space(r), 128);
    assert_int_equal(rpl_ring_available(r), 0);
    rpl_ring_destroy(r);
    assert_int_equal(rpl_ring_create(64, 1, &r), RPL_OK);
    assert_int_equal(rpl_ring_capacity(r), 64);
    rpl_ring_destroy(r);
    rpl_ring_destroy(NULL);
}

static void test_wrap_and_overrun(void **state)
{
    (void)state;
    rpl_ring *r = NULL;
    assert_int_equal(rpl_ring_create(8, 2, &r), RPL_OK);
    float in[2 * 8], out[2 * 8];
    float next = 0.0f, expect = 0.0f;
    /* 5 frames in, 3 out, repeatedly: positions wrap around the 8-frame buffer. */
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 5; i++) {
            in[2 * i] = next;
            in[2 * i + 1] = -next;
            next += 1.0f;
        }
        assert_int_equal(rpl_ring_write(r, in, 5, 0), 5);
        size_t got = rpl_ring_read(r, out, 3, NULL);
        assert_int_equal(got, 3);
        got += rpl_ring_read(r, out + 6, 2, NULL);
        assert_int_equal(got, 5);
        for (int i = 0; i < 5; i++) {
            assert_true(out[2 * i] == expect);
            assert_true(out[2 * i + 1] == -expect);
            expect += 1.0f;
        }
    }
    /* Full: a block that does not fit whole is dropped and counted; the ring is unchanged. */
    assert_int_equal(rpl_ring_write(r, in, 6, 0), 6);
    assert_int_equal(rpl_ring_write(r, in, 3, 0), 0);
    assert_int_equal(rpl_ring_overruns(r), 1);
    assert_int_equal(rpl_ring_overrun_frames(r), 3);
    assert_int_equal(rpl_ring_available(r), 6);
    assert_int_equal(rpl_ring_write(r, in, 2, 0), 2);
    assert_int_equal(rpl_ring_write_space(r), 0);
    assert_int_equal(rpl_ring_write(r, in, 1, 0), 0);
    assert_int_equal(rpl_ring_overruns(r), 2);
    assert_int_equal(rpl_ring_overrun_frames(r), 4);
    assert_int_equal(rpl_ring_read(r, out, 8, NULL), 8);
    assert_int_equal(rpl_ring_read(r, out, 8, NULL), 0);
    assert_int_equal(rpl_ring_frames_written(r), 20 * 5 + 8);
    assert_int_equal(rpl_ring_write(r, in, 0, 0), 0);
    assert_int_equal(rpl_ring_overruns(r), 2);
    rpl_ring_destroy(r);
}

static void test_stamps(void **state)
{
    (void)state;
    rpl_ring *r = NULL;
    assert_int_equal(rpl_ring_create(64, 1, &r), RPL_OK);
    float buf[64] = {0};
    int64_t t = -1;
    assert_int_equal(rpl_ring_read(r, buf, 4, &t), 0);
    assert_int_equal(t, 0);
    /* blocks of 10 frames stamped 1000, 2000, 3000 */
    for (int b = 0; b < 3; b++) {
        assert_int_equal(rpl_ring_write(r, buf, 10, 1000 * (b + 1)), 10);
    }
    assert_int_equal(rpl_ring_read(r, buf, 4, &t), 4); /* frames 0..3: block 1 */
    assert_int_equal(t, 1000);
    assert_int_equal(rpl_ring_read(r, buf, 8, &t), 8); /* frames 4..11: starts in block 1 */
    assert_int_equal(t, 1000);
    assert_int_equal(rpl_ring_read(r, buf, 10, &t), 10); /* frames 12..21: starts in block 2 */
    assert_int_equal(t, 2000);
    assert_int_equal(rpl_ring_read(r, buf, 10, &t), 8); /* frames 22..29: block 3 */
    assert_int_equal(t, 3000);
    /* an unstamped block: the consumer keeps the last stamp that covers it (older = safe) */
    assert_int_equal(rpl_ring_write(r, buf, 10, 0), 10);
    assert_int_equal(rpl_ring_read(r, buf, 10, &t), 10);
    assert_int_equal(t, 3000);
    /* many more writes than stamp slots, read as we go: stamps stay exact */
    for (int64_t b = 0; b < 5000; b++) {
        assert_int_equal(rpl_ring_write(r, buf, 7, 10000 + b), 7);
        assert_int_equal(rpl_ring_read(r, buf, 7, &t), 7);
        assert_int_equal(t, 10000 + b);
    }
    rpl_ring_destroy(r);
}

static void test_read_block(void **state)
{
    (void)state;
    rpl_ring *r = NULL;
    assert_int_equal(rpl_ring_create(64, 2, &r), RPL_OK);
    float in[2 * 40], out[2 * 64];
    for (int i = 0; i < 80; i++) {
        in[i] = (float)i;
    }
    int64_t t = -1;
    assert_int_equal(rpl_ring_read_block(r, out, 16, &t), 0);
    /* writes of 10, 3 and 7 frames, stamped 100, 200, 300 */
    assert_int_equal(rpl_ring_write(r, in, 10, 100), 10);
    assert_int_equal(rpl_ring_write(r, in + 20, 3, 200), 3);
    assert_int_equal(rpl_ring_write(r, in + 26, 7, 300), 7);
    assert_int_equal(rpl_ring_read_block(r, out, 64, &t), 10); /* stops at the second write */
    assert_int_equal(t, 100);
    assert_true(out[0] == 0.0f && out[19] == 19.0f);
    assert_int_equal(rpl_ring_read_block(r, out, 2, &t), 2); /* max_frames still rules */
    assert_int_equal(t, 200);
    assert_int_equal(rpl_ring_read_block(r, out, 64, &t), 1); /* the rest of the second */
    assert_int_equal(t, 200);
    assert_true(out[0] == 24.0f && out[1] == 25.0f);
    assert_int_equal(rpl_ring_read_block(r, out, 64, &t), 7); /* the last write, whole */
    assert_int_equal(t, 300);
    assert_true(out[0] == 26.0f && out[13] == 39.0f);
    /* an unstamped write before a stamped one: read apart (the first keeps the old stamp) */
    assert_int_equal(rpl_ring_write(r, in, 5, 0), 5);
    assert_int_equal(rpl_ring_write(r, in, 6, 400), 6);
    assert_int_equal(rpl_ring_read_block(r, out, 64, &t), 5);
    assert_int_equal(t, 300);
    assert_int_equal(rpl_ring_read_block(r, out, 64, &t), 6);
    assert_int_equal(t, 400);
    /* without a stamp pointer it reads across writes, as rpl_ring_read */
    assert_int_equal(rpl_ring_write(r, in, 4, 500), 4);
    assert_int_equal(rpl_ring_write(r, in, 4, 600), 4);
    assert_int_equal(rpl_ring_read_block(r, out, 64, NULL), 8);
    rpl_ring_destroy(r);
}

static double now_s(void)
{
    return (double)rpl_ring_now_ns() / 1e9;
}

typedef struct waiter {
    rpl_ring *ring;
    size_t min_frames;
    double timeout_s;
    size_t got;
    double waited_s;
} waiter;

static void *wait_thread(void *arg)
{
    waiter *w = arg;
    double t0 = now_s();
    w->got = rpl_ring_wait(w->ring, w->min_frames, w->timeout_s);
    w->waited_s = now_s() - t0;
    return NULL;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static void test_wait(void **state)
{
    (void)state;
    rpl_ring *r = NULL;
    assert_int_equal(rpl_ring_create(256, 1, &r), RPL_OK);
    float buf[64] = {0};
    /* enough already there: no sleep */
    assert_int_equal(rpl_ring_write(r, buf, 20, 1), 20);
    double t0 = now_s();
    assert_int_equal(rpl_ring_wait(r, 20, 5.0), 20);
    assert_true(now_s() - t0 < 0.5);
    /* not enough, nobody writes: the timeout ends it (>= the timeout, not much more) */
    t0 = now_s();
    assert_int_equal(rpl_ring_wait(r, 21, 0.05), 20);
    double waited = now_s() - t0;
    assert_true(waited >= 0.045 && waited < 2.0);
    float out[64];
    assert_int_equal(rpl_ring_read(r, out, 64, NULL), 20);

    /* a sleeping consumer: writes below its threshold do not wake it, the one reaching it does */
    waiter w = {.ring = r, .min_frames = 30, .timeout_s = 10.0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    sleep_s(0.05);
    assert_int_equal(rpl_ring_write(r, buf, 10, 2), 10);
    sleep_s(0.05);
    assert_int_equal(rpl_ring_write(r, buf, 10, 3), 10);
    sleep_s(0.1);
    double woke_at = now_s();
    assert_int_equal(rpl_ring_write(r, buf, 10, 4), 10);
    assert_int_equal(pthread_join(th, NULL), 0);
    double after = now_s() - woke_at;
    print_message("waited %.3f s; woke %.1f ms after the write reaching its threshold\n",
                  w.waited_s, after * 1e3);
    assert_int_equal(w.got, 30);
    assert_true(w.waited_s >= 0.19); /* not woken by the first two writes */
    assert_true(w.waited_s < 5.0);   /* woken by the third, not by the timeout */
    assert_int_equal(rpl_ring_read(r, out, 64, NULL), 30);

    /* end of input wakes a consumer with no timeout, and later waits return at once */
    w = (waiter){.ring = r, .min_frames = 1, .timeout_s = 0.0};
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    sleep_s(0.05);
    rpl_ring_end_input(r);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.got, 0);
    assert_true(w.waited_s >= 0.04 && w.waited_s < 5.0);
    t0 = now_s();
    assert_int_equal(rpl_ring_wait(r, 1, 0.0), 0);
    assert_true(now_s() - t0 < 0.5);
    rpl_ring_destroy(r);
}

/* ---- two threads ------------------------------------------------------------------------- */

enum { STREAM_FRAMES = 2000000, MAX_BLOCK = 300 };

typedef struct stream_test {
    rpl_ring *ring;
    bool wait_for_room;     /* lossless producer (replay) or dropping one (capture callback) */
    bool sleeping_consumer; /* the consumer sleeps in rpl_ring_wait when the ring is empty */
    uint32_t seed;
    uint64_t dropped_frames; /* producer's own count of what it failed to write */
    uint64_t dropped_blocks;
} stream_test;

/* Frame i carries i split across two channels (exact in float). */
static void *producer(void *arg)
{
    stream_test *t = arg;
    uint32_t s = t->seed | 1u;
    float block[2 * MAX_BLOCK];
    uint64_t i = 0;
    while (i < STREAM_FRAMES) {
        size_t n = 1 + next_rand(&s) % MAX_BLOCK;
        if (n > STREAM_FRAMES - i) {
            n = (size_t)(STREAM_FRAMES - i);
        }
        for (size_t k = 0; k < n; k++) {
            block[2 * k] = (float)((i + k) & 0xFFFFF);
            block[2 * k + 1] = (float)((i + k) >> 20);
        }
        if (t->wait_for_room) {
            while (rpl_ring_write_space(t->ring) < n) {
                sched_yield();
            }
        }
        if (rpl_ring_write(t->ring, block, n, rpl_ring_now_ns()) == 0) {
            t->dropped_frames += n;
            t->dropped_blocks++;
        }
        i += n;
        if (t->sleeping_consumer && next_rand(&s) % 64 == 0) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL); /* let the consumer fall asleep now and then */
        }
    }
    if (t->sleeping_consumer) {
        rpl_ring_end_input(t->ring);
    }
    return NULL;
}

static void run_stream(bool wait_for_room, bool sleeping_consumer, size_t capacity, unsigned seed)
{
    stream_test t = {
        .wait_for_room = wait_for_room, .sleeping_consumer = sleeping_consumer, .seed = seed};
    uint64_t waits = 0;
    double longest_wait_s = 0.0;
    assert_int_equal(rpl_ring_create(capacity, 2, &t.ring), RPL_OK);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, producer, &t), 0);
    uint32_t s = seed ^ 0x9e3779b9u;
    float out[2 * 512];
    uint64_t received = 0, gaps = 0;
    int64_t last = -1, last_stamp = 0;
    for (;;) {
        int64_t stamp = 0;
        size_t n = rpl_ring_read(t.ring, out, 1 + next_rand(&s) % 512, &stamp);
        if (n == 0) {
            if (rpl_ring_frames_written(t.ring) + rpl_ring_overrun_frames(t.ring) ==
                    STREAM_FRAMES &&
                rpl_ring_available(t.ring) == 0) {
                break;
            }
            if (sleeping_consumer) {
                /* a lost wake-up would show as a wait running into the 5 s timeout */
                double t0 = now_s();
                rpl_ring_wait(t.ring, 1 + next_rand(&s) % 256, 5.0);
                double w = now_s() - t0;
                longest_wait_s = w > longest_wait_s ? w : longest_wait_s;
                waits++;
            } else if (next_rand(&s) % 4 == 0) {
                struct timespec ts = {0, 200000};
                nanosleep(&ts, NULL); /* a slow consumer now and then */
            }
            continue;
        }
        assert_true(stamp > 0 && stamp >= last_stamp);
        last_stamp = stamp;
        for (size_t k = 0; k < n; k++) {
            int64_t v = (int64_t)out[2 * k] + ((int64_t)out[2 * k + 1] << 20);
            if (v != last + 1) {
                assert_true(v > last + 1); /* only whole dropped blocks: never back, never torn */
                gaps++;
            }
            last = v;
        }
        received += n;
    }
    assert_int_equal(pthread_join(th, NULL), 0);
    if (sleeping_consumer) {
        print_message("sleeping consumer: %llu waits, longest %.3f s\n", (unsigned long long)waits,
                      longest_wait_s);
        assert_true(longest_wait_s < 4.0);
    }
    assert_int_equal(received + t.dropped_frames, STREAM_FRAMES);
    assert_int_equal(rpl_ring_overrun_frames(t.ring), t.dropped_frames);
    assert_int_equal(rpl_ring_overruns(t.ring), t.dropped_blocks);
    assert_true(gaps <= t.dropped_blocks);
    if (wait_for_room) {
        assert_int_equal(t.dropped_frames, 0);
        assert_int_equal(gaps, 0);
        assert_int_equal(last, STREAM_FRAMES - 1);
    } else {
        print_message("dropping producer: %llu blocks (%llu frames) dropped, %llu gaps seen\n",
                      (unsigned long long)t.dropped_blocks, (unsigned long long)t.dropped_frames,
                      (unsigned long long)gaps);
        assert_true(t.dropped_blocks > 0); /* a 512-frame ring cannot keep up with a spinner */
        assert_true(gaps > 0);
    }
    rpl_ring_destroy(t.ring);
}

static void test_two_threads_lossless(void **state)
{
    (void)state;
    run_stream(true, false, 1024, test_seed());
}

static void test_two_threads_sleeping_consumer(void **state)
{
    (void)state;
    run_stream(true, true, 1024, test_seed());
}

static void test_two_threads_overruns(void **state)
{
    (void)state;
    run_stream(false, false, 512, test_seed());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_arguments),
        cmocka_unit_test(test_wrap_and_overrun),
        cmocka_unit_test(test_stamps),
        cmocka_unit_test(test_read_block),
        cmocka_unit_test(test_wait),
        cmocka_unit_test(test_two_threads_lossless),
        cmocka_unit_test(test_two_threads_sleeping_consumer),
        cmocka_unit_test(test_two_threads_overruns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
