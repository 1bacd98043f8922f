/* arena.h: the agent's own memory.
 *
 * Every table the agent keeps lives in one anonymous mapping reserved at
 * start (MAP_NORESERVE: pages cost nothing until touched). The agent never
 * uses malloc for its tables, so they stay out of the program's allocation
 * figures, cannot deadlock with the program's allocator, and their size is
 * known exactly (memory.profiler_bytes). */
#ifndef FP_ARENA_H
#define FP_ARENA_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct fp_arena {
    char *base;
    size_t size;
    _Atomic size_t used;
} fp_arena_t;

/* Reserves SIZE bytes of address space. Returns 0 or -1 (errno set). */
int fp_arena_init(fp_arena_t *a, size_t size);
/* Empties A for a new start: what was carved reads as zeros again (the
 * pages are given back). No thread may use what was carved. */
void fp_arena_reset(fp_arena_t *a);
/* Carves N zeroed bytes, 64-byte aligned. Lock-free and async-signal-safe.
 * Returns NULL when the arena is full; callers drop the data then. */
void *fp_arena_alloc(fp_arena_t *a, size_t n);
/* Bytes of the arena resident in RAM now (mincore). Not signal-safe. */
size_t fp_arena_resident(const fp_arena_t *a);

#endif
