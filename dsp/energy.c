/* Frame energy: window-weighted RMS in dB re full scale. */
#include "rappel/energy.h"

#include <math.h>

float rpl_window_power(const float *w, size_t n)
{
    float window_power = 0.0f;
    for (size_t i = 0; i < n; i++) {
        window_power += w[i] * w[i];
    }
    return window_power;
}

float rpl_energy_db_power(const float *x, const float *w, size_t n, float window_power)
{
    float weighted = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float wx = w[i] * x[i];
        weighted += wx * wx;
    }
    if (window_power <= 0.0f || weighted <= 0.0f) {
        return RPL_ENERGY_FLOOR_DB;
    }
    float db = 10.0f * log10f(weighted / window_power);
    return db > RPL_ENERGY_FLOOR_DB ? db : RPL_ENERGY_FLOOR_DB;
}

float rpl_energy_db(const float *x, const float *w, size_t n)
{
    return rpl_energy_db_power(x, w, n, rpl_window_power(w, n));
}

void rpl_window_hann(float *w, size_t n)
{
    const double two_pi = 6.283185307179586;
    for (size_t i = 0; i < n; i++) {
        w[i] = (float)(0.5 - 0.5 * cos(two_pi * (double)i / (double)n));
    }
}
