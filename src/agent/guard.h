/* guard.h: keeping the agent's own work out of the program's figures.
 *
 * While a thread is inside fp_guard_enter/leave, the allocation
 * interposer passes its calls straight through, uncounted. Without the
 * interposer (--cpu-only) these do nothing. Nesting is allowed. */
#ifndef FP_GUARD_H
#define FP_GUARD_H

#include "../common/alloc_api.h"
#include "interposer.h"

/* The interposer's guard functions. Written by fp_guard_init at start
 * (before any thread of ours runs), read by any thread after; both NULL
 * when the interposer is not loaded. */
typedef struct fp_guard {
    fp_alloc_guard_fn enter, leave;
} fp_guard_t;

/* Looks up the interposer's guard in IP (loaded), at start. */
void fp_guard_init(fp_guard_t *g, const fp_interposer_t *ip);
/* Async-signal-safe: the interposer's guard is a thread-local counter. */
void fp_guard_enter(const fp_guard_t *g);
void fp_guard_leave(const fp_guard_t *g);

#endif
