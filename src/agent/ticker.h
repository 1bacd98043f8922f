/* ticker.h: the agent's sampler thread.
 *
 * A native thread that wakes on the wall clock (randomized around the CPU
 * interval) and does the agent's periodic work: finds new and dead threads
 * (and starts or stops their CPU timers), measures each thread's off-CPU
 * time from /proc/self/task/TID/schedstat (wall time less running and
 * runnable time), charges it with the GIL held to the line the thread is
 * blocked on, records the memory timeline, and writes a snapshot of the
 * fragment now and then so that a killed process still leaves a profile. */
#ifndef FP_TICKER_H
#define FP_TICKER_H

#include <stdbool.h>

/* Starts the thread. Called with the GIL held. Returns 0 or -1. */
int fp_ticker_start(void);
/* Stops it and waits for it; releases the GIL while waiting. */
void fp_ticker_stop(void);
/* Asks the sampler thread to write the final fragment and then end the
 * process with signal SIG, as its default action would have. Returns
 * false when there is no sampler thread to do it. Async-signal-safe. */
bool fp_ticker_request_fatal(int sig);
/* While paused, the sampler thread starts no CPU timer (before exec). */
void fp_ticker_pause_threads(bool pause);
/* In a forked child: the thread is gone; forget it. */
void fp_ticker_forget(void);

#endif
