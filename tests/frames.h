/* Made-up analysed frames for the tests of the modules that read rpl_frame (cue windows,
 * speaker change): the fields a test sets, every measurement it does not set undefined (NAN).
 * Header-only, as tests/signals.h. */
#ifndef RAPPEL_TEST_FRAMES_H
#define RAPPEL_TEST_FRAMES_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rappel/features.h"

/* Frame `index` (10 ms frames): speech with F0 f0_hz (0: unvoiced speech) at level_db, or
 * silence at -70 dBFS. */
static inline rpl_frame test_frame(int64_t index, bool speech, double f0_hz, double level_db)
{
    rpl_frame f;
    memset(&f, 0, sizeof f);
    f.index = index;
    f.time_s = ((double)index + 0.5) * 0.01;
    f.speech = speech;
    f.voiced = speech && f0_hz > 0.0;
    f.f0_hz = f.voiced ? (float)f0_hz : 0.0f;
    f.energy_db = (float)(speech ? level_db : -70.0);
    f.artic_rate_sps = NAN;
    f.jitter_pct = f.shimmer_db = f.hnr_db = NAN;
    f.slope_db_khz = f.alpha_db = f.hammarberg_db = f.band_800_1500_db = NAN;
    f.flux = f.loudness_sone = NAN;
    return f;
}

#endif
