/* rappel command line: one recorded call, from file to store and stdout. Shared by `analyze`
 * (one call after the other) and `batch` (workers analyse, one writer stores and prints).
 *
 * The steps, each in one place:
 * 1. cli_call_identify(): read the file once for its identity (SHA-256 of the decoded audio,
 *    rappel/audio_digest.h) and whether its channels are copies; decide the channel map.
 * 2. cli_call_analyse(): read it again through the pipeline; gather what the store and the
 *    output need (statistics, cross-party totals, timeline, closed alerts) so that the
 *    pipeline can be freed and the call handed to another thread.
 * 3. cli_call_store(): the whole call in one transaction (or cli_call_store_failure()).
 * 4. cli_call_print_json() / cli_call_print_summary(): the result on stdout.
 * A cli_call owns all its memory; it references nothing else (not even its path's storage)
 * and may move between threads. None of this is real-time safe (file and SQLite I/O).
 */
#ifndef RAPPEL_CLI_CALL_H
#define RAPPEL_CLI_CALL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rappel/pipeline.h"
#include "rappel/source_file.h"
#include "rappel/store.h"

/* What the user chose for every call of a run. */
typedef struct cli_call_options {
    long customer_channel;  /* -1: the default map */
    long agent_channel;     /* -1: the default map; -2: none (customer alone) */
    const char *call_id;    /* NULL: the SHA-256 of the audio */
    const char *agent;      /* stored with the call; NULL when unknown */
    const char *customer;   /* stored with the call; NULL when unknown */
    int64_t started_unix_s; /* when the call took place (--started); 0: as the file says */
    const rpl_model *model; /* NULL: the compiled-in model */
    rpl_rules rules;
} cli_call_options;

/* --customer-channel / --agent-channel values (allow_none: "none" gives -2). */
bool cli_call_parse_channel(const char *text, bool allow_none, long *out);

/* One closed alert, with its id once stored (0 before). */
typedef struct cli_call_alert {
    rpl_pipeline_alert alert; /* evidence_json points to evidence */
    char *evidence;
    int64_t id;
} cli_call_alert;

/* The other party's voice leaking into a channel (rpl_pipeline_leak). */
typedef struct cli_call_leak {
    bool found;
    double delay_s, loss_db, leaked_s;
} cli_call_leak;

typedef struct cli_call {
    char *path;                      /* owned copy of the file name as given */
    char *path_text;                 /* owned: path as the store keeps it, UTF-8 (its other
                                        bytes read as Latin-1: rpl_store_text_from_bytes) */
    bool path_not_utf8;              /* path_text differs from path */
    char id[RPL_STORE_NAME_MAX + 1]; /* call id: digest, --call-id, or "file:<sha256>" */
    bool identified;                 /* the digest was read (and is the id unless --call-id) */
    char audio_sha256[65];           /* that digest, hex; "" until read */
    char stored_as[RPL_STORE_NAME_MAX + 1];    /* CLI_STORE_ALREADY: the stored call's id */
    char store_note[160 + RPL_STORE_NAME_MAX]; /* after storing, what the caller should say */
    rpl_source_info info;                      /* after identify */
    bool channels_identical;                   /* after identify */
    double duration_s;                         /* frames / rate, after identify */
    rpl_pipeline_config cfg;                   /* the pipeline this call is analysed with */
    char channel_map[64];                      /* "agent=0,customer=1" or "customer=0" */
    char note[768];                            /* warnings (a cut file, the channel map), or "" */
    int64_t started_unix_s;                    /* when the call took place; 0: not known (now) */
    const char *started_from; /* "--started", "bext", "date tag", "file name" (static)
                                 or NULL with 0 above */
    char model_version[RPL_STORE_NAME_MAX + 1];
    bool has_role[2];                 /* indexed by rpl_store_role agent/customer */
    rpl_store_channel_stats stats[2]; /* valid where has_role */
    cli_call_leak leak[2];            /* the other party's voice found in this channel */
    size_t two_voices_turns;          /* mono: turn exchanges between two voices (0: not found to
                                         hold two voices; rpl_pipeline_two_voices) */
    size_t two_voices_silences;       /* and the silences tested */
    bool stereo;                      /* cross-party cues on */
    rpl_store_cross_stats cross;      /* valid when stereo */
    cli_call_alert *alerts;           /* closed alerts, in the order the policy closed them */
    size_t alert_count, alert_cap;
    /* The timeline, one point a second per party: the latest block in memory, earlier blocks
     * spooled to an anonymous temporary file, so that a 10-hour call costs no more memory
     * than a short one. */
    rpl_store_point *points;
    size_t point_count; /* in points[] */
    FILE *point_spool;  /* NULL until the first block is full */
    size_t spooled;     /* points in point_spool */
    int spool_errno;    /* the spool could not be written (0: fine) */
    bool out_of_memory;
    char why[512]; /* the reason of the last failing step */
} cli_call;

/* Start a call for path (copied). False when out of memory (then nothing to free). */
bool cli_call_init(cli_call *call, const char *path);

/* Free what the call owns and zero it; NULL-safe, idempotent. */
void cli_call_free(cli_call *call);

/* Step 1. Probe the file as far as needed to tell whether its channels are copies, and choose
 * the channel map. The digest is read here only when the probe read the whole file
 * (call->identified); otherwise cli_call_analyse computes it on its own pass (batch, which
 * must know the id before analysing, reads it itself). On failure call->why says why.
 * call->note holds a warning for the caller to show (mono, identical channels) or "".
 * Also decides when the call took place: --started, else the recording's own metadata, else
 * a date and time in its file name (rappel/datetime.h); else the time it is stored. */
rpl_status cli_call_identify(cli_call *call, const cli_call_options *o);

/* When the content could not be read, a stable id from the path: "file:" + the SHA-256 hex
 * of the absolute path (the path as given when it cannot be resolved). Sets call->id. */
void cli_call_path_id(cli_call *call);

/* Step 2. Run the file through a new pipeline and keep the results. stop (may be NULL) is
 * polled between blocks: when it becomes true the analysis ends with RPL_ERR_INTERRUPTED.
 * On failure call->why says why. */
rpl_status cli_call_analyse(cli_call *call, const cli_call_options *o, const atomic_bool *stop);

typedef enum cli_store_result {
    CLI_STORE_STORED,  /* committed; alert ids set */
    CLI_STORE_ALREADY, /* !force and this audio is stored, done, as call->stored_as (this id, or
                          another given to the same recording): nothing written */
    CLI_STORE_FAILED   /* rolled back, or refused; call->why says why */
} cli_store_result;

/* Step 3. In one transaction: the call, its statistics, timeline and alerts, done. A failed or
 * unfinished call with this id (any call when force) is analysed again through
 * rpl_store_redo_call: the alerts a person worked keep their status and history, renewed by a
 * new alert of the same kind and party that overlaps them (call->note says how many no new
 * alert renewed: call->store_note says so). Refused (CLI_STORE_FAILED): the id stored for another
 * recording, unless force; a call still being written by a live process. */
cli_store_result cli_call_store(rpl_store *store, cli_call *call, const cli_call_options *o,
                                bool force);

/* Record the call as failed with reason (one transaction), replacing a failed or unfinished
 * one with its id; a done one is kept (CLI_STORE_ALREADY). */
cli_store_result cli_call_store_failure(rpl_store *store, cli_call *call, const cli_call_options *o,
                                        const char *reason);

/* Step 4. One JSON object and newline (the `analyze --json` contract), or the text summary. */
void cli_call_print_json(FILE *out, const cli_call *call, bool stored);
void cli_call_print_summary(FILE *out, const cli_call *call, bool stored);

#endif
