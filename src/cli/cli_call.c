/* One recorded call from file to store and stdout: see cli_call.h.
 *
 * Each file is decoded once, through the pipeline, and its identity (SHA-256 of the audio
 * content) is computed on that pass. Before it, the channel map needs to know whether the
 * channels are copies: a probe reads only until two channels differ, usually one block of a
 * stereo call and nothing of a mono one; only a file whose channels are copies is read to
 * its end there (and then the probe has the digest already). A caller that needs the id
 * before the analysis (batch skips calls already stored) reads the digest itself when
 * cli_call_identify leaves call->identified false. The call, its per-party statistics, its
 * timeline and its alerts are stored in one transaction: a call is in the store completely or
 * not at all. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "cli/cli_call.h"
#include "cli/cli_pipeline.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_store.h"
#include "rappel/audio_digest.h"
#include "rappel/datetime.h"

bool cli_call_parse_channel(const char *text, bool allow_none, long *out)
{
    if (allow_none && strcmp(text, "none") == 0) {
        *out = -2;
        return true;
    }
    return cli_parse_long(text, 0, RPL_MAX_CHANNELS - 1, out);
}

bool cli_call_init(cli_call *call, const char *path)
{
    memset(call, 0, sizeof *call);
    call->path = strdup(path);
    call->path_text = rpl_store_text_from_bytes(path, &call->path_not_utf8);
    if (call->path == NULL || call->path_text == NULL) {
        cli_call_free(call);
        return false;
    }
    return true;
}

void cli_call_free(cli_call *call)
{
    if (call == NULL) {
        return;
    }
    for (size_t i = 0; i < call->alert_count; i++) {
        free(call->alerts[i].evidence);
    }
    free(call->alerts);
    free(call->points);
    if (call->point_spool != NULL) {
        fclose(call->point_spool);
    }
    free(call->path);
    free(call->path_text);
    memset(call, 0, sizeof *call);
}

/* ---- identity and channel map ------------------------------------------------------------ */

static void set_model_version(cli_call *call, const cli_call_options *o)
{
    const rpl_model *m = o->model != NULL ? o->model : rpl_model_default();
    snprintf(call->model_version, sizeof call->model_version, "%s", m->version);
}

/* "file:" + the SHA-256 hex of path made absolute (as given when it cannot be resolved). */
static void path_id(const char *path, char id[RPL_STORE_NAME_MAX + 1])
{
    char resolved[PATH_MAX];
    const char *text = realpath(path, resolved) != NULL ? resolved : path;
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, strlen(text), (const uint8_t *)text);
    sha256_digest(&ctx, sizeof digest, digest);
    int n = snprintf(id, RPL_STORE_NAME_MAX + 1, "file:");
    for (size_t i = 0; i < sizeof digest; i++) {
        n += snprintf(id + n, RPL_STORE_NAME_MAX + 1 - (size_t)n, "%02x", digest[i]);
    }
}

void cli_call_path_id(cli_call *call)
{
    path_id(call->path, call->id);
}

/* Inside the transaction that stores a file's call: the failure recorded for that file by an
 * earlier run (under its path id), now mended, goes; else `calls` would list it still and
 * its file name would name two calls. */
static rpl_status forget_earlier_failure(rpl_store *store, const cli_call *call)
{
    char failed_id[RPL_STORE_NAME_MAX + 1];
    path_id(call->path, failed_id);
    rpl_store_call_state state;
    rpl_status status = rpl_store_get_call_state(store, failed_id, &state);
    if (status == RPL_ERR_NOT_FOUND || (status == RPL_OK && state != RPL_STORE_CALL_FAILED) ||
        strcmp(failed_id, call->id) == 0) {
        return RPL_OK;
    }
    return status == RPL_OK ? rpl_store_delete_call(store, failed_id) : status;
}

/* Append a warning to call->note, after a "; " when it holds one already. */
static void add_note(cli_call *call, const char *warning)
{
    size_t used = strlen(call->note);
    snprintf(call->note + used, sizeof call->note - used, "%s%s", used > 0 ? "; " : "", warning);
}

/* A recorder whose clock is wrong writes times ahead of ours; more than a day ahead is not
 * believed (time zones and clock drift stay well inside that). */
#define STARTED_AHEAD_MAX_S 86400

/* When the call took place, from the best source there is (see cli_call_identify); info is
 * NULL while the file has not been opened. */
static void decide_started(cli_call *call, const cli_call_options *o, const rpl_source_info *info)
{
    call->started_unix_s = 0;
    call->started_from = NULL;
    if (o->started_unix_s != 0) {
        call->started_unix_s = o->started_unix_s;
        call->started_from = "--started";
        return;
    }
    int64_t ahead_max = (int64_t)time(NULL) + STARTED_AHEAD_MAX_S;
    rpl_datetime dt;
    int64_t t = 0;
    if (info != NULL && info->recorded_unix_s > 0 && info->recorded_unix_s <= ahead_max) {
        call->started_unix_s = info->recorded_unix_s;
        call->started_from = info->recorded_from;
    } else if (rpl_datetime_from_file_name(call->path, &dt) && rpl_datetime_to_unix(&dt, &t) &&
               t > 0 && t <= ahead_max) {
        call->started_unix_s = t;
        call->started_from = "file name";
    }
}

rpl_status cli_call_identify(cli_call *call, const cli_call_options *o)
{
    set_model_version(call, o);
    call->note[0] = '\0';
    if (call->path_not_utf8) {
        char note[sizeof call->note];
        snprintf(note, sizeof note,
                 "warning: the file name is not UTF-8: stored as \"%s\", its other bytes read as "
                 "Latin-1",
                 call->path_text);
        add_note(call, note);
    }
    decide_started(call, o, NULL);
    rpl_audio_digest digest;
    rpl_status status =
        rpl_audio_digest_probe(call->path, NULL, &digest, call->why, sizeof call->why);
    if (status != RPL_OK) {
        return status;
    }
    decide_started(call, o, &digest.info);
    call->identified = digest.complete;
    if (digest.complete) {
        snprintf(call->audio_sha256, sizeof call->audio_sha256, "%s", digest.sha256_hex);
    }
    call->info = digest.info;
    call->channels_identical = digest.channels_identical;
    call->duration_s = (double)digest.info.frames / digest.info.sample_rate_hz;
    snprintf(call->id, sizeof call->id, "%s", o->call_id != NULL ? o->call_id : digest.sha256_hex);

    int channels = digest.info.channels;
    rpl_pipeline_config cfg = rpl_pipeline_config_default(channels);
    cfg.input_rate_hz = digest.info.sample_rate_hz;
    cfg.model = o->model;
    cfg.rules = o->rules;
    /* The channel options describe the archive's stereo layout; a mono file in it holds one
     * party, analysed as the customer as always (said below), not refused. */
    bool layout_ignored = channels == 1 && (o->customer_channel > 0 || o->agent_channel >= 0);
    if (o->customer_channel >= 0 && !layout_ignored) {
        cfg.customer_channel = (int)o->customer_channel;
    }
    if (layout_ignored) {
        cfg.customer_channel = 0;
        cfg.agent_channel = -1;
    } else if (o->agent_channel >= 0) {
        cfg.agent_channel = (int)o->agent_channel;
        if (o->customer_channel < 0 && channels == 2) { /* the other one */
            cfg.customer_channel = 1 - cfg.agent_channel;
        }
    } else if (o->agent_channel == -2) {
        cfg.agent_channel = -1;
    } else if (o->customer_channel >= 0 && channels == 2) {
        cfg.agent_channel = 1 - cfg.customer_channel;
    }
    if (cfg.customer_channel >= channels || cfg.agent_channel >= channels) {
        snprintf(call->why, sizeof call->why,
                 "channel %d is out of range: the file has %d channel%s",
                 cfg.customer_channel >= channels ? cfg.customer_channel : cfg.agent_channel,
                 channels, channels == 1 ? "" : "s");
        return RPL_ERR_CHANNEL_INDEX;
    }
    if (cfg.agent_channel == cfg.customer_channel) {
        snprintf(call->why, sizeof call->why,
                 "the agent and the customer cannot be the same channel (%d)",
                 cfg.customer_channel);
        return RPL_ERR_CHANNEL_INDEX;
    }
    /* the cut file first: unlike the channel notes, batch shows it without --verbose */
    char warning[160];
    if (cli_truncation_warning(&call->info, warning, sizeof warning)) {
        add_note(call, warning);
    }
    if (digest.channels_identical && cfg.agent_channel >= 0) {
        snprintf(warning, sizeof warning,
                 "warning: the %d channels are identical: analysed as mono (the customer); "
                 "cross-party cues are off",
                 channels);
        add_note(call, warning);
        cfg.agent_channel = -1;
    } else if (cfg.agent_channel < 0) {
        add_note(call, layout_ignored
                           ? "warning: one channel: analysed as the customer alone (the channel "
                             "options are for files with more); dead air, overtalk and response "
                             "latency are off"
                           : "warning: no agent channel: analysed as the customer alone; dead "
                             "air, overtalk and response latency are off");
    }
    if (cfg.agent_channel >= 0) {
        snprintf(call->channel_map, sizeof call->channel_map, "agent=%d,customer=%d",
                 cfg.agent_channel, cfg.customer_channel);
    } else {
        snprintf(call->channel_map, sizeof call->channel_map, "customer=%d", cfg.customer_channel);
    }
    call->cfg = cfg;
    return RPL_OK;
}

/* ---- analysis: gathering the pipeline's events ------------------------------------------- */

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap) {
        return true;
    }
    size_t cap2 = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, cap2 * size);
    if (p == NULL) {
        return false;
    }
    *items = p;
    *cap = cap2;
    return true;
}

static void on_alert(void *user, const rpl_pipeline_alert *alert)
{
    cli_call *r = user;
    if (!alert->closed) {
        return; /* a recorded call is stored whole: only the final form of each alert */
    }
    if (!grow((void **)&r->alerts, &r->alert_cap, r->alert_count, sizeof *r->alerts)) {
        r->out_of_memory = true;
        return;
    }
    cli_call_alert *a = &r->alerts[r->alert_count];
    a->alert = *alert;
    a->evidence = strdup(alert->evidence_json);
    a->id = 0;
    if (a->evidence == NULL) {
        r->out_of_memory = true;
        return;
    }
    a->alert.evidence_json = a->evidence;
    r->alert_count++;
}

enum { POINT_BLOCK = 1024 }; /* timeline points kept in memory: 64 KiB, about 8 min of a call */

/* Move the points in memory to the spool. */
static bool spool_points(cli_call *r)
{
    if (r->point_count == 0) {
        return true;
    }
    if (r->point_spool == NULL) {
        r->point_spool = tmpfile(); /* 0600, already unlinked: gone when closed or killed */
        if (r->point_spool == NULL) {
            r->spool_errno = errno;
            return false;
        }
    }
    errno = 0;
    if (fwrite(r->points, sizeof *r->points, r->point_count, r->point_spool) != r->point_count) {
        r->spool_errno = errno != 0 ? errno : EIO;
        return false;
    }
    r->spooled += r->point_count;
    r->point_count = 0;
    return true;
}

static void on_point(void *user, const rpl_store_point *point)
{
    cli_call *r = user;
    if (r->out_of_memory || r->spool_errno != 0) {
        return;
    }
    if (r->points == NULL) {
        r->points = malloc(POINT_BLOCK * sizeof *r->points);
        if (r->points == NULL) {
            r->out_of_memory = true;
            return;
        }
    }
    if (r->point_count == POINT_BLOCK && !spool_points(r)) {
        return;
    }
    r->points[r->point_count++] = *point;
}

/* Every timeline point of the call, in order, block by block. */
static rpl_status store_timeline(rpl_store *store, cli_call *call)
{
    if (call->point_spool == NULL) {
        return rpl_store_add_timeline(store, call->id, call->points, call->point_count);
    }
    if (!spool_points(call) || fflush(call->point_spool) != 0) {
        return RPL_ERR_IO;
    }
    rewind(call->point_spool);
    for (size_t left = call->spooled; left > 0;) {
        size_t n = left < POINT_BLOCK ? left : POINT_BLOCK;
        if (fread(call->points, sizeof *call->points, n, call->point_spool) != n) {
            return RPL_ERR_IO;
        }
        rpl_status status = rpl_store_add_timeline(store, call->id, call->points, n);
        if (status != RPL_OK) {
            return status;
        }
        left -= n;
    }
    return RPL_OK;
}

/* Say where one party's voice leaked into the other's channel, where a channel carried music
 * (both kept for the JSON), and that a mono call holds two voices taking turns. */
static void add_channel_notes(cli_call *call, const rpl_pipeline *pl)
{
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
        cli_call_leak *l = &call->leak[role];
        l->found =
            rpl_pipeline_leak(pl, (rpl_store_role)role, &l->delay_s, &l->loss_db, &l->leaked_s);
        if (!l->found) {
            continue;
        }
        char warning[200];
        cli_leak_warning((rpl_store_role)role, l->delay_s, l->loss_db, l->leaked_s, warning,
                         sizeof warning);
        add_note(call, warning);
    }
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
        if (call->has_role[role] && call->stats[role].music_s > 0.0) {
            char note[200];
            cli_music_note((rpl_store_role)role, call->stats[role].music_s, note, sizeof note);
            add_note(call, note);
        }
    }
    size_t turns = 0, silences = 0;
    if (rpl_pipeline_two_voices(pl, &turns, &silences)) {
        call->two_voices_turns = turns;
        call->two_voices_silences = silences;
        char warning[240];
        cli_two_voices_warning(turns, silences, warning, sizeof warning);
        add_note(call, warning);
    }
}

/* One pass of the file through the pipeline with call->cfg: the alerts and the timeline
 * gathered, the statistics read. *out is the finished pipeline (the caller destroys it, also
 * on failure). */
static rpl_status analyse_pass(cli_call *call, const cli_call_options *o, const atomic_bool *stop,
                               rpl_pipeline **out)
{
    rpl_source_file *src = NULL;
    rpl_audio_hasher *hasher = NULL;
    rpl_pipeline_sink sink = {.on_alert = on_alert, .on_point = on_point, .user = call};
    rpl_status status = rpl_pipeline_create(&call->cfg, out);
    rpl_pipeline *pl = *out;
    if (status == RPL_OK && !call->identified) {
        /* the digest (and the id, unless given) is that of what this pass reads */
        status = rpl_audio_hasher_create(call->info.sample_rate_hz, call->info.channels, &hasher);
    }
    if (status != RPL_OK) {
        snprintf(call->why, sizeof call->why, "%s", rpl_strerror(status));
        goto done;
    }
    status = rpl_source_file_open(call->path, NULL, &src, call->why, sizeof call->why);
    if (status == RPL_OK) {
        status = cli_feed_file(src, pl, &sink, stop, hasher, call->why, sizeof call->why);
    }
    if (status == RPL_OK) {
        status = rpl_pipeline_finish(pl, &sink);
        snprintf(call->why, sizeof call->why, "%s", rpl_strerror(status));
    }
    if (status == RPL_OK && call->out_of_memory) {
        status = RPL_ERR_NO_MEMORY;
        snprintf(call->why, sizeof call->why, "%s", rpl_strerror(status));
    }
    if (status == RPL_OK && call->spool_errno != 0) {
        status = RPL_ERR_IO;
        snprintf(call->why, sizeof call->why, "cannot keep the timeline in a temporary file: %s",
                 strerror(call->spool_errno));
    }
    if (status != RPL_OK) {
        goto done;
    }
    call->why[0] = '\0';
    if (hasher != NULL) {
        rpl_audio_hasher_hex(hasher, call->audio_sha256);
        if (o->call_id == NULL) {
            snprintf(call->id, sizeof call->id, "%s", call->audio_sha256);
        }
        call->identified = true;
    }
    snprintf(call->model_version, sizeof call->model_version, "%s",
             rpl_pipeline_model(pl)->version);
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
        call->has_role[role] =
            rpl_pipeline_channel_stats(pl, (rpl_store_role)role, &call->stats[role]);
    }
    call->stereo = rpl_pipeline_cross_stats(pl, &call->cross);
done:
    rpl_audio_hasher_destroy(hasher);
    rpl_source_file_close(src);
    return status;
}

/* Forget what a pass gathered (alerts, timeline, statistics), before another. */
static void forget_pass(cli_call *call)
{
    for (size_t i = 0; i < call->alert_count; i++) {
        free(call->alerts[i].evidence);
    }
    call->alert_count = 0;
    call->point_count = 0;
    if (call->point_spool != NULL) {
        fclose(call->point_spool);
        call->point_spool = NULL;
    }
    call->spooled = 0;
    memset(call->has_role, 0, sizeof call->has_role);
    memset(call->stats, 0, sizeof call->stats);
    call->stereo = false;
    memset(&call->cross, 0, sizeof call->cross);
}

rpl_status cli_call_analyse(cli_call *call, const cli_call_options *o, const atomic_bool *stop)
{
    rpl_pipeline *pl = NULL;
    rpl_status status = analyse_pass(call, o, stop, &pl);
    const rpl_store_channel_stats *agent = &call->stats[RPL_STORE_ROLE_AGENT];
    const rpl_store_channel_stats *customer = &call->stats[RPL_STORE_ROLE_CUSTOMER];
    char note[300];
    bool mixed = status == RPL_OK && call->stereo && rpl_pipeline_mixed(pl);
    if (mixed || (status == RPL_OK && call->stereo && agent->speech_s < CLI_SILENT_PARTY_S &&
                  customer->speech_s >= CLI_SILENT_PARTY_S)) {
        /* No agent of its own on the agent's channel: a recorder that puts both parties on the
         * customer's channel, or lost the agent's side, or wrote one mix to both channels
         * (dual mono, not identical bit for bit once resampled or re-encoded). Either way the
         * customer's silences are not dead air nor answers to wait for, and the other voice
         * there must be told from theirs: analysed again as one channel, as a mono recording
         * is. Costs a second pass, on these files only. */
        if (mixed) {
            cli_mixed_warning(call->cfg.customer_channel, true, note, sizeof note);
        } else {
            cli_silent_party_warning(RPL_STORE_ROLE_AGENT, call->cfg.agent_channel, agent->speech_s,
                                     call->cfg.customer_channel, true, note, sizeof note);
        }
        rpl_pipeline_destroy(pl);
        pl = NULL;
        forget_pass(call);
        call->cfg.agent_channel = -1;
        snprintf(call->channel_map, sizeof call->channel_map, "customer=%d",
                 call->cfg.customer_channel);
        add_note(call, note);
        status = analyse_pass(call, o, stop, &pl);
    } else if (status == RPL_OK && call->stereo && customer->speech_s < CLI_SILENT_PARTY_S &&
               agent->speech_s >= CLI_SILENT_PARTY_S) {
        cli_silent_party_warning(RPL_STORE_ROLE_CUSTOMER, call->cfg.customer_channel,
                                 customer->speech_s, call->cfg.agent_channel, false, note,
                                 sizeof note);
        add_note(call, note);
    }
    if (status == RPL_OK) {
        add_channel_notes(call, pl);
    }
    rpl_pipeline_destroy(pl);
    return status;
}

/* ---- storing ----------------------------------------------------------------------------- */

/* Inside an open transaction: whether call->id may be written, and how. RPL_OK with
 * *exists false: a new call; with *exists true: redo the stored one (rpl_store_redo_call).
 * RPL_ERR_EXISTS: nothing to write (call->stored_as says where this audio is). Any other
 * status: refused, call->why says why. */
static rpl_status place_call(rpl_store *store, cli_call *call, bool force, bool *exists)
{
    rpl_store_call_state state;
    rpl_status status = rpl_store_get_call_state(store, call->id, &state);
    *exists = status == RPL_OK;
    if (status == RPL_ERR_NOT_FOUND) {
        /* the same recording stored under another id (a --call-id): once is enough */
        if (call->audio_sha256[0] != '\0' && !force &&
            rpl_store_find_audio(store, call->audio_sha256, call->stored_as,
                                 sizeof call->stored_as) == RPL_OK) {
            return RPL_ERR_EXISTS;
        }
        return RPL_OK;
    }
    char stored[65] = "";
    if (status == RPL_OK) {
        status = rpl_store_call_audio(store, call->id, stored);
    }
    if (status != RPL_OK) {
        snprintf(call->why, sizeof call->why, "%s", rpl_store_errmsg(store));
        return status;
    }
    if (state == RPL_STORE_CALL_ANALYSING) {
        snprintf(call->why, sizeof call->why,
                 "call %s is being analysed by another process (live or replay); not replaced",
                 call->id);
        return RPL_ERR_DB_BUSY;
    }
    if (!force && stored[0] != '\0' && call->audio_sha256[0] != '\0' &&
        strcmp(stored, call->audio_sha256) != 0) {
        snprintf(call->why, sizeof call->why,
                 "call id %s is already stored for another recording; choose another --call-id "
                 "(--force replaces that call)",
                 call->id);
        return RPL_ERR_INVALID_ARG;
    }
    if (state == RPL_STORE_CALL_DONE && !force) {
        snprintf(call->stored_as, sizeof call->stored_as, "%s", call->id);
        return RPL_ERR_EXISTS;
    }
    return RPL_OK;
}

/* Begin the call's rows: a new call, or the stored one analysed again, whose worked alerts
 * come back in *kept. */
static rpl_status write_call_row(rpl_store *store, const rpl_store_call_info *info, bool exists,
                                 rpl_store_kept_alert **kept, size_t *kept_count)
{
    *kept = NULL;
    *kept_count = 0;
    return exists ? rpl_store_redo_call(store, info, kept, kept_count)
                  : rpl_store_begin_call(store, info);
}

static rpl_store_call_info call_info(const cli_call *call, const cli_call_options *o)
{
    rpl_store_call_info info = {
        .id = call->id,
        .source_file = call->path_text,
        .agent = o->agent,
        .customer = o->customer,
        .started_unix_s = call->started_unix_s,
        .channel_map = call->channel_map[0] != '\0' ? call->channel_map : "unknown",
        .model_version = call->model_version,
        .audio_sha256 = call->audio_sha256[0] != '\0' ? call->audio_sha256 : NULL,
        .started_from = call->started_from,
    };
    return info;
}

/* The kept alert a new alert renews: the first not yet renewed of the same kind and party
 * whose span overlaps or touches it (the same episode, its edges moved a little by another
 * model or rules); NULL when none. */
static rpl_store_kept_alert *renewed_alert(rpl_store_kept_alert *kept, size_t count, bool *renewed,
                                           const rpl_pipeline_alert *a)
{
    for (size_t k = 0; k < count; k++) {
        if (!renewed[k] && kept[k].kind == a->kind && kept[k].role == a->role &&
            kept[k].t_start_s <= a->t_end_s + 1.0 && a->t_start_s <= kept[k].t_end_s + 1.0) {
            renewed[k] = true;
            return &kept[k];
        }
    }
    return NULL;
}

static cli_store_result store_failed(rpl_store *store, cli_call *call)
{
    snprintf(call->why, sizeof call->why, "cannot store the call: %s", rpl_store_errmsg(store));
    rpl_store_rollback(store);
    for (size_t i = 0; i < call->alert_count; i++) {
        call->alerts[i].id = 0;
    }
    return CLI_STORE_FAILED;
}

cli_store_result cli_call_store(rpl_store *store, cli_call *call, const cli_call_options *o,
                                bool force)
{
    rpl_store_call_info info = call_info(call, o);
    rpl_store_kept_alert *kept = NULL;
    size_t kept_count = 0;
    bool *renewed = NULL;
    bool exists = false;
    rpl_status status = rpl_store_begin(store);
    if (status == RPL_OK) {
        status = place_call(store, call, force, &exists);
        if (status == RPL_ERR_EXISTS) {
            rpl_store_rollback(store);
            return CLI_STORE_ALREADY;
        }
        if (status != RPL_OK) {
            rpl_store_rollback(store);
            return CLI_STORE_FAILED;
        }
    }
    if (status == RPL_OK) {
        status = write_call_row(store, &info, exists, &kept, &kept_count);
    }
    if (status == RPL_OK) {
        status = forget_earlier_failure(store, call);
    }
    if (status == RPL_OK && kept_count > 0 &&
        (renewed = calloc(kept_count, sizeof *renewed)) == NULL) {
        status = RPL_ERR_NO_MEMORY;
    }
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER && status == RPL_OK;
         role++) {
        if (call->has_role[role]) {
            status = rpl_store_add_channel(store, call->id, &call->stats[role]);
        }
    }
    if (status == RPL_OK && call->stereo) {
        status = rpl_store_add_cross(store, call->id, &call->cross);
    }
    if (status == RPL_OK) {
        status = store_timeline(store, call);
    }
    size_t renewals = 0;
    for (size_t i = 0; i < call->alert_count && status == RPL_OK; i++) {
        cli_call_alert *a = &call->alerts[i];
        rpl_store_alert_info alert = {
            .kind = a->alert.kind,
            .role = a->alert.role,
            .t_start_s = a->alert.t_start_s,
            .t_end_s = a->alert.t_end_s,
            .score = a->alert.score,
            .priority = a->alert.kind <= RPL_STORE_KIND_FATIGUE ? 50 : 10,
            .evidence_json = a->evidence,
            .model_version = info.model_version,
        };
        const rpl_store_kept_alert *k = renewed_alert(kept, kept_count, renewed, &a->alert);
        if (k != NULL) {
            a->id = k->id;
            renewals++;
            status = rpl_store_renew_alert(store, k->id, &alert);
        } else {
            status = rpl_store_add_alert(store, call->id, &alert, &a->id);
        }
    }
    if (status == RPL_OK) {
        status = rpl_store_finish_call(store, call->id, call->duration_s);
    }
    if (status == RPL_OK) {
        status = rpl_store_commit(store);
    }
    free(renewed);
    free(kept);
    if (status != RPL_OK) {
        return store_failed(store, call);
    }
    call->store_note[0] = '\0';
    if (kept_count > renewals) {
        size_t n = kept_count - renewals;
        snprintf(call->store_note, sizeof call->store_note,
                 "%zu alert%s a person had worked %s not raised by this analysis: kept with %s "
                 "history (alerts --call %s --status all)",
                 n, n == 1 ? "" : "s", n == 1 ? "is" : "are", n == 1 ? "its" : "their", call->id);
    }
    return CLI_STORE_STORED;
}

cli_store_result cli_call_store_failure(rpl_store *store, cli_call *call, const cli_call_options *o,
                                        const char *reason)
{
    rpl_store_call_info info = call_info(call, o);
    rpl_store_kept_alert *kept = NULL;
    size_t kept_count = 0;
    bool exists = false;
    rpl_status status = rpl_store_begin(store);
    if (status == RPL_OK) {
        status = place_call(store, call, false, &exists);
        if (status == RPL_ERR_EXISTS) {
            rpl_store_rollback(store);
            return CLI_STORE_ALREADY;
        }
        if (status != RPL_OK) {
            rpl_store_rollback(store);
            return CLI_STORE_FAILED;
        }
    }
    if (status == RPL_OK) {
        status = write_call_row(store, &info, exists, &kept, &kept_count);
    }
    free(kept); /* a failed call raises nothing: its worked alerts stay as they were */
    if (status == RPL_OK) {
        status = rpl_store_fail_call(store, call->id, reason);
    }
    if (status == RPL_OK) {
        status = rpl_store_commit(store);
    }
    if (status != RPL_OK) {
        return store_failed(store, call);
    }
    return CLI_STORE_STORED;
}

/* ---- output ------------------------------------------------------------------------------ */

void cli_call_print_json(FILE *out, const cli_call *call, bool stored)
{
    fprintf(out, "{\"call_id\":");
    cli_json_string(out, call->id);
    fprintf(out, ",\"file\":");
    cli_json_string(out, call->path);
    fprintf(out, ",\"started_at\":");
    if (call->started_from != NULL) {
        char started[32];
        cli_format_iso(call->started_unix_s, started, sizeof started);
        cli_json_string(out, started);
        fprintf(out, ",\"started_from\":");
        cli_json_string(out, call->started_from);
    } else {
        fprintf(out, "null,\"started_from\":null");
    }
    fprintf(out, ",\"duration_s\":");
    cli_json_number(out, call->duration_s);
    fprintf(out, ",\"channel_map\":");
    cli_json_string(out, call->channel_map);
    fprintf(out, ",\"model_version\":");
    cli_json_string(out, call->model_version);
    fprintf(out, ",\"stored\":%s,\"channels\":[", stored ? "true" : "false");
    bool first = true;
    for (int role = RPL_STORE_ROLE_AGENT; role <= RPL_STORE_ROLE_CUSTOMER; role++) {
        if (!call->has_role[role]) {
            continue;
        }
        fputs(first ? "{" : ",{", out);
        first = false;
        cli_json_channel_members(out, &call->stats[role]);
        fprintf(out, ",\"leak\":");
        const cli_call_leak *l = &call->leak[role];
        if (l->found) {
            fprintf(out, "{\"delay_s\":");
            cli_json_number(out, l->delay_s);
            fprintf(out, ",\"loss_db\":");
            cli_json_number(out, l->loss_db);
            fprintf(out, ",\"leaked_s\":");
            cli_json_number(out, l->leaked_s);
            fprintf(out, "}");
        } else {
            fprintf(out, "null");
        }
        fprintf(out, ",\"two_voices\":");
        if (role == RPL_STORE_ROLE_CUSTOMER && call->two_voices_turns > 0) {
            fprintf(out, "{\"turn_exchanges\":%zu,\"silences\":%zu}}", call->two_voices_turns,
                    call->two_voices_silences);
        } else {
            fprintf(out, "null}");
        }
    }
    fprintf(out, "]");
    if (call->stereo) {
        fprintf(out, ",\"cross_party\":");
        cli_json_cross(out, &call->cross);
    }
    fprintf(out, ",\"alerts\":[");
    for (size_t i = 0; i < call->alert_count; i++) {
        const cli_call_alert *a = &call->alerts[i];
        fprintf(out, "%s{\"id\":", i > 0 ? "," : "");
        if (a->id > 0) {
            fprintf(out, "%lld", (long long)a->id);
        } else {
            fprintf(out, "null");
        }
        fprintf(out, ",\"kind\":\"%s\",\"role\":\"%s\",\"t_start_s\":",
                rpl_store_kind_name(a->alert.kind), rpl_store_role_name(a->alert.role));
        cli_json_number(out, a->alert.t_start_s);
        fprintf(out, ",\"t_end_s\":");
        cli_json_number(out, a->alert.t_end_s);
        fprintf(out, ",\"score\":");
        cli_json_number(out, a->alert.score);
        fprintf(out, ",\"evidence\":%s}", a->evidence);
    }
    fprintf(out, "]}\n");
}

/* "scores (max/mean): frustration 0.34/0.12 ...": "none" for a score no window gave. */
static void print_scores(FILE *out, const rpl_store_channel_stats *s)
{
    const struct {
        const char *name;
        const rpl_store_score *score;
    } scores[] = {
        {"frustration", &s->frustration}, {"hesitation", &s->hesitation}, {"fatigue", &s->fatigue}};
    bool any = false;
    for (size_t i = 0; i < sizeof scores / sizeof scores[0]; i++) {
        any = any || isfinite(scores[i].score->max);
    }
    if (!any) {
        fprintf(out, "      no scores: no analysis window held enough speech\n");
        return;
    }
    fprintf(out, "      scores (max/mean):");
    for (size_t i = 0; i < sizeof scores / sizeof scores[0]; i++) {
        if (isfinite(scores[i].score->max)) {
            fprintf(out, "%s%s %.2f/%.2f", i == 0 ? " " : "  ", scores[i].name,
                    scores[i].score->max, scores[i].score->mean);
        } else {
            fprintf(out, "%s%s none", i == 0 ? " " : "  ", scores[i].name);
        }
    }
    fprintf(out, "\n");
}

void cli_call_print_summary(FILE *out, const cli_call *call, bool stored)
{
    char length[32];
    cli_format_offset(call->duration_s, length, sizeof length);
    fprintf(out, "%s  %s  %s  %s%s\n", call->path, length, call->channel_map, call->id,
            stored ? "" : "  (not stored)");
    if (call->started_from != NULL) {
        char started[32];
        cli_format_local(call->started_unix_s, started, sizeof started);
        const char *from = call->started_from;
        fprintf(out, "  recorded %s (%s)\n", started,
                strcmp(from, "--started") == 0  ? "as given by --started"
                : strcmp(from, "bext") == 0     ? "from the file's Broadcast WAVE chunk"
                : strcmp(from, "date tag") == 0 ? "from the file's date tag"
                                                : "from the file name");
    }
    for (int role = RPL_STORE_ROLE_CUSTOMER; role >= RPL_STORE_ROLE_AGENT; role--) {
        if (!call->has_role[role]) {
            continue;
        }
        const rpl_store_channel_stats *s = &call->stats[role];
        fprintf(out, "  %-8s speech %.1f s, ", rpl_store_role_name(s->role), s->speech_s);
        if (isfinite(s->f0_median_hz)) {
            fprintf(out, "F0 median %.0f Hz (sd %.1f st), ", s->f0_median_hz, s->f0_sd_st);
        } else {
            fprintf(out, "no voice heard, ");
        }
        if (isfinite(s->speaking_rate_sps)) {
            fprintf(out, "%.1f syllables/s, ", s->speaking_rate_sps);
        }
        fprintf(out, "%zu pause%s (longest %.1f s)", s->pause_count, s->pause_count == 1 ? "" : "s",
                s->pause_max_s);
        if (s->music_s > 0.0) {
            fprintf(out, ", music %.1f s", s->music_s);
        }
        fprintf(out, "\n");
        print_scores(out, s);
    }
    if (call->stereo) {
        const rpl_store_cross_stats *c = &call->cross;
        fprintf(out, "  between   dead air %zu (%.1f s), overtalk %zu (%.1f s), ",
                c->dead_air_count, c->dead_air_s, c->overtalk_count, c->overtalk_s);
        if (c->hold_s > 0.0) {
            fprintf(out,
                    "on hold %.1f s (line tones and the gaps of their cadence, nobody speaking), ",
                    c->hold_s);
        }
        if (isfinite(c->customer_latency_mean_s)) {
            fprintf(out, "customer answers after %.1f s on average, ", c->customer_latency_mean_s);
        } else {
            fprintf(out, "no answer from the customer to time, ");
        }
        if (isfinite(c->talk_share_customer)) {
            fprintf(out, "customer talk share %.0f %%\n", 100.0 * c->talk_share_customer);
        } else {
            fprintf(out, "nobody speaks\n");
        }
    }
    if (call->alert_count == 0) {
        fprintf(out, "  no alert\n");
    }
    for (size_t i = 0; i < call->alert_count; i++) {
        const cli_call_alert *a = &call->alerts[i];
        char from[32], to[32];
        cli_format_offset(a->alert.t_start_s, from, sizeof from);
        cli_format_offset(a->alert.t_end_s, to, sizeof to);
        fprintf(out, "  alert");
        if (a->id > 0) {
            fprintf(out, " #%lld", (long long)a->id);
        }
        fprintf(out, " %s %s %s-%s score %.2f  %s\n", rpl_store_kind_name(a->alert.kind),
                rpl_store_role_name(a->alert.role), from, to, a->alert.score, a->evidence);
    }
}
