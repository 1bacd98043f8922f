/* figures.h: the per-line and per-function figures of a profile.
 *
 * One list of the figures PROFILE_FORMAT.md defines for lines and
 * functions, with their JSON names, whether they are bytes or seconds, and
 * where each is in a fragment's line (../common/fragment_format.h). */
#ifndef FP_FIGURES_H
#define FP_FIGURES_H

#include <jansson.h>
#include <stdbool.h>

typedef enum fp_fig {
    FP_FIG_CPU_PYTHON,
    FP_FIG_CPU_NATIVE,
    FP_FIG_SYSTEM,
    FP_FIG_GPU,
    FP_FIG_ALLOC,
    FP_FIG_ALLOC_PYTHON,
    FP_FIG_FREE,
    FP_FIG_PEAK,
    FP_FIG_COPY,
    FP_FIG_GPU_ALLOC, /* from the fragment's gpu section (merge.c), not its line arrays */
    FP_FIG_GPU_PEAK,
    FP_FIG_COUNT
} fp_fig_t;

extern const char *const fp_fig_names[FP_FIG_COUNT];
extern const bool fp_fig_is_bytes[FP_FIG_COUNT];

#include "../common/fragment_format.h"

/* Fragment line arrays are [line, then these figures in this order]. */
enum { FP_FIG_FRAGMENT_COUNT = FP_FRAG_FIGURES };
extern const fp_fig_t fp_fig_fragment_order[FP_FIG_FRAGMENT_COUNT];

/* Sets every figure of F on the object O (bytes as integers). */
void fp_fig_to_json(json_t *o, const double f[FP_FIG_COUNT]);
/* Reads every figure from the object O (missing ones are 0). */
void fp_fig_from_json(json_t *o, double f[FP_FIG_COUNT]);

#endif
