/* memory.h: the agent's memory profile (allocations, peak, timeline).
 *
 * Inactive under --cpu-only; then the fragment says "memory": null. */
#ifndef FP_MEMORY_H
#define FP_MEMORY_H

#include "../common/jsonw.h"

/* Writes the "memory" member of a fragment. */
void fp_memory_write(fp_jsonw_t *w);

#endif
