/* stackview.h: `footprint view --stacks`: the heaviest call paths as a tree.
 *
 * Reads the profile's "stacks" (never the agent) and prints, for time and
 * (when memory was profiled) for memory at the peak, a tree of frames
 * indented by caller: each frame's figure includes everything it called.
 * Frames under 1% of the total, and past the line budget, are left out. */
#ifndef FP_STACKVIEW_H
#define FP_STACKVIEW_H

#include <jansson.h>
#include <stdio.h>

/* Prints the trees of PROFILE to OUT. Returns 0, or -1 (with one line on
 * stderr) when the profile has no stacks (written before footprint
 * recorded them, or with --no-stacks). */
int fp_stackview_print(FILE *out, json_t *profile);

#endif
