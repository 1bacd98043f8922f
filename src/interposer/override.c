/* override.c: the libc names footprint replaces, when preloaded.
 *
 * Each one only forwards: to the real function (real.c), with counting
 * and sampling before or after it (track.c). Until the agent attaches,
 * and in processes that are not Python, they are a plain pass-through.
 * Calls that arrive while the real names are being resolved are served
 * from the bootstrap arena. They get no state argument: each takes the
 * interposer's own (state.h) through the short names below, which are
 * fp_state's parts (one RIP-relative address each, as separate globals
 * were). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "override.h"
#include "state.h"

#define EXPORT __attribute__((visibility("default")))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define REAL (&fp_state.real)
#define BOOT (&fp_state.boot)
#define TRACK (&fp_state.track)

EXPORT void *malloc(size_t n)
{
    if (UNLIKELY(!REAL->malloc) && !fp_real_init(REAL))
        return fp_real_boot_alloc(BOOT, n, 16);
    void *p = REAL->malloc(n);
    fp_track_alloc(p, n, false);
    return p;
}

EXPORT void *calloc(size_t nelem, size_t elsize)
{
    if (UNLIKELY(!REAL->calloc) && !fp_real_init(REAL)) {
        if (elsize && nelem > SIZE_MAX / elsize)
            return NULL;
        return fp_real_boot_alloc(BOOT, nelem * elsize, 16);
    }
    void *p = REAL->calloc(nelem, elsize);
    fp_track_alloc(p, nelem * elsize, false);
    return p;
}

EXPORT void free(void *p)
{
    if (UNLIKELY(!p || fp_real_is_boot(BOOT, p)))
        return;
    fp_track_free(TRACK, p);
    if (UNLIKELY(!REAL->free) && !fp_real_init(REAL))
        return; /* cannot happen: a block we did not hand out */
    REAL->free(p);
}

EXPORT void *realloc(void *old, size_t n)
{
    if (UNLIKELY(fp_real_is_boot(BOOT, old) || (!REAL->realloc && !fp_real_init(REAL)))) {
        void *p = malloc(n);
        if (p && old)
            fp_real_slow_copy(p, old, n); /* boot blocks are never larger than asked */
        return p;
    }
    fp_track_moved_t moved;
    fp_track_realloc_before(old, &moved);
    void *p = REAL->realloc(old, n);
    fp_track_realloc_after(old, p, n, &moved, false);
    return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (UNLIKELY(!REAL->posix_memalign) && !fp_real_init(REAL)) {
        *out = fp_real_boot_alloc(BOOT, n, align);
        return *out ? 0 : ENOMEM;
    }
    int rc = REAL->posix_memalign(out, align, n);
    if (rc == 0)
        fp_track_alloc(*out, n, false);
    return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    if (UNLIKELY(!REAL->aligned_alloc) && !fp_real_init(REAL))
        return fp_real_boot_alloc(BOOT, n, align);
    void *p = REAL->aligned_alloc(align, n);
    fp_track_alloc(p, n, false);
    return p;
}

EXPORT void *memalign(size_t align, size_t n)
{
    if (UNLIKELY(!REAL->memalign) && !fp_real_init(REAL))
        return fp_real_boot_alloc(BOOT, n, align);
    void *p = REAL->memalign(align, n);
    fp_track_alloc(p, n, false);
    return p;
}

EXPORT void *valloc(size_t n)
{
    if (UNLIKELY(!REAL->valloc) && !fp_real_init(REAL))
        return fp_real_boot_alloc(BOOT, n, 4096);
    void *p = REAL->valloc(n);
    fp_track_alloc(p, n, false);
    return p;
}

EXPORT void *pvalloc(size_t n)
{
    if (UNLIKELY(!REAL->pvalloc) && !fp_real_init(REAL))
        return fp_real_boot_alloc(BOOT, (n + 4095) & ~(size_t)4095, 4096);
    void *p = REAL->pvalloc(n);
    fp_track_alloc(p, n, false);
    return p;
}

/* Anonymous private read-write mappings are memory the program asked
 * for (pymalloc's arenas come through the Python hooks instead, guarded).
 * Thread stacks and address-space reservations are not. */
static int counted_mapping(int prot, int flags, int fd)
{
    return (flags & MAP_ANONYMOUS) && fd == -1 && !(flags & (MAP_SHARED | MAP_STACK | MAP_NORESERVE)) &&
           (prot & PROT_WRITE);
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (UNLIKELY(!REAL->mmap) && !fp_real_init(REAL)) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    void *p = REAL->mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && counted_mapping(prot, flags, fd))
        fp_track_alloc(p, len, false);
    return p;
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    __attribute__((copy(mmap), alias("mmap")));

EXPORT int munmap(void *addr, size_t len)
{
    if (UNLIKELY(!REAL->munmap) && !fp_real_init(REAL)) {
        errno = EINVAL;
        return -1;
    }
    fp_track_free(TRACK, addr);
    return REAL->munmap(addr, len);
}

EXPORT void *memcpy(void *dst, const void *src, size_t n)
{
    if (UNLIKELY(!REAL->memcpy))
        return fp_real_slow_copy(dst, src, n);
    fp_track_copy(n);
    return REAL->memcpy(dst, src, n);
}

EXPORT void *memmove(void *dst, const void *src, size_t n)
{
    if (UNLIKELY(!REAL->memmove))
        return fp_real_slow_copy(dst, src, n);
    fp_track_copy(n);
    return REAL->memmove(dst, src, n);
}

EXPORT void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
    if (UNLIKELY(!REAL->memcpy_chk)) {
        if (n > dstlen)
            abort();
        return fp_real_slow_copy(dst, src, n);
    }
    fp_track_copy(n);
    return REAL->memcpy_chk(dst, src, n, dstlen);
}

EXPORT void *__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
    if (UNLIKELY(!REAL->memmove_chk)) {
        if (n > dstlen)
            abort();
        return fp_real_slow_copy(dst, src, n);
    }
    fp_track_copy(n);
    return REAL->memmove_chk(dst, src, n, dstlen);
}

/* The hidden names of the definitions above (override.h). */
void *fp_override_malloc(size_t n) __attribute__((copy(malloc), alias("malloc")));
void *fp_override_calloc(size_t nelem, size_t elsize) __attribute__((copy(calloc), alias("calloc")));
void *fp_override_realloc(void *old, size_t n) __attribute__((copy(realloc), alias("realloc")));
void fp_override_free(void *p) __attribute__((copy(free), alias("free")));
int fp_override_posix_memalign(void **out, size_t align, size_t n) __attribute__((copy(posix_memalign), alias("posix_memalign")));
void *fp_override_aligned_alloc(size_t align, size_t n) __attribute__((copy(aligned_alloc), alias("aligned_alloc")));
void *fp_override_memalign(size_t align, size_t n) __attribute__((copy(memalign), alias("memalign")));
void *fp_override_valloc(size_t n) __attribute__((copy(valloc), alias("valloc")));
void *fp_override_pvalloc(size_t n) __attribute__((copy(pvalloc), alias("pvalloc")));
void *fp_override_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) __attribute__((copy(mmap), alias("mmap")));
int fp_override_munmap(void *addr, size_t len) __attribute__((copy(munmap), alias("munmap")));
void *fp_override_memcpy(void *dst, const void *src, size_t n) __attribute__((copy(memcpy), alias("memcpy")));
void *fp_override_memmove(void *dst, const void *src, size_t n) __attribute__((copy(memmove), alias("memmove")));
void *fp_override_memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen) __attribute__((copy(__memcpy_chk), alias("__memcpy_chk")));
void *fp_override_memmove_chk(void *dst, const void *src, size_t n, size_t dstlen) __attribute__((copy(__memmove_chk), alias("__memmove_chk")));
