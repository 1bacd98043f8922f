/* frames.c: frame walking for CPython 3.9 to 3.13 (see frames.h). */
#include <Python.h>
#include <frameobject.h>
#if PY_VERSION_HEX >= 0x030B0000
#define Py_BUILD_CORE 1
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE
#endif

#include <string.h>

#include "../common/path.h"
#include "filter.h"
#include "frames.h"

enum { MAX_DEPTH = 512, PATH_CAP = 4096 };

/* Encodes a str object as UTF-8 into BUF without the Python API (which may
 * allocate). Lone surrogates from undecodable bytes go back to those bytes,
 * as os.fsencode does. Returns the length, or 0 when it does not fit. */
static size_t str_to_utf8(PyObject *u, char *buf, size_t cap)
{
    if (!u || !PyUnicode_Check(u))
        return 0;
#if PY_VERSION_HEX < 0x030C0000
    if (!PyUnicode_IS_READY(u))
        return 0;
#endif
    int kind = PyUnicode_KIND(u);
    const void *data = PyUnicode_DATA(u);
    Py_ssize_t n = PyUnicode_GET_LENGTH(u);
    size_t out = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        char tmp[4];
        size_t k;
        if (c < 0x80) {
            tmp[0] = (char)c, k = 1;
        } else if (c >= 0xDC80 && c <= 0xDCFF) {
            tmp[0] = (char)(c - 0xDC00), k = 1;
        } else if (c < 0x800) {
            tmp[0] = (char)(0xC0 | (c >> 6)), tmp[1] = (char)(0x80 | (c & 63)), k = 2;
        } else if (c < 0x10000) {
            tmp[0] = (char)(0xE0 | (c >> 12)), tmp[1] = (char)(0x80 | ((c >> 6) & 63));
            tmp[2] = (char)(0x80 | (c & 63)), k = 3;
        } else {
            tmp[0] = (char)(0xF0 | (c >> 18)), tmp[1] = (char)(0x80 | ((c >> 12) & 63));
            tmp[2] = (char)(0x80 | ((c >> 6) & 63)), tmp[3] = (char)(0x80 | (c & 63)), k = 4;
        }
        if (out + k >= cap)
            return 0;
        memcpy(buf + out, tmp, k);
        out += k;
    }
    return out;
}

/* Slow path of classify_code: decide from the file name, then cache. */
static int classify_new_code(fp_sites_t *sites, PyCodeObject *co)
{
    char path[PATH_CAP];
    size_t len = 0;
    char name[PATH_CAP];
    size_t n = str_to_utf8(co->co_filename, name, sizeof name);
    if (n == 0)
        return -1;
    if (name[0] != '/' && name[0] != '<') {
        /* relative to the directory the program started in */
        size_t c = strlen(fp_filter.cwd);
        if (c + 1 + n >= sizeof path)
            return -1;
        memcpy(path, fp_filter.cwd, c);
        path[c] = '/';
        len = c + 1;
    }
    memcpy(path + len, name, n);
    len = fp_path_normalize(path, len + n);
    int file = fp_sites_file(sites, path, len, fp_filter_profiled);
    if (file < 0)
        return -1;
    int result = sites->files[file].profiled ? file : -1;
    fp_sites_code_store(sites, (uintptr_t)co, (uintptr_t)co->co_filename, result);
    return result;
}

/* File index of a code object's file when it is profiled, else -1. */
static int classify_code(fp_sites_t *sites, PyCodeObject *co)
{
    int file = fp_sites_code_lookup(sites, (uintptr_t)co, (uintptr_t)co->co_filename);
    return file != -2 ? file : classify_new_code(sites, co);
}

PyThreadState *fp_frames_this_thread(void) { return PyGILState_GetThisThreadState(); }

#if PY_VERSION_HEX < 0x030B0000

fp_line_t *fp_frames_site(fp_sites_t *sites, PyThreadState *ts)
{
    if (!ts)
        return NULL;
    PyFrameObject *f = ts->frame;
    for (int depth = 0; f && depth < MAX_DEPTH; depth++, f = f->f_back) {
        PyCodeObject *co = f->f_code;
        if (!co)
            continue;
        int file = classify_code(sites, co);
        if (file < 0)
            continue;
#if PY_VERSION_HEX >= 0x030A0000
        int line = f->f_lasti < 0 ? co->co_firstlineno
                                  : PyCode_Addr2Line(co, f->f_lasti * (int)sizeof(_Py_CODEUNIT));
#else
        int line = PyCode_Addr2Line(co, f->f_lasti);
#endif
        return fp_sites_line(sites, file, line);
    }
    return NULL;
}

#else

static _PyInterpreterFrame *top_frame(PyThreadState *ts)
{
#if PY_VERSION_HEX >= 0x030D0000
    return ts->current_frame;
#else
    return ts->cframe ? ts->cframe->current_frame : NULL;
#endif
}

/* The code object of a frame worth reporting, or NULL for shims and
 * frames still being set up. */
static PyCodeObject *frame_code(_PyInterpreterFrame *f)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (f->owner == FRAME_OWNED_BY_CSTACK)
        return NULL;
#endif
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *exe = f->f_executable;
    if (!exe || Py_TYPE(exe) != &PyCode_Type)
        return NULL;
#endif
    if (_PyFrame_IsIncomplete(f))
        return NULL;
#if PY_VERSION_HEX >= 0x030D0000
    return (PyCodeObject *)exe;
#else
    return f->f_code;
#endif
}

fp_line_t *fp_frames_site(fp_sites_t *sites, PyThreadState *ts)
{
    if (!ts)
        return NULL;
    _PyInterpreterFrame *f = top_frame(ts);
    for (int depth = 0; f && depth < MAX_DEPTH; depth++, f = f->previous) {
        PyCodeObject *co = frame_code(f);
        if (!co)
            continue;
        int file = classify_code(sites, co);
        if (file < 0)
            continue;
        int lasti = _PyInterpreterFrame_LASTI(f);
        int line = lasti < 0 ? co->co_firstlineno
                             : PyCode_Addr2Line(co, lasti * (int)sizeof(_Py_CODEUNIT));
        return fp_sites_line(sites, file, line);
    }
    return NULL;
}

#endif
