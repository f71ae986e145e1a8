/* The feature column table: see include/rappel/features.h. */
#include "rappel/features.h"

#include <string.h>

#define COLUMN(field, ctype, unit, decimals, meaning)                                              \
    {                                                                                              \
#field, unit, meaning, ctype, offsetof(rpl_frame, field), decimals                         \
    }

static const rpl_column columns[] = {
    COLUMN(time_s, RPL_COLUMN_DOUBLE, "s", 3, "frame centre from the start of the file"),
    COLUMN(f0_hz, RPL_COLUMN_FLOAT, "Hz", 2, "fundamental frequency, 0 when unvoiced"),
    COLUMN(voiced, RPL_COLUMN_BOOL, "0/1", 0,
           "voicing decision: periodic (a steady tone or buzz too; mains hum is not)"),
    COLUMN(energy_db, RPL_COLUMN_FLOAT, "dBFS", 2,
           "RMS level over a 20 ms Hann window (full-scale sine = -3.01)"),
    COLUMN(speech, RPL_COLUMN_BOOL, "0/1", 0,
           "voice activity after smoothing, kept within 300 ms after or 150 ms before a voice (a "
           "voiced frame whose F0 is not steady); pauses are runs of 0 inside a turn"),
    COLUMN(voicing, RPL_COLUMN_FLOAT, "0..1", 3, "voicing confidence"),
    COLUMN(noise_db, RPL_COLUMN_FLOAT, "dBFS", 2, "tracked noise floor of the line"),
    COLUMN(nucleus, RPL_COLUMN_BOOL, "0/1", 0,
           "syllable nucleus: an intensity peak in voiced speech (de Jong & Wempe 2009)"),
    COLUMN(artic_rate_sps, RPL_COLUMN_FLOAT, "1/s", 2,
           "articulation rate: nuclei per second of speech over the last 5 s"),
    COLUMN(filled_pause, RPL_COLUMN_BOOL, "0/1", 0,
           "inside a filled-pause candidate (\"euh\", \"um\"): flat low F0, steady spectrum"),
    COLUMN(filled_pause_conf, RPL_COLUMN_FLOAT, "0..1", 2, "confidence of that candidate"),
    COLUMN(jitter_pct, RPL_COLUMN_FLOAT, "%", 3,
           "local jitter over the last 0.5 s of the voiced stretch (Praat's definition)"),
    COLUMN(shimmer_db, RPL_COLUMN_FLOAT, "dB", 3,
           "local shimmer over the last 0.5 s of the voiced stretch (Praat's definition)"),
    COLUMN(hnr_db, RPL_COLUMN_FLOAT, "dB", 2,
           "harmonics-to-noise ratio from the normalised autocorrelation (Boersma 1993)"),
    COLUMN(slope_db_khz, RPL_COLUMN_FLOAT, "dB/kHz", 3,
           "spectral slope: regression of the level spectrum over 300-3400 Hz"),
    COLUMN(alpha_db, RPL_COLUMN_FLOAT, "dB", 2,
           "alpha-ratio-like balance: level 300-1000 Hz minus level 1000-3400 Hz"),
    COLUMN(hammarberg_db, RPL_COLUMN_FLOAT, "dB", 2,
           "Hammarberg-like index: peak level 300-2000 Hz minus peak 2000-3400 Hz"),
    COLUMN(band_800_1500_db, RPL_COLUMN_FLOAT, "dB", 2,
           "share of the in-band energy that lies in 800-1500 Hz (<= 0)"),
    COLUMN(flux, RPL_COLUMN_FLOAT, "0..1", 4, "spectral flux against the previous frame"),
    COLUMN(loudness_sone, RPL_COLUMN_FLOAT, "sone", 3,
           "Zwicker-like loudness over 300-3400 Hz (uncalibrated: -60 dBFS tone = 1)"),
    COLUMN(line_sound, RPL_COLUMN_BOOL, "0/1", 0,
           "the line carries a non-speech sound, a line tone (ringback, DTMF, beep, fax) or "
           "music; speech is 0 there"),
    COLUMN(music, RPL_COLUMN_BOOL, "0/1", 0,
           "the line carries music (held notes on one tuning grid, e.g. music on hold); speech, "
           "voiced and F0 are 0 there"),
};

size_t rpl_frame_column_count(void)
{
    return sizeof columns / sizeof columns[0];
}

const rpl_column *rpl_frame_column(size_t i)
{
    return i < rpl_frame_column_count() ? &columns[i] : NULL;
}

double rpl_frame_value(const rpl_frame *f, size_t i)
{
    const rpl_column *c = rpl_frame_column(i);
    if (c == NULL) {
        return 0.0;
    }
    const char *field = (const char *)f + c->offset;
    switch (c->type) {
    case RPL_COLUMN_DOUBLE: {
        double v;
        memcpy(&v, field, sizeof v);
        return v;
    }
    case RPL_COLUMN_FLOAT: {
        float v;
        memcpy(&v, field, sizeof v);
        return (double)v;
    }
    case RPL_COLUMN_BOOL: {
        bool v;
        memcpy(&v, field, sizeof v);
        return v ? 1.0 : 0.0;
    }
    }
    return 0.0;
}
