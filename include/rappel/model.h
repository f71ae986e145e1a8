/* rappel — the scoring models: frustration, hesitation and fatigue from a window's cues.
 *
 * Each score is a logistic model over named cues (include/rappel/cues.h):
 *     z_i = clamp((cue_i - mean_i) / scale_i, -4, 4)   (0 when the cue is unknown)
 *     score = 1 / (1 + exp(-(intercept + sum_i weight_i * z_i)))
 * so each cue's part in a score is weight_i * z_i, which is what the evidence of an alert
 * shows. Frustration and fatigue are fitted on telephone-band RAVDESS (models/train/);
 * hesitation's weights are set by hand from the literature (models/README.md says why).
 * The default parameters are compiled in (models/model_default.c, generated); a parameter
 * file in the same terms can replace them (src/model_file.c, `--model FILE`).
 */
#ifndef RAPPEL_MODEL_H
#define RAPPEL_MODEL_H

#include <stddef.h>

#include "rappel/cues.h"

#define RPL_MODEL_MAX_TERMS 24
#define RPL_MODEL_VERSION_MAX 64
/* The largest min_window_speech_s a model may ask for (seconds of speech in a window). */
#define RPL_MODEL_MAX_WINDOW_SPEECH_S 60.0

typedef struct rpl_model_term {
    rpl_cue_id cue;
    double mean, scale; /* standardisation; scale > 0 */
    double weight;
} rpl_model_term;

typedef struct rpl_score_model {
    double intercept;
    size_t term_count;
    rpl_model_term terms[RPL_MODEL_MAX_TERMS];
    /* Windows with less speech than this are not scored (NAN): nothing to judge. */
    double min_window_speech_s;
} rpl_score_model;

typedef enum rpl_score_kind {
    RPL_SCORE_FRUSTRATION = 0,
    RPL_SCORE_HESITATION = 1,
    RPL_SCORE_FATIGUE = 2,
    RPL_SCORE_COUNT = 3
} rpl_score_kind;

typedef struct rpl_model {
    char version[RPL_MODEL_VERSION_MAX]; /* stored with every alert */
    rpl_score_model score[RPL_SCORE_COUNT];
} rpl_model;

/* One cue's part in a score. */
typedef struct rpl_cue_part {
    rpl_cue_id cue;
    double value;        /* the cue's value in the window */
    double z;            /* standardised value: spreads from the training mean, clamped */
    double contribution; /* weight * z: positive pushes the score up */
} rpl_cue_part;

/* The compiled-in model (static storage). Real-time safe. */
const rpl_model *rpl_model_default(void);

/* "frustration", "hesitation", "fatigue"; "?" out of range. Real-time safe. */
const char *rpl_score_kind_name(rpl_score_kind kind);

/* Check a model: every score has 1 to RPL_MODEL_MAX_TERMS terms (a score without any is a
 * constant), cues known, scales > 0, min_window_speech_s within 0..RPL_MODEL_MAX_WINDOW_SPEECH_S,
 * everything finite, version set. Returns RPL_OK or RPL_ERR_INVALID_ARG. Real-time safe. */
rpl_status rpl_model_validate(const rpl_model *model);

/* Score one window, 0..1, or NAN when the window has too little speech. When parts is not
 * NULL, the up-to max_parts cues that pushed the score up most, strongest first, are written
 * there and their number to *part_count. Real-time safe. */
double rpl_score_eval(const rpl_score_model *m, const rpl_cues *cues, rpl_cue_part *parts,
                      size_t max_parts, size_t *part_count);

#endif
