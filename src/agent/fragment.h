/* fragment.h: the per-process profile the agent leaves in the run dir.
 *
 * Each profiled process writes RUN_DIR/PID-START.json (START tells apart
 * the images of one pid across exec): its own figures per line,
 * its functions, process facts and memory figures. The launcher merges all
 * fragments into the profile. Writes go to a temporary name and are
 * renamed, so a reader never sees half a fragment; a snapshot never
 * replaces the final fragment. */
#ifndef FP_FRAGMENT_H
#define FP_FRAGMENT_H

#include <stdbool.h>

/* Writes the fragment; FINAL marks the process's last word. Reads only
 * the agent's own tables, so it needs no GIL; writers wait for each
 * other. Returns 0 or -1. */
int fp_fragment_write(bool final);
/* Writes a complete fragment before exec, leaving later writes possible
 * should the exec fail. */
int fp_fragment_write_before_exec(void);
/* Whether the final fragment is written. Async-signal-safe. */
bool fp_fragment_final_written(void);
/* After fork: the child has written nothing yet. */
void fp_fragment_reset(void);
/* In a forked child: a write the parent's sampler thread was doing is not
 * the child's. */
void fp_fragment_after_fork(void);

#endif
