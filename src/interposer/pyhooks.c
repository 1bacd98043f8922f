/* pyhooks.c: Python's allocators, counted at the size Python asked for.
 *
 * The agent installs these wrappers with PyMem_SetAllocator on the RAW,
 * MEM and OBJ domains, and on pymalloc's arena allocator. Blocks from
 * pymalloc's pools never reach malloc, which is why Python's own domains
 * need hooking. Nothing is counted twice:
 *  - RAW requests are counted here, and the malloc beneath is guarded;
 *  - MEM and OBJ requests pymalloc serves (up to 512 bytes) are counted
 *    here; the only system memory beneath them is an arena, guarded by
 *    the arena wrapper; larger requests go on to the RAW domain and are
 *    counted there, so not here;
 *  - when pymalloc is off (PYTHONMALLOC=malloc), MEM and OBJ are wrapped
 *    like RAW.
 * The pymalloc path takes no guard and tests no flag: it is the hottest
 * path of a Python program. */
#include "pyhooks.h"

#include "state.h"

#define EXPORT __attribute__((visibility("default")))

/* Every wrapper's ctx is the allocator it passes on to (pyhooks.h); the
 * tracker's state, which no ctx carries, is fp_state's. */

/* ---- counted here, everything beneath guarded (RAW; MEM/OBJ without pymalloc) */

static void *guarded_malloc(void *ctx, size_t n)
{
    const fp_pymem_allocator_t *o = ctx;
    fp_tls.guard++;
    void *p = o->malloc(o->ctx, n);
    fp_tls.guard--;
    fp_track_alloc(p, n, true);
    return p;
}

static void *guarded_calloc(void *ctx, size_t nelem, size_t elsize)
{
    const fp_pymem_allocator_t *o = ctx;
    fp_tls.guard++;
    void *p = o->calloc(o->ctx, nelem, elsize);
    fp_tls.guard--;
    fp_track_alloc(p, nelem * elsize, true);
    return p;
}

static void guarded_free(void *ctx, void *ptr)
{
    const fp_pymem_allocator_t *o = ctx;
    fp_track_free(&fp_state.track, ptr);
    fp_tls.guard++;
    o->free(o->ctx, ptr);
    fp_tls.guard--;
}

/* ---- pymalloc: small requests counted here, large ones by RAW ----------- */

/* Counted before the call, so that the common case (no sample due) ends
 * in a tail call: an allocation then costs one jump more than bare. True
 * when a sample is due. */
static inline bool pymalloc_sample_due(size_t n)
{
    return n <= FP_PYMALLOC_THRESHOLD && fp_track_count(n, true);
}

static void *pymalloc_malloc(void *ctx, size_t n)
{
    const fp_pymem_allocator_t *o = ctx;
    if (__builtin_expect(!pymalloc_sample_due(n), 1))
        return o->malloc(o->ctx, n);
    void *p = o->malloc(o->ctx, n);
    fp_track_alloc_slow(p, n, true);
    return p;
}

static void *pymalloc_calloc(void *ctx, size_t nelem, size_t elsize)
{
    const fp_pymem_allocator_t *o = ctx;
    size_t n;
    if (__builtin_mul_overflow(nelem, elsize, &n) || __builtin_expect(!pymalloc_sample_due(n), 1))
        return o->calloc(o->ctx, nelem, elsize);
    void *p = o->calloc(o->ctx, nelem, elsize);
    fp_track_alloc_slow(p, n, true);
    return p;
}

/* Kept out of line, so that the common free is a test and a tail call. */
__attribute__((noinline)) static void pymalloc_free_sampled(const fp_pymem_allocator_t *o, void *ptr)
{
    fp_track_free_slow(ptr);
    o->free(o->ctx, ptr);
}

static void pymalloc_free(void *ctx, void *ptr)
{
    const fp_pymem_allocator_t *o = ctx;
    if (__builtin_expect(fp_track_free_wanted(&fp_state.track, ptr), 0))
        pymalloc_free_sampled(o, ptr);
    else
        o->free(o->ctx, ptr);
}

/* A resize is settled here whole (the old block goes, the new one comes),
 * under the guard, in every domain. */
static void *any_realloc(void *ctx, void *ptr, size_t n)
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

EXPORT void fp_alloc_wrap_python(int domain, const fp_pymem_allocator_t *o, bool pymalloc,
                                 fp_pymem_allocator_t *wrapper)
{
    if (domain < 0 || domain >= FP_PYMEM_DOMAINS) {
        *wrapper = *o;
        return;
    }
    fp_pymem_allocator_t *orig = &fp_state.pyhooks.orig[domain];
    *orig = *o;
    bool small_path = domain != 0 && pymalloc;
    wrapper->ctx = orig;
    wrapper->malloc = small_path ? pymalloc_malloc : guarded_malloc;
    wrapper->calloc = small_path ? pymalloc_calloc : guarded_calloc;
    wrapper->realloc = any_realloc;
    wrapper->free = small_path ? pymalloc_free : guarded_free;
}

static void *arena_alloc(void *ctx, size_t size)
{
    const fp_pyarena_allocator_t *o = ctx;
    fp_tls.guard++;
    void *p = o->alloc(o->ctx, size);
    fp_tls.guard--;
    return p;
}

static void arena_free(void *ctx, void *ptr, size_t size)
{
    const fp_pyarena_allocator_t *o = ctx;
    fp_tls.guard++;
    o->free(o->ctx, ptr, size);
    fp_tls.guard--;
}

EXPORT void fp_alloc_wrap_arenas(const fp_pyarena_allocator_t *o, fp_pyarena_allocator_t *wrapper)
{
    fp_state.pyhooks.arenas = *o;
    wrapper->ctx = &fp_state.pyhooks.arenas;
    wrapper->alloc = arena_alloc;
    wrapper->free = arena_free;
}
