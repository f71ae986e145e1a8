/* rappel features: frame-wise features of one recording on stdout, one row per 10 ms. */
#include "cli/cli.h"
#include "cli/cli_pipeline.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rappel/analysis.h"
#include "rappel/ingest.h"
#include "rappel/music.h"
#include "rappel/source_file.h"

#define COMMAND "features"

enum { READ_FRAMES = 4096 };

typedef enum { FORMAT_CSV, FORMAT_JSONL } output_format;

typedef struct {
    output_format format;
    bool pauses_only;
    FILE *out;
    rpl_analysis *analysis;
    rpl_music *music; /* as the pipeline takes music out of a party's frames */
    rpl_analysis_sink sink;
} features_run;

static void print_help(void)
{
    printf("usage: rappel features FILE [--channel N] [--format csv|jsonl] [--pauses]\n"
           "                       [--raw ulaw|alaw|s16le --rate HZ [--channels N]]\n\n"
           "Frame-wise prosodic features of one recording, one row per 10 ms frame, on stdout.\n"
           "Any file libsndfile reads (WAV, FLAC, AIFF, AU, mu-law/A-law, 8 to 192 kHz, 1 to 16\n"
           "channels); every input is resampled to 8 kHz and band-limited to 300-3400 Hz first.\n\n"
           "options:\n"
           "  --channel N       channel to analyse, from 0 (default 0)\n"
           "  --format F        csv (default, with a header row) or jsonl (one object a frame)\n"
           "  --pauses          print the pauses inside turns instead: start_s,length_s\n"
           "  --raw ENC         headerless audio: ulaw, alaw or s16le; needs --rate\n"
           "  --rate HZ         sample rate of headerless audio\n"
           "  --channels N      channels of headerless audio (default 1)\n\n"
           "columns:\n");
    for (size_t i = 0; i < rpl_frame_column_count(); i++) {
        const rpl_column *c = rpl_frame_column(i);
        printf("  %-17s %-6s %s\n", c->name, c->unit, c->meaning);
    }
    printf("\nexit status: 0 ok, 1 the file could not be analysed, 2 usage\n");
}

/* value with a fixed number of decimals (0..6), as printf's %.*f would print it for the
 * magnitudes features have (|value| < 1e12), without "-0"; returns the length. printf's
 * general float formatting was a tenth of the whole run's time. */
static size_t format_fixed(char *out, double value, int decimals)
{
    static const double scale[] = {1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0};
    long long scaled = llround(value * scale[decimals]);
    char digits[32];
    size_t n = 0;
    bool negative = scaled < 0;
    unsigned long long magnitude =
        negative ? 0ull - (unsigned long long)scaled : (unsigned long long)scaled;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0 || n <= (size_t)decimals);
    size_t len = 0;
    if (negative) {
        out[len++] = '-';
    }
    while (n > 0) {
        if (n == (size_t)decimals) {
            out[len++] = '.';
        }
        out[len++] = digits[--n];
    }
    return len;
}

static void print_frame(void *user, const rpl_frame *analysed)
{
    const features_run *run = user;
    rpl_frame copy = *analysed;
    const rpl_frame *frame = &copy;
    rpl_music_take_out(run->music, &copy);
    if (run->pauses_only) {
        return;
    }
    char line[1024];
    size_t len = 0;
    if (run->format == FORMAT_JSONL) {
        line[len++] = '{';
    }
    for (size_t i = 0; i < rpl_frame_column_count(); i++) {
        const rpl_column *c = rpl_frame_column(i);
        if (i > 0) {
            line[len++] = ',';
        }
        if (run->format == FORMAT_JSONL) {
            len += (size_t)snprintf(line + len, sizeof line - len, "\"%s\":", c->name);
        }
        double value = rpl_frame_value(frame, i);
        if (!isfinite(value)) {
            /* undefined here (e.g. jitter in an unvoiced frame): empty in CSV, null in JSON */
            if (run->format == FORMAT_JSONL) {
                memcpy(line + len, "null", 4);
                len += 4;
            }
            continue;
        }
        len += format_fixed(line + len, value, c->decimals);
    }
    if (run->format == FORMAT_JSONL) {
        line[len++] = '}';
    }
    line[len++] = '\n';
    fwrite(line, 1, len, run->out);
}

static void print_pause(void *user, const rpl_pause *pause)
{
    const features_run *run = user;
    if (!run->pauses_only) {
        return;
    }
    if (run->format == FORMAT_JSONL) {
        fprintf(run->out, "{\"start_s\":%.3f,\"length_s\":%.3f}\n", pause->start_s,
                pause->length_s);
    } else {
        fprintf(run->out, "%.3f,%.3f\n", pause->start_s, pause->length_s);
    }
}

static void print_header(const features_run *run)
{
    if (run->format != FORMAT_CSV) {
        return;
    }
    if (run->pauses_only) {
        fputs("start_s,length_s\n", run->out);
        return;
    }
    for (size_t i = 0; i < rpl_frame_column_count(); i++) {
        fprintf(run->out, "%s%s", i > 0 ? "," : "", rpl_frame_column(i)->name);
    }
    fputc('\n', run->out);
}

static void analyse_samples(void *user, const float *samples, size_t n)
{
    features_run *run = user;
    rpl_analysis_process(run->analysis, samples, n, &run->sink);
}

/* Stream one channel of the file through ingest and analysis. */
static int run_file(const char *path, const rpl_raw_format *raw, long channel, features_run *run)
{
    char why[256] = "";
    rpl_source_file *src = NULL;
    rpl_ingest *ingest = NULL;
    float *block = NULL;
    float *mono = NULL;
    int exit_status = RPL_EXIT_FAILURE;

    rpl_status status = rpl_source_file_open(path, raw, &src, why, sizeof why);
    if (status != RPL_OK) {
        cli_error(COMMAND, path, "%s", why);
        return RPL_EXIT_FAILURE;
    }
    const rpl_source_info *info = rpl_source_file_info(src);
    char cut[160];
    if (cli_truncation_warning(info, cut, sizeof cut)) {
        cli_error(COMMAND, path, "%s", cut);
    }
    if (channel >= info->channels) {
        cli_error(COMMAND, path, "--channel %ld is out of range: the file has %d channel%s",
                  channel, info->channels, info->channels == 1 ? "" : "s");
        goto done;
    }
    status = rpl_ingest_create(info->sample_rate_hz, &ingest);
    if (status == RPL_OK) {
        rpl_analysis_config config = rpl_analysis_config_default();
        status = rpl_analysis_create(&config, &run->analysis);
    }
    if (status == RPL_OK) {
        status = rpl_music_create(&run->music);
    }
    block = malloc(sizeof(float) * READ_FRAMES * (size_t)info->channels);
    mono = malloc(sizeof(float) * READ_FRAMES);
    if (status == RPL_OK && (block == NULL || mono == NULL)) {
        status = RPL_ERR_NO_MEMORY;
    }
    if (status != RPL_OK) {
        cli_error(COMMAND, path, "%s", rpl_strerror(status));
        goto done;
    }
    print_header(run);
    for (;;) {
        size_t got = 0;
        status = rpl_source_file_read(src, block, READ_FRAMES, &got, why, sizeof why);
        if (status != RPL_OK) {
            cli_error(COMMAND, path, "%s", why);
            goto done;
        }
        if (got == 0) {
            break;
        }
        for (size_t i = 0; i < got; i++) {
            mono[i] = block[i * (size_t)info->channels + (size_t)channel];
        }
        status = rpl_ingest_process(ingest, mono, got, analyse_samples, run);
        if (status != RPL_OK) {
            cli_error(COMMAND, path, "%s", rpl_strerror(status));
            goto done;
        }
    }
    status = rpl_ingest_flush(ingest, analyse_samples, run);
    if (status != RPL_OK) {
        cli_error(COMMAND, path, "%s", rpl_strerror(status));
        goto done;
    }
    rpl_analysis_flush(run->analysis, &run->sink);
    if (fflush(run->out) != 0 || ferror(run->out)) {
        cli_error(COMMAND, "stdout", "write failed");
        goto done;
    }
    exit_status = RPL_EXIT_OK;
done:
    free(block);
    free(mono);
    rpl_analysis_destroy(run->analysis);
    run->analysis = NULL;
    rpl_music_destroy(run->music);
    run->music = NULL;
    rpl_ingest_destroy(ingest);
    rpl_source_file_close(src);
    return exit_status;
}

int cli_features(int argc, char **argv)
{
    static const struct option options[] = {
        {"channel", required_argument, NULL, 'c'}, {"format", required_argument, NULL, 'f'},
        {"pauses", no_argument, NULL, 'p'},        {"raw", required_argument, NULL, 'r'},
        {"rate", required_argument, NULL, 'R'},    {"channels", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    features_run run = {.format = FORMAT_CSV, .out = stdout};
    run.sink = (rpl_analysis_sink){.on_frame = print_frame, .on_pause = print_pause, .user = &run};
    rpl_raw_format raw = {.encoding = RPL_RAW_NONE, .channels = 1};
    long channel = 0;
    long value = 0;
    bool rate_given = false;
    int opt;
    optind = 1;
    opterr = 0;
    for (int at = optind; (opt = getopt_long(argc, argv, ":h", options, NULL)) != -1; at = optind) {
        switch (opt) {
        case 'c':
            if (!cli_parse_long(optarg, 0, RPL_MAX_CHANNELS - 1, &channel)) {
                return cli_usage_error(COMMAND, "--channel wants a channel number from 0 to %d",
                                       RPL_MAX_CHANNELS - 1);
            }
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0) {
                run.format = FORMAT_CSV;
            } else if (strcmp(optarg, "jsonl") == 0) {
                run.format = FORMAT_JSONL;
            } else {
                return cli_usage_error(COMMAND, "--format wants csv or jsonl, not '%s'", optarg);
            }
            break;
        case 'p':
            run.pauses_only = true;
            break;
        case 'r':
            if (strcmp(optarg, "ulaw") == 0) {
                raw.encoding = RPL_RAW_ULAW;
            } else if (strcmp(optarg, "alaw") == 0) {
                raw.encoding = RPL_RAW_ALAW;
            } else if (strcmp(optarg, "s16le") == 0) {
                raw.encoding = RPL_RAW_S16LE;
            } else {
                return cli_usage_error(COMMAND, "--raw wants ulaw, alaw or s16le, not '%s'",
                                       optarg);
            }
            break;
        case 'R':
            if (!cli_parse_long(optarg, 1, 10000000, &value)) {
                return cli_usage_error(COMMAND, "--rate wants a sample rate in Hz");
            }
            raw.sample_rate_hz = (int)value;
            rate_given = true;
            break;
        case 'C':
            if (!cli_parse_long(optarg, 1, 1000, &value)) {
                return cli_usage_error(COMMAND, "--channels wants a channel count");
            }
            raw.channels = (int)value;
            break;
        case 'h':
            print_help();
            return RPL_EXIT_OK;
        case ':':
            return cli_usage_error(COMMAND, "%s needs a value", argv[optind - 1]);
        default:
            return cli_unknown_option(COMMAND, options, true, argc, argv, at);
        }
    }
    if (raw.encoding != RPL_RAW_NONE && !rate_given) {
        return cli_usage_error(COMMAND, "--raw needs --rate");
    }
    if (raw.encoding == RPL_RAW_NONE && rate_given) {
        return cli_usage_error(COMMAND, "--rate is only for headerless audio (--raw)");
    }
    if (optind != argc - 1) {
        return cli_usage_error(COMMAND, optind == argc ? "no FILE given" : "one FILE at a time");
    }
    return run_file(argv[optind], &raw, channel, &run);
}
