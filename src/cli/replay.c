/* rappel replay: a recorded call through the live machinery, paced at real time x --speed.
 *
 * A reader thread reads the file ahead (READ_S at a time: one read system call per half
 * second instead of one per block) and writes it into the live ring in BLOCK_MS = 40 ms blocks
 * (a capture callback's worth, src/source_live.c; the analysis thread wakes for each, src/live.c),
 * each at the time it would arrive from a device,
 * sleeping to that absolute deadline (clock_nanosleep TIMER_ABSTIME: no drift). From the ring
 * on, everything is what `rappel live` runs (analysis thread, event queue, store thread, status
 * line). Unlike a capture callback the reader may wait: when the analysis cannot keep up with a
 * high --speed, the reader waits for room instead of dropping audio, so a replay analyses
 * exactly the file's samples and gives the alerts `analyze` gives. Blocks are grouped so that
 * the reader wakes at most every 2 ms of wall time (sleep granularity). The main thread sleeps
 * on a semaphore the reader posts when it ends, waking otherwise only for the status line. */
#define _GNU_SOURCE /* sem_clockwait: a timeout that a wall-clock step cannot stretch */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_live.h"
#include "cli/cli_pipeline.h"
#include "cli/cli_store.h"
#include "rappel/audio_digest.h"
#include "rappel/source_file.h"

#define COMMAND "replay"

enum { BLOCK_MS = 40 };
#define READ_S 0.5

static void print_help(void)
{
    printf("usage: rappel replay FILE [--speed X] [--db PATH] [--call-id ID] [--agent NAME]\n"
           "                     [--customer NAME] [--customer-channel N] [--agent-channel "
           "N|none]\n"
           "                     [--duration S] [--rules FILE] [--model FILE]\n\n"
           "Run a recorded call through the live pipeline, paced as if it arrived from the\n"
           "sound card: for demos and for testing the live path. Alerts are stored the moment\n"
           "they are raised, with the same kinds, times and scores as 'rappel analyze'.\n\n"
           "options:\n"
           "  --speed X              pace at X times real time (0.1 to 1000; default 1)\n"
           "  --duration S           stop after S seconds of audio\n"
           "  --db PATH              database (default $RAPPEL_DB, else ./rappel.db)\n"
           "  --call-id ID           the call's id (default replay-<time>-<pid>)\n"
           "  --agent NAME, --customer NAME   stored with the call\n"
           "  --customer-channel N, --agent-channel N|none   channel map (default agent 0, "
           "customer 1)\n"
           "  --rules FILE, --model FILE      alert policy and model (default compiled-in)\n\n"
           "Status on stderr: a line refreshed 4 times a second on a terminal, otherwise one\n"
           "line per alert or event. SIGINT/SIGTERM stop early and close the call cleanly.\n"
           "exit status: 0 ok, 1 runtime failure, 2 usage\n");
}

typedef struct reader {
    rpl_source_file *src;
    rpl_ring *ring;
    double speed;
    double rate_hz;
    double max_s; /* 0: the whole file */
    atomic_bool stop, done;
    sem_t ended; /* posted once when the reader ends */
    rpl_status status;
    char why[256];
} reader;

static void add_ns(struct timespec *t, int64_t ns)
{
    t->tv_nsec += (long)(ns % 1000000000);
    t->tv_sec += (time_t)(ns / 1000000000);
    if (t->tv_nsec >= 1000000000) {
        t->tv_nsec -= 1000000000;
        t->tv_sec++;
    }
}

static void reader_end(reader *r)
{
    atomic_store(&r->done, true);
    sem_post(&r->ended);
}

static void *reader_main(void *arg)
{
    reader *r = arg;
    int channels = rpl_source_file_info(r->src)->channels;
    size_t block = (size_t)(r->rate_hz * BLOCK_MS / 1000.0);
    double block_wall_ns = BLOCK_MS * 1e6 / r->speed;
    size_t group = block_wall_ns >= 2e6 ? 1 : (size_t)ceil(2e6 / block_wall_ns);
    size_t frames_per_wake = block * group;
    int64_t wake_ns = (int64_t)(block_wall_ns * (double)group);
    size_t wakes_per_read = (size_t)ceil(READ_S * r->rate_hz / (double)frames_per_wake);
    size_t frames_per_read = frames_per_wake * (wakes_per_read > 0 ? wakes_per_read : 1);
    float *buf = malloc(frames_per_read * (size_t)channels * sizeof *buf);
    if (buf == NULL) {
        r->status = RPL_ERR_NO_MEMORY;
        snprintf(r->why, sizeof r->why, "%s", rpl_strerror(r->status));
        reader_end(r);
        return NULL;
    }
    uint64_t limit = r->max_s > 0 ? (uint64_t)(r->max_s * r->rate_hz + 0.5) : UINT64_MAX;
    uint64_t sent = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!atomic_load(&r->stop) && sent < limit) {
        size_t want = frames_per_read;
        if (want > limit - sent) {
            want = (size_t)(limit - sent);
        }
        size_t got = 0;
        r->status = rpl_source_file_read(r->src, buf, want, &got, r->why, sizeof r->why);
        if (r->status != RPL_OK || got == 0) {
            break;
        }
        for (size_t at = 0; at < got && !atomic_load(&r->stop);) {
            /* due time of the next group of blocks, then hand them over as callbacks would */
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
            size_t wake_end = at + frames_per_wake < got ? at + frames_per_wake : got;
            while (at < wake_end && !atomic_load(&r->stop)) {
                size_t n = wake_end - at < block ? wake_end - at : block;
                while (rpl_ring_write_space(r->ring) < n && !atomic_load(&r->stop)) {
                    struct timespec ts = {0, 1000000};
                    nanosleep(&ts, NULL); /* lossless: wait for the analysis */
                }
                if (rpl_ring_write(r->ring, buf + at * (size_t)channels, n, rpl_ring_now_ns()) ==
                    0) {
                    break; /* only when stopping */
                }
                at += n;
            }
            add_ns(&next, wake_ns);
            /* when the reader had to wait, the schedule restarts from now: no burst to catch
             * up */
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > next.tv_sec + 1) {
                next = now;
            }
        }
        sent += got;
    }
    free(buf);
    reader_end(r);
    return NULL;
}

/* Wait up to seconds for the reader to end (or a signal). */
static void wait_reader(reader *r, double seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    add_ns(&until, (int64_t)(seconds * 1e9));
    if (sem_clockwait(&r->ended, CLOCK_MONOTONIC, &until) == 0) {
        sem_post(&r->ended); /* keep it posted: the loop tests done */
    }
}

static bool parse_speed(const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= 0.1 && v <= 1000.0)) {
        return false;
    }
    *out = v;
    return true;
}

int cli_replay(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_LIVE_LONG_OPTIONS,
        {"speed", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_live_options o = {.customer_channel = -1, .agent_channel = -1};
    double speed = 1.0;
    int opt;
    optind = 1;
    opterr = 0;
    for (int at = optind; (opt = getopt_long(argc, argv, ":h", options, NULL)) != -1; at = optind) {
        int taken = cli_live_take_option(COMMAND, opt, optarg, &o);
        if (taken < 0) {
            return -taken;
        }
        if (taken > 0) {
            continue;
        }
        switch (opt) {
        case 's':
            if (!parse_speed(optarg, &speed)) {
                return cli_usage_error(COMMAND, "--speed wants a factor from 0.1 to 1000");
            }
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
    if (optind == argc) {
        return cli_usage_error(COMMAND, "no FILE given");
    }
    if (argc - optind > 1) {
        return cli_usage_error(COMMAND, "one FILE at a time");
    }
    const char *path = argv[optind];
    rpl_model model;
    rpl_pipeline_config pcfg = rpl_pipeline_config_default(1);
    if (!cli_live_prepare(COMMAND, &o, &model, &pcfg)) {
        return o.call_id != NULL && (o.call_id[0] == '\0' || strlen(o.call_id) > 256)
                   ? RPL_EXIT_USAGE
                   : RPL_EXIT_FAILURE;
    }

    /* identical channels are analysed as mono, as analyze does: that needs one pass first */
    char why[512] = "";
    rpl_audio_digest digest;
    if (rpl_audio_digest_file(path, NULL, &digest, why, sizeof why) != RPL_OK) {
        cli_error(COMMAND, path, "%s", why);
        return RPL_EXIT_FAILURE;
    }
    char map[64];
    if (!cli_live_channel_map(COMMAND, path, &o, digest.info.channels, digest.channels_identical,
                              &pcfg, map, sizeof map)) {
        return RPL_EXIT_FAILURE;
    }
    pcfg.input_rate_hz = digest.info.sample_rate_hz;

    char call_id[96];
    if (o.call_id == NULL) {
        snprintf(call_id, sizeof call_id, "replay-%lld-%ld", (long long)time(NULL), (long)getpid());
    } else {
        snprintf(call_id, sizeof call_id, "%.*s", (int)sizeof call_id - 1, o.call_id);
    }
    const char *id = o.call_id != NULL ? o.call_id : call_id;

    reader r = {.speed = speed, .rate_hz = digest.info.sample_rate_hz, .max_s = o.duration_s};
    atomic_init(&r.stop, false);
    atomic_init(&r.done, false);
    if (sem_init(&r.ended, 0, 0) != 0) {
        cli_error(COMMAND, path, "cannot create a semaphore");
        return RPL_EXIT_FAILURE;
    }
    if (rpl_source_file_open(path, NULL, &r.src, why, sizeof why) != RPL_OK) {
        cli_error(COMMAND, path, "%s", why);
        sem_destroy(&r.ended);
        return RPL_EXIT_FAILURE;
    }
    char cut[160];
    if (cli_truncation_warning(rpl_source_file_info(r.src), cut, sizeof cut)) {
        cli_error(COMMAND, path, "%s", cut);
    }
    cli_live_ui ui;
    cli_live_ui_init(&ui, COMMAND);
    bool path_not_utf8 = false;
    char *path_text = rpl_store_text_from_bytes(path, &path_not_utf8);
    if (path_text == NULL) {
        cli_error(COMMAND, path, "out of memory");
        rpl_source_file_close(r.src);
        sem_destroy(&r.ended);
        cli_live_ui_destroy(&ui);
        return RPL_EXIT_FAILURE;
    }
    if (path_not_utf8) {
        cli_error(COMMAND, path,
                  "warning: the file name is not UTF-8: stored as \"%s\", its other bytes read "
                  "as Latin-1",
                  path_text);
    }
    rpl_live_config lcfg = rpl_live_config_default(digest.info.channels);
    lcfg.pipeline = pcfg;
    lcfg.db_path = cli_db_path(o.db);
    lcfg.call = (rpl_store_call_info){.id = id,
                                      .source_file = path_text,
                                      .agent = o.agent,
                                      .customer = o.customer,
                                      .channel_map = map,
                                      .started_from = "replay"}; /* dated when replayed */
    lcfg.on_event = cli_live_on_event;
    lcfg.user = &ui;
    rpl_live *live = NULL;
    rpl_status created = rpl_live_create(&lcfg, &live, why, sizeof why);
    free(path_text); /* the live session keeps its own copy */
    if (created != RPL_OK) {
        cli_error(COMMAND, path, "%s", why);
        rpl_source_file_close(r.src);
        sem_destroy(&r.ended);
        cli_live_ui_destroy(&ui);
        return RPL_EXIT_FAILURE;
    }
    r.ring = rpl_live_ring(live);
    cli_live_signals_install();
    double t0 = cli_live_now_s(), cpu0 = cli_live_cpu_s();
    pthread_t th;
    int exit_status = RPL_EXIT_OK;
    const char *fail_reason = NULL;
    char reason[300] = "";
    if (pthread_create(&th, NULL, reader_main, &r) != 0) {
        cli_error(COMMAND, path, "cannot start the reader thread");
        rpl_live_finish(live, "could not start", why, sizeof why);
        rpl_live_destroy(live);
        rpl_source_file_close(r.src);
        sem_destroy(&r.ended);
        cli_live_ui_destroy(&ui);
        return RPL_EXIT_FAILURE;
    }
    while (!atomic_load(&r.done) && !rpl_live_analysis_done(live) && !cli_live_stop_signal()) {
        wait_reader(&r, cli_live_tick_s(&ui));
        cli_live_ui_tick(&ui, live, cli_live_now_s() - t0);
    }
    atomic_store(&r.stop, true);
    pthread_join(th, NULL);
    if (r.status != RPL_OK) {
        snprintf(reason, sizeof reason, "reading the file: %s", r.why);
        fail_reason = reason;
        cli_live_ui_message(&ui, "%s: %s", path, r.why);
        exit_status = RPL_EXIT_FAILURE;
    } else if (cli_live_stop_signal()) {
        cli_live_ui_message(&ui, "%s: stopped by signal %d: closing the call", path,
                            cli_live_stop_signal());
    }
    rpl_status st = rpl_live_finish(live, fail_reason, why, sizeof why);
    double wall = cli_live_now_s() - t0, cpu = cli_live_cpu_s() - cpu0;
    cli_live_ui_end(&ui);
    if (st != RPL_OK) {
        cli_error(COMMAND, path, "%s", why);
        exit_status = RPL_EXIT_FAILURE;
    }
    cli_live_summary(&ui, live, id, wall, cpu);
    rpl_live_destroy(live);
    rpl_source_file_close(r.src);
    sem_destroy(&r.ended);
    cli_live_ui_destroy(&ui);
    return exit_status;
}
