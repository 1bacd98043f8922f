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

#include "codeq.h"
#include "filter.h"
#include "sites.h"
#include "stacks.h"

/* What frame walking needs. Written by fp_frames_init at start (before
 * sampling); `safe_reads` may also be cleared by a signal handler that
 * finds the reads refused; `codeq` is pushed by signal handlers and
 * drained by the sampler thread (codeq.h). */
enum { FP_FRAMES_PATH_CAP = 4096 }; /* longest file name classified, in characters */

/* A str object copied whole (header and characters) into a buffer, where
 * the unicode macros read it as they would the object (frames.c). */
typedef union fp_frames_str_copy {
    PyCompactUnicodeObject header;
    char bytes[sizeof(PyCompactUnicodeObject) + 4 * (FP_FRAMES_PATH_CAP + 1)];
} fp_frames_str_copy_t;

typedef struct fp_frames {
    fp_sites_t *sites;            /* where the lines are recorded */
    const fp_filter_t *filter;    /* which files are profiled, and the start directory */
    fp_stacks_t *stacks;          /* where the stacks are recorded (stacks.h) */
    _Atomic int safe_reads;       /* -1 untested, 0 unavailable (seccomp), 1 available */
    fp_codeq_t codeq;             /* code the signal handler met first, to classify */
    fp_frames_str_copy_t name;    /* the sampler thread's copy of a file name it classifies
                                     (fp_frames_classify_pending): too big for its stack;
                                     written whole before it is read */
} fp_frames_t;

/* Links FR to its tables and tests once, at start, whether reads that
 * fail instead of faulting are allowed (seccomp). */
void fp_frames_init(fp_frames_t *fr, fp_sites_t *sites, const fp_filter_t *filter, fp_stacks_t *stacks);

/* The line record of TS's innermost profiled frame, or NULL when no frame
 * on its stack is in a profiled file (or TS is NULL). For callers at a
 * known point of the thread's run: its own allocation hooks, or the GIL
 * held while the thread is blocked. */
fp_line_t *fp_frames_site(fp_frames_t *fr, PyThreadState *ts);

/* Where a thread is: its innermost profiled line, and the stack of its
 * profiled lines (stacks.h; NULL when stacks are off or the table has no
 * room). Both NULL when no frame is in a profiled file. Same callers as
 * fp_frames_site. */
typedef struct fp_where {
    fp_line_t *line;
    fp_stack_t *stack;
} fp_where_t;
fp_where_t fp_frames_where(fp_frames_t *fr, PyThreadState *ts);
/* The same from a signal handler on the thread itself, which may have
 * interrupted the interpreter half-way through linking a frame: every
 * frame is copied with a read that fails instead of faulting. Code it has
 * not classified yet is left to the sampler thread (codeq.h) and skipped:
 * *MISSED is then true, and the answer may be an outer line than the
 * right one. */
fp_where_t fp_frames_where_async(fp_frames_t *fr, PyThreadState *ts, bool *missed);

/* Classifies the code objects the signal handler left to the sampler
 * thread (codeq.h). Each may be gone by now: every read of it is checked
 * (it must still be a code object with the co_filename the handler saw,
 * before and after its name is read), and none can fault. Called by the
 * sampler thread, without the GIL. */
void fp_frames_classify_pending(fp_frames_t *fr);

/* The calling thread's own thread state, or NULL for threads Python does
 * not know. Async-signal-safe. */
PyThreadState *fp_frames_this_thread(void);

/* Whether the calling thread, whose state is TS (or NULL), runs no Python
 * code at all: a native thread, or one that only borrowed a thread state
 * (PyGILState_Ensure, as Cython's OpenMP workers do). Async-signal-safe. */
bool fp_frames_none_running(PyThreadState *ts);

#endif
