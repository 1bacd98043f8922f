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
 * took while the thread ran (steal.h). Off-CPU time is the sampler
 * thread's (ticker.h), in an array of its own indexed by the same slots.
 *
 * The hand-over of `last_cpu_ns` (a thread's CPU clock where its time was
 * last charged): the thread's own handler takes it with an atomic
 * exchange (fp_cpu_t.threads[].last_cpu_ns := now), so its time since is
 * charged once; the sampler thread, charging a thread that cannot be
 * sampled, moves it forward only with a compare-exchange from the value
 * it read, so a sample that lands meanwhile wins and nothing is charged
 * twice. Nobody else writes it while the slot is in use, and the
 * sampler only ever moves it forward (asserted in debug builds). */
#ifndef FP_CPU_H
#define FP_CPU_H

#include <Python.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "attrib.h"
#include "frames.h"
#include "guard.h"
#include "native.h"
#include "objmap.h"
#include "ownfd.h"
#include "sites.h"
#include "unwind.h"

enum { FP_MAX_THREADS = 1024 };

/* A thread's schedstat: time on a CPU, time waiting for one, and how many
 * times it was put on one (a thread that stays on its CPU keeps it). */
typedef struct fp_schedstat {
    uint64_t run_ns, wait_ns, runs;
} fp_schedstat_t;

/* One sampled thread. A slot is taken by fp_cpu_add_thread (the sampler
 * thread, or the program's thread at start), freed by fp_cpu_remove_thread
 * (the same); `tid` is published last and cleared last. */
typedef struct fp_thread {
    _Atomic int tid;                   /* 0: free slot */
    bool has_timer;                    /* written by add/remove */
    timer_t timer;
    fp_ownfd_t sched;                  /* /proc/self/task/TID/schedstat: opened at add (and reopened
                                          by the sampler thread); read by the handler and the sampler */
    /* the sample hand-over (see the top of this file) */
    _Atomic uint64_t last_cpu_ns;      /* its CPU clock at its last charge */
    _Atomic uint64_t last_runq_ns;     /* schedstat's time waiting for a CPU, at the last charge */
    _Atomic uint64_t stolen_ns;        /* CPU time the host took (steal.h), added by the
                                          sampler thread, charged with the next sample */
    /* written by the thread's own signal handler (and by the sampler thread
     * for a thread that cannot be sampled, see fp_cpu_charge_unsampled) */
    uint64_t rng;                      /* handler only */
    _Atomic(PyThreadState *) tstate;   /* the thread's state, as its handler saw it */
    _Atomic(fp_line_t *) last_line;    /* where the thread was last seen */
    _Atomic(fp_line_t *) last_charged; /* where its last sample went (a worker's: its caller's) */
    _Atomic(fp_stack_t *) last_stack;  /* the stacks (stacks.h) of those two */
    _Atomic(fp_stack_t *) last_charged_stack;
    _Atomic int last_kind;             /* and as what (fp_time_kind_t); -1: never sampled */
    fp_attrib_held_t held;             /* a native worker's time before any line called it, or a
                                          sample's whose code was not classified yet (codeq.h) */
    _Atomic bool unsampled;            /* it cannot be sampled (it blocks the signal): set by
                                          the sampler thread, cleared by the next sample */
} fp_thread_t;

/* The handler's own cost, for bench/handler_time.py: with
 * FOOTPRINT_HANDLER_STATS=1 (`on`, set at start) the handler reads its
 * thread's CPU clock again as it ends and keeps the count, the total and
 * the worst, with atomics. Off by default: that read is a system call. */
typedef struct fp_cpu_stats {
    bool on;
    _Atomic uint64_t count, total_ns, worst_ns;
} fp_cpu_stats_t;

/* The CPU sampler's state (fp_agent_t.cpu). */
typedef struct fp_cpu {
    /* links, set by agent.c before fp_cpu_install */
    fp_frames_t *frames;               /* where a thread's line is read */
    const fp_objmap_t *objmap;         /* which object an address is in */
    const fp_guard_t *guard;
    fp_native_t *native;               /* native frames below a stack (native.h) */
    fp_unattributed_t *unattributed;   /* time no line took */
    const _Atomic bool *sampling;      /* handlers record only while set */
    double interval_s;                 /* the mean CPU interval */
    /* written at install; read by every handler */
    int signal;                        /* the sample signal; -1 before install */
    fp_unwind_t unwind;                /* libunwind's pipe (warmed up once per process) */
    fp_attrib_caller_t caller;         /* the native caller (attrib.h) */
    _Atomic(fp_stack_t *) caller_stack; /* its stack, written just before it */
    fp_cpu_stats_t stats;              /* the handler's own cost, when asked for */
    fp_thread_t threads[FP_MAX_THREADS];
} fp_cpu_t;

/* Prints the handler's cost (count, mean, worst) on stderr, when it was
 * asked for (fp_cpu_stats_t). */
void fp_cpu_stats_report(const fp_cpu_t *cpu);

/* Empties CPU's threads and caller, keeping the signal (installed once per
 * process) and the unwinder's watch; for a new start. No thread may be in use. */
void fp_cpu_reset(fp_cpu_t *cpu);
/* Picks a free real-time signal and installs the handler, once per
 * process. Returns 0 or -1. */
int fp_cpu_install(fp_cpu_t *cpu);
/* Starts sampling thread TID (a timer on its CPU clock). Returns its slot
 * or -1. Called by the sampler thread, and once at start for the main
 * thread. NEW_THREAD: it started after the profile did, so the CPU time it
 * used before the sampler found it (up to a tick) is the program's too.
 * FIRST gets the thread's schedstat when it was found, and FIRST_WALL_NS
 * the wall clock (CLOCK_MONOTONIC) just before: off-CPU time counts from
 * there (zeros when the file cannot be read). */
int fp_cpu_add_thread(fp_cpu_t *cpu, int tid, bool new_thread, fp_schedstat_t *first, uint64_t *first_wall_ns);
/* After the program closed descriptors: forgets the schedstat files no
 * longer ours. Then, once every module has forgotten its own, each is
 * opened again by fp_cpu_reopen_schedstat, which returns whether SLOT got
 * its file back (its reading into *NOW). Sampler thread. */
void fp_cpu_forget_lost_fds(fp_cpu_t *cpu);
bool fp_cpu_reopen_schedstat(fp_cpu_t *cpu, int slot, fp_schedstat_t *now);
/* Readies libunwind outside any signal handler, and finds its pipe. */
void fp_cpu_warm_up_unwinder(fp_cpu_t *cpu);
/* Stops sampling the thread in SLOT and frees the slot. SEEN_RUN_NS: its
 * CPU time at the sampler's last schedstat reading (what a thread other
 * than the caller used up to there is charged where its last sample went). */
void fp_cpu_remove_thread(fp_cpu_t *cpu, int slot, uint64_t seen_run_ns);
/* Throws away a sample signal that is pending (before exec). */
void fp_cpu_discard_pending(fp_cpu_t *cpu);
/* After fork: timers and other threads are gone; forget them without
 * touching the kernel objects (they belong to the parent). */
void fp_cpu_forget_all(fp_cpu_t *cpu);

/* Reads a thread's schedstat file. Async-signal-safe. Returns false when
 * it cannot. */
bool fp_cpu_read_schedstat(int fd, fp_schedstat_t *out);

/* Whether the thread in SLOT runs without being sampled and has CPU time
 * to charge: once its CPU time (SEEN, the sampler's reading) moved well
 * past its last sample, it is checked for blocking the sample signal
 * (some C libraries' threads block every signal) or having no timer; the
 * first sample it gets clears that. Sampler thread; reads the thread's
 * status file only when late. */
bool fp_cpu_runs_unsampled(fp_cpu_t *cpu, int slot, const fp_schedstat_t *seen);

/* For such a thread: charges its CPU time up to SEEN since its last
 * sample to the line its thread state TS is on (the caller holds the GIL,
 * so TS is still). Does nothing when a sample came first. */
void fp_cpu_charge_unsampled(fp_cpu_t *cpu, int slot, const fp_schedstat_t *seen, PyThreadState *ts);

/* Reads how many times thread TID blocked (voluntary_ctxt_switches in
 * /proc/self/task/TID/status). Not async-signal-safe: opens the file. */
bool fp_cpu_read_voluntary(int tid, uint64_t *out);

/* Charges NS of off-CPU time of the thread in SLOT to the line its thread
 * state TS is on (TS seen blocked by the sampler, which holds the GIL),
 * or, when TS is NULL (the thread has ended), to the line it was last
 * seen on. Returns the line (and stack) charged, or NULLs. */
fp_where_t fp_cpu_charge_offcpu(fp_cpu_t *cpu, int slot, PyThreadState *ts, uint64_t ns);
/* Charges NS of off-CPU time to AT (a line and its stack), when it has a
 * line. */
void fp_cpu_charge_offcpu_at(fp_cpu_t *cpu, fp_where_t at, uint64_t ns);

/* The line (and stack) the thread in SLOT was last seen on (its
 * handler's, or the sampler's), or NULLs. */
fp_where_t fp_cpu_last_line(fp_cpu_t *cpu, int slot);

#endif
