/* imports.h: what the boot module's import timer asks the agent.
 *
 * The boot module (sitecustomize) times each module's first import in
 * Python; the bytes allocated while it ran come from the interposer's
 * exact totals, which only C can read. */
#ifndef FP_IMPORTS_H
#define FP_IMPORTS_H

#include <Python.h>

#include "../common/alloc_api.h"

/* The agent's link to the interposer's totals (fp_agent_t.imports):
 * looked up at the first call, with the GIL; emptied by a new start. */
typedef struct fp_imports {
    bool looked;
    fp_alloc_stats_fn stats; /* NULL: memory is not profiled */
} fp_imports_t;

/* _footprint.alloc_bytes() -> int or None: the process's bytes allocated
 * so far (exact, every thread, requested sizes), or None when memory is
 * not profiled (no interposer). Holds the GIL; not for signal handlers. */
PyObject *fp_imports_alloc_bytes(PyObject *self, PyObject *unused);

#endif
