/* frames.h: reading where a thread is in Python, without the GIL.
 *
 * The only version-specific code of the agent: it walks a thread state's
 * frame chain (PyFrameObject on 3.9/3.10, _PyInterpreterFrame on 3.11+,
 * built against each interpreter's own internal headers) to the innermost
 * frame of a profiled file and returns that line's record.
 *
 * Callers guarantee the frames cannot change under it: either the thread
 * is the caller itself (CPU signal handler, allocation hooks) or it is
 * blocked and the caller holds the GIL (off-CPU sampling). It allocates
 * nothing and takes no locks, so it is async-signal-safe. */
#ifndef FP_FRAMES_H
#define FP_FRAMES_H

#include <Python.h>

#include "filter.h"
#include "sites.h"

/* What frame walking needs. Written by fp_frames_init at start (before
 * sampling); `safe_reads` may also be cleared by a signal handler that
 * finds the reads refused. */
typedef struct fp_frames {
    fp_sites_t *sites;            /* where the lines are recorded */
    const fp_filter_t *filter;    /* which files are profiled, and the start directory */
    _Atomic int safe_reads;       /* -1 untested, 0 unavailable (seccomp), 1 available */
} fp_frames_t;

/* Links FR to its tables and tests once, at start, whether reads that
 * fail instead of faulting are allowed (seccomp). */
void fp_frames_init(fp_frames_t *fr, fp_sites_t *sites, const fp_filter_t *filter);

/* The line record of TS's innermost profiled frame, or NULL when no frame
 * on its stack is in a profiled file (or TS is NULL). For callers at a
 * known point of the thread's run: its own allocation hooks, or the GIL
 * held while the thread is blocked. */
fp_line_t *fp_frames_site(fp_frames_t *fr, PyThreadState *ts);
/* The same from a signal handler on the thread itself, which may have
 * interrupted the interpreter half-way through linking a frame: every
 * frame is copied with a read that fails instead of faulting. */
fp_line_t *fp_frames_site_async(fp_frames_t *fr, PyThreadState *ts);

/* The calling thread's own thread state, or NULL for threads Python does
 * not know. Async-signal-safe. */
PyThreadState *fp_frames_this_thread(void);

/* Whether the calling thread, whose state is TS (or NULL), runs no Python
 * code at all: a native thread, or one that only borrowed a thread state
 * (PyGILState_Ensure, as Cython's OpenMP workers do). Async-signal-safe. */
bool fp_frames_none_running(PyThreadState *ts);

#endif
