/* rappel — music on a party's channel (music on hold, an IVR's jingle).
 *
 * A call on hold carries music, and a recorder takes it down on the channel that plays it to
 * the customer, or in the one mixed channel of a mono recording. Taken for a voice, a minute
 * of hold music is a "customer" with no pauses, odd pitch and strange spectra, and it raises
 * hesitation, fatigue and frustration alerts on nobody (bench/music_bench.sh).
 *
 * Music is told from speech by its notes: a melody holds each pitch steady for a while, and
 * its pitches lie on one tuning grid, semitones apart. So the detector takes, from the final
 * frames, the held notes (runs of voiced frames whose F0 stays within a small range for at
 * least 100 ms) and, over the last 5 s, how closely their pitches share one fractional part of
 * a semitone: the length R of the mean of exp(2 pi i p), p a note's pitch in semitones. Music
 * in any tuning gives R near 1 (an octave or a fifth mistaken by the pitch tracker keeps the
 * fraction); speech holds a pitch steady rarely and at any fraction, so R of a few such
 * stretches is small. The channel carries music once two successive 0.5 s steps see enough
 * notes on one grid, and until two successive steps do not. The decision uses only frames up
 * to the current one, so live, replay and batch agree; its first seconds (before there are
 * enough notes) go by as they are.
 *
 * No allocation after create; rpl_music_process is real-time safe.
 */
#ifndef RAPPEL_MUSIC_H
#define RAPPEL_MUSIC_H

#include <stdbool.h>
#include <stdint.h>

#include "rappel/features.h"
#include "rappel/status.h"

typedef struct rpl_music rpl_music;

/* Allocate a detector for one channel. RPL_ERR_INVALID_ARG, RPL_ERR_NO_MEMORY. */
rpl_status rpl_music_create(rpl_music **out);

/* Free; NULL allowed. */
void rpl_music_destroy(rpl_music *m);

/* The channel's next final frame (rpl_analysis, in order). Returns true while the channel is
 * found to carry music: the frame is then no one's voice. Real-time safe. */
bool rpl_music_process(rpl_music *m, const rpl_frame *frame);

/* rpl_music_process, and a music frame carries no voice: rpl_frame_clear_voice, line_sound
 * and music set. Returns whether it is music. Real-time safe. */
bool rpl_music_take_out(rpl_music *m, rpl_frame *frame);

/* The frame index where the latest music began: the first held note of the window that found
 * it, some seconds before rpl_music_process said so; -1 before any music. Real-time safe. */
int64_t rpl_music_onset(const rpl_music *m);

#endif
