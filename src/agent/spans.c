/* spans.c: function line ranges per profiled file (see spans.h). */
#include "spans.h"

#include <string.h>

void fp_spans_init(fp_spans_t *sp, fp_sites_t *sites, fp_arena_t *arena, PyObject *helper)
{
    sp->sites = sites;
    sp->arena = arena;
    Py_XINCREF(helper);
    Py_XSETREF(sp->helper, helper);
}

/* Copies the helper's result into the arena; returns the count or -1. */
static int store(fp_spans_t *sp, fp_file_t *f, PyObject *list)
{
    if (!PyList_Check(list))
        return -1;
    Py_ssize_t n = PyList_GET_SIZE(list);
    fp_span_t *spans = n ? fp_arena_alloc(sp->arena, sizeof(fp_span_t) * (size_t)n) : &sp->none;
    if (!spans)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *name;
        int first, last;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(list, i), "sii", &name, &first, &last))
            return -1;
        spans[i].name = fp_sites_intern(sp->sites, name, strlen(name));
        spans[i].first = (uint32_t)first;
        spans[i].last = (uint32_t)last;
    }
    f->nspans = (uint32_t)n;
    atomic_store(&f->spans, spans);
    return (int)n;
}

void fp_spans_update(fp_spans_t *sp)
{
    if (!sp->helper)
        return;
    fp_sites_t *s = sp->sites;
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *pending = PyErr_GetRaisedException(); /* keep the program's error */
#else
    PyObject *exc_type, *exc_value, *exc_tb;
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb); /* keep the program's error */
#endif
    for (int i = 0; i < FP_MAX_FILES; i++) {
        fp_file_t *f = &s->files[i];
        if (!atomic_load(&f->hash) || !atomic_load(&f->state) || !f->profiled || atomic_load(&f->spans))
            continue;
        PyObject *r = PyObject_CallFunction(sp->helper, "y#", fp_sites_str(s, f->path), (Py_ssize_t)f->path_len);
        if (!r || store(sp, f, r) < 0) {
            PyErr_Clear();
            f->nspans = 0;
            atomic_store(&f->spans, &sp->none);
        }
        Py_XDECREF(r);
    }
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(pending);
#else
    PyErr_Restore(exc_type, exc_value, exc_tb);
#endif
}
