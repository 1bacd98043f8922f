/* pyhooks.c: Python's allocators, counted at the size Python asked for.
 *
 * The agent installs these wrappers with PyMem_SetAllocator on the RAW,
 * MEM and OBJ domains. Each counts the request and raises the guard
 * around the wrapped allocator, so that the malloc or arena mmap beneath
 * is not counted a second time. Blocks from pymalloc's pools never reach
 * malloc at all, which is why Python's own domains need hooking. */
#include "../common/alloc_api.h"
#include "track.h"

#define EXPORT __attribute__((visibility("default")))

static fp_pymem_allocator_t wrapped[FP_PYMEM_DOMAINS];

static void *py_malloc(void *ctx, size_t n)
{
    const fp_pymem_allocator_t *o = ctx;
    fp_tls.guard++;
    void *p = o->malloc(o->ctx, n);
    fp_tls.guard--;
    fp_track_alloc(p, n, true);
    return p;
}

static void *py_calloc(void *ctx, size_t nelem, size_t elsize)
{
    const fp_pymem_allocator_t *o = ctx;
    fp_tls.guard++;
    void *p = o->calloc(o->ctx, nelem, elsize);
    fp_tls.guard--;
    fp_track_alloc(p, nelem * elsize, true);
    return p;
}

static void *py_realloc(void *ctx, void *ptr, size_t n)
{
    const fp_pymem_allocator_t *o = ctx;
    fp_track_moved_t moved;
    fp_track_realloc_before(ptr, &moved);
    fp_tls.guard++;
    void *p = o->realloc(o->ctx, ptr, n);
    fp_tls.guard--;
    fp_track_realloc_after(ptr, p, n, &moved, true);
    return p;
}

static void py_free(void *ctx, void *ptr)
{
    const fp_pymem_allocator_t *o = ctx;
    fp_track_free(ptr);
    fp_tls.guard++;
    o->free(o->ctx, ptr);
    fp_tls.guard--;
}

EXPORT void fp_alloc_wrap_python(int domain, const fp_pymem_allocator_t *orig, fp_pymem_allocator_t *wrapper)
{
    if (domain < 0 || domain >= FP_PYMEM_DOMAINS) {
        *wrapper = *orig;
        return;
    }
    wrapped[domain] = *orig;
    wrapper->ctx = &wrapped[domain];
    wrapper->malloc = py_malloc;
    wrapper->calloc = py_calloc;
    wrapper->realloc = py_realloc;
    wrapper->free = py_free;
}
