/* arenaguard.c: deferred frees of arena blocks (see arenaguard.h). */
#include <Python.h>

#include "arenaguard.h"

#include <pthread.h>
#include <stdbool.h>

static PyObjectArenaAllocator inner;
static pthread_key_t thread_end;
static bool have_key;

/* The block this thread freed last, still mapped. */
static __thread void *held;
static __thread size_t held_size;

static void release_held(void)
{
    if (held)
        inner.free(inner.ctx, held, held_size);
    held = NULL;
}

static void on_thread_end(void *unused)
{
    (void)unused;
    release_held();
}

static void *guarded_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return inner.alloc(inner.ctx, size);
}

static void guarded_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (!held && have_key)
        pthread_setspecific(thread_end, (void *)1); /* so that its end releases what it holds */
    release_held();
    held = ptr;
    held_size = size;
}

void fp_arenaguard_install(void)
{
    PyObject_GetArenaAllocator(&inner);
    have_key = pthread_key_create(&thread_end, on_thread_end) == 0;
    PyObjectArenaAllocator outer = {NULL, guarded_alloc, guarded_free};
    PyObject_SetArenaAllocator(&outer);
}
