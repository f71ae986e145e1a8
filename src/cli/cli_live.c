/* What `rappel live` and `rappel replay` share: see cli_live.h. */
#include "cli/cli_live.h"

#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_pipeline.h"
#include "cli/cli_store.h"
#include "rappel/source_file.h"

/* ---- options ------------------------------------------------------------------------------- */

int cli_live_take_option(const char *command, int opt, const char *value, cli_live_options *o)
{
    switch (opt) {
    case CLI_LIVE_OPT_DB:
        o->db = value;
        return 1;
    case CLI_LIVE_OPT_CALL_ID:
        o->call_id = value;
        return 1;
    case CLI_LIVE_OPT_AGENT:
        o->agent = value;
        return 1;
    case CLI_LIVE_OPT_CUSTOMER:
        o->customer = value;
        return 1;
    case CLI_LIVE_OPT_RULES:
        o->rules_path = value;
        return 1;
    case CLI_LIVE_OPT_MODEL:
        o->model_path = value;
        return 1;
    case CLI_LIVE_OPT_CUSTOMER_CHANNEL:
        if (!cli_parse_long(value, 0, RPL_MAX_CHANNELS - 1, &o->customer_channel)) {
            return -cli_usage_error(command, "--customer-channel wants a channel from 0 to %d",
                                    RPL_MAX_CHANNELS - 1);
        }
        return 1;
    case CLI_LIVE_OPT_AGENT_CHANNEL:
        if (strcmp(value, "none") == 0) {
            o->agent_channel = -2;
        } else if (!cli_parse_long(value, 0, RPL_MAX_CHANNELS - 1, &o->agent_channel)) {
            return -cli_usage_error(command,
                                    "--agent-channel wants a channel from 0 to %d or 'none'",
                                    RPL_MAX_CHANNELS - 1);
        }
        return 1;
    case CLI_LIVE_OPT_DURATION: {
        char *end = NULL;
        double d = strtod(value, &end);
        if (end == value || *end != '\0' || !(d > 0.0 && d <= 86400.0)) {
            return -cli_usage_error(command, "--duration wants seconds, more than 0 and at most "
                                             "86400");
        }
        o->duration_s = d;
        return 1;
    }
    default:
        return 0;
    }
}

bool cli_live_prepare(const char *command, const cli_live_options *o, rpl_model *model,
                      rpl_pipeline_config *cfg)
{
    if (o->call_id != NULL && (o->call_id[0] == '\0' || strlen(o->call_id) > RPL_STORE_NAME_MAX)) {
        cli_usage_error(command, "--call-id wants 1 to %d bytes", RPL_STORE_NAME_MAX);
        return false;
    }
    if (o->rules_path != NULL && !cli_load_rules(command, o->rules_path, &cfg->rules)) {
        return false;
    }
    if (o->model_path != NULL) {
        if (!cli_load_model(command, o->model_path, model)) {
            return false;
        }
        cfg->model = model;
    }
    return true;
}

bool cli_live_channel_map(const char *command, const char *object, const cli_live_options *o,
                          int channels, bool identical, rpl_pipeline_config *cfg, char *map,
                          size_t map_size)
{
    /* the same rules as analyze (DESIGN.md: channel map) */
    rpl_pipeline_config d = rpl_pipeline_config_default(channels);
    cfg->channels = channels;
    cfg->customer_channel = d.customer_channel;
    cfg->agent_channel = d.agent_channel;
    if (o->customer_channel >= 0) {
        cfg->customer_channel = (int)o->customer_channel;
    }
    if (o->agent_channel >= 0) {
        cfg->agent_channel = (int)o->agent_channel;
    } else if (o->agent_channel == -2) {
        cfg->agent_channel = -1;
    } else if (o->customer_channel >= 0 && channels == 2) {
        cfg->agent_channel = 1 - cfg->customer_channel;
    }
    if (cfg->customer_channel >= channels || cfg->agent_channel >= channels) {
        cli_error(command, object, "channel %d is out of range: the source has %d channel%s",
                  cfg->customer_channel >= channels ? cfg->customer_channel : cfg->agent_channel,
                  channels, channels == 1 ? "" : "s");
        return false;
    }
    if (cfg->agent_channel == cfg->customer_channel) {
        cli_error(command, object, "the agent and the customer cannot be the same channel (%d)",
                  cfg->customer_channel);
        return false;
    }
    if (identical && cfg->agent_channel >= 0) {
        fprintf(stderr,
                "rappel: %s: %s: warning: the %d channels are identical: analysed as mono "
                "(the customer); cross-party cues are off\n",
                command, object, channels);
        cfg->agent_channel = -1;
    } else if (cfg->agent_channel < 0) {
        fprintf(stderr,
                "rappel: %s: %s: warning: mono (no agent channel): analysed as the customer "
                "alone; cross-party cues (dead air, overtalk, response latency) are off\n",
                command, object);
    }
    if (cfg->agent_channel >= 0) {
        snprintf(map, map_size, "agent=%d,customer=%d", cfg->agent_channel, cfg->customer_channel);
    } else {
        snprintf(map, map_size, "customer=%d", cfg->customer_channel);
    }
    return true;
}

/* ---- signals ------------------------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

void cli_live_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: sleeps return at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_live_stop_signal(void)
{
    return stop_signal;
}

/* ---- stderr -------------------------------------------------------------------------------- */

void cli_live_ui_init(cli_live_ui *ui, const char *command)
{
    memset(ui, 0, sizeof *ui);
    ui->command = command;
    ui->terminal = isatty(STDERR_FILENO) == 1;
    pthread_mutex_init(&ui->lock, NULL);
}

void cli_live_ui_destroy(cli_live_ui *ui)
{
    pthread_mutex_destroy(&ui->lock);
}

/* With ui->lock held: take the status line away before printing a line. */
static void clear_line(cli_live_ui *ui)
{
    if (ui->terminal && ui->line_shown) {
        fputs("\r\033[K", stderr);
        ui->line_shown = false;
    }
}

void cli_live_ui_message(cli_live_ui *ui, const char *fmt, ...)
{
    pthread_mutex_lock(&ui->lock);
    clear_line(ui);
    fprintf(stderr, "rappel: %s: ", ui->command);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&ui->lock);
}

void cli_live_on_event(void *user, const rpl_live_event *ev)
{
    cli_live_ui *ui = user;
    pthread_mutex_lock(&ui->lock);
    clear_line(ui);
    if (ev->kind == RPL_LIVE_STORE_ERROR) {
        fprintf(stderr, "rappel: %s: database: %s\n", ui->command, ev->message);
    } else {
        const rpl_pipeline_alert *a = ev->alert;
        char from[32], to[32];
        cli_format_offset(a->t_start_s, from, sizeof from);
        cli_format_offset(a->t_end_s, to, sizeof to);
        fprintf(stderr, "alert #%lld %s %s %s %s-%s score %.2f\n", (long long)ev->alert_id,
                ev->kind == RPL_LIVE_ALERT_RAISED ? "raised" : "closed",
                rpl_store_kind_name(a->kind), rpl_store_role_name(a->role), from, to, a->score);
    }
    fflush(stderr);
    pthread_mutex_unlock(&ui->lock);
}

static void gauge(char *buf, size_t size, double v)
{
    if (isfinite(v)) {
        snprintf(buf, size, "%3.0f%%", 100.0 * v);
    } else {
        snprintf(buf, size, "   -");
    }
}

double cli_live_tick_s(const cli_live_ui *ui)
{
    return ui->terminal ? 0.25 : 1.0;
}

void cli_live_ui_tick(cli_live_ui *ui, rpl_live *live, double wall_s)
{
    rpl_live_snapshot s;
    rpl_live_snapshot_get(live, &s);
    pthread_mutex_lock(&ui->lock);
    if (ui->terminal) {
        /* one line of at most ~90 columns: a wrapped line could not be redrawn with \r */
        char el[32], f0[16] = "   -  ", lv[16] = "   -  ", g[3][8];
        (void)wall_s;
        cli_format_offset(s.t_s, el, sizeof el);
        if (isfinite(s.f0_rel_st)) {
            snprintf(f0, sizeof f0, "%+4.1fst", s.f0_rel_st);
        }
        if (isfinite(s.level_rel_db)) {
            snprintf(lv, sizeof lv, "%+4.1fdB", s.level_rel_db);
        }
        for (int k = 0; k < 3; k++) {
            gauge(g[k], sizeof g[k], s.score[k]);
        }
        fprintf(stderr,
                "\r\033[K%s cust %s F0 %s lvl %s | frus %s hes %s fat %s | %s | alerts %zu "
                "ovr %llu",
                el, s.customer_speaking ? "talks " : "silent", f0, lv, g[RPL_SCORE_FRUSTRATION],
                g[RPL_SCORE_HESITATION], g[RPL_SCORE_FATIGUE],
                !s.stereo    ? "mono    "
                : s.dead_air ? "DEAD AIR"
                : s.overtalk ? "OVERTALK"
                             : "        ",
                s.alerts_stored, (unsigned long long)s.overruns);
        ui->line_shown = true;
    } else {
        char at[32];
        cli_format_offset(s.t_s, at, sizeof at);
        if (s.overruns > ui->overruns_reported) {
            fprintf(stderr,
                    "rappel: %s: warning: analysis fell behind: %llu blocks (%.0f frames) of audio "
                    "dropped so far\n",
                    ui->command, (unsigned long long)s.overruns, (double)s.overrun_frames);
            ui->overruns_reported = s.overruns;
        }
        if (s.stereo && s.dead_air != ui->dead_air) {
            fprintf(stderr, "%s dead air %s\n", at, s.dead_air ? "began" : "ended");
            ui->dead_air = s.dead_air;
        }
        if (s.stereo && s.overtalk != ui->overtalk) {
            fprintf(stderr, "%s overtalk %s\n", at, s.overtalk ? "began" : "ended");
            ui->overtalk = s.overtalk;
        }
    }
    fflush(stderr);
    pthread_mutex_unlock(&ui->lock);
}

void cli_live_ui_end(cli_live_ui *ui)
{
    pthread_mutex_lock(&ui->lock);
    clear_line(ui);
    fflush(stderr);
    pthread_mutex_unlock(&ui->lock);
}

void cli_live_summary(cli_live_ui *ui, rpl_live *live, const char *call_id, double wall_s,
                      double cpu_s)
{
    rpl_live_snapshot s;
    rpl_live_snapshot_get(live, &s);
    char len[32];
    cli_format_offset(s.t_s, len, sizeof len);
    printf("call %s: %s analysed, %zu alert%s stored, %llu overrun%s\n", call_id, len,
           s.alerts_stored, s.alerts_stored == 1 ? "" : "s", (unsigned long long)s.overruns,
           s.overruns == 1 ? "" : "s");
    fflush(stdout);
    /* With nothing measured (a call shorter than one score window, no alert) a part says
     * "none" rather than printing the NAN mean of no samples. */
    char scores[256] = "ring->scores: none", alerts[128] = "ring->alert committed: none";
    if (s.score_latency.count > 0) {
        snprintf(scores, sizeof scores,
                 "ring->scores (%zu) mean %.2f p99 %.2f max %.2f ms (max at %.1f s) = look-ahead "
                 "(audio) mean %.1f max %.1f ms + system mean %.2f p99 %.2f max %.2f ms",
                 s.score_latency.count, s.score_latency.mean_ms, s.score_latency.p99_ms,
                 s.score_latency.max_ms, s.score_latency_max_t_s, s.score_lookahead.mean_ms,
                 s.score_lookahead.max_ms, s.score_system.mean_ms, s.score_system.p99_ms,
                 s.score_system.max_ms);
    }
    char early[256] = "provisional: none";
    if (s.early_score_latency.count > 0 && s.early_frame_latency.count > 0) {
        snprintf(early, sizeof early,
                 "provisional: ring->scores (%zu) mean %.2f p99 %.2f max %.2f ms, ring->frame "
                 "features mean %.2f p99 %.2f max %.2f ms",
                 s.early_score_latency.count, s.early_score_latency.mean_ms,
                 s.early_score_latency.p99_ms, s.early_score_latency.max_ms,
                 s.early_frame_latency.mean_ms, s.early_frame_latency.p99_ms,
                 s.early_frame_latency.max_ms);
    }
    if (s.alert_latency.count > 0) {
        snprintf(alerts, sizeof alerts, "ring->alert committed (%zu) mean %.2f max %.2f ms",
                 s.alert_latency.count, s.alert_latency.mean_ms, s.alert_latency.max_ms);
    }
    pthread_mutex_lock(&ui->lock);
    clear_line(ui);
    fprintf(stderr,
            "rappel: %s: timing: audio %.3f s in %.3f s wall, cpu %.3f s (%.2f%% of one core); "
            "%s; %s; %s; overruns %llu (%llu frames)\n",
            ui->command, s.t_s, wall_s, cpu_s, wall_s > 0 ? 100.0 * cpu_s / wall_s : 0.0, scores,
            early, alerts, (unsigned long long)s.overruns, (unsigned long long)s.overrun_frames);
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
        if (s.leak[role].found) {
            char warning[200];
            cli_leak_warning((rpl_store_role)role, s.leak[role].delay_s, s.leak[role].loss_db,
                             s.leak[role].leaked_s, warning, sizeof warning);
            fprintf(stderr, "rappel: %s: %s\n", ui->command, warning);
        }
        if (s.music_s[role] > 0.0) {
            char note[200];
            cli_music_note((rpl_store_role)role, s.music_s[role], note, sizeof note);
            fprintf(stderr, "rappel: %s: %s\n", ui->command, note);
        }
    }
    if (s.mixed) {
        char warning[300];
        cli_mixed_warning(s.channel[RPL_STORE_ROLE_CUSTOMER], false, warning, sizeof warning);
        fprintf(stderr, "rappel: %s: %s\n", ui->command, warning);
    }
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
        int other = RPL_STORE_ROLE_AGENT + RPL_STORE_ROLE_CUSTOMER - role;
        if (s.channel[role] >= 0 && s.channel[other] >= 0 &&
            s.speech_s[role] < CLI_SILENT_PARTY_S && s.speech_s[other] >= CLI_SILENT_PARTY_S) {
            char warning[300];
            cli_silent_party_warning((rpl_store_role)role, s.channel[role], s.speech_s[role],
                                     s.channel[other], false, warning, sizeof warning);
            fprintf(stderr, "rappel: %s: %s\n", ui->command, warning);
        }
    }
    if (s.two_voices_turns > 0) {
        char warning[240];
        cli_two_voices_warning(s.two_voices_turns, s.two_voices_silences, warning, sizeof warning);
        fprintf(stderr, "rappel: %s: %s\n", ui->command, warning);
    }
    fflush(stderr);
    pthread_mutex_unlock(&ui->lock);
}

/* ---- PortAudio's probing on stderr ------------------------------------------------------- */

int cli_live_quiet_begin(void)
{
    const char *debug = getenv("RAPPEL_AUDIO_DEBUG");
    if (debug != NULL && debug[0] != '\0') {
        return -1;
    }
    fflush(stderr);
    /* a copy of stderr first: if fd 2 were closed, /dev/null would be opened as fd 2 */
    int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (saved < 0) {
        return -1;
    }
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd < 0 || dup2(null_fd, STDERR_FILENO) < 0) {
        if (null_fd >= 0) {
            close(null_fd);
        }
        close(saved);
        return -1;
    }
    close(null_fd);
    return saved;
}

void cli_live_quiet_end(int saved_stderr)
{
    if (saved_stderr < 0) {
        return;
    }
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
}

double cli_live_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

double cli_live_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_live_sleep(double seconds)
{
    if (seconds <= 0.0) {
        return;
    }
    struct timespec ts = {.tv_sec = (time_t)seconds,
                          .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
}
