/* imports.c: the allocation counter behind the import table.
 *
 * The boot module times each first import and reads this counter before
 * and after it, so that a module's cost in bytes is what its import
 * allocated (see sitecustomize.py, _ImportTimer). The interposer's totals
 * are per-thread counts flushed into shared ones; reading them flushes the
 * calling thread's, so an import's own bytes are all in. */
#include "imports.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "../common/alloc_api.h"
#include "agent.h"

/* The interposer's stats function, looked up once (until a new start). */
static fp_alloc_stats_fn stats_fn(fp_imports_t *im)
{
    if (!im->looked) {
        /* under --cpu-only the interposer is not loaded; a user's own
         * preload of it would count without an agent attached */
        const char *memory = getenv("FOOTPRINT_MEMORY");
        if (!memory || strcmp(memory, "0") != 0)
            im->stats = (fp_alloc_stats_fn)dlsym(RTLD_DEFAULT, FP_ALLOC_STATS);
        im->looked = true;
    }
    return im->stats;
}

PyObject *fp_imports_alloc_bytes(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    fp_alloc_stats_fn stats = stats_fn(&fp_agent.imports); /* a method: no argument carries it */
    if (!stats)
        Py_RETURN_NONE;
    fp_alloc_stats_t s;
    stats(&s);
    return PyLong_FromUnsignedLongLong(s.alloc_bytes);
}
