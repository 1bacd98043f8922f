/* real.h: the functions the interposer stands in front of.
 *
 * Each exported libc name forwards to the next definition in the lookup
 * order (dlsym RTLD_NEXT), so an allocator the user preloads keeps
 * working. dlsym itself may allocate: calls that arrive while the names
 * are being resolved are served from a static bootstrap arena, whose
 * blocks are never freed. */
#ifndef FP_REAL_H
#define FP_REAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The next definitions of the names we replace, and whether they are
 * resolved. Written once, by the thread that wins `state` in
 * fp_real_init; read by every call after (and tested for NULL before:
 * NULL means "not yet"). Once per process: a new start keeps it. */
typedef struct fp_real {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    void *(*mmap)(void *, size_t, int, int, int, off_t);
    int (*munmap)(void *, size_t);
    void *(*memcpy)(void *, const void *, size_t);
    void *(*memmove)(void *, const void *, size_t);
    void *(*memcpy_chk)(void *, const void *, size_t, size_t);
    void *(*memmove_chk)(void *, const void *, size_t, size_t);
    _Atomic int state; /* 0 unresolved, 1 resolving, 2 done: fp_real_init */
} fp_real_t;

/* Bootstrap arena: dlsym may call calloc before malloc is known. `used`
 * is bumped by any thread that allocates while the names are resolved;
 * blocks from here are never freed or reused (static storage: they start
 * zeroed) and are never handed to the real free (fp_real_is_boot). Once
 * per process. */
enum { FP_BOOT_BYTES = 256 * 1024 };
typedef struct fp_boot {
    _Atomic size_t used;
    _Alignas(64) char bytes[FP_BOOT_BYTES];
} fp_boot_t;

/* Resolves every name of R (once). Returns false while a resolution is in
 * progress on this thread (callers then use the bootstrap arena). */
bool fp_real_init(fp_real_t *r);

/* Bootstrap allocations, for calls made while resolving; NULL when the
 * arena is full. */
void *fp_real_boot_alloc(fp_boot_t *b, size_t size, size_t align);

/* Whether P is a block of the bootstrap arena. Inline: free() asks it of
 * every block. */
static inline bool fp_real_is_boot(const fp_boot_t *b, const void *p)
{
    return (const char *)p >= b->bytes && (const char *)p < b->bytes + FP_BOOT_BYTES;
}

/* A byte-by-byte copy for before memcpy is resolved. */
void *fp_real_slow_copy(void *dst, const void *src, size_t n);

#endif
