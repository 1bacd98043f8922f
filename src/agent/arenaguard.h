/* arenaguard.h: keeping freed frame-stack chunks mapped a little longer.
 *
 * Since 3.11 each thread's Python frames live in chunks that the
 * interpreter gets from the arena allocator. When a call returns from the
 * first frame of a chunk, the chunk is unmapped a few instructions before
 * the thread state stops pointing at that frame: a sample signal landing
 * in between would read unmapped memory. So the agent wraps the arena
 * allocator and keeps each thread's most recently freed block mapped
 * until that thread frees the next one (or ends): by then it has long
 * moved past the frame. pymalloc's own arenas go through here too, which
 * costs at most one idle arena per thread. */
#ifndef FP_ARENAGUARD_H
#define FP_ARENAGUARD_H

#include <Python.h>
#include <pthread.h>
#include <stdbool.h>

/* Written once by fp_arenaguard_install (with the GIL, before sampling),
 * read by the wrapper on any thread after. The block each thread holds
 * back is thread-local (arenaguard.c), not here. */
typedef struct fp_arenaguard {
    bool installed;
    PyObjectArenaAllocator inner; /* the allocator wrapped */
    pthread_key_t thread_end;     /* its destructor releases a thread's held block */
    bool have_key;
} fp_arenaguard_t;

/* Wraps the current arena allocator, once per process: a new start
 * keeps the wrapper (it would otherwise wrap itself). With the GIL. */
void fp_arenaguard_install(fp_arenaguard_t *g);

#endif
