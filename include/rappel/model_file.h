/* rappel — reading a scoring model from a parameter file (`--model FILE`).
 *
 * The INI format models/train/ writes (models/rappel-model.ini is the compiled-in model):
 *     [model]        version = NAME
 *     [frustration]  intercept = X, min_window_speech_s = S, term = CUE MEAN SCALE WEIGHT ...
 *     [hesitation]   (same keys)
 *     [fatigue]      (same keys)
 * Strict: every key but term is required, each section and key given once, and every section
 * needs at least one term. An unknown section, key or cue, a bad or out-of-range number, a
 * section or key given twice or left out is an error that names the line where it applies
 * ("[fatigue] is missing: ..." has none). A model that parses passes rpl_model_validate().
 */
#ifndef RAPPEL_MODEL_FILE_H
#define RAPPEL_MODEL_FILE_H

#include <stddef.h>

#include "rappel/model.h"
#include "rappel/status.h"

/* Load path into *out. On failure writes "line N: reason" (or just the reason) to why and
 * returns RPL_ERR_IO (cannot open or read) or RPL_ERR_FORMAT (bad content). Not RT-safe. */
rpl_status rpl_model_load(const char *path, rpl_model *out, char *why, size_t why_size);

/* The same from text in memory (for tests). */
rpl_status rpl_model_parse(const char *text, rpl_model *out, char *why, size_t why_size);

#endif
