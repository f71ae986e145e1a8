/* rappel — syllable nuclei and speaking rate without a transcript, one decision per 10 ms frame.
 *
 * After de Jong & Wempe (2009): a syllable nucleus is an intensity peak, in a voiced frame of
 * speech, that stands out by at least dip_db from the dips on both sides of it, and that is
 * within level_below_max_db of the speaker's recent loud level. Works from the final frames of
 * the analysis (energy, voicing, speech); it needs no samples. Decisions come out with a fixed
 * lag of rpl_syllables_delay_frames() frames (the look-ahead for the dip after a peak).
 *
 * From the nuclei: speech rate (nuclei per second of elapsed time) and articulation rate
 * (nuclei per second of speech, i.e. of frames whose voice-activity flag is set: silent
 * pauses excluded, as the paper's "phonation time"), both as running estimates over a trailing
 * window and as stream totals.
 */
#ifndef RAPPEL_SYLLABLES_H
#define RAPPEL_SYLLABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "rappel/features.h"
#include "rappel/status.h"

typedef struct rpl_syllables rpl_syllables;

typedef struct rpl_syllables_config {
    float frame_ms;           /* frame step (default 10) */
    float dip_db;             /* a peak must rise this far above the dips on both sides
                               * (default 3; the paper's 2 over-counts in the telephone
                               * band, see dsp/syllables.c), 0.1..20 */
    float level_below_max_db; /* peaks lower than this below the recent loud level are not
                               * nuclei (default 25, the paper's silence threshold), 1..80 */
    float level_window_ms;    /* memory of the recent loud level (default 10000), >= 1000 */
    float search_ms;          /* how far each side of a peak its dips are looked for; also the
                               * look-ahead (default 250, a long syllable), 50..1000 */
    float rate_window_ms;     /* trailing window of the running rates (default 5000), >= 500 */
    float min_speech_ms;      /* running rates are NAN while the window holds less speech than
                               * this (default 1000), > 0 and <= rate_window_ms */
} rpl_syllables_config;

typedef struct rpl_syllables_frame {
    bool nucleus;                /* a syllable nucleus (intensity peak) at this frame */
    float intensity_db;          /* smoothed intensity the peaks are picked on, dBFS */
    float speech_rate_sps;       /* nuclei / elapsed seconds over the trailing window ending at
                                  * this frame; NAN while it holds < min_speech_ms of speech */
    float articulation_rate_sps; /* nuclei / speech seconds over the same window; NAN likewise */
} rpl_syllables_frame;

typedef struct rpl_syllable_stats {
    size_t nuclei;                /* nuclei so far */
    double speech_s;              /* frames with the speech flag, in seconds */
    double elapsed_s;             /* frames decided, in seconds */
    double speech_rate_sps;       /* nuclei / elapsed_s; NAN when elapsed_s is 0 */
    double articulation_rate_sps; /* nuclei / speech_s; NAN when speech_s is 0 */
} rpl_syllable_stats;

/* Defaults described above. */
rpl_syllables_config rpl_syllables_config_default(void);

/* Validate cfg (ranges above) and allocate. *out owned by the caller (rpl_syllables_destroy).
 * Not real-time safe. RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY. */
rpl_status rpl_syllables_create(const rpl_syllables_config *cfg, rpl_syllables **out);

/* Free; NULL allowed. */
void rpl_syllables_destroy(rpl_syllables *syl);

/* Number of samples of the frame window this module needs: 0 (it works from frames only).
 * Real-time safe. */
size_t rpl_syllables_window_samples(const rpl_syllables *syl);

/* Fixed lag, in frames, between a frame going in and its decision coming out. RT-safe. */
size_t rpl_syllables_delay_frames(const rpl_syllables *syl);

/* Give the next final frame (uses energy_db, voiced and speech). When a decision is ready
 * (once delay frames have been given), writes it for the frame given `delay` calls earlier
 * and returns true. Real-time safe. */
bool rpl_syllables_process(rpl_syllables *syl, const rpl_frame *frame, rpl_syllables_frame *out);

/* End of stream: writes the next pending decision and returns true until none remain (the
 * stream is taken to continue in silence); then the module is ready for a new stream, and
 * the totals of the finished stream stay readable until its first frame. Real-time safe. */
bool rpl_syllables_flush(rpl_syllables *syl, rpl_syllables_frame *out);

/* Totals over every decision given out in this stream. Real-time safe. */
rpl_syllable_stats rpl_syllables_stats(const rpl_syllables *syl);

#endif
