/* ticker.h: the agent's sampler thread.
 *
 * A native thread that wakes on the wall clock (randomized around the CPU
 * interval) and does the agent's periodic work: finds new and dead threads
 * (and starts or stops their CPU timers), measures each thread's off-CPU
 * time from /proc/self/task/TID/schedstat (wall time less running and
 * runnable time), charges it with the GIL held to the line the thread is
 * blocked on, records the memory timeline, and writes a snapshot of the
 * fragment now and then so that a killed process still leaves a profile.
 * Off-CPU bookkeeping is the ticker's own: an array indexed by the CPU
 * sampler's thread slots (cpu.h). */
#ifndef FP_TICKER_H
#define FP_TICKER_H

#include <Python.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "cpu.h"
#include "ownfd.h"
#include "steal.h"

struct fp_agent;

/* The sampler thread's view of one thread slot. Written by the sampler
 * thread only, and by fp_ticker_add_thread (on the program's thread at
 * start, before the sampler thread runs). */
typedef struct fp_offcpu {
    uint64_t last_wall_ns;     /* when schedstat was last read */
    fp_schedstat_t last_sched; /* what it said */
    fp_gap_t gap;              /* off-CPU time not yet charged to a line */
    fp_line_t *blocked_line;   /* the line it was read to be on, with the GIL, ... */
    fp_stack_t *blocked_stack; /* (and its stack, stacks.h) */
    uint64_t blocked_run_ns;   /* ... when its CPU time was this: unmoved since, it is still there */
    bool seen;                 /* still listed in the last scan */
} fp_offcpu_t;

/* The agent's one stop path (agent.h), for a deadly signal: returns false
 * when the agent is already stopping (the stopper re-raises the signal),
 * else never returns. */
typedef bool (*fp_ticker_finish_fn)(int sig);

/* The sampler thread's state (fp_agent_t.ticker). Only that thread
 * touches it, except where a field says otherwise. */
typedef struct fp_ticker {
    /* links, set by fp_ticker_init */
    struct fp_agent *agent;    /* what the ticks work on */
    fp_ticker_finish_fn finish;
    /* the program's thread (start, stop, fork, exec) and handlers */
    pthread_t thread;
    bool running;              /* written by start/stop/forget */
    _Atomic bool stop;         /* set by the stopper */
    _Atomic int fatal;         /* a deadly signal to finish with: set by its handler */
    _Atomic bool paused;       /* start no timers: an exec is under way */
    int tid;                   /* the sampler thread's, which is not sampled itself */
    _Atomic uint64_t cpu_ns;   /* CPU the sampler thread used, when it ended */
    /* the sampler thread's own */
    fp_ownfd_t wake_r, wake_w; /* a pipe: wakes the thread to stop */
    fp_ownfd_t stat;           /* /proc/self/stat */
    fp_ownfd_t procstat;       /* /proc/stat, for steal time */
    fp_steal_t steal;
    bool lost_fds;             /* a read failed: check them all next tick */
    long last_nthreads;
    unsigned ticks;
    uint64_t next_snapshot_ns;
    PyThreadState *tstate;     /* made the first time the thread needs the GIL */
    PyGILState_STATE gil_state;
    uint64_t rng;
    fp_offcpu_t offcpu[FP_MAX_THREADS];
} fp_ticker_t;

/* Links TICKER to the agent and empties it (also for a new start). */
void fp_ticker_init(fp_ticker_t *ticker, struct fp_agent *agent, fp_ticker_finish_fn finish);
/* Starts the thread. Called with the GIL held. Returns 0 or -1. */
int fp_ticker_start(fp_ticker_t *ticker);
/* Stops it and waits for it; releases the GIL while waiting. */
void fp_ticker_stop(fp_ticker_t *ticker);
/* Asks the sampler thread to write the final fragment and then end the
 * process with signal SIG, as its default action would have. Returns
 * false when there is no sampler thread to do it. Async-signal-safe. */
bool fp_ticker_request_fatal(fp_ticker_t *ticker, int sig);
/* While paused, the sampler thread starts no CPU timer (before exec). */
void fp_ticker_pause_threads(fp_ticker_t *ticker, bool pause);
/* In a forked child: the thread is gone; forget it and the parent's threads. */
void fp_ticker_forget(fp_ticker_t *ticker);
/* Starts sampling thread TID (fp_cpu_add_thread) with its off-CPU time
 * counted from now. Returns its slot or -1. The sampler thread, or the
 * program's thread before the sampler thread runs. */
int fp_ticker_add_thread(fp_ticker_t *ticker, int tid, bool new_thread);
/* Stops sampling every thread: each one's last wait goes to the line it
 * was last seen on, its CPU time since its last sample where that sample
 * went. After this no sample signal is sent. The sampler thread, or
 * another once it has stopped. */
void fp_ticker_drop_threads(fp_ticker_t *ticker);

#endif
