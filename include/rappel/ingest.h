/* rappel — one channel from its recorded or captured rate to the analysis signal:
 * resampled to 8 kHz with libsoxr (high quality, time-aligned) and band-limited to the
 * telephone band (300-3400 Hz). Every source goes through it, so a 48 kHz recording and an
 * 8 kHz call of the same voice give the same features.
 */
#ifndef RAPPEL_INGEST_H
#define RAPPEL_INGEST_H

#include <stddef.h>

#include "rappel/status.h"

typedef struct rpl_ingest rpl_ingest;

/* Receives analysis-rate samples; the buffer is only valid during the call. */
typedef void (*rpl_ingest_sink)(void *user, const float *samples, size_t n);

/* Create for input at input_rate_hz (8000..192000). Not real-time safe. Returns
 * RPL_ERR_RATE, RPL_ERR_RESAMPLE or RPL_ERR_NO_MEMORY. */
rpl_status rpl_ingest_create(double input_rate_hz, rpl_ingest **out);

/* Free; NULL allowed. */
void rpl_ingest_destroy(rpl_ingest *ingest);

/* Give n mono samples at the input rate; analysis-rate samples go to sink as they are
 * ready. No allocation. Returns RPL_ERR_RESAMPLE on a resampler failure. */
rpl_status rpl_ingest_process(rpl_ingest *ingest, const float *in, size_t n, rpl_ingest_sink sink,
                              void *user);

/* Two channels of the same stream, n samples each (a != b, same input rate): the same
 * samples as rpl_ingest_process(a, ...) then rpl_ingest_process(b, ...), bit for bit. At the
 * analysis rate the two band-pass filters run together (rpl_bandpass_process_pair, about the
 * time of one) and the sinks get 4096-sample blocks, a's then b's; when resampling, all of a
 * then all of b. No allocation. Returns RPL_ERR_RESAMPLE on a resampler failure. */
rpl_status rpl_ingest_process_pair(rpl_ingest *a, const float *in_a, rpl_ingest_sink sink_a,
                                   void *user_a, rpl_ingest *b, const float *in_b,
                                   rpl_ingest_sink sink_b, void *user_b, size_t n);

/* End of stream: the resampler's remaining output goes to sink. */
rpl_status rpl_ingest_flush(rpl_ingest *ingest, rpl_ingest_sink sink, void *user);

#endif
