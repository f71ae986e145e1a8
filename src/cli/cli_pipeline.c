/* Running recorded files through the analysis pipeline: see cli_pipeline.h. */
#include "cli/cli_pipeline.h"

#include "cli/cli.h"
#include "cli/cli_store.h"
#include "rappel/model_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Frames read per block: 0.5 s at 8 kHz, 85 ms at 48 kHz; small enough that a stop request
 * is seen within milliseconds, large enough that the per-block cost does not show. */
enum { READ_FRAMES = 4096 };

rpl_status cli_feed_file(rpl_source_file *src, rpl_pipeline *pl, const rpl_pipeline_sink *sink,
                         const atomic_bool *stop, rpl_audio_hasher *hasher, char *why,
                         size_t why_size)
{
    const rpl_source_info *info = rpl_source_file_info(src);
    float *block = malloc(sizeof(float) * READ_FRAMES * (size_t)info->channels);
    if (block == NULL) {
        snprintf(why, why_size, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_ERR_NO_MEMORY;
    }
    rpl_status status = RPL_OK;
    for (;;) {
        if (stop != NULL && atomic_load(stop)) {
            status = RPL_ERR_INTERRUPTED;
            snprintf(why, why_size, "%s", rpl_strerror(status));
            break;
        }
        size_t got = 0;
        status = rpl_source_file_read(src, block, READ_FRAMES, &got, why, why_size);
        if (status != RPL_OK || got == 0) {
            break;
        }
        if (hasher != NULL) {
            rpl_audio_hasher_update(hasher, block, got);
        }
        status = rpl_pipeline_process(pl, block, got, sink);
        if (status != RPL_OK) {
            snprintf(why, why_size, "%s", rpl_strerror(status));
            break;
        }
    }
    free(block);
    return status;
}

void cli_leak_warning(rpl_store_role into, double delay_s, double loss_db, double leaked_s,
                      char *buf, size_t size)
{
    rpl_store_role from =
        into == RPL_STORE_ROLE_AGENT ? RPL_STORE_ROLE_CUSTOMER : RPL_STORE_ROLE_AGENT;
    snprintf(buf, size,
             "warning: the %s's voice leaks into the %s channel (an echo %.0f ms later, %.0f dB "
             "down): %.1f s of it not counted as the %s's speech",
             rpl_store_role_name(from), rpl_store_role_name(into), 1000.0 * delay_s, loss_db,
             leaked_s, rpl_store_role_name(into));
}

bool cli_truncation_warning(const rpl_source_info *info, char *buf, size_t size)
{
    if (!info->truncated) {
        return false;
    }
    char held[32];
    cli_format_offset((double)info->frames / info->sample_rate_hz, held, sizeof held);
    snprintf(buf, size,
             "warning: the file ends before its header says (a recording cut short?): analysed "
             "the %s it holds",
             held);
    return true;
}

rpl_status cli_feed_silence(rpl_pipeline *pl, int channels, double rate_hz, double seconds,
                            const rpl_pipeline_sink *sink)
{
    float zeros[256 * 16] = {0};
    size_t per_block = sizeof zeros / sizeof zeros[0] / (size_t)channels;
    size_t left = (size_t)(seconds * rate_hz + 0.5);
    rpl_status status = RPL_OK;
    while (left > 0 && status == RPL_OK) {
        size_t n = left < per_block ? left : per_block;
        status = rpl_pipeline_process(pl, zeros, n, sink);
        left -= n;
    }
    return status;
}

bool cli_load_rules(const char *command, const char *path, rpl_rules *out)
{
    char why[512] = "";
    if (rpl_rules_load_file(path, out, why, sizeof why) != RPL_OK) {
        cli_error(command, NULL, "%s", why);
        return false;
    }
    return true;
}

bool cli_load_model(const char *command, const char *path, rpl_model *out)
{
    char why[256] = "";
    if (rpl_model_load(path, out, why, sizeof why) != RPL_OK) {
        cli_error(command, path, "%s", why);
        return false;
    }
    return true;
}

void cli_music_note(rpl_store_role role, double music_s, char *buf, size_t size)
{
    snprintf(buf, size,
             "note: the %s channel carries music (on hold?) for %.1f s: not counted as the %s's "
             "speech, and no score there",
             rpl_store_role_name(role), music_s, rpl_store_role_name(role));
}

void cli_mixed_warning(int customer_channel, bool reanalysed, char *buf, size_t size)
{
    const char *what = "warning: the two channels carry the same voices at about the same level "
                       "(one mix recorded twice)";
    if (reanalysed) {
        snprintf(buf, size,
                 "%s: analysed again as mono on channel %d (the customer); cross-party cues are "
                 "off",
                 what, customer_channel);
    } else {
        snprintf(buf, size,
                 "%s: its dead air, overtalk and answer times mean nothing; with --agent-channel "
                 "none it is analysed as mono on channel %d (the customer)",
                 what, customer_channel);
    }
}

void cli_silent_party_warning(rpl_store_role silent, int silent_channel, double speech_s,
                              int other_channel, bool reanalysed, char *buf, size_t size)
{
    int written =
        snprintf(buf, size, "warning: the %s channel (%d) has %.1f s of speech in the whole call: ",
                 rpl_store_role_name(silent), silent_channel, speech_s);
    if (written < 0 || (size_t)written >= size) {
        return;
    }
    buf += written;
    size -= (size_t)written;
    if (silent == RPL_STORE_ROLE_AGENT && reanalysed) {
        snprintf(buf, size,
                 "analysed as mono, the customer channel (%d) alone; cross-party cues are off",
                 other_channel);
    } else if (silent == RPL_STORE_ROLE_AGENT) {
        snprintf(buf, size,
                 "if both parties are on the customer channel (%d), --agent-channel none "
                 "analyses it as one channel, where the agent's turns are not the customer's "
                 "pauses",
                 other_channel);
    } else {
        snprintf(buf, size,
                 "nothing of the customer is scored; if both parties are on channel %d, "
                 "--customer-channel %d --agent-channel none analyses it as one channel",
                 other_channel, other_channel);
    }
}

void cli_two_voices_warning(size_t turns, size_t silences, char *buf, size_t size)
{
    snprintf(buf, size,
             "warning: two voices take turns on this one channel (a mixed recording?): %zu of its "
             "%zu silences are taken as turn exchanges between them, not pauses; both voices are "
             "scored as the customer",
             turns, silences);
}
