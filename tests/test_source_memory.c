/* rpl_source_file_open_memory: an audio file held in memory decodes to exactly the samples
 * the same file gives through rpl_source_file_open, and bad bytes get the same checks and
 * reasons (empty, not audio, rate out of range). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rappel/source_file.h"

enum { FRAMES = 4000, CHANNELS = 2 };

/* A stereo 16-bit WAV of FRAMES frames at rate_hz (left 440 Hz, right 700 Hz, known sines),
 * written to a temporary file; returns its bytes (*size), the file itself stays at path. */
static unsigned char *make_wav(int rate_hz, char *path, size_t *size)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    SF_INFO info = {
        .samplerate = rate_hz, .channels = CHANNELS, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    assert_non_null(sf);
    static float x[FRAMES * CHANNELS];
    for (int i = 0; i < FRAMES; i++) {
        x[2 * i] = 0.5f * sinf(2.0f * 3.14159265f * 440.0f * (float)i / (float)rate_hz);
        x[2 * i + 1] = 0.25f * sinf(2.0f * 3.14159265f * 700.0f * (float)i / (float)rate_hz);
    }
    assert_int_equal(sf_writef_float(sf, x, FRAMES), FRAMES);
    sf_close(sf);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *bytes = malloc(1 << 16);
    assert_non_null(bytes);
    *size = fread(bytes, 1, 1 << 16, f);
    fclose(f);
    assert_true(*size > 44);
    return bytes;
}

/* Every sample until the end, read in blocks of 333 frames. */
static size_t read_all(rpl_source_file *src, float *out, size_t max_frames)
{
    size_t total = 0, got = 0;
    char why[128];
    do {
        size_t want = max_frames - total < 333 ? max_frames - total : 333;
        assert_int_equal(
            rpl_source_file_read(src, out + total * CHANNELS, want, &got, why, sizeof why), RPL_OK);
        total += got;
    } while (got > 0 && total < max_frames);
    return total;
}

static void test_memory_matches_file(void **state)
{
    (void)state;
    char path[] = "/tmp/rpl_source_memory_XXXXXX";
    size_t size = 0;
    unsigned char *bytes = make_wav(8000, path, &size);
    rpl_source_file *from_file = NULL, *from_memory = NULL;
    char why[128] = "";
    assert_int_equal(rpl_source_file_open(path, NULL, &from_file, why, sizeof why), RPL_OK);
    assert_int_equal(rpl_source_file_open_memory(bytes, size, &from_memory, why, sizeof why),
                     RPL_OK);
    const rpl_source_info *a = rpl_source_file_info(from_file);
    const rpl_source_info *b = rpl_source_file_info(from_memory);
    assert_int_equal(b->sample_rate_hz, 8000);
    assert_int_equal(b->channels, CHANNELS);
    assert_int_equal(b->frames, FRAMES);
    assert_string_equal(a->format_name, b->format_name);
    static float xa[(FRAMES + 10) * CHANNELS], xb[(FRAMES + 10) * CHANNELS];
    assert_int_equal(read_all(from_file, xa, FRAMES + 10), FRAMES);
    assert_int_equal(read_all(from_memory, xb, FRAMES + 10), FRAMES);
    assert_memory_equal(xa, xb, sizeof(float) * FRAMES * CHANNELS);
    /* The decoded sine is the one written (16-bit quantisation: 1/32768). */
    assert_float_equal(xb[2 * 100], 0.5f * sinf(2.0f * 3.14159265f * 440.0f * 100.0f / 8000.0f),
                       1e-4);
    rpl_source_file_close(from_file);
    rpl_source_file_close(from_memory);
    unlink(path);
    free(bytes);
}

static void test_memory_errors(void **state)
{
    (void)state;
    rpl_source_file *src = (rpl_source_file *)&src; /* must be reset to NULL */
    char why[128] = "";
    assert_int_equal(rpl_source_file_open_memory("", 0, &src, why, sizeof why), RPL_ERR_EMPTY);
    assert_null(src);
    assert_non_null(strstr(why, "empty"));
    assert_int_equal(rpl_source_file_open_memory(NULL, 10, &src, why, sizeof why),
                     RPL_ERR_INVALID_ARG);
    assert_int_equal(rpl_source_file_open_memory("x", 1, NULL, why, sizeof why),
                     RPL_ERR_INVALID_ARG);
    static const char text[] = "this is a text file, not audio at all, just words\n";
    assert_int_equal(rpl_source_file_open_memory(text, sizeof text - 1, &src, why, sizeof why),
                     RPL_ERR_FORMAT);
    assert_null(src);
    assert_non_null(strstr(why, "not an audio file"));

    /* 4 kHz: decodes, but the rate is refused with the file's reason. */
    char path[] = "/tmp/rpl_source_memory_XXXXXX";
    size_t size = 0;
    unsigned char *bytes = make_wav(4000, path, &size);
    assert_int_equal(rpl_source_file_open_memory(bytes, size, &src, why, sizeof why), RPL_ERR_RATE);
    assert_null(src);
    assert_non_null(strstr(why, "4000 Hz"));
    /* A header cut short is not audio, never a read past the end (ASan checks). */
    assert_int_equal(rpl_source_file_open_memory(bytes, 30, &src, why, sizeof why), RPL_ERR_FORMAT);
    unlink(path);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_matches_file),
        cmocka_unit_test(test_memory_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
