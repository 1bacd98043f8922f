/* agent.h: the agent's process-wide state.
 *
 * One instance, `fp_agent`, written by agent.c at start and at fork, read
 * by the samplers. Fields marked (atomic) are updated from signal handlers
 * or several threads; the rest are set before sampling starts. */
#ifndef FP_AGENT_H
#define FP_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "arena.h"
#include "sites.h"

typedef struct fp_config {
    char run_dir[4096];        /* where fragments go */
    double interval_s;         /* mean CPU sampling interval */
    bool memory;               /* profile memory too */
    bool follow_children;
    bool leaks;                /* look for likely leaks */
    uint64_t alloc_mean_bytes; /* mean of the Poisson sampler on bytes */
    pid_t launcher_pid;
} fp_config_t;

/* Figures that no profiled line took (code outside profiled files). */
typedef struct fp_unattributed {
    _Atomic uint64_t cpu_python_ns;
    _Atomic uint64_t cpu_native_ns;
    _Atomic uint64_t system_ns;
} fp_unattributed_t;

enum { FP_MAX_ARGV = 256 };

/* What the fragment says about its process; strings are in the sites
 * string store. */
typedef struct fp_procinfo {
    uint32_t executable, version;
    int argc;
    uint32_t argv[FP_MAX_ARGV];
} fp_procinfo_t;

/* The agent's last word is written once, by whoever stops it first: the
 * program's exit (stop()) or a deadly signal (the sampler thread). */
enum { FP_RUNNING = 0, FP_STOPPING = 1, FP_STOPPED = 2 };

typedef struct fp_agent {
    fp_config_t config;
    fp_arena_t arena;
    fp_sites_t sites;
    fp_unattributed_t other;      /* (atomic) */
    fp_procinfo_t proc;
    _Atomic bool sampling;        /* (atomic) handlers and hooks record only while set */
    bool started;
    bool forked;                  /* in a forked child whose profile is not yet restarted */
    _Atomic int stopping;         /* (atomic) FP_RUNNING, FP_STOPPING, FP_STOPPED */
    _Atomic int deadly_pending;   /* (atomic) a deadly signal for stop() to re-raise when done */
    pid_t pid;                    /* the process these figures belong to */
    pid_t parent_pid;
    uint64_t start_wall_ns;       /* CLOCK_REALTIME at start */
    uint64_t start_mono_ns;       /* CLOCK_MONOTONIC at start */
    uint64_t end_mono_ns;         /* 0 while running */
    uint64_t cpu_at_start_ns;     /* process CPU time when the agent started */
    int ticker_tid;               /* the sampler thread, not sampled itself */
    _Atomic uint64_t ticker_cpu_ns; /* (atomic) CPU the sampler thread used */
} fp_agent_t;

extern fp_agent_t fp_agent;

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
