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

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../common/alloc_api.h"
#include "../common/jsonw.h"
#include "ownfd.h"

enum {
    FP_MEMORY_HISTORY_BUCKETS = 32, /* a line's memory over the run, in this many steps */
    FP_MEMORY_TIMELINE_CAP = 2048,  /* timeline points kept (halved when full) */
};

struct fp_agent;
struct fp_line;

/* A point of the footprint timeline. */
typedef struct fp_memory_point {
    uint64_t t_ns; /* since the agent started */
    uint64_t bytes;
} fp_memory_point_t;

/* Figures that no line took (allocations outside profiled code). */
typedef struct fp_memory_unattributed {
    _Atomic uint64_t alloc, free, copy;
} fp_memory_unattributed_t;

/* The memory profile (fp_agent_t.memory). The timeline and histories
 * belong to the sampler thread (and the final write, after it stopped);
 * `unattributed`, `peak_*` are written by the interposer's hooks on any
 * thread, with atomics; the rest is set at start. */
typedef struct fp_memory {
    struct fp_agent *agent;          /* link: tables, clock, configuration */
    bool wrapped;                    /* Python's allocators wrapped: once per process */
    bool active;
    fp_alloc_detach_fn detach;
    fp_alloc_stats_fn stats;
    fp_memory_unattributed_t unattributed;
    _Atomic uint64_t peak_at_ns;     /* when the last peak snapshot was taken */
    _Atomic int64_t peak_live;
    struct fp_memory_point *timeline; /* in the arena */
    int npoints;
    fp_ownfd_t statm;
    long page;
    uint64_t profiler_bytes;         /* largest seen */
    uint64_t final_hwm;              /* VmHWM when counting stopped, before exit work */
    int64_t (*histories)[FP_MEMORY_HISTORY_BUCKETS]; /* per line: its largest live bytes in each bucket */
    uint32_t nhistories;
    uint64_t history_width_ns;       /* the time one bucket covers; doubles as the run goes on */
    /* The timeline as written, with the peak put in: scratch of the
     * fragment writer (writers are serialized, fragment.h), too big for
     * its stack; written whole before it is read. */
    fp_memory_point_t written[FP_MEMORY_TIMELINE_CAP + 1];
} fp_memory_t;

/* Links M to its agent and empties it, keeping what is done once per
 * process (the wrappers on Python's allocators). */
void fp_memory_init(fp_memory_t *m, struct fp_agent *agent);
/* Starts memory profiling. Called with the GIL, before the program runs.
 * Returns 0, or -1 when the interposer is not loaded (memory stays off). */
int fp_memory_start(fp_memory_t *m);
/* Stops counting; figures stay readable. */
void fp_memory_stop(fp_memory_t *m);
/* Whether memory is being profiled. */
bool fp_memory_active(const fp_memory_t *m);
/* A timeline point: the sampler thread calls this every tick. */
void fp_memory_tick(fp_memory_t *m);
/* After the program closed descriptors: forgets the ones no longer ours,
 * then (once every module has forgotten its own) opens them again.
 * Sampler thread. */
void fp_memory_forget_lost_fds(fp_memory_t *m);
void fp_memory_reopen_fds(fp_memory_t *m);
/* Forgets the figures and the timeline (a forked child starts afresh). */
void fp_memory_reset(fp_memory_t *m);
/* Writes line L's memory over time (an array), when it has one. */
void fp_memory_write_history(const fp_memory_t *m, fp_jsonw_t *w, const struct fp_line *l);
/* Writes the "memory" member of a fragment. */
void fp_memory_write(fp_memory_t *m, fp_jsonw_t *w);
/* The line of an allocation sample's opaque SITE (what the interposer
 * keeps: a stack, or a line without one), or NULL. */
struct fp_line *fp_memory_site_line(void *site);

#endif
