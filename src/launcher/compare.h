/* compare.h: `footprint compare`, profiles side by side.
 *
 *   footprint compare a.json b.json [more.json ...] [--html out.html]
 *
 * For profiles of different programs that do the same job, or of one
 * program before and after a change: totals (wall, CPU, peak, allocated,
 * imports, GPU when present), functions matched by qualified name,
 * lines matched where the file is the same, and imports by module, each
 * with its change and ratio from the first profile to the last, biggest
 * change first, and what only one profile has. */
#ifndef FP_COMPARE_H
#define FP_COMPARE_H

#include <jansson.h>

/* `footprint compare ARGS` (argv[0] is "compare"). Returns 0, or 2 after
 * one line on stderr for bad usage or a profile that cannot be read, 1
 * when the page could not be written. */
int fp_compare_main(int argc, char **argv);

/* The comparison of the N profiles P (borrowed) labelled LABELS, as the
 * page's data (format "footprint-compare"; a new reference). */
json_t *fp_compare_build(json_t *const *p, const char *const *labels, int n);

#endif
