/* spans.h: the functions of each profiled file.
 *
 * A function's figures are the sum of its lines, so the agent records, per
 * profiled file, each function's qualified name and line range. They come
 * from a small Python helper (the boot module's `function_spans`, which
 * compiles the file and reads its code objects, importing nothing), called
 * with the GIL held, once per file. */
#ifndef FP_SPANS_H
#define FP_SPANS_H

#include <Python.h>

#include "arena.h"
#include "sites.h"

/* Written with the GIL only: at start, and by fp_spans_update. */
typedef struct fp_spans {
    PyObject *helper;  /* a strong reference, or NULL */
    fp_sites_t *sites; /* the files, and where the names are interned */
    fp_arena_t *arena; /* where the spans are stored */
    fp_span_t none;    /* the shared "no functions" marker of a file not read */
} fp_spans_t;

/* Keeps a reference to HELPER: callable(path) -> [(qualname, first, last)]
 * replacing any earlier one. */
void fp_spans_init(fp_spans_t *sp, fp_sites_t *sites, fp_arena_t *arena, PyObject *helper);
/* Computes the spans of every profiled file that has none yet. Needs the
 * GIL; never raises (a file it cannot read gets no functions). */
void fp_spans_update(fp_spans_t *sp);

#endif
