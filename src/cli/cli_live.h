/* rappel command line: what `live` and `replay` share: their common options, the channel map,
 * signals, the status line / event lines on stderr, and the closing summary. */
#ifndef RAPPEL_CLI_LIVE_H
#define RAPPEL_CLI_LIVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "live.h"
#include "rappel/model.h"
#include "rappel/rules.h"

/* Options both commands take. */
typedef struct cli_live_options {
    const char *db, *call_id, *agent, *customer, *rules_path, *model_path;
    long customer_channel; /* -1: default */
    long agent_channel;    /* -1: default; -2: none */
    double duration_s;     /* 0: until the end (replay) or a signal (live) */
} cli_live_options;

/* getopt_long codes of the shared options (>= 256 so they never clash with letters). */
enum {
    CLI_LIVE_OPT_DB = 256,
    CLI_LIVE_OPT_CALL_ID,
    CLI_LIVE_OPT_AGENT,
    CLI_LIVE_OPT_CUSTOMER,
    CLI_LIVE_OPT_RULES,
    CLI_LIVE_OPT_MODEL,
    CLI_LIVE_OPT_CUSTOMER_CHANNEL,
    CLI_LIVE_OPT_AGENT_CHANNEL,
    CLI_LIVE_OPT_DURATION,
};

/* struct option rows for them, to paste into a command's table. */
#define CLI_LIVE_LONG_OPTIONS                                                                      \
    {"db", required_argument, NULL, CLI_LIVE_OPT_DB},                                              \
        {"call-id", required_argument, NULL, CLI_LIVE_OPT_CALL_ID},                                \
        {"agent", required_argument, NULL, CLI_LIVE_OPT_AGENT},                                    \
        {"customer", required_argument, NULL, CLI_LIVE_OPT_CUSTOMER},                              \
        {"rules", required_argument, NULL, CLI_LIVE_OPT_RULES},                                    \
        {"model", required_argument, NULL, CLI_LIVE_OPT_MODEL},                                    \
        {"customer-channel", required_argument, NULL, CLI_LIVE_OPT_CUSTOMER_CHANNEL},              \
        {"agent-channel", required_argument, NULL, CLI_LIVE_OPT_AGENT_CHANNEL},                    \
    {                                                                                              \
        "duration", required_argument, NULL, CLI_LIVE_OPT_DURATION                                 \
    }

/* Take one shared option: 1 taken, 0 not a shared option, or RPL_EXIT_USAGE after printing
 * the usage error (returned negated: -RPL_EXIT_USAGE). */
int cli_live_take_option(const char *command, int opt, const char *value, cli_live_options *o);

/* Validate the ids, load --rules and --model into cfg; print why and return false. */
bool cli_live_prepare(const char *command, const cli_live_options *o, rpl_model *model,
                      rpl_pipeline_config *cfg);

/* Apply the channel map for a source with `channels` channels (identical: its channels carry
 * the same signal). Prints the mono warning once. Writes "agent=0,customer=1" or
 * "customer=0" to map. False (after printing) on a bad map. */
bool cli_live_channel_map(const char *command, const char *object, const cli_live_options *o,
                          int channels, bool identical, rpl_pipeline_config *cfg, char *map,
                          size_t map_size);

/* SIGINT/SIGTERM set a flag (no SA_RESTART) instead of killing the process. */
void cli_live_signals_install(void);
/* The signal that asked to stop, or 0. */
int cli_live_stop_signal(void);

/* stderr output: a status line on a terminal, one line per event otherwise. */
typedef struct cli_live_ui {
    const char *command;
    bool terminal;
    bool line_shown;
    pthread_mutex_t lock;
    uint64_t overruns_reported;
    bool dead_air, overtalk;
} cli_live_ui;

void cli_live_ui_init(cli_live_ui *ui, const char *command);
void cli_live_ui_destroy(cli_live_ui *ui);
/* rpl_live_config.on_event: prints committed alerts and store errors (store thread). */
void cli_live_on_event(void *user, const rpl_live_event *ev);
/* How often to call cli_live_ui_tick: 0.25 s for the status line on a terminal; otherwise 1 s
 * (event lines only: no need to wake more). */
double cli_live_tick_s(const cli_live_ui *ui);
/* Refresh: the status line, or lines for new overruns / dead air / overtalk. */
void cli_live_ui_tick(cli_live_ui *ui, rpl_live *live, double wall_s);
/* A message line (warning or error) that does not garble the status line. */
void cli_live_ui_message(cli_live_ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Clear the status line for good. */
void cli_live_ui_end(cli_live_ui *ui);

/* The closing summary: stdout one line about the call; stderr the timing figures. */
void cli_live_summary(cli_live_ui *ui, rpl_live *live, const char *call_id, double wall_s,
                      double cpu_s);

/* PortAudio's host APIs (ALSA, JACK) write a line on stderr for every device they fail to probe:
 * about 100 on a machine with no sound card, before rappel's own message. Between begin and end
 * file descriptor 2 points at /dev/null, unless RAPPEL_AUDIO_DEBUG is set (non-empty) to keep
 * those lines for troubleshooting. Call only while no other thread writes to stderr. begin
 * returns what end needs (-1: nothing was changed). */
int cli_live_quiet_begin(void);
void cli_live_quiet_end(int saved_stderr);

/* Seconds of CPU used by this process (user + system). */
double cli_live_cpu_s(void);
/* CLOCK_MONOTONIC seconds. */
double cli_live_now_s(void);
/* Sleep that many seconds (returns early on a signal). */
void cli_live_sleep(double seconds);

#endif
