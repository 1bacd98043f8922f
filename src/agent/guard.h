/* guard.h: keeping the agent's own work out of the program's figures.
 *
 * While a thread is inside fp_guard_enter/leave, the allocation
 * interposer passes its calls straight through, uncounted. Without the
 * interposer (--cpu-only) these do nothing. Nesting is allowed. */
#ifndef FP_GUARD_H
#define FP_GUARD_H

/* Looks up the interposer's guard once, at start. */
void fp_guard_init(void);
void fp_guard_enter(void);
void fp_guard_leave(void);

#endif
