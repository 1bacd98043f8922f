/* frames.c: frame walking for CPython 3.9 to 3.13 (see frames.h). */
#include <Python.h>
#include <frameobject.h>
#if PY_VERSION_HEX >= 0x030B0000
#define Py_BUILD_CORE 1
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE
#endif

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../common/path.h"
#include "filter.h"
#include "frames.h"

enum { MAX_DEPTH = 512, PATH_CAP = FP_FRAMES_PATH_CAP };

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

static bool profiled(const void *filter, const char *path, size_t len)
{
    return fp_filter_profiled(filter, path, len);
}

/* Decides from a code object's file NAME (N bytes of UTF-8) whether its
 * file is profiled, and caches that for CODE, whose co_filename pointer
 * is FILENAME. Returns the file index, or -1. */
static int classify_name(fp_frames_t *fr, uintptr_t code, uintptr_t filename, const char *name, size_t n)
{
    fp_sites_t *sites = fr->sites;
    char path[PATH_CAP];
    size_t len = 0;
    if (name[0] != '/' && name[0] != '<') {
        /* relative to the directory the program started in */
        size_t c = strlen(fr->filter->cwd);
        if (c + 1 + n >= sizeof path)
            return -1;
        memcpy(path, fr->filter->cwd, c);
        path[c] = '/';
        len = c + 1;
    }
    memcpy(path + len, name, n);
    len = fp_path_normalize(path, len + n);
    int file = fp_sites_file(sites, path, len, profiled, fr->filter);
    if (file < 0)
        return -1;
    int result = sites->files[file].profiled ? file : -1;
    fp_sites_code_store(sites, code, filename, result);
    return result;
}

/* Slow path of classify_code: decide from the file name, then cache. */
static int classify_new_code(fp_frames_t *fr, PyCodeObject *co)
{
    char name[PATH_CAP];
    size_t n = str_to_utf8(co->co_filename, name, sizeof name);
    if (n == 0)
        return -1;
    return classify_name(fr, (uintptr_t)co, (uintptr_t)co->co_filename, name, n);
}

/* File index of a code object's file when it is profiled, else -1. In a
 * signal handler (MISSED not NULL) a code object not yet in the cache is
 * left to the sampler thread (codeq.h): it counts as unprofiled, and
 * *MISSED tells the caller that the answer is not final. */
static int classify_code(fp_frames_t *fr, PyCodeObject *co, bool *missed)
{
    int file = fp_sites_code_lookup(fr->sites, (uintptr_t)co, (uintptr_t)co->co_filename);
    if (file != -2)
        return file;
    if (missed && fr->safe_reads == 1) { /* without safe reads the sampler could not classify it */
        fp_codeq_push(&fr->codeq, (uintptr_t)co, (uintptr_t)co->co_filename);
        *missed = true;
        return -1;
    }
    return classify_new_code(fr, co);
}

PyThreadState *fp_frames_this_thread(void) { return PyGILState_GetThisThreadState(); }

/* Reading frames from a signal handler, the thread may be anywhere: inside
 * _PyEval_EvalFrameDefault's entry, the thread state already points at a C
 * frame whose current_frame is not yet written (stack garbage). So the
 * handler copies each frame with process_vm_readv, which fails rather than
 * faults on a bad address, and checks that its code is a code object
 * before reading it. Code objects that frames refer to are alive. */
static bool safe_copy(fp_frames_t *fr, void *dst, const void *src, size_t n)
{
    if ((uintptr_t)src < 65536 || ((uintptr_t)src & 7))
        return false;
    struct iovec local = {dst, n}, remote = {(void *)src, n};
    long got = syscall(SYS_process_vm_readv, (long)getpid(), &local, 1L, &remote, 1L, 0L);
    if (got == (long)n)
        return true;
    if (got < 0 && (errno == ENOSYS || errno == EPERM) && fr->safe_reads == -1)
        fr->safe_reads = 0;
    return false;
}

void fp_frames_init(fp_frames_t *fr, fp_sites_t *sites, const fp_filter_t *filter, fp_stacks_t *stacks)
{
    fr->sites = sites;
    fr->filter = filter;
    fr->stacks = stacks;
    memset(&fr->codeq, 0, sizeof fr->codeq);
    fr->safe_reads = -1;
    long probe = 42, copy = 0;
    int saved = errno;
    fr->safe_reads = safe_copy(fr, &copy, &probe, sizeof copy) && copy == 42;
    errno = saved;
}

/* Copies *SRC (N bytes) to DST when CAREFUL (the walk's state, NULL when
 * not careful), else points at it. Returns
 * the memory to read, or NULL when it cannot be read. */
static const void *view(fp_frames_t *careful, void *dst, const void *src, size_t n)
{
    if (!careful || careful->safe_reads != 1)
        return src && (uintptr_t)src >= 65536 ? src : NULL;
    return safe_copy(careful, dst, src, n) ? dst : NULL;
}

/* CO when it is a code object: its type is read safely when CAREFUL. */
static PyCodeObject *as_code(fp_frames_t *careful, PyObject *co)
{
    /* a garbage pointer is not even dereferenced to take a field's address */
    if ((uintptr_t)co < 65536 || (uintptr_t)co % _Alignof(PyObject))
        return NULL;
    PyTypeObject *type, *const *t = view(careful, &type, &co->ob_type, sizeof type);
    return t && *t == &PyCode_Type ? (PyCodeObject *)co : NULL;
}

static fp_line_t *line_of(fp_frames_t *fr, PyCodeObject *co, int addr)
{
    int file = classify_code(fr, co, NULL); /* the walk classified it already */
    if (file < 0)
        return NULL;
    int line = addr < 0 ? co->co_firstlineno : PyCode_Addr2Line(co, addr);
    return fp_sites_line(fr->sites, file, line);
}

/* One walk of a thread's frames. */
typedef struct walk {
    fp_frames_t *fr;
    fp_frames_t *careful;            /* in a signal handler (reads may fail): FR, else NULL */
    bool *missed;                    /* in a signal handler: new code is left to the sampler thread */
    bool stack;                      /* the whole stack is wanted, not only the innermost line */
    fp_line_t *innermost;
    int depth;
    bool truncated;
    uint32_t lines[FP_STACK_DEPTH];  /* line indices, innermost first */
} walk_t;

/* Takes the line of a profiled frame. Returns whether to go on outwards. */
static bool visit(walk_t *w, fp_line_t *line)
{
    if (!line) /* no room for the line: nothing is known, or the stack lacks it */
        return w->innermost != NULL;
    if (!w->innermost)
        w->innermost = line;
    if (!w->stack)
        return false;
    if (w->depth == FP_STACK_DEPTH) {
        w->truncated = true;
        return false;
    }
    w->lines[w->depth++] = (uint32_t)(line - w->fr->sites->lines);
    return true;
}

#if PY_VERSION_HEX < 0x030B0000

bool fp_frames_none_running(PyThreadState *ts) { return !ts || !ts->frame; }

/* The walk stops at a frame that cannot be right (read half-way through
 * its set-up, it can hold anything): it returns false then. */
static bool walk(walk_t *w, PyThreadState *ts)
{
    if (!ts)
        return false;
    PyFrameObject copy;
    const PyFrameObject *f;
    for (int depth = 0;
         depth < MAX_DEPTH && (f = view(w->careful, &copy, depth ? f->f_back : ts->frame, sizeof copy));
         depth++) {
        PyCodeObject *co = as_code(w->careful, (PyObject *)f->f_code);
        if (!co || classify_code(w->fr, co, w->missed) < 0)
            continue;
        Py_ssize_t units = PyBytes_GET_SIZE(co->co_code) / (Py_ssize_t)sizeof(_Py_CODEUNIT);
#if PY_VERSION_HEX >= 0x030A0000
        if (f->f_lasti >= units)
            return false;
        int addr = f->f_lasti < 0 ? -1 : f->f_lasti * (int)sizeof(_Py_CODEUNIT);
#else
        if (f->f_lasti / (int)sizeof(_Py_CODEUNIT) >= units)
            return false;
        int addr = f->f_lasti;
#endif
        if (!visit(w, line_of(w->fr, co, addr)))
            break;
    }
    return true;
}

#else

#if PY_VERSION_HEX >= 0x030D0000
#define prev_instr_field instr_ptr /* 3.13 renamed it */
#else
#define prev_instr_field prev_instr
#endif

static _PyInterpreterFrame *top_frame(PyThreadState *ts)
{
#if PY_VERSION_HEX >= 0x030D0000
    return ts->current_frame;
#else
    return ts->cframe ? ts->cframe->current_frame : NULL;
#endif
}

bool fp_frames_none_running(PyThreadState *ts) { return !ts || !top_frame(ts); }

/* The code object of a frame worth reporting, or NULL for shims and
 * frames still being set up. */
static PyCodeObject *frame_code(fp_frames_t *careful, const _PyInterpreterFrame *f)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (f->owner == FRAME_OWNED_BY_CSTACK)
        return NULL;
#endif
#if PY_VERSION_HEX >= 0x030D0000
    PyCodeObject *co = as_code(careful, f->f_executable);
#else
    PyCodeObject *co = as_code(careful, (PyObject *)f->f_code);
#endif
    if (!co || _PyFrame_IsIncomplete((_PyInterpreterFrame *)f))
        return NULL;
    return co;
}

/* The walk stops at a frame that cannot be right (read half-way through
 * its set-up, it can point anywhere): it returns false then. */
static bool walk(walk_t *w, PyThreadState *ts)
{
    if (!ts)
        return false;
    _PyInterpreterFrame copy;
    const _PyInterpreterFrame *f;
    for (int depth = 0;
         depth < MAX_DEPTH && (f = view(w->careful, &copy, depth ? f->previous : top_frame(ts), sizeof copy));
         depth++) {
        PyCodeObject *co = frame_code(w->careful, f);
        if (!co || classify_code(w->fr, co, w->missed) < 0)
            continue;
        intptr_t offset = (intptr_t)f->prev_instr_field - (intptr_t)_PyCode_CODE(co); /* may be garbage */
        ptrdiff_t lasti = offset < 0 ? -1 : offset / (intptr_t)sizeof(_Py_CODEUNIT);
        if (lasti >= Py_SIZE(co))
            return false;
        if (!visit(w, line_of(w->fr, co, lasti < 0 ? -1 : (int)lasti * (int)sizeof(_Py_CODEUNIT))))
            break;
    }
    return true;
}

#endif

fp_line_t *fp_frames_site(fp_frames_t *fr, PyThreadState *ts)
{
    walk_t w = {.fr = fr};
    walk(&w, ts);
    return w.innermost;
}

/* The innermost line and the stack of a walk W, set up by the caller. */
static fp_where_t where(walk_t *w, PyThreadState *ts)
{
    w->stack = fp_stacks_on(w->fr->stacks);
    bool whole = walk(w, ts); /* a garbage outer frame leaves the line known, not the stack */
    if (!w->innermost)
        return (fp_where_t){NULL, NULL};
    return (fp_where_t){w->innermost,
                        whole ? fp_stacks_find(w->fr->stacks, w->lines, w->depth, w->truncated) : NULL};
}

fp_where_t fp_frames_where(fp_frames_t *fr, PyThreadState *ts)
{
    walk_t w = {.fr = fr};
    return where(&w, ts);
}

fp_where_t fp_frames_where_async(fp_frames_t *fr, PyThreadState *ts, bool *missed)
{
    *missed = false;
    walk_t w = {.fr = fr, .careful = fr, .missed = missed};
    return where(&w, ts);
}

/* Copies the str object at ADDR whole into OUT (frames.h). Returns false
 * when ADDR is not a compact str of at most PATH_CAP characters. */
typedef fp_frames_str_copy_t str_copy_t;

static bool copy_str(fp_frames_t *fr, uintptr_t addr, str_copy_t *out)
{
    PyASCIIObject head;
    if (!safe_copy(fr, &head, (const void *)addr, sizeof head) || head.ob_base.ob_type != &PyUnicode_Type ||
        !head.state.compact || head.length < 0 || head.length > PATH_CAP)
        return false;
#if PY_VERSION_HEX < 0x030C0000
    if (!head.state.ready)
        return false;
#endif
    size_t header = head.state.ascii ? sizeof(PyASCIIObject) : sizeof(PyCompactUnicodeObject);
    size_t size = header + ((size_t)head.length + 1) * head.state.kind;
    return size <= sizeof out->bytes && safe_copy(fr, out, (const void *)addr, size);
}

/* Whether CODE is still a code object whose co_filename is FILENAME. */
static bool still_code_of(fp_frames_t *fr, uintptr_t code, uintptr_t filename)
{
    PyObject *current;
    PyCodeObject *co = as_code(fr, (PyObject *)code);
    return co && safe_copy(fr, &current, &co->co_filename, sizeof current) && (uintptr_t)current == filename;
}

/* The code object may have been freed since the handler saw it, or be
 * freed while this reads it (no GIL is held): every read fails rather
 * than faults, and it must still be a code object with the co_filename
 * the handler saw, before the name is read and after. */
static void classify_pending(void *ctx, uintptr_t code, uintptr_t filename)
{
    fp_frames_t *fr = ctx;
    if (!still_code_of(fr, code, filename) || fp_sites_code_lookup(fr->sites, code, filename) != -2)
        return;
    char name[PATH_CAP];
    size_t n = copy_str(fr, filename, &fr->name) ? str_to_utf8((PyObject *)&fr->name, name, sizeof name) : 0;
    if (n > 0 && still_code_of(fr, code, filename))
        classify_name(fr, code, filename, name, n);
}

void fp_frames_classify_pending(fp_frames_t *fr)
{
    if (fp_codeq_any(&fr->codeq))
        fp_codeq_drain(&fr->codeq, classify_pending, fr);
}
