/* Pauses inside a turn, from the smoothed voice-activity flags. */
#include "rappel/pauses.h"

#include <stdlib.h>

struct rpl_pauses {
    rpl_pauses_config cfg;
    int64_t frame;     /* frames seen */
    int64_t gap_start; /* first frame of the current non-speech run, or -1 */
    bool heard_speech; /* the turn has started */
    rpl_pause_stats stats;
};

rpl_pauses_config rpl_pauses_config_default(void)
{
    rpl_pauses_config cfg = {.frame_ms = 10.0f, .min_pause_ms = 200.0f, .max_pause_ms = 3000.0f};
    return cfg;
}

rpl_status rpl_pauses_create(const rpl_pauses_config *cfg, rpl_pauses **out)
{
    if (out == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || !(cfg->frame_ms > 0.0f) || !(cfg->min_pause_ms > 0.0f) ||
        !(cfg->max_pause_ms >= cfg->min_pause_ms)) {
        return RPL_ERR_INVALID_ARG;
    }
    rpl_pauses *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return RPL_ERR_NO_MEMORY;
    }
    p->cfg = *cfg;
    rpl_pauses_reset(p);
    *out = p;
    return RPL_OK;
}

void rpl_pauses_destroy(rpl_pauses *pauses)
{
    free(pauses);
}

bool rpl_pauses_process(rpl_pauses *p, bool speech, rpl_pause *out)
{
    const double frame_s = (double)p->cfg.frame_ms / 1000.0;
    bool ended_pause = false;
    if (speech) {
        p->stats.speech_s += frame_s;
        if (p->gap_start >= 0 && p->heard_speech) {
            double length_s = (double)(p->frame - p->gap_start) * frame_s;
            if (length_s * 1000.0 >= (double)p->cfg.min_pause_ms - 1e-6 &&
                length_s * 1000.0 <= (double)p->cfg.max_pause_ms + 1e-6) {
                out->start_s = (double)p->gap_start * frame_s;
                out->length_s = length_s;
                p->stats.count++;
                p->stats.total_s += length_s;
                p->stats.max_s = length_s > p->stats.max_s ? length_s : p->stats.max_s;
                ended_pause = true;
            }
        }
        p->gap_start = -1;
        p->heard_speech = true;
    } else if (p->gap_start < 0) {
        p->gap_start = p->frame;
    }
    p->frame++;
    return ended_pause;
}

rpl_pause_stats rpl_pauses_stats(const rpl_pauses *p)
{
    rpl_pause_stats st = p->stats;
    st.mean_s = st.count > 0 ? st.total_s / (double)st.count : 0.0;
    st.rate_per_min = st.speech_s > 0.0 ? (double)st.count * 60.0 / st.speech_s : 0.0;
    return st;
}

void rpl_pauses_reset(rpl_pauses *p)
{
    p->frame = 0;
    p->gap_start = -1;
    p->heard_speech = false;
    p->stats = (rpl_pause_stats){0};
}
