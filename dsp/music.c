/* Music on a party's channel: see include/rappel/music.h.
 *
 * Why these values (speech: every RAVDESS and EmoDB utterance through the telephone channel,
 * concatenated per speaker, and the bundled calls; music: the eight instrumental tracks of
 * Debian's neverball-data and a plucked melody, as they are and through GSM 06.10;
 * bench/music_bench.sh):
 * - a held note moves less than NOTE_STEP_ST from frame to frame and stays within
 *   NOTE_SPREAD_ST of its first frame for NOTE_MIN_FRAMES (100 ms): the pitch tracker holds a
 *   played note within a few cents; speech glides through most of its voiced frames.
 * - music starts when, over WINDOW_FRAMES (5 s), at least ON_NOTES notes have a grid length of
 *   at least ON_R, hold ON_PITCHES different pitches of that grid and ON_NOTE_SHARE of the
 *   voiced frames, for ON_STEPS successive steps. Speech windows with 5 held stretches are
 *   1-2 % of the windows, and their R is at most 0.84 (0.71 outside sadness, boredom and
 *   calm); music windows with 5 notes have R 0.91 at the median. Notes at random fractions
 *   (tests/test_music.c) reach R 0.88 by chance in about 1 % of the windows with 6 notes,
 *   hence three steps. The pitches rule keeps a synthetic voice whose syllables all sit on one
 *   F0 (or its octave) a voice.
 * - music ends after OFF_STEPS steps in which notes on its grid held less than
 *   ON_RECENT_SHARE of the voiced frames of the last RECENT_STEPS steps (1 s), or after
 *   MAX_REST_STEPS steps with little voice (a rest of 2 s: the music stopped). So a customer
 *   who speaks when the hold ends loses 1.5-2.5 s of speech to it, not the 5 s window; and the
 *   window's notes are forgotten, so they cannot find the music again.
 */
#include "rappel/music.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

enum {
    NOTE_MIN_FRAMES = 10,
    WINDOW_FRAMES = 500,
    STEP_FRAMES = 50,
    WINDOW_STEPS = WINDOW_FRAMES / STEP_FRAMES,
    NOTES_HELD = WINDOW_FRAMES / NOTE_MIN_FRAMES + 1, /* the most notes a window can hold */
    ON_NOTES = 6,
    ON_PITCHES = 3,
    ON_STEPS = 3,
    RECENT_STEPS = 2, /* RECENT_FRAMES = RECENT_STEPS * STEP_FRAMES */
    OFF_STEPS = 2,
    REST_VOICED = 10, /* voiced frames in a step below which it is a rest */
    MAX_REST_STEPS = 4,
};
#define NOTE_STEP_ST 0.1
#define NOTE_SPREAD_ST 0.3
#define ON_R 0.88
#define ON_GRID_ST 0.2      /* a note this close to the grid is on it */
#define ON_NOTE_SHARE 0.3   /* of the window's voiced frames in its notes, to start */
#define ON_RECENT_SHARE 0.4 /* of the recent voiced frames in notes on the grid, to go on */
#define TWO_PI 6.283185307179586

typedef struct note {
    int64_t start; /* frame index of its first frame */
    int frames;
    double st; /* its pitch, semitones re 100 Hz */
} note;

struct rpl_music {
    note notes[NOTES_HELD]; /* ring of the latest notes, oldest at head */
    int head, count;
    /* the held note being followed (run_frames 0: none) */
    int64_t run_start;
    int run_frames;
    double run_first_st, run_last_st, run_sum_st;
    int step_voiced;          /* voiced frames in the step so far */
    int voiced[WINDOW_STEPS]; /* voiced frames of the window's steps, by step number */
    int64_t steps;            /* steps completed */
    int change_steps;         /* successive steps that say music (while off) or not (while on) */
    int rest_steps;           /* successive steps with little voice, while on */
    bool on;
    double grid;   /* while on: the fraction of a semitone the music's notes share */
    int64_t onset; /* where the latest music began, -1: none yet */
};

rpl_status rpl_music_create(rpl_music **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    (*out)->onset = -1;
    return RPL_OK;
}

void rpl_music_destroy(rpl_music *m)
{
    free(m);
}

static const note *note_at(const rpl_music *m, int i)
{
    return &m->notes[(m->head + i) % NOTES_HELD];
}

static void end_run(rpl_music *m)
{
    if (m->run_frames >= NOTE_MIN_FRAMES) {
        if (m->count == NOTES_HELD) {
            m->head = (m->head + 1) % NOTES_HELD;
            m->count--;
        }
        m->notes[(m->head + m->count) % NOTES_HELD] = (note){
            .start = m->run_start, .frames = m->run_frames, .st = m->run_sum_st / m->run_frames};
        m->count++;
    }
    m->run_frames = 0;
}

/* Voiced frames of the last k completed steps. */
static int voiced_frames(const rpl_music *m, int k)
{
    int n = 0;
    for (int i = 0; i < k && i < m->steps; i++) {
        n += m->voiced[(m->steps - 1 - i) % WINDOW_STEPS];
    }
    return n;
}

/* Music starts: enough notes of the window share one grid and hold several of its pitches. */
static bool melody_found(rpl_music *m)
{
    if (m->count < ON_NOTES) {
        return false;
    }
    double c = 0.0, s = 0.0;
    int note_frames = 0;
    for (int i = 0; i < m->count; i++) {
        c += cos(TWO_PI * note_at(m, i)->st);
        s += sin(TWO_PI * note_at(m, i)->st);
        note_frames += note_at(m, i)->frames;
    }
    if (hypot(c, s) < ON_R * m->count ||
        note_frames < ON_NOTE_SHARE * voiced_frames(m, WINDOW_STEPS)) {
        return false;
    }
    m->grid = atan2(s, c) / TWO_PI;
    int pitches = 0;
    for (int i = 0; i < m->count; i++) {
        long step = lround(note_at(m, i)->st - m->grid);
        bool seen = false;
        for (int j = 0; j < i && !seen; j++) {
            seen = lround(note_at(m, j)->st - m->grid) == step;
        }
        pitches += !seen;
    }
    return pitches >= ON_PITCHES;
}

static bool on_grid(const rpl_music *m, double st)
{
    return fabs(remainder(st - m->grid, 1.0)) < ON_GRID_ST;
}

/* Music goes on: notes on its grid hold much of the recent voiced frames (a voice glides
 * through them), or the channel rests, briefly. */
static bool melody_goes_on(rpl_music *m, int64_t now)
{
    m->rest_steps = m->step_voiced < REST_VOICED ? m->rest_steps + 1 : 0;
    if (m->rest_steps > 0) {
        return m->rest_steps < MAX_REST_STEPS;
    }
    int64_t from = now + 1 - RECENT_STEPS * STEP_FRAMES; /* the recent frames: from..now */
    int on_notes = 0;
    if (m->run_frames >= NOTE_MIN_FRAMES && on_grid(m, m->run_sum_st / m->run_frames)) {
        on_notes += (int)(now + 1 - (m->run_start > from ? m->run_start : from));
    }
    for (int i = m->count - 1; i >= 0 && note_at(m, i)->start + note_at(m, i)->frames > from; i--) {
        const note *n = note_at(m, i);
        if (on_grid(m, n->st)) {
            on_notes += (int)(n->start + n->frames - (n->start > from ? n->start : from));
        }
    }
    return on_notes >= ON_RECENT_SHARE * voiced_frames(m, RECENT_STEPS);
}

bool rpl_music_process(rpl_music *m, const rpl_frame *frame)
{
    if (rpl_frame_has_voice(frame)) {
        double st = 12.0 * log2((double)frame->f0_hz / 100.0);
        bool held = m->run_frames > 0 && fabs(st - m->run_last_st) < NOTE_STEP_ST &&
                    fabs(st - m->run_first_st) < NOTE_SPREAD_ST;
        if (!held) {
            end_run(m);
            m->run_start = frame->index;
            m->run_first_st = st;
            m->run_sum_st = 0.0;
        }
        m->run_frames++;
        m->run_last_st = st;
        m->run_sum_st += st;
        m->step_voiced++;
    } else {
        end_run(m);
    }
    if ((frame->index + 1) % STEP_FRAMES != 0) {
        return m->on;
    }
    m->voiced[m->steps % WINDOW_STEPS] = m->step_voiced;
    m->steps++;
    while (m->count > 0 && note_at(m, 0)->start <= frame->index - WINDOW_FRAMES) {
        m->head = (m->head + 1) % NOTES_HELD;
        m->count--;
    }
    bool changes = m->on ? !melody_goes_on(m, frame->index) : melody_found(m);
    m->change_steps = changes ? m->change_steps + 1 : 0;
    if (m->change_steps >= (m->on ? OFF_STEPS : ON_STEPS)) {
        m->on = !m->on;
        m->change_steps = 0;
        m->rest_steps = 0;
        if (m->on) {
            m->onset = note_at(m, 0)->start;
        } else {
            m->count = 0; /* its notes must not find it again */
        }
    }
    m->step_voiced = 0;
    return m->on;
}

bool rpl_music_take_out(rpl_music *m, rpl_frame *frame)
{
    if (!rpl_music_process(m, frame)) {
        return false;
    }
    rpl_frame_clear_voice(frame);
    frame->line_sound = true;
    frame->music = true;
    return true;
}

int64_t rpl_music_onset(const rpl_music *m)
{
    return m->onset;
}
