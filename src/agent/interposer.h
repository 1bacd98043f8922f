/* interposer.h: finding the allocation interposer's functions.
 *
 * Under the launcher the interposer is preloaded, and its functions are
 * in the global scope. A process footprint did not start (the Python
 * package's footprint.start()) has none: FOOTPRINT_INTERPOSER names the
 * library, which is loaded with dlopen, RTLD_LOCAL (its malloc and the
 * rest must not interpose by themselves), and patched into every loaded
 * object's relocation slots while memory is recorded (gotpatch.h). */
#ifndef FP_INTERPOSER_H
#define FP_INTERPOSER_H

#include <stdbool.h>

/* The interposer's function NAME, or NULL (no interposer). Loads it the
 * first time when it is not preloaded. Not from a signal handler. */
void *fp_interposer_sym(const char *name);

/* True when the interposer was loaded by dlopen (not preloaded): its
 * slots must be patched for it to see anything. */
bool fp_interposer_loaded_here(void);

/* Patch every loaded object's slots / put them back; no-ops when the
 * interposer is preloaded. fp_interposer_patch returns -1 on failure. */
int fp_interposer_patch(void);
void fp_interposer_unpatch(void);

#endif
