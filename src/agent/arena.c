/* arena.c: the agent's private bump allocator (see arena.h). */
#include "arena.h"

#include <string.h>

#include "../common/resident.h"
#include <sys/mman.h>
#include <unistd.h>

int fp_arena_init(fp_arena_t *a, size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    a->base = p;
    a->size = size;
    atomic_store(&a->used, 0);
    return 0;
}

void fp_arena_reset(fp_arena_t *a)
{
    size_t used = atomic_load(&a->used);
    if (used > a->size)
        used = a->size;
    long page = sysconf(_SC_PAGESIZE);
    size_t len = (used + (size_t)page - 1) & ~((size_t)page - 1);
    /* private anonymous pages read as zeros once given back */
    if (len > 0 && madvise(a->base, len, MADV_DONTNEED) != 0)
        memset(a->base, 0, used);
    atomic_store(&a->used, 0);
}

void *fp_arena_alloc(fp_arena_t *a, size_t n)
{
    size_t want = (n + 63) & ~(size_t)63;
    size_t off = atomic_fetch_add_explicit(&a->used, want, memory_order_relaxed);
    if (off + want > a->size)
        return NULL;
    return a->base + off;
}

size_t fp_arena_resident(const fp_arena_t *a)
{
    size_t used = atomic_load(&a->used), unknown;
    if (used > a->size)
        used = a->size;
    size_t resident = fp_resident_bytes(a->base, used, &unknown);
    return unknown ? used : resident; /* cannot tell: assume all of it */
}
