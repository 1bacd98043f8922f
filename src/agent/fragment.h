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

#include <stdatomic.h>

struct fp_agent;

/* The writer's state (fp_agent_t.fragment): any thread that writes. */
typedef struct fp_fragment {
    _Atomic bool final_written; /* the process's last word is out: no more writes */
    _Atomic int writing;        /* one writer at a time (a spin lock: a forked child resets it) */
} fp_fragment_t;

/* Writes A's fragment; FINAL marks the process's last word. Reads only
 * the agent's own tables, so it needs no GIL; writers wait for each
 * other. Returns 0 or -1. */
int fp_fragment_write(struct fp_agent *a, bool final);
/* Writes a complete fragment before exec, leaving later writes possible
 * should the exec fail. */
int fp_fragment_write_before_exec(struct fp_agent *a);
/* After fork, or for a new start: nothing written yet. */
void fp_fragment_reset(fp_fragment_t *f);
/* In a forked child: a write the parent's sampler thread was doing is not
 * the child's. */
void fp_fragment_after_fork(fp_fragment_t *f);

#endif
