/* frames.h: reading where a thread is in Python, without the GIL.
 *
 * The only version-specific code of the agent: it walks a thread state's
 * frame chain (PyFrameObject on 3.9/3.10, _PyInterpreterFrame on 3.11+,
 * built against each interpreter's own internal headers) to the innermost
 * frame of a profiled file and returns that line's record.
 *
 * Callers guarantee the frames cannot change under it: either the thread
 * is the caller itself (CPU signal handler, allocation hooks) or it is
 * blocked and the caller holds the GIL (off-CPU sampling). It reads only
 * objects the live frames keep alive, allocates nothing and takes no
 * locks, so it is async-signal-safe. */
#ifndef FP_FRAMES_H
#define FP_FRAMES_H

#include <Python.h>

#include "sites.h"

/* The line record of TS's innermost profiled frame, or NULL when no frame
 * on its stack is in a profiled file (or TS is NULL). */
fp_line_t *fp_frames_site(fp_sites_t *sites, PyThreadState *ts);

/* The calling thread's own thread state, or NULL for threads Python does
 * not know. Async-signal-safe. */
PyThreadState *fp_frames_this_thread(void);

#endif
