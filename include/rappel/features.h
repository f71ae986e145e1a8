/* rappel — the per-frame feature record and its column list.
 *
 * One rpl_frame every 10 ms of the analysis signal (8 kHz, 300-3400 Hz). The column table
 * is the single description of what `rappel features` prints (CSV header, JSONL keys,
 * units, --help text): add a feature by adding a field and one row to the table.
 */
#ifndef RAPPEL_FEATURES_H
#define RAPPEL_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Analysis rate and frame step: every input is resampled to this rate (see README). */
#define RPL_ANALYSIS_RATE_HZ 8000
#define RPL_HOP_SAMPLES 80 /* 10 ms at 8 kHz */

typedef struct rpl_frame {
    int64_t index;   /* frame number from the start of the stream, 0-based */
    double time_s;   /* frame centre: (index + 0.5) * 10 ms */
    float f0_hz;     /* fundamental frequency, 0 when unvoiced */
    bool voiced;     /* voicing decision */
    float energy_db; /* RMS level in dB re full scale (full-scale sine: -3.01 dB) */
    bool speech;     /* voice activity after smoothing; pauses are runs of false in a turn */
    float voicing;   /* voicing confidence, 0..1 */
    float noise_db;  /* tracked noise floor, dB re full scale */
    /* Prosody beyond pitch, filled when the frame is final (NAN where undefined). */
    bool nucleus;            /* a syllable nucleus peaks at this frame */
    float artic_rate_sps;    /* running articulation rate, syllables per second of speech */
    bool filled_pause;       /* inside a filled-pause candidate ("euh", "um") */
    float filled_pause_conf; /* its confidence, 0..1 */
    float jitter_pct;        /* local jitter over the voiced stretch, % */
    float shimmer_db;        /* local shimmer over the voiced stretch, dB */
    float hnr_db;            /* harmonics-to-noise ratio, dB */
    float slope_db_khz;      /* spectral slope 300-3400 Hz, dB/kHz */
    float alpha_db;          /* level 300-1000 Hz minus level 1000-3400 Hz, dB */
    float hammarberg_db;     /* peak level 300-2000 Hz minus peak level 2000-3400 Hz, dB */
    float band_800_1500_db;  /* share of in-band energy in 800-1500 Hz, dB */
    float flux;              /* spectral flux against the previous frame */
    float loudness_sone;     /* loudness */
    bool line_sound;         /* the line carries a sound that is not speech (a line tone,
                              * dsp/analysis.c, or music): speech is false, and the frame is not
                              * silence either */
    bool music;              /* the line carries music (include/rappel/music.h), set after the
                              * analysis by rpl_music_take_out */
} rpl_frame;

/* Whether the frame carries a voice: voiced, with an F0. A steady periodic sound counts (a
 * synthetic voice is one; mains hum is unvoiced already, line tones are not speech:
 * dsp/analysis.c). Real-time safe. */
static inline bool rpl_frame_has_voice(const rpl_frame *frame)
{
    return frame->voiced && frame->f0_hz > 0.0f;
}

/* The frame carries none of the party's voice (another party's leaked voice, music): no speech,
 * no voicing, no F0, no syllable nucleus, no filled pause. Real-time safe. */
static inline void rpl_frame_clear_voice(rpl_frame *frame)
{
    frame->speech = false;
    frame->voiced = false;
    frame->f0_hz = 0.0f;
    frame->nucleus = false;
    frame->filled_pause = false;
}

typedef enum rpl_column_type {
    RPL_COLUMN_DOUBLE,
    RPL_COLUMN_FLOAT,
    RPL_COLUMN_BOOL,
} rpl_column_type;

typedef struct rpl_column {
    const char *name;    /* CSV header / JSON key, e.g. "f0_hz" */
    const char *unit;    /* e.g. "Hz", "dBFS", "0/1" */
    const char *meaning; /* one line for --help and the README */
    rpl_column_type type;
    size_t offset; /* offset of the field in rpl_frame */
    int decimals;  /* digits printed after the point */
} rpl_column;

/* Number of columns, in output order (the first five are fixed by the CLI contract:
 * time_s, f0_hz, voiced, energy_db, speech). Real-time safe. */
size_t rpl_frame_column_count(void);

/* Column i (0 <= i < count), static storage; NULL when out of range. Real-time safe. */
const rpl_column *rpl_frame_column(size_t i);

/* Value of column i of frame f as a double (booleans as 0/1; 0 for an unknown column).
 * Real-time safe. */
double rpl_frame_value(const rpl_frame *f, size_t i);

#endif
