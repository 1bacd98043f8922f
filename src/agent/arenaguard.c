/* arenaguard.c: deferred frees of arena blocks (see arenaguard.h). */
#include <Python.h>

#include "arenaguard.h"

/* The block this thread freed last, still mapped. Thread-local: each
 * thread holds its own. */
static __thread void *held;
static __thread size_t held_size;

static void release_held(const fp_arenaguard_t *g)
{
    if (held)
        g->inner.free(g->inner.ctx, held, held_size);
    held = NULL;
}

static void on_thread_end(void *g)
{
    release_held(g);
}

static void *guarded_alloc(void *ctx, size_t size)
{
    const fp_arenaguard_t *g = ctx;
    return g->inner.alloc(g->inner.ctx, size);
}

static void guarded_free(void *ctx, void *ptr, size_t size)
{
    fp_arenaguard_t *g = ctx;
    if (!held && g->have_key)
        pthread_setspecific(g->thread_end, g); /* so that its end releases what it holds */
    release_held(g);
    held = ptr;
    held_size = size;
}

void fp_arenaguard_install(fp_arenaguard_t *g)
{
    if (g->installed)
        return;
    PyObject_GetArenaAllocator(&g->inner);
    g->have_key = pthread_key_create(&g->thread_end, on_thread_end) == 0;
    PyObjectArenaAllocator outer = {g, guarded_alloc, guarded_free};
    PyObject_SetArenaAllocator(&outer);
    g->installed = true;
}
