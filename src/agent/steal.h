/* steal.h: CPU time a virtual machine's host took from it.
 *
 * On a virtual machine the host may run something else while one of our
 * threads is running (steal time), and interrupts take a little too. The
 * kernel leaves that time out of the thread's CPU time and out of its
 * time waiting for a CPU (schedstat), so a busy thread would look blocked
 * for it: its line's Python or native time would show as off-CPU.
 *
 * A thread that stayed on its CPU through a whole tick (ticker.c) lost
 * exactly the tick's gap. For one that was switched out on the way, the
 * machine's share is the estimate: /proc/stat counts steal time only for
 * the whole machine (idle CPUs included), so such a thread is taken to
 * lose the same share of its run time as the machine lost of all its
 * time. Pure arithmetic: the caller reads the file. */
#ifndef FP_STEAL_H
#define FP_STEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FP_STEAL_WINDOW_NS = 100000000 }; /* the share is measured over 100 ms or more */

typedef struct fp_steal {
    bool started;
    uint64_t total, steal; /* /proc/stat's totals at the window's start, in ticks */
    uint64_t at_ns;        /* when they were read */
    uint32_t ratio_q16;    /* stolen per unit of time not stolen, last window, 16.16 */
} fp_steal_t;

/* Reads the first line of /proc/stat ("cpu  user nice system idle iowait
 * irq softirq steal ..."): TOTAL is the sum of those eight, STEAL the
 * last. False when the line is not there or has no steal field. */
bool fp_steal_parse(const char *buf, size_t n, uint64_t *total, uint64_t *steal);

/* Whether a reading at NOW_NS would end the current window. */
bool fp_steal_due(const fp_steal_t *s, uint64_t now_ns);

/* Takes a reading made at NOW_NS; once a window has passed since the
 * last one kept, the share becomes that window's. Returns whether the
 * reading was kept. */
bool fp_steal_update(fp_steal_t *s, uint64_t total, uint64_t steal, uint64_t now_ns);

/* The time likely stolen from a thread while it ran RUN_NS. */
uint64_t fp_steal_share(const fp_steal_t *s, uint64_t run_ns);

/* A thread's time off its CPU, tick after tick. */
typedef struct fp_gap {
    int64_t pending_off_ns; /* blocked: to charge to the line it waits on */
    int64_t undecided_ns;   /* lost while it stayed on its CPU, unless it left
                               just before the tick ended */
    uint64_t voluntary;     /* its count of voluntary switches (blocking), last read */
    bool voluntary_known;
    bool runnable;          /* it had not blocked since it last ran, at that reading */
} fp_gap_t;

/* What the sampler thread saw of a thread in one tick. */
typedef struct fp_tick {
    int64_t gap;        /* wall time less time on a CPU and time waiting for one */
    uint64_t ran;       /* time on a CPU */
    bool stayed;        /* it ran and was not put on a CPU again */
    bool has_voluntary; /* VOLUNTARY was read at the tick's end */
    uint64_t voluntary;
} fp_tick_t;

/* Whether a thread's count of voluntary switches (/proc's status file,
 * dearer than schedstat) would decide its tick: it ran, was switched,
 * and lost enough to matter. */
bool fp_steal_wants_voluntary(const fp_gap_t *g, const fp_tick_t *t);

/* Splits a thread's gap in a tick into time the host took, returned (it
 * is charged with the thread's CPU samples), and time blocked, added to
 * G's pending time.
 * - A thread that stayed on its CPU through the tick lost the whole gap,
 *   unless it left just before the tick ended; that is known at the next
 *   tick, so the gap waits till then.
 * - A thread that was switched but has not blocked since a reading that
 *   found it runnable (its count of voluntary switches has not moved)
 *   lost the whole gap too: being preempted is waiting, not a gap.
 * - Any other thread loses the machine's share of its run time.
 * A negative gap (read skew) is carried, never dropped. */
uint64_t fp_steal_split(const fp_steal_t *s, fp_gap_t *g, const fp_tick_t *t);

#endif
