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
} fp_real_t;

/* Resolved names; all NULL until fp_real_init has run. */
extern fp_real_t fp_real;

/* Resolves every name (once). Returns false while a resolution is in
 * progress on this thread (callers then use the bootstrap arena). */
bool fp_real_init(void);

/* Bootstrap allocations, for calls made while resolving. */
void *fp_real_boot_alloc(size_t size, size_t align);
bool fp_real_is_boot(const void *p);

/* A byte-by-byte copy for before memcpy is resolved. */
void *fp_real_slow_copy(void *dst, const void *src, size_t n);

#endif
