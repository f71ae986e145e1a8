/* Recorded calls through libsndfile: open with checks, read in blocks. */
#include "rappel/source_file.h"
#include "rappel/datetime.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Bytes in memory read through libsndfile's virtual I/O (rpl_source_file_open_memory). */
typedef struct memory_io {
    const unsigned char *data;
    sf_count_t size;
    sf_count_t pos;
} memory_io;

struct rpl_source_file {
    SNDFILE *sf;
    rpl_source_info info;
    int64_t frames_read;
    memory_io mem; /* unused for files */
};

static rpl_status say(rpl_status status, char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static rpl_status say(rpl_status status, char *why, size_t why_size, const char *fmt, ...)
{
    if (why != NULL && why_size > 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(why, why_size, fmt, args);
        va_end(args);
    }
    return status;
}

static int raw_sf_format(rpl_raw_encoding encoding)
{
    switch (encoding) {
    case RPL_RAW_ULAW:
        return SF_FORMAT_RAW | SF_FORMAT_ULAW;
    case RPL_RAW_ALAW:
        return SF_FORMAT_RAW | SF_FORMAT_ALAW;
    case RPL_RAW_S16LE:
        return SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
    case RPL_RAW_NONE:
        break;
    }
    return 0;
}

bool rpl_raw_format_from_name(const char *path, rpl_raw_format *out)
{
    static const struct {
        const char *ext;
        rpl_raw_encoding encoding;
        int rate_hz;
    } known[] = {
        {"ulaw", RPL_RAW_ULAW, 8000},      {"ul", RPL_RAW_ULAW, 8000},
        {"ulw", RPL_RAW_ULAW, 8000},       {"mu", RPL_RAW_ULAW, 8000},
        {"alaw", RPL_RAW_ALAW, 8000},      {"al", RPL_RAW_ALAW, 8000},
        {"alw", RPL_RAW_ALAW, 8000},       {"sln", RPL_RAW_S16LE, 8000},
        {"slin", RPL_RAW_S16LE, 8000},     {"sln12", RPL_RAW_S16LE, 12000},
        {"sln16", RPL_RAW_S16LE, 16000},   {"sln24", RPL_RAW_S16LE, 24000},
        {"sln32", RPL_RAW_S16LE, 32000},   {"sln44", RPL_RAW_S16LE, 44100},
        {"sln48", RPL_RAW_S16LE, 48000},   {"sln96", RPL_RAW_S16LE, 96000},
        {"sln192", RPL_RAW_S16LE, 192000},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash)) {
        return false;
    }
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcasecmp(dot + 1, known[i].ext) == 0) {
            *out = (rpl_raw_format){
                .encoding = known[i].encoding, .sample_rate_hz = known[i].rate_hz, .channels = 1};
            return true;
        }
    }
    return false;
}

static void describe_format(int format, char *out, size_t size)
{
    SF_FORMAT_INFO major = {.format = format & SF_FORMAT_TYPEMASK};
    SF_FORMAT_INFO minor = {.format = format & SF_FORMAT_SUBMASK};
    const char *major_name = "unknown";
    const char *minor_name = "unknown";
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &major, sizeof major) == 0) {
        major_name = major.name;
    }
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &minor, sizeof minor) == 0) {
        minor_name = minor.name;
    }
    snprintf(out, size, "%s / %s", major_name, minor_name);
}

/* Checks libsndfile cannot make for us: the path is a readable, non-empty regular file. */
static rpl_status check_path(const char *path, char *why, size_t why_size)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        return say(RPL_ERR_IO, why, why_size, "%s", strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        return say(RPL_ERR_IO, why, why_size, "is a directory");
    }
    FILE *probe = fopen(path, "rb");
    if (probe == NULL) {
        return say(RPL_ERR_IO, why, why_size, "%s", strerror(errno));
    }
    fclose(probe);
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        return say(RPL_ERR_EMPTY, why, why_size, "empty file (0 bytes)");
    }
    return RPL_OK;
}

/* Whether the header promises more audio than the file holds. libsndfile reads what is there
 * and says so only in its log, as "data : <header> (should be <file>)" for WAV ("SSND" for
 * AIFF, "Data Size" for AU); a file longer than its header logs no such line. */
static bool cut_short(SNDFILE *sf)
{
    char log[4096];
    if (sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log) <= 0) {
        return false;
    }
    log[sizeof log - 1] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(log, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char name[32];
        long long said = 0, held = 0;
        if (sscanf(line, " %31[^:]: %lld (should be %lld)", name, &said, &held) != 3 ||
            held >= said) {
            continue;
        }
        for (size_t n = strlen(name); n > 0 && name[n - 1] == ' '; n--) {
            name[n - 1] = '\0';
        }
        if (strcmp(name, "data") == 0 || strcmp(name, "SSND") == 0 ||
            strcmp(name, "Data Size") == 0) {
            return true;
        }
    }
    return false;
}

/* When the file says it was recorded: its Broadcast WAVE origination date and time, else a
 * date tag (WAV INFO ICRD, FLAC/Ogg DATE) that holds a time of day. A date alone places the
 * call on no hour, and the caller has better sources for that (the file name). */
static void recording_time(SNDFILE *sf, rpl_source_info *info)
{
    SF_BROADCAST_INFO bext;
    rpl_datetime dt;
    int64_t t = 0;
    if (sf_command(sf, SFC_GET_BROADCAST_INFO, &bext, sizeof bext) == SF_TRUE &&
        rpl_datetime_from_bext(bext.origination_date, bext.origination_time, &dt) &&
        rpl_datetime_to_unix(&dt, &t) && t > 0) {
        info->recorded_unix_s = t;
        info->recorded_from = "bext";
        return;
    }
    const char *tag = sf_get_string(sf, SF_STR_DATE);
    if (tag != NULL && rpl_datetime_parse_iso(tag, &dt) && dt.has_time &&
        rpl_datetime_to_unix(&dt, &t) && t > 0) {
        info->recorded_unix_s = t;
        info->recorded_from = "date tag";
    }
}

/* The checks on what libsndfile opened; src (holding sf) is freed on failure. */
static rpl_status check_opened(rpl_source_file *src, const SF_INFO *sfinfo, rpl_source_file **out,
                               char *why, size_t why_size)
{
    rpl_status status = RPL_OK;
    if (sfinfo->samplerate < RPL_MIN_RATE_HZ || sfinfo->samplerate > RPL_MAX_RATE_HZ) {
        status = say(RPL_ERR_RATE, why, why_size, "sample rate %d Hz is outside %d..%d Hz",
                     sfinfo->samplerate, RPL_MIN_RATE_HZ, RPL_MAX_RATE_HZ);
        goto fail;
    }
    if (sfinfo->channels < 1 || sfinfo->channels > RPL_MAX_CHANNELS) {
        status = say(RPL_ERR_CHANNELS, why, why_size, "%d channels (rappel reads 1 to %d)",
                     sfinfo->channels, RPL_MAX_CHANNELS);
        goto fail;
    }
    if (sfinfo->frames <= 0) {
        status = say(RPL_ERR_EMPTY, why, why_size, "no audio frames");
        goto fail;
    }
    src->info.sample_rate_hz = sfinfo->samplerate;
    src->info.channels = sfinfo->channels;
    src->info.frames = sfinfo->frames;
    describe_format(sfinfo->format, src->info.format_name, sizeof src->info.format_name);
    src->info.truncated = cut_short(src->sf);
    recording_time(src->sf, &src->info);
    *out = src;
    return RPL_OK;
fail:
    sf_close(src->sf);
    free(src);
    return status;
}

rpl_status rpl_source_file_open(const char *path, const rpl_raw_format *raw, rpl_source_file **out,
                                char *why, size_t why_size)
{
    if (out == NULL || path == NULL) {
        return say(RPL_ERR_INVALID_ARG, why, why_size, "no file given");
    }
    *out = NULL;
    rpl_status status = check_path(path, why, why_size);
    if (status != RPL_OK) {
        return status;
    }
    SF_INFO sfinfo = {0};
    rpl_raw_format named;
    if ((raw == NULL || raw->encoding == RPL_RAW_NONE) && rpl_raw_format_from_name(path, &named)) {
        raw = &named;
    }
    if (raw != NULL && raw->encoding != RPL_RAW_NONE) {
        if (raw_sf_format(raw->encoding) == 0) {
            return say(RPL_ERR_INVALID_ARG, why, why_size, "unknown raw encoding");
        }
        if (raw->sample_rate_hz < RPL_MIN_RATE_HZ || raw->sample_rate_hz > RPL_MAX_RATE_HZ) {
            return say(RPL_ERR_RATE, why, why_size,
                       "headerless audio needs a sample rate from %d to %d Hz (got %d)",
                       RPL_MIN_RATE_HZ, RPL_MAX_RATE_HZ, raw->sample_rate_hz);
        }
        if (raw->channels < 1 || raw->channels > RPL_MAX_CHANNELS) {
            return say(RPL_ERR_CHANNELS, why, why_size,
                       "headerless audio needs 1 to %d channels (got %d)", RPL_MAX_CHANNELS,
                       raw->channels);
        }
        sfinfo.format = raw_sf_format(raw->encoding);
        sfinfo.samplerate = raw->sample_rate_hz;
        sfinfo.channels = raw->channels;
    }
    SNDFILE *sf = sf_open(path, SFM_READ, &sfinfo);
    if (sf == NULL) {
        return say(RPL_ERR_FORMAT, why, why_size, "not an audio file rappel can read (%s)",
                   sf_strerror(NULL));
    }
    rpl_source_file *src = calloc(1, sizeof *src);
    if (src == NULL) {
        sf_close(sf);
        return say(RPL_ERR_NO_MEMORY, why, why_size, "out of memory");
    }
    src->sf = sf;
    return check_opened(src, &sfinfo, out, why, why_size);
}

static sf_count_t mem_get_filelen(void *user)
{
    return ((const memory_io *)user)->size;
}

static sf_count_t mem_seek(sf_count_t offset, int whence, void *user)
{
    memory_io *m = user;
    sf_count_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->size : 0;
    if ((offset < 0 && base + offset < 0) || (offset > 0 && offset > m->size - base)) {
        return -1;
    }
    m->pos = base + offset;
    return m->pos;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *user)
{
    memory_io *m = user;
    if (count <= 0 || m->pos >= m->size) {
        return 0;
    }
    sf_count_t n = count < m->size - m->pos ? count : m->size - m->pos;
    memcpy(ptr, m->data + m->pos, (size_t)n);
    m->pos += n;
    return n;
}

static sf_count_t mem_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr;
    (void)count;
    (void)user;
    return 0; /* read-only */
}

static sf_count_t mem_tell(void *user)
{
    return ((const memory_io *)user)->pos;
}

rpl_status rpl_source_file_open_memory(const void *data, size_t size, rpl_source_file **out,
                                       char *why, size_t why_size)
{
    if (out == NULL || (data == NULL && size > 0)) {
        return say(RPL_ERR_INVALID_ARG, why, why_size, "no data given");
    }
    *out = NULL;
    if (size == 0) {
        return say(RPL_ERR_EMPTY, why, why_size, "empty file (0 bytes)");
    }
    if (size > (size_t)INT64_MAX) {
        return say(RPL_ERR_INVALID_ARG, why, why_size, "too large");
    }
    rpl_source_file *src = calloc(1, sizeof *src);
    if (src == NULL) {
        return say(RPL_ERR_NO_MEMORY, why, why_size, "out of memory");
    }
    src->mem.data = data;
    src->mem.size = (sf_count_t)size;
    SF_VIRTUAL_IO vio = {.get_filelen = mem_get_filelen,
                         .seek = mem_seek,
                         .read = mem_read,
                         .write = mem_write,
                         .tell = mem_tell};
    SF_INFO sfinfo = {0};
    src->sf = sf_open_virtual(&vio, SFM_READ, &sfinfo, &src->mem);
    if (src->sf == NULL) {
        free(src);
        return say(RPL_ERR_FORMAT, why, why_size, "not an audio file rappel can read (%s)",
                   sf_strerror(NULL));
    }
    return check_opened(src, &sfinfo, out, why, why_size);
}

const rpl_source_info *rpl_source_file_info(const rpl_source_file *src)
{
    return &src->info;
}

rpl_status rpl_source_file_read(rpl_source_file *src, float *buffer, size_t max_frames, size_t *got,
                                char *why, size_t why_size)
{
    *got = 0;
    sf_count_t n = sf_readf_float(src->sf, buffer, (sf_count_t)max_frames);
    if (n < 0 || (n == 0 && sf_error(src->sf) != SF_ERR_NO_ERROR)) {
        return say(RPL_ERR_IO, why, why_size, "read failed (%s)", sf_strerror(src->sf));
    }
    size_t count = (size_t)n * (size_t)src->info.channels;
    /* Branch-free scan first (vectorised: |x| as bits >= the infinity pattern means inf or
     * NaN); the exact position only when the block has a bad sample. */
    uint32_t bad = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &buffer[i], sizeof bits);
        bad |= (uint32_t)((bits & 0x7FFFFFFFu) >= 0x7F800000u);
    }
    for (size_t i = 0; bad != 0 && i < count; i++) {
        if (!isfinite(buffer[i])) {
            int64_t frame = src->frames_read + (int64_t)(i / (size_t)src->info.channels);
            return say(RPL_ERR_BAD_SAMPLES, why, why_size,
                       "non-finite sample (NaN or infinity) at %.3f s",
                       (double)frame / src->info.sample_rate_hz);
        }
    }
    src->frames_read += n;
    *got = (size_t)n;
    return RPL_OK;
}

void rpl_source_file_close(rpl_source_file *src)
{
    if (src == NULL) {
        return;
    }
    sf_close(src->sf);
    free(src);
}
