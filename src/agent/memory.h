/* memory.h: the agent's memory profile.
 *
 * Attaches the agent to the allocation interposer (when it is preloaded):
 * installs the counting wrappers on Python's three allocator domains and
 * receives the interposer's samples, which it charges to lines
 * (allocated, Python's part, freed, copied, still live). When the
 * interposer's estimate of live memory reaches a new high, it records
 * what every line holds: what held memory at the peak. The sampler thread
 * adds the footprint timeline (resident memory over time). Inactive under
 * --cpu-only; the fragment then says "memory": null. */
#ifndef FP_MEMORY_H
#define FP_MEMORY_H

#include <stdbool.h>

#include "../common/jsonw.h"

/* Starts memory profiling. Called with the GIL, before the program runs.
 * Returns 0, or -1 when the interposer is not loaded (memory stays off). */
int fp_memory_start(void);
/* Stops counting; figures stay readable. */
void fp_memory_stop(void);
/* Whether memory is being profiled. */
bool fp_memory_active(void);
/* A timeline point: the sampler thread calls this every tick. */
void fp_memory_tick(void);
/* After the program closed descriptors: forgets the ones no longer ours,
 * then (once every module has forgotten its own) opens them again.
 * Sampler thread. */
void fp_memory_forget_lost_fds(void);
void fp_memory_reopen_fds(void);
/* Forgets the figures and the timeline (a forked child starts afresh). */
void fp_memory_reset(void);
/* Writes line L's memory over time (an array), when it has one. */
struct fp_line;
void fp_memory_write_history(fp_jsonw_t *w, const struct fp_line *l);
/* Writes the "memory" member of a fragment. */
void fp_memory_write(fp_jsonw_t *w);

#endif
