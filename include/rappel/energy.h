/* rappel — frame energy. */
#ifndef RAPPEL_ENERGY_H
#define RAPPEL_ENERGY_H

#include <stddef.h>

/* Lowest level reported, in dB re full scale: digital silence reads this, not -inf. */
#define RPL_ENERGY_FLOOR_DB (-120.0f)

/* RMS level of x[0..n) weighted by window w[0..n), in dB re full scale: a full-scale sine
 * reads -3.01 dB, full-scale DC 0 dB. The weighting is normalised by the window's power,
 * so the level of a stationary signal does not depend on the window. Clamped below at
 * RPL_ENERGY_FLOOR_DB. Real-time safe. */
float rpl_energy_db(const float *x, const float *w, size_t n);

/* The window's power, sum of w[i]^2 over [0, n), as rpl_energy_db sums it. Real-time safe. */
float rpl_window_power(const float *w, size_t n);

/* rpl_energy_db with the window's power computed once by the caller (window_power =
 * rpl_window_power(w, n)): the same value, bit for bit, without re-summing a constant every
 * frame. Real-time safe. */
float rpl_energy_db_power(const float *x, const float *w, size_t n, float window_power);

/* Fill w[0..n) with a periodic Hann window (n >= 2). Real-time safe. */
void rpl_window_hann(float *w, size_t n);

#endif
