/* rappel command line: what every analysing command shares: the model, and recorded files
 * run through the analysis pipeline. */
#ifndef RAPPEL_CLI_PIPELINE_H
#define RAPPEL_CLI_PIPELINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "rappel/audio_digest.h"
#include "rappel/pipeline.h"
#include "rappel/source_file.h"

/* Read src to its end into pl, events to sink; every block also into hasher unless it is NULL
 * (the call's digest on the same pass). stop (may be NULL) is checked between blocks: once
 * set, RPL_ERR_INTERRUPTED. On failure returns the status and writes the reason (naming the
 * time in the file where it applies) to why. */
rpl_status cli_feed_file(rpl_source_file *src, rpl_pipeline *pl, const rpl_pipeline_sink *sink,
                         const atomic_bool *stop, rpl_audio_hasher *hasher, char *why,
                         size_t why_size);

/* When the file ends before its header says (info->truncated), write a warning naming how
 * much audio it holds into buf and return true; otherwise leave buf alone and return false. */
bool cli_truncation_warning(const rpl_source_info *info, char *buf, size_t size);

/* The warning for the other party's voice found leaking into the channel of `into`
 * (rpl_pipeline_leak), written into buf: "warning: the agent's voice leaks into ...". */
void cli_leak_warning(rpl_store_role into, double delay_s, double loss_db, double leaked_s,
                      char *buf, size_t size);

/* The note for music found on role's channel (rpl_store_channel_stats.music_s), into buf. */
void cli_music_note(rpl_store_role role, double music_s, char *buf, size_t size);

/* The warning for a mono call found to hold two voices taking turns, with the number of turn
 * exchanges (rpl_pipeline_two_voices), written into buf. */
void cli_two_voices_warning(size_t turns, size_t silences, char *buf, size_t size);

/* A party heard speaking for less than this over a whole stereo call was not recorded on its
 * channel (a recorder or softphone that puts both parties on one channel, or lost one side). */
#define CLI_SILENT_PARTY_S 1.0

/* The warning for a stereo call whose two channels carry one mix (rpl_pipeline_mixed), into
 * buf. reanalysed: analysed again as mono on customer_channel (analyze, batch); otherwise the
 * warning says what that would do (live, replay: the call is over). */
void cli_mixed_warning(int customer_channel, bool reanalysed, char *buf, size_t size);

/* The warning for a stereo call on which `silent` had under CLI_SILENT_PARTY_S of speech
 * (speech_s) on its channel, the other party on other_channel, into buf. reanalysed: the call
 * was analysed again as mono on the customer channel (analyze, batch: only for a silent agent);
 * otherwise the warning gives the options that analyse a one-channel mix. */
void cli_silent_party_warning(rpl_store_role silent, int silent_channel, double speech_s,
                              int other_channel, bool reanalysed, char *buf, size_t size);

/* Feed seconds of silence (for gaps between files that make one stream). */
rpl_status cli_feed_silence(rpl_pipeline *pl, int channels, double rate_hz, double seconds,
                            const rpl_pipeline_sink *sink);

/* Load a rules file (INI) into *out, which holds the rules to start from (usually
 * rpl_rules_default()); on failure print `rappel: <command>: FILE:LINE: <reason>` and return
 * false. */
bool cli_load_rules(const char *command, const char *path, rpl_rules *out);

/* Load a model parameter file into *out; on failure print why (naming the file and line) as
 * `rappel: <command>: <path>:<line>: <reason>` and return false. */
bool cli_load_model(const char *command, const char *path, rpl_model *out);

#endif
