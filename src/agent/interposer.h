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

/* The agent's handle on the interposer (fp_agent_t.interposer). Process-
 * wide, like the library it names: loaded once, never closed (blocks
 * allocated through it may be freed at any later time), so a new start
 * keeps it. Written by fp_interposer_load, with the GIL, at a start. */
typedef struct fp_interposer {
    bool tried;   /* fp_interposer_load ran */
    void *handle; /* dlopen'ed here; NULL when preloaded or absent */
} fp_interposer_t;

/* Finds the interposer, loading it when it is not preloaded; only the
 * first call in a process does anything. At every start, before any
 * other function below. Not from a signal handler. */
void fp_interposer_load(fp_interposer_t *ip);

/* The interposer's function NAME, or NULL (no interposer). Not from a
 * signal handler. */
void *fp_interposer_sym(const fp_interposer_t *ip, const char *name);

/* True when the interposer was loaded by dlopen (not preloaded): its
 * slots must be patched for it to see anything. */
bool fp_interposer_loaded_here(const fp_interposer_t *ip);

/* Patch every loaded object's slots / put them back; no-ops when the
 * interposer is preloaded. fp_interposer_patch returns -1 on failure. */
int fp_interposer_patch(const fp_interposer_t *ip);
void fp_interposer_unpatch(const fp_interposer_t *ip);

#endif
