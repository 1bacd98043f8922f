/* attrib.h: where CPU time goes when the thread's own stack does not say.
 *
 * The rules, as pure functions that cpu.c applies (and tests/c/test_attrib.c
 * tries on made-up timings):
 *  - native caller: a thread that runs no Python code (an OpenMP or BLAS
 *    worker, a C library's thread) mostly works for the Python line that
 *    called into native code beside it, so its time goes to the line last
 *    seen running native code, if that was lately; else to no line;
 *  - held time: a worker often runs a moment before its caller's first
 *    sample shows which line called it, so its time waits (up to a bound)
 *    for that line; past the bound, or when the thread ends, it goes to
 *    no line;
 *  - new code: a sample on code the sampler thread has yet to classify
 *    (codeq.h) waits for the thread's next sample, whatever its amount
 *    (up to a number of samples in a row); when the thread ends first, it
 *    goes where that sample was;
 *  - new threads: a thread the sampler finds after the profile started
 *    brings the CPU time it used before (up to a tick), unless it has so
 *    much that it is likely older than the profile;
 *  - unsampled threads: a thread whose CPU time moves well past its last
 *    sample is checked for blocking the sample signal; once it is known
 *    not to be sampled, its time is charged by the sampler thread when
 *    there is enough to be worth a GIL switch.
 * All async-signal-safe: no allocation, no lock. */
#ifndef FP_ATTRIB_H
#define FP_ATTRIB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sites.h"

enum {
    FP_ATTRIB_KINDS = 3,                       /* Python, native, off-CPU (cpu.c's time kinds) */
    FP_ATTRIB_CALLER_FRESH_NS = 100000000,     /* a native caller seen this lately is still calling */
    FP_ATTRIB_MAX_HELD_NS = 100000000,         /* a worker's time held for its caller to show up */
    FP_ATTRIB_NEW_THREAD_MAX_CPU_NS = 100000000, /* more, and a thread found late is older than the profile */
    FP_ATTRIB_UNSAMPLED_AFTER_INTERVALS = 4,   /* no sample for this long: is it blocking the signal? */
    FP_ATTRIB_MIN_UNSAMPLED_NS = 30000000,     /* less is not worth a GIL switch of the program's */
    FP_ATTRIB_MAX_MISSED_SAMPLES = 8,          /* samples held in a row for code not yet classified */
};

/* The line last seen running native code, and when: written by any
 * thread's sample handler, read by the workers'. `pending_ns`: when a
 * thread was last seen in native code on code not classified yet (its
 * line is known a tick later). */
typedef struct fp_attrib_caller {
    _Atomic(fp_line_t *) line;
    _Atomic uint64_t at_ns;
    _Atomic uint64_t pending_ns;
} fp_attrib_caller_t;

/* A thread on LINE was sampled in native code at NOW_NS. */
void fp_attrib_saw_native(fp_attrib_caller_t *c, fp_line_t *line, uint64_t now_ns);
/* A thread was sampled in native code at NOW_NS on code not classified
 * yet: a new caller, whose line is not known yet. */
void fp_attrib_saw_native_pending(fp_attrib_caller_t *c, uint64_t now_ns);
/* The line a worker's time at NOW_NS goes to, or NULL: none lately, or a
 * newer caller whose line is not known yet (fp_attrib_caller_pending). */
fp_line_t *fp_attrib_caller_of_worker(fp_attrib_caller_t *c, uint64_t now_ns);
/* Whether the latest caller, lately, is one whose line is not known yet:
 * a worker's time then waits for it as a sample on new code does
 * (fp_attrib_hold_missed), rather than going to no line, or to the line
 * that called native code before (the previous call's, often). */
bool fp_attrib_caller_pending(fp_attrib_caller_t *c, uint64_t now_ns);
/* Forgets the caller (a forked child: the parent's lines). */
void fp_attrib_forget_caller(fp_attrib_caller_t *c);

/* A worker's time waiting for its caller's line, or a sample's waiting
 * for its code to be classified, by kind. Written by the thread's own
 * handler (and when its slot is freed). */
typedef struct fp_attrib_held {
    uint64_t ns[FP_ATTRIB_KINDS];
    unsigned missed; /* samples held in a row by fp_attrib_hold_missed */
} fp_attrib_held_t;

/* A worker used USED ns of KIND, and its caller's line is CALLER_KNOWN or
 * not. Returns false when USED is held back; true when USED is to be
 * charged now, with what H held (fp_attrib_release): to the caller's line
 * when known, else (past the bound) to no line. */
bool fp_attrib_hold(fp_attrib_held_t *h, bool caller_known, int kind, uint64_t used);
/* A sample on code not classified yet used USED ns of KIND. Returns false
 * when USED is held back for the thread's next sample, however much it is:
 * the sampler thread classifies new code within a tick, but a sample
 * stands for a whole interval (up to 15 ms by default, more with a
 * larger --interval) and brings the time the thread waited for a CPU, so
 * a bound in time, as a worker's, would send a loaded or coarse run's
 * first sample of every new function to its caller's line or to none.
 * Returns true past FP_ATTRIB_MAX_MISSED_SAMPLES in a row (code that
 * cannot be classified): USED and what H held are then charged where the
 * sample is. */
bool fp_attrib_hold_missed(fp_attrib_held_t *h, int kind, uint64_t used);
/* Moves what H holds into OUT, by kind, and empties H. */
void fp_attrib_release(fp_attrib_held_t *h, uint64_t out[FP_ATTRIB_KINDS]);

/* Whether a thread found after the profile started, having used CPU_NS,
 * brings that time into the profile. */
bool fp_attrib_new_thread_counts(uint64_t cpu_ns);

/* Whether a thread whose CPU time is RUN_NS, last charged at SAMPLED_NS,
 * is late enough for a sample every INTERVAL_S to be worth a look at its
 * signal mask. */
bool fp_attrib_unsampled_suspect(uint64_t run_ns, uint64_t sampled_ns, double interval_s);
/* Whether a thread known not to be sampled has enough time to charge. */
bool fp_attrib_unsampled_due(uint64_t run_ns, uint64_t sampled_ns);

#endif
