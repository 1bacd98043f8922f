/* cpu.h: CPU-time sampling, per thread, on the thread's own CPU clock.
 *
 * Each thread of the process gets a one-shot POSIX timer on its CPU clock
 * (SIGEV_THREAD_ID), so the signal lands on the thread that used the time
 * and never on a blocked one. The handler charges the CPU time since the
 * thread's previous sample to the innermost profiled line, as Python,
 * native or kernel time by the interrupted instruction, then re-arms the
 * timer with a randomized interval. Time the thread spent runnable but
 * waiting for a CPU since its previous sample counts as more of the same:
 * the work was ready to run; so does the time a virtual machine's host
 * took while the thread ran (steal.h). The thread registry also carries the
 * sampler thread's bookkeeping for off-CPU time (ticker.c). */
#ifndef FP_CPU_H
#define FP_CPU_H

#include <Python.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ownfd.h"
#include "sites.h"
#include "steal.h"

enum { FP_MAX_THREADS = 1024 };

/* A thread's schedstat: time on a CPU, time waiting for one, and how many
 * times it was put on one (a thread that stays on its CPU keeps it). */
typedef struct fp_schedstat {
    uint64_t run_ns, wait_ns, runs;
} fp_schedstat_t;

typedef struct fp_thread {
    _Atomic int tid;                   /* 0: free slot */
    bool has_timer;
    timer_t timer;
    /* written by the thread's own signal handler */
    _Atomic uint64_t last_cpu_ns;      /* its CPU clock at its last sample (or the sampler's charge) */
    _Atomic uint64_t last_runq_ns;     /* schedstat's time waiting for a CPU, at the last sample */
    _Atomic uint64_t stolen_ns;        /* CPU time the host took (steal.h), added by the
                                          sampler thread, charged with the next sample */
    uint64_t rng;
    _Atomic(PyThreadState *) tstate;   /* the thread's state, as its handler saw it */
    _Atomic(fp_line_t *) last_line;    /* where the thread was last seen */
    _Atomic(fp_line_t *) last_charged; /* where its last sample went (a worker's: its caller's) */
    _Atomic int last_kind;             /* and as what; -1: never sampled */
    uint64_t held_ns[3];               /* a native worker's time before any line called it, by kind */
    /* written by the sampler thread only */
    fp_ownfd_t sched;                  /* /proc/self/task/TID/schedstat */
    uint64_t last_wall_ns;
    fp_schedstat_t last_sched;
    fp_gap_t gap;                      /* off-CPU time not yet charged to a line */
    fp_line_t *blocked_line;           /* the line it was read to be on, with the GIL, ... */
    uint64_t blocked_run_ns;           /* ... when its CPU time was this: unmoved since, it is still there */
    bool seen;                         /* still listed in the last scan */
    _Atomic bool unsampled;            /* it cannot be sampled (it blocks the signal): set by
                                          the sampler thread, cleared by the next sample */
} fp_thread_t;

extern fp_thread_t fp_threads[FP_MAX_THREADS];

/* Picks a free real-time signal and installs the handler. Returns 0 or -1. */
int fp_cpu_install(void);
/* Starts sampling thread TID (a timer on its CPU clock). Returns its slot
 * or -1. Called by the sampler thread, and once at start for the main
 * thread. NEW_THREAD: it started after the profile did, so the CPU time it
 * used before the sampler found it (up to a tick) is the program's too. */
int fp_cpu_add_thread(int tid, bool new_thread);
/* After the program closed descriptors: forgets the schedstat files no
 * longer ours, then (once every module has forgotten its own) opens them
 * again; a thread's off-CPU time then counts from there. Sampler thread. */
void fp_cpu_forget_lost_fds(void);
void fp_cpu_reopen_fds(void);
/* Readies libunwind outside any signal handler, and finds its pipe. */
void fp_cpu_warm_up_unwinder(void);
/* Stops sampling the thread in SLOT and frees the slot. */
void fp_cpu_remove_thread(int slot);
/* Deletes every timer; after this no sample signal is sent. */
void fp_cpu_stop_all(void);
/* Throws away a sample signal that is pending (before exec). */
void fp_cpu_discard_pending(void);
/* After fork: timers and other threads are gone; forget them without
 * touching the kernel objects (they belong to the parent). */
void fp_cpu_forget_all(void);

/* Reads a thread's schedstat file. Async-signal-safe. Returns false when
 * it cannot. */
bool fp_cpu_read_schedstat(int fd, fp_schedstat_t *out);

/* Whether thread T runs without being sampled and has CPU time to charge:
 * once its CPU time moved well past its last sample, it is checked for
 * blocking the sample signal (some C libraries' threads block every
 * signal) or having no timer; the first sample it gets clears that.
 * Sampler thread; reads the thread's status file only when late. */
bool fp_cpu_runs_unsampled(fp_thread_t *t);

/* For such a thread: charges its CPU time since its last sample to the
 * line its thread state TS is on (the caller holds the GIL, so TS is
 * still). Returns nothing when a sample came first. */
void fp_cpu_charge_unsampled(fp_thread_t *t, PyThreadState *ts);

/* Reads how many times thread TID blocked (voluntary_ctxt_switches in
 * /proc/self/task/TID/status). Not async-signal-safe: opens the file. */
bool fp_cpu_read_voluntary(int tid, uint64_t *out);

/* Charges NS of off-CPU time of thread T to the line its thread state TS
 * is on (TS seen blocked by the sampler, which holds the GIL), or, when TS
 * is NULL (the thread has ended), to the line it was last seen on.
 * Returns the line charged, or NULL. */
fp_line_t *fp_cpu_charge_offcpu(fp_thread_t *t, PyThreadState *ts, uint64_t ns);

#endif
