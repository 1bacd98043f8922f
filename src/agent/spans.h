/* spans.h: the functions of each profiled file.
 *
 * A function's figures are the sum of its lines, so the agent records, per
 * profiled file, each function's qualified name and line range. They come
 * from a small Python helper (the boot module's `function_spans`, which
 * reads the file with `ast`), called with the GIL held, once per file. */
#ifndef FP_SPANS_H
#define FP_SPANS_H

#include <Python.h>

/* Keeps a reference to HELPER: callable(path) -> [(qualname, first, last)]. */
void fp_spans_set_helper(PyObject *helper);
/* Computes the spans of every profiled file that has none yet. Needs the
 * GIL; never raises (a file it cannot read gets no functions). */
void fp_spans_update(void);

#endif
