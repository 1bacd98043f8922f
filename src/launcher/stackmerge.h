/* stackmerge.h: the profile's call stacks, from the fragments' stack tables.
 *
 * Each process's fragment lists its distinct stacks (frames as [path,
 * line], outermost first) with their figures. The merge numbers every
 * distinct frame of the run once, names the function that holds it, and
 * sums the figures of equal stacks across processes, as lines are summed.
 * What each process could not fit in its table is summed into `dropped`.
 * With more than one process, each stack also lists each process's share
 * of its figures (`by_process`), so that exports can show one process. */
#ifndef FP_STACKMERGE_H
#define FP_STACKMERGE_H

#include <jansson.h>

/* Names the function of PATH holding LINE (never NULL). */
typedef const char *(*fp_function_at_fn)(void *ctx, const char *path, int line);

/* The profile's "stacks" object for FRAGMENTS (a JSON array), or NULL
 * when no fragment has stacks. A new reference. MAIN is the main
 * process's fragment (one of FRAGMENTS) or NULL: the processes a stack's
 * shares name are numbered as the profile's `processes` are, the main
 * process first, then the others in the order of FRAGMENTS. */
json_t *fp_stackmerge_run(json_t *fragments, json_t *main, fp_function_at_fn function_at, void *ctx);

#endif
