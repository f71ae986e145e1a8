/* rappel cues: the models' window cues and scores of recordings, one row per 0.5 s window.
 *
 * The training export (models/train/): the Python scripts fit the models on exactly what the
 * C pipeline computes. --prime files are heard first, as the start of the same call by the
 * same speaker, so that the targets are scored against a baseline; only the targets' windows
 * are printed. Each score's cues are those of the window it read: frustration and fatigue the
 * 3 s window (the unprefixed columns, which train.py reads by name), hesitation the 8 s one
 * (the hes_ columns, after the scores): a long pause has left the 3 s window while it still
 * drives the hesitation score. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_pipeline.h"

#define COMMAND "cues"

/* Silence between a prime and the target: longer than a window, so that no target window
 * holds prime speech, and longer than the longest pause. */
#define GAP_S 3.5

typedef struct {
    const char *file;
    double from_s; /* print windows ending after this */
} cues_run;

static void print_help(void)
{
    printf("usage: rappel cues [--prime FILE]... [--model FILE] FILE...\n\n"
           "The window cues the models read and the three scores, for each FILE analysed as one\n"
           "customer (channel 0), one CSV row per 0.5 s window. With --prime, the prime files are\n"
           "heard first as the same speaker, so that FILE is scored against that baseline.\n"
           "This is the training export of models/train/.\n\n"
           "options:\n"
           "  --prime FILE   heard before each FILE (repeatable; same rate and channels)\n"
           "  --model FILE   scoring model parameters (default: the compiled-in model)\n\n"
           "columns: file,t_s,baseline_ok,<cues>,frustration,hesitation,fatigue,\n"
           "hes_baseline_ok,hes_<cues>. The unprefixed cues are the 3 s window's, which\n"
           "frustration and fatigue read; the hes_ ones the 8 s window's, which hesitation\n"
           "reads (its pauses, rate and latency). An empty field is a cue the window cannot\n"
           "tell. Cues:\n");
    for (size_t i = 0; i < RPL_CUE_COUNT; i++) {
        const rpl_cue_info *c = rpl_cue_info_get(i);
        printf("  %-17s %-6s %s\n", c->name, c->unit, c->meaning);
    }
}

static void print_value(double v)
{
    if (isfinite(v)) {
        printf(",%.6g", v);
    } else {
        fputs(",", stdout);
    }
}

static void on_scores(void *user, const rpl_pipeline_scores *s)
{
    const cues_run *run = user;
    if (s->t_s <= run->from_s) {
        return;
    }
    printf("%s,%.2f,%d", run->file, s->t_s - run->from_s, s->cues->baseline_ok);
    for (size_t i = 0; i < RPL_CUE_COUNT; i++) {
        print_value(s->cues->value[i]);
    }
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        print_value(s->score[k]);
    }
    printf(",%d", s->hesitation_cues->baseline_ok);
    for (size_t i = 0; i < RPL_CUE_COUNT; i++) {
        print_value(s->hesitation_cues->value[i]);
    }
    putchar('\n');
}

/* Open path; on failure print why. */
static rpl_source_file *open_source(const char *path)
{
    char why[256] = "";
    rpl_source_file *src = NULL;
    if (rpl_source_file_open(path, NULL, &src, why, sizeof why) != RPL_OK) {
        cli_error(COMMAND, path, "%s", why);
    }
    return src;
}

static int run_target(const char *target, char **primes, size_t prime_count, const rpl_model *model)
{
    rpl_source_file *src = open_source(target);
    if (src == NULL) {
        return RPL_EXIT_FAILURE;
    }
    const rpl_source_info info = *rpl_source_file_info(src);
    rpl_pipeline_config cfg = rpl_pipeline_config_default(info.channels);
    cfg.input_rate_hz = info.sample_rate_hz;
    cfg.customer_channel = 0;
    cfg.agent_channel = -1;
    cfg.model = model;
    rpl_pipeline *pl = NULL;
    cues_run run = {.file = target, .from_s = INFINITY};
    rpl_pipeline_sink sink = {.on_scores = on_scores, .user = &run};
    char why[256] = "";
    int exit_status = RPL_EXIT_FAILURE;
    rpl_status status = rpl_pipeline_create(&cfg, &pl);
    if (status != RPL_OK) {
        cli_error(COMMAND, target, "%s", rpl_strerror(status));
        goto done;
    }
    for (size_t i = 0; i < prime_count; i++) {
        rpl_source_file *prime = open_source(primes[i]);
        if (prime == NULL) {
            goto done;
        }
        const rpl_source_info *p = rpl_source_file_info(prime);
        if (p->sample_rate_hz != info.sample_rate_hz || p->channels != info.channels) {
            cli_error(COMMAND, primes[i], "rate or channels differ from %s", target);
            rpl_source_file_close(prime);
            goto done;
        }
        status = cli_feed_file(prime, pl, &sink, NULL, NULL, why, sizeof why);
        rpl_source_file_close(prime);
        if (status == RPL_OK) {
            status = cli_feed_silence(pl, info.channels, info.sample_rate_hz, GAP_S, &sink);
        }
        if (status != RPL_OK) {
            cli_error(COMMAND, primes[i], "%s", why);
            goto done;
        }
    }
    run.from_s = rpl_pipeline_time_s(pl);
    status = cli_feed_file(src, pl, &sink, NULL, NULL, why, sizeof why);
    if (status == RPL_OK) {
        status = rpl_pipeline_finish(pl, &sink);
        snprintf(why, sizeof why, "%s", rpl_strerror(status));
    }
    if (status != RPL_OK) {
        cli_error(COMMAND, target, "%s", why);
        goto done;
    }
    exit_status = RPL_EXIT_OK;
done:
    rpl_pipeline_destroy(pl);
    rpl_source_file_close(src);
    return exit_status;
}

int cli_cues(int argc, char **argv)
{
    static const struct option options[] = {
        {"prime", required_argument, NULL, 'p'},
        {"model", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char **primes = calloc((size_t)argc, sizeof *primes);
    size_t prime_count = 0;
    const char *model_path = NULL;
    int exit_status = RPL_EXIT_OK;
    int opt;
    optind = 1;
    opterr = 0;
    if (primes == NULL) {
        cli_error(COMMAND, NULL, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_EXIT_FAILURE;
    }
    for (int at = optind; (opt = getopt_long(argc, argv, ":h", options, NULL)) != -1; at = optind) {
        switch (opt) {
        case 'p':
            primes[prime_count++] = optarg;
            break;
        case 'm':
            model_path = optarg;
            break;
        case 'h':
            print_help();
            free(primes);
            return RPL_EXIT_OK;
        case ':':
            free(primes);
            return cli_usage_error(COMMAND, "%s needs a value", argv[optind - 1]);
        default:
            free(primes);
            return cli_unknown_option(COMMAND, options, true, argc, argv, at);
        }
    }
    if (optind == argc) {
        free(primes);
        return cli_usage_error(COMMAND, "no FILE given");
    }
    rpl_model model;
    const rpl_model *use = NULL;
    if (model_path != NULL) {
        if (!cli_load_model(COMMAND, model_path, &model)) {
            free(primes);
            return RPL_EXIT_FAILURE;
        }
        use = &model;
    }
    printf("file,t_s,baseline_ok");
    for (size_t i = 0; i < RPL_CUE_COUNT; i++) {
        printf(",%s", rpl_cue_info_get(i)->name);
    }
    printf(",frustration,hesitation,fatigue,hes_baseline_ok");
    for (size_t i = 0; i < RPL_CUE_COUNT; i++) {
        printf(",hes_%s", rpl_cue_info_get(i)->name);
    }
    putchar('\n');
    for (int i = optind; i < argc; i++) {
        if (run_target(argv[i], primes, prime_count, use) != RPL_EXIT_OK) {
            exit_status = RPL_EXIT_FAILURE;
        }
    }
    free(primes);
    if (fflush(stdout) != 0) {
        cli_error(COMMAND, "stdout", "write failed");
        return RPL_EXIT_FAILURE;
    }
    return exit_status;
}
