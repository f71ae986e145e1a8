/* rappel — the telephone band filter applied to every input after resampling.
 *
 * 4th-order Butterworth high-pass at 300 Hz and 4th-order Butterworth low-pass at 3400 Hz
 * (bilinear transform, cascaded biquads), so that a wideband recording and a telephone call
 * of the same voice carry the same band into the analysis.
 */
#ifndef RAPPEL_BANDPASS_H
#define RAPPEL_BANDPASS_H

#include <stddef.h>

#include "rappel/status.h"

typedef struct rpl_bandpass rpl_bandpass;

/* Create a band-pass for samples at sample_rate_hz , passing
 * [low_hz, high_hz] (0 < low_hz < high_hz < sample_rate_hz/2). Not real-time safe. Returns
 * RPL_ERR_INVALID_ARG or RPL_ERR_NO_MEMORY. */
rpl_status rpl_bandpass_create(float sample_rate_hz, float low_hz, float high_hz,
                               rpl_bandpass **out);

/* Free; NULL allowed. */
void rpl_bandpass_destroy(rpl_bandpass *bp);

/* Filter n samples in place, continuing from the previous call. Real-time safe. */
void rpl_bandpass_process(rpl_bandpass *bp, float *x, size_t n);

/* Filter two independent streams at once, n samples each, in place: xa through a, xb through
 * b (a != b; the buffers may not overlap). Bit-identical to rpl_bandpass_process(a, xa, n) and
 * rpl_bandpass_process(b, xb, n), in about the time of one (the two channels of a stereo call
 * share the vector lanes). Real-time safe. */
void rpl_bandpass_process_pair(rpl_bandpass *a, float *xa, rpl_bandpass *b, float *xb, size_t n);

/* Forget the filter state (start of a new stream). Real-time safe. */
void rpl_bandpass_reset(rpl_bandpass *bp);

#endif
