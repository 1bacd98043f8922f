/* agent.h: the agent's state, all of it, in one struct.
 *
 * One instance, `fp_agent` (agent.c): the CPU signal handler and the
 * allocation hooks, which get no argument, find it there; everything else
 * is handed the part it works on (Lua's rule: state passed first). Each
 * part is its module's struct, declared in its header with who writes
 * each field and when:
 *
 *   fp_agent_t
 *    |- config, proc, lifecycle fields      agent.c (start, fork, stop)
 *    |- arena, sites, unattributed          tables the samples land in
 *    |- cpu        cpu.h     per-thread timers, the sample handler
 *    |- ticker     ticker.h  the sampler thread, off-CPU time per slot
 *    |- memory     memory.h  the interposer's samples, the timeline
 *    |- gpu        gpu.h     NVML: GPU time and memory per line
 *    |- objmap     objmap.h  address -> kind of code
 *    |- frames     frames.h  frame walking (links to sites, filter, stacks)
 *    |- stacks     stacks.h  each distinct call stack once, with its figures
 *    |- native     native.h  native frames below a stack's lines (--native-stacks)
 *    |- filter     filter.h  which files are profiled
 *    |- spans      spans.h   function line ranges
 *    |- fragment   fragment.h the writer's lock and last word
 *    |- guard      guard.h   the interposer's reentrancy guard
 *    |- interposer interposer.h the interposer's library (kept by a new start)
 *    |- imports    imports.h the interposer's totals, for the import timer
 *    |- arenaguard arenaguard.h (its held blocks are thread-local)
 *    `- spares     ownfd.h   spare descriptors for the exit work
 *
 * Fields marked (atomic) are updated from signal handlers or several
 * threads; the rest are set before sampling starts. fp_agent_reset
 * empties it all for a new start, except what is installed once per
 * process (the sample signal's handler, the allocator wrappers, the
 * unwinder's watch). */
#ifndef FP_AGENT_H
#define FP_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "arena.h"
#include "arenaguard.h"
#include "cpu.h"
#include "filter.h"
#include "fragment.h"
#include "frames.h"
#include "gpu.h"
#include "guard.h"
#include "imports.h"
#include "interposer.h"
#include "memory.h"
#include "native.h"
#include "objmap.h"
#include "ownfd.h"
#include "sites.h"
#include "spans.h"
#include "stacks.h"
#include "ticker.h"

/* Read from FOOTPRINT_* at start; read-only after. */
typedef struct fp_config {
    char run_dir[4096];        /* where fragments go */
    double interval_s;         /* mean CPU sampling interval */
    bool memory;               /* profile memory too (cleared at start without the interposer) */
    bool follow_children;
    bool leaks;                /* look for likely leaks */
    bool stacks;               /* record call stacks (stacks.h) */
    bool native_stacks;        /* with native frames below their lines (native.h) */
    uint64_t alloc_mean_bytes; /* mean of the Poisson sampler on bytes */
    pid_t launcher_pid;
} fp_config_t;

enum { FP_MAX_ARGV = 256 };

/* What the fragment says about its process; strings are in the sites
 * string store. Written at start (and in a forked child). */
typedef struct fp_procinfo {
    uint32_t executable, version;
    int argc;
    uint32_t argv[FP_MAX_ARGV];
} fp_procinfo_t;

/* The agent's last word is written once, by whoever stops it first: the
 * program's exit (stop()) or a deadly signal (the sampler thread), both
 * through fp_agent_finish. */
enum { FP_RUNNING = 0, FP_STOPPING = 1, FP_STOPPED = 2 };

typedef struct fp_agent {
    fp_config_t config;
    fp_arena_t arena;
    fp_sites_t sites;
    fp_unattributed_t unattributed; /* (atomic) time no profiled line took */
    fp_procinfo_t proc;
    _Atomic bool sampling;        /* (atomic) handlers and hooks record only while set */
    bool started;                 /* start() succeeded, and stop() has not run */
    bool forked;                  /* in a forked child whose profile is not yet restarted */
    bool atfork;                  /* the fork handler is registered (once per process) */
    _Atomic int stopping;         /* (atomic) FP_RUNNING, FP_STOPPING, FP_STOPPED */
    _Atomic int deadly_pending;   /* (atomic) a deadly signal for stop() to re-raise when done */
    pid_t pid;                    /* the process these figures belong to */
    pid_t parent_pid;
    uint64_t start_wall_ns;       /* CLOCK_REALTIME at start */
    uint64_t start_mono_ns;       /* CLOCK_MONOTONIC at start */
    uint64_t end_mono_ns;         /* 0 while running */
    uint64_t cpu_at_start_ns;     /* process CPU time when the agent started */
    uint64_t tables_since_ns;     /* CLOCK_MONOTONIC when the tables were emptied (start; a
                                     forked child keeps its parent's): older samples of the
                                     interposer point into tables gone since */
    fp_cpu_t cpu;
    fp_ticker_t ticker;
    fp_memory_t memory;
    fp_gpu_t gpu;
    fp_objmap_t objmap;
    fp_frames_t frames;
    fp_stacks_t stacks;
    fp_native_t native;
    fp_filter_t filter;
    fp_spans_t spans;
    fp_fragment_t fragment;
    fp_guard_t guard;
    fp_interposer_t interposer;
    fp_imports_t imports;
    fp_arenaguard_t arenaguard;
    fp_ownfd_spares_t spares;
} fp_agent_t;

extern fp_agent_t fp_agent;

/* Why the agent stops: the program exits (stop(), with the GIL), or a
 * deadly signal SIG arrived (on the sampler thread, without the GIL). */
enum { FP_FINISH_EXIT = 0 };

/* The one stop path: stops sampling, writes the final fragment and marks
 * the agent stopped, once, whoever calls first. REASON is FP_FINISH_EXIT
 * or a deadly signal's number. Returns false when another stop is under
 * way (a signal's is then left for that stop to re-raise; an exit waits
 * for it). For a signal it does not return when it wins: the process
 * ends as the signal would have ended it. */
bool fp_agent_finish(int reason);

static inline uint64_t fp_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* Nanoseconds on CLOCK. Async-signal-safe. */
uint64_t fp_clock_ns(int clock);
/* Waits (up to 5 s) until the last word is written. Not with the GIL. */
void fp_agent_wait_stopped(void);
/* CPU time (user + system) of the whole process so far. */
uint64_t fp_process_cpu_ns(void);

#endif
