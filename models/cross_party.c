/* Cross-party cues from two voice-activity streams: dead air, overtalk, response latency and
 * talk share.
 *
 * Reference: turn-taking measures as in Heldner & Edlund (2010), "Pauses, gaps and overlaps in
 * conversations", J. Phonetics 38(4): a gap is silence between one speaker's speech and the
 * other's, an overlap is simultaneous speech, and "within-speaker" silences (pauses) are not
 * turn transitions; the floor-transfer offset (answer start minus previous turn's end) is
 * negative for overlaps. Overlaps shorter than about 1 s are mostly backchannels and
 * collisions at turn changes (Heldner & Edlund report most overlaps under 0.5 s), hence the
 * 1 s default for overtalk; contact-centre tools flag silences of a few seconds as "non-talk
 * time", hence 3 s for dead air. All spans are counted in whole frames.
 */
#include "rappel/cross_party.h"

#include <math.h>
#include <stdlib.h>

/* Longest configurable span: one day. */
#define RPL_CROSS_MAX_SPAN_S 86400.0

enum { NO_PARTY = -1 };

typedef struct party_state {
    bool speaking;      /* flag of the previous frame */
    int64_t last_end;   /* first silent frame after the last speech run, or -1 */
    int64_t talk_start; /* start of the current stretch of talk, gaps up to a breath bridged */
    int64_t speech_frames;
    size_t interruptions;
    size_t turns;
    int64_t latency_sum; /* frames (signed) */
    int64_t latency_max; /* frames */
} party_state;

struct rpl_cross_party {
    rpl_cross_party_config cfg;
    double frame_s;
    int64_t min_silence_frames;
    int64_t min_overlap_frames;
    int64_t bridge_frames; /* a breath inside an overlap: shorter gaps do not end it */
    int64_t max_tone_gap_frames;

    int64_t frame;           /* frames given so far */
    bool heard_speech;       /* somebody has spoken */
    int64_t first_speech;    /* first frame with speech */
    int64_t last_speech_end; /* frame after the last frame with speech */
    party_state party[2];    /* indexed by rpl_party (agent, customer) */

    int holder; /* floor holder: the party who spoke last, or NO_PARTY */
    bool answer_pending;
    int answerer;         /* who started speaking over the holder */
    int64_t answer_start; /* frame */

    int64_t silence_start;   /* both silent since this frame (after first speech), or -1 */
    bool silence_after_tone; /* that silence began where a line sound ended */
    int64_t line_sound_end;  /* frame after the last line-sound frame, or -1 */
    bool dead_air_sent;      /* DEAD_AIR_START sent for this silence */

    int64_t overlap_start; /* both speaking since this frame, or -1 */
    int64_t overlap_gap;   /* an open overlap has a gap (one party silent) since, or -1 */
    bool overtalk_sent;    /* OVERTALK_START sent for this overlap */
    rpl_party overlap_by, overlap_to;

    /* Confirmed totals, frames. */
    int64_t silence_frames;
    int64_t hold_frames;
    int64_t overlap_frames;
    size_t dead_air_count;
    int64_t dead_air_frames, dead_air_max;
    size_t overtalk_count;
    int64_t overtalk_frames;
};

rpl_cross_party_config rpl_cross_party_config_default(void)
{
    rpl_cross_party_config cfg = {
        .frame_ms = 10.0f, .min_silence_s = 3.0, .min_overlap_s = 1.0, .max_tone_gap_s = 5.0};
    return cfg;
}

static bool span_ok(double s, double frame_s)
{
    /* At least one frame (with rounding slack) and at most a day. */
    return isfinite(s) && s >= frame_s * 0.5 && s <= RPL_CROSS_MAX_SPAN_S;
}

rpl_status rpl_cross_party_create(const rpl_cross_party_config *cfg, rpl_cross_party **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || !(cfg->frame_ms > 0.0f && cfg->frame_ms <= 1000.0f)) {
        return RPL_ERR_INVALID_ARG;
    }
    double frame_s = (double)cfg->frame_ms / 1000.0;
    if (!span_ok(cfg->min_silence_s, frame_s) || !span_ok(cfg->min_overlap_s, frame_s) ||
        !(isfinite(cfg->max_tone_gap_s) && cfg->max_tone_gap_s >= 0.0 &&
          cfg->max_tone_gap_s <= RPL_CROSS_MAX_SPAN_S)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_cross_party *cp = calloc(1, sizeof *cp);
    if (cp == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    cp->cfg = *cfg;
    cp->frame_s = frame_s;
    /* Round to whole frames: 3 s at 10 ms is exactly 300 frames. */
    cp->min_silence_frames = (int64_t)llround(cfg->min_silence_s / frame_s);
    cp->min_overlap_frames = (int64_t)llround(cfg->min_overlap_s / frame_s);
    cp->max_tone_gap_frames = (int64_t)llround(cfg->max_tone_gap_s / frame_s);
    /* 300 ms: a talker who breathes or stops on a consonant while being talked over is still
     * being talked over (the VAD itself only bridges 120 ms). */
    cp->bridge_frames = (int64_t)llround(0.3 / frame_s);
    rpl_cross_party_reset(cp);
    *out = cp;
    return RPL_OK;
}

void rpl_cross_party_destroy(rpl_cross_party *cp)
{
    free(cp);
}

void rpl_cross_party_reset(rpl_cross_party *cp)
{
    if (cp == NULL) {
        return;
    }
    cp->frame = 0;
    cp->heard_speech = false;
    cp->first_speech = 0;
    cp->last_speech_end = 0;
    for (int i = 0; i < 2; i++) {
        party_state *p = &cp->party[i];
        p->speaking = false;
        p->last_end = -1;
        p->talk_start = -1;
        p->speech_frames = 0;
        p->interruptions = 0;
        p->turns = 0;
        p->latency_sum = 0;
        p->latency_max = INT64_MIN;
    }
    cp->holder = NO_PARTY;
    cp->answer_pending = false;
    cp->answerer = NO_PARTY;
    cp->answer_start = 0;
    cp->silence_start = -1;
    cp->silence_after_tone = false;
    cp->line_sound_end = -1;
    cp->dead_air_sent = false;
    cp->overlap_start = -1;
    cp->overlap_gap = -1;
    cp->overtalk_sent = false;
    cp->overlap_by = RPL_PARTY_BOTH;
    cp->overlap_to = RPL_PARTY_BOTH;
    cp->silence_frames = 0;
    cp->hold_frames = 0;
    cp->overlap_frames = 0;
    cp->dead_air_count = 0;
    cp->dead_air_frames = 0;
    cp->dead_air_max = 0;
    cp->overtalk_count = 0;
    cp->overtalk_frames = 0;
}

typedef struct emitter {
    const rpl_cross_party *cp;
    rpl_cross_party_sink sink;
    void *user;
    size_t count;
} emitter;

static void emit(emitter *e, rpl_cross_party_event_type type, int64_t start, int64_t end,
                 rpl_party by, rpl_party to)
{
    rpl_cross_party_event ev;
    ev.type = type;
    ev.t_start_s = (double)start * e->cp->frame_s;
    ev.t_end_s = (double)end * e->cp->frame_s;
    ev.by = by;
    ev.to = to;
    ev.latency_s = type == RPL_CROSS_TURN ? (double)(end - start) * e->cp->frame_s : 0.0;
    e->count++;
    if (e->sink != NULL) {
        e->sink(&ev, e->user);
    }
}

/* `by` answered the holder `to`, whose turn ended at frame end_frame; answer at answer_frame. */
static void record_turn(rpl_cross_party *cp, emitter *e, int by, int to, int64_t end_frame,
                        int64_t answer_frame)
{
    party_state *p = &cp->party[by];
    int64_t latency = answer_frame - end_frame;
    p->turns++;
    p->latency_sum += latency;
    if (latency > p->latency_max) {
        p->latency_max = latency;
    }
    cp->holder = by;
    emit(e, RPL_CROSS_TURN, end_frame, answer_frame, (rpl_party)by, (rpl_party)to);
}

static void close_overlap(rpl_cross_party *cp, emitter *e, int64_t end)
{
    if (cp->overtalk_sent) {
        int64_t len = end - cp->overlap_start;
        cp->overtalk_count++;
        cp->overtalk_frames += len;
        if (cp->overlap_by != RPL_PARTY_BOTH) {
            cp->party[cp->overlap_by].interruptions++;
        }
        emit(e, RPL_CROSS_OVERTALK_END, cp->overlap_start, end, cp->overlap_by, cp->overlap_to);
    }
    cp->overlap_start = -1;
    cp->overlap_gap = -1;
    cp->overtalk_sent = false;
}

/* The current silence is dead air once it has lasted this long: min_silence_s, and past the
 * longest cadence gap when it follows a line sound. */
static int64_t dead_air_frames_needed(const rpl_cross_party *cp)
{
    if (cp->silence_after_tone && cp->max_tone_gap_frames >= cp->min_silence_frames) {
        return cp->max_tone_gap_frames + 1;
    }
    return cp->min_silence_frames;
}

size_t rpl_cross_party_process(rpl_cross_party *cp, bool agent_speech, bool customer_speech,
                               bool line_sound, rpl_cross_party_sink sink, void *user)
{
    if (cp == NULL) {
        return 0;
    }
    emitter e = {.cp = cp, .sink = sink, .user = user, .count = 0};
    const int64_t f = cp->frame;
    const bool now[2] = {agent_speech, customer_speech};
    const bool before[2] = {cp->party[0].speaking, cp->party[1].speaking};
    const bool any = now[0] || now[1];
    const bool both = now[0] && now[1];

    /* 1. A silence ends, with speech or a line sound: the gap of a tone cadence is hold;
     * otherwise non-talk time, and dead air when long enough (it began after speech). */
    if ((any || line_sound) && cp->silence_start >= 0) {
        int64_t len = f - cp->silence_start;
        if (cp->silence_after_tone && len <= cp->max_tone_gap_frames) {
            cp->hold_frames += len;
        } else {
            cp->silence_frames += len;
        }
        if (len >= dead_air_frames_needed(cp)) {
            cp->dead_air_count++;
            cp->dead_air_frames += len;
            if (len > cp->dead_air_max) {
                cp->dead_air_max = len;
            }
            emit(&e, RPL_CROSS_DEAD_AIR_END, cp->silence_start, f, RPL_PARTY_BOTH, RPL_PARTY_BOTH);
        }
        cp->silence_start = -1;
        cp->dead_air_sent = false;
    }

    /* 2. An overlap ends once one party has been silent longer than a breath. */
    if (cp->overlap_start >= 0) {
        if (both) {
            cp->overlap_gap = -1;
        } else {
            cp->overlap_gap = cp->overlap_gap < 0 ? f : cp->overlap_gap;
            if (f + 1 - cp->overlap_gap > cp->bridge_frames) {
                close_overlap(cp, &e, cp->overlap_gap);
            }
        }
    }

    /* 3. Speech runs that end here, and an overlapped answer they resolve. */
    for (int x = 0; x < 2; x++) {
        party_state *p = &cp->party[x];
        if (before[x] && !now[x]) {
            p->last_end = f;
        }
        if (now[x] && !before[x] && (p->last_end < 0 || f - p->last_end > cp->bridge_frames)) {
            p->talk_start = f;
        }
    }
    if (cp->answer_pending) {
        int y = cp->answerer;
        int x = 1 - y;
        if (!now[y]) {
            /* The answerer stopped first (or with the holder): a backchannel, no turn. */
            cp->answer_pending = false;
        } else if (!now[x]) {
            /* The holder stopped under the answer: the answer overlapped (latency < 0). */
            cp->answer_pending = false;
            record_turn(cp, &e, y, x, f, cp->answer_start);
        }
    }

    /* 4. Speech that starts here: an answer when the other party holds the floor. */
    if (cp->holder == NO_PARTY) {
        if (now[0] != now[1]) {
            cp->holder = now[0] ? 0 : 1;
        }
    } else if (!cp->answer_pending) {
        int x = cp->holder;
        int y = 1 - x;
        if (now[y] && !before[y]) {
            if (before[x] && now[x]) {
                cp->answer_pending = true;
                cp->answerer = y;
                cp->answer_start = f;
            } else {
                record_turn(cp, &e, y, x, cp->party[x].last_end, f);
            }
        }
    }

    /* 5. Overlap starts / qualifies as overtalk. */
    if (both) {
        cp->overlap_frames++;
        if (cp->overlap_start < 0) {
            cp->overlap_start = f;
            /* Who cut in: the one whose stretch of talk started later (a breath of the one
             * talking does not hand over the floor). */
            int64_t agent_start = cp->party[RPL_PARTY_AGENT].talk_start;
            int64_t customer_start = cp->party[RPL_PARTY_CUSTOMER].talk_start;
            if (agent_start < customer_start) {
                cp->overlap_by = RPL_PARTY_CUSTOMER;
                cp->overlap_to = RPL_PARTY_AGENT;
            } else if (customer_start < agent_start) {
                cp->overlap_by = RPL_PARTY_AGENT;
                cp->overlap_to = RPL_PARTY_CUSTOMER;
            } else {
                cp->overlap_by = RPL_PARTY_BOTH;
                cp->overlap_to = RPL_PARTY_BOTH;
            }
        }
        if (!cp->overtalk_sent && f + 1 - cp->overlap_start >= cp->min_overlap_frames) {
            cp->overtalk_sent = true;
            emit(&e, RPL_CROSS_OVERTALK_START, cp->overlap_start, f + 1, cp->overlap_by,
                 cp->overlap_to);
        }
    }

    /* 6. Silence after the first speech: possible dead air; or hold. */
    if (!any && line_sound && cp->heard_speech) {
        cp->hold_frames++;
    }
    if (!any && !line_sound && cp->heard_speech) {
        if (cp->silence_start < 0) {
            cp->silence_start = f;
            cp->silence_after_tone = cp->line_sound_end == f;
        }
        if (!cp->dead_air_sent && f + 1 - cp->silence_start >= dead_air_frames_needed(cp)) {
            cp->dead_air_sent = true;
            emit(&e, RPL_CROSS_DEAD_AIR_START, cp->silence_start, f + 1, RPL_PARTY_BOTH,
                 RPL_PARTY_BOTH);
        }
    }

    /* 7. Talk time. */
    for (int x = 0; x < 2; x++) {
        if (now[x]) {
            cp->party[x].speech_frames++;
        }
        cp->party[x].speaking = now[x];
    }
    if (any) {
        if (!cp->heard_speech) {
            cp->heard_speech = true;
            cp->first_speech = f;
        }
        cp->last_speech_end = f + 1;
    }
    if (line_sound) {
        cp->line_sound_end = f + 1;
    }
    cp->frame = f + 1;
    return e.count;
}

size_t rpl_cross_party_flush(rpl_cross_party *cp, rpl_cross_party_sink sink, void *user)
{
    if (cp == NULL) {
        return 0;
    }
    emitter e = {.cp = cp, .sink = sink, .user = user, .count = 0};
    if (cp->overlap_start >= 0) {
        close_overlap(cp, &e, cp->overlap_gap >= 0 ? cp->overlap_gap : cp->frame);
    }
    if (cp->silence_start >= 0) {
        if (cp->dead_air_sent) {
            emit(&e, RPL_CROSS_DEAD_AIR_DROPPED, cp->silence_start, cp->frame, RPL_PARTY_BOTH,
                 RPL_PARTY_BOTH);
        }
        /* Trailing silence: neither dead air nor non-talk time. */
        cp->silence_start = -1;
        cp->dead_air_sent = false;
    }
    cp->answer_pending = false;
    return e.count;
}

static rpl_cross_party_party_stats party_stats(const rpl_cross_party *cp, int x, double total_s)
{
    const party_state *p = &cp->party[x];
    rpl_cross_party_party_stats s;
    s.speech_s = (double)p->speech_frames * cp->frame_s;
    s.talk_share = total_s > 0.0 ? s.speech_s / total_s : 0.0;
    s.interruptions = p->interruptions;
    s.turns = p->turns;
    if (p->turns > 0) {
        s.latency_mean_s = (double)p->latency_sum * cp->frame_s / (double)p->turns;
        s.latency_max_s = (double)p->latency_max * cp->frame_s;
    } else {
        s.latency_mean_s = NAN;
        s.latency_max_s = NAN;
    }
    return s;
}

rpl_cross_party_stats rpl_cross_party_get_stats(const rpl_cross_party *cp)
{
    rpl_cross_party_stats s = {0};
    if (cp == NULL) {
        return s;
    }
    const double fs = cp->frame_s;
    s.duration_s = (double)cp->frame * fs;
    s.talk_span_s = cp->heard_speech ? (double)(cp->last_speech_end - cp->first_speech) * fs : 0.0;
    s.silence_s = (double)cp->silence_frames * fs;
    s.hold_s = (double)cp->hold_frames * fs;
    s.dead_air_count = cp->dead_air_count;
    s.dead_air_total_s = (double)cp->dead_air_frames * fs;
    s.dead_air_max_s = (double)cp->dead_air_max * fs;
    s.overtalk_count = cp->overtalk_count;
    s.overtalk_total_s = (double)cp->overtalk_frames * fs;
    s.overlap_total_s = (double)cp->overlap_frames * fs;
    double total_s = (double)(cp->party[0].speech_frames + cp->party[1].speech_frames) * fs;
    s.agent = party_stats(cp, 0, total_s);
    s.customer = party_stats(cp, 1, total_s);
    return s;
}
