/* Scoring with the logistic cue models: see include/rappel/model.h. */
#include "rappel/model.h"

#include <math.h>
#include <string.h>

/* A cue further than this many spreads from the training mean is a measurement failure
 * more often than a stronger emotion: cap its influence. */
#define Z_LIMIT 4.0

const char *rpl_score_kind_name(rpl_score_kind kind)
{
    switch (kind) {
    case RPL_SCORE_FRUSTRATION:
        return "frustration";
    case RPL_SCORE_HESITATION:
        return "hesitation";
    case RPL_SCORE_FATIGUE:
        return "fatigue";
    case RPL_SCORE_COUNT:
        break;
    }
    return "?";
}

rpl_status rpl_model_validate(const rpl_model *model)
{
    if (model == NULL || model->version[0] == '\0' ||
        memchr(model->version, '\0', sizeof model->version) == NULL) {
        return RPL_ERR_INVALID_ARG;
    }
    for (size_t k = 0; k < RPL_SCORE_COUNT; k++) {
        const rpl_score_model *m = &model->score[k];
        if (m->term_count == 0 || m->term_count > RPL_MODEL_MAX_TERMS || !isfinite(m->intercept) ||
            !(m->min_window_speech_s >= 0.0 &&
              m->min_window_speech_s <= RPL_MODEL_MAX_WINDOW_SPEECH_S)) {
            return RPL_ERR_INVALID_ARG;
        }
        for (size_t i = 0; i < m->term_count; i++) {
            const rpl_model_term *t = &m->terms[i];
            if ((int)t->cue < 0 || t->cue >= RPL_CUE_COUNT || !isfinite(t->mean) ||
                !(t->scale > 0.0 && isfinite(t->scale)) || !isfinite(t->weight)) {
                return RPL_ERR_INVALID_ARG;
            }
        }
    }
    return RPL_OK;
}

static void keep_strongest(rpl_cue_part *parts, size_t max_parts, size_t *count, rpl_cue_part part)
{
    if (part.contribution <= 0.0) {
        return;
    }
    size_t n = *count;
    if (n == max_parts && parts[n - 1].contribution >= part.contribution) {
        return;
    }
    size_t at = n < max_parts ? n++ : n - 1;
    while (at > 0 && parts[at - 1].contribution < part.contribution) {
        parts[at] = parts[at - 1];
        at--;
    }
    parts[at] = part;
    *count = n;
}

double rpl_score_eval(const rpl_score_model *m, const rpl_cues *cues, rpl_cue_part *parts,
                      size_t max_parts, size_t *part_count)
{
    size_t count = 0;
    if (part_count != NULL) {
        *part_count = 0;
    }
    if (!(cues->value[RPL_CUE_SPEECH_S] >= m->min_window_speech_s)) {
        return NAN;
    }
    double logit = m->intercept;
    for (size_t i = 0; i < m->term_count; i++) {
        const rpl_model_term *t = &m->terms[i];
        double x = cues->value[t->cue];
        if (!isfinite(x)) {
            continue; /* unknown: the training mean, z = 0 */
        }
        double z = (x - t->mean) / t->scale;
        z = z > Z_LIMIT ? Z_LIMIT : z < -Z_LIMIT ? -Z_LIMIT : z;
        double c = t->weight * z;
        logit += c;
        if (parts != NULL && max_parts > 0) {
            keep_strongest(parts, max_parts, &count,
                           (rpl_cue_part){.cue = t->cue, .value = x, .z = z, .contribution = c});
        }
    }
    if (part_count != NULL) {
        *part_count = count;
    }
    return 1.0 / (1.0 + exp(-logit));
}
