/* real.c: resolving the next definitions of the names we replace, and the
 * bootstrap arena for calls that arrive meanwhile (see real.h). */
#include "real.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>

/* Set while this thread resolves: its own calls (dlsym allocates) go to
 * the bootstrap arena. Thread-local, initial-exec: no allocation on first
 * touch. */
static __thread int resolving __attribute__((tls_model("initial-exec")));

void *fp_real_boot_alloc(fp_boot_t *b, size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    size_t used = atomic_load(&b->used), start;
    do {
        start = (used + align - 1) & ~(align - 1);
        if (start + size > FP_BOOT_BYTES)
            return NULL;
    } while (!atomic_compare_exchange_weak(&b->used, &used, start + size));
    return b->bytes + start; /* static storage: already zeroed */
}

void *fp_real_slow_copy(void *dst, const void *src, size_t n)
{
    volatile char *d = dst;
    const volatile char *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
    return dst;
}

#define RESOLVE(r, field, name) (*(void **)&(r)->field = dlsym(RTLD_NEXT, name))

static void resolve_all(fp_real_t *r)
{
    /* the copy functions first: dlsym itself copies */
    RESOLVE(r, memcpy, "memcpy");
    RESOLVE(r, memmove, "memmove");
    RESOLVE(r, memcpy_chk, "__memcpy_chk");
    RESOLVE(r, memmove_chk, "__memmove_chk");
    RESOLVE(r, malloc, "malloc");
    RESOLVE(r, free, "free");
    RESOLVE(r, calloc, "calloc");
    RESOLVE(r, realloc, "realloc");
    RESOLVE(r, posix_memalign, "posix_memalign");
    RESOLVE(r, aligned_alloc, "aligned_alloc");
    RESOLVE(r, memalign, "memalign");
    RESOLVE(r, valloc, "valloc");
    RESOLVE(r, pvalloc, "pvalloc");
    RESOLVE(r, mmap, "mmap");
    RESOLVE(r, munmap, "munmap");
}

bool fp_real_init(fp_real_t *r)
{
    if (atomic_load_explicit(&r->state, memory_order_acquire) == 2)
        return true;
    if (resolving)
        return false;
    resolving = 1;
    int expected = 0;
    if (atomic_compare_exchange_strong(&r->state, &expected, 1)) {
        resolve_all(r);
        atomic_store_explicit(&r->state, 2, memory_order_release);
    } else {
        /* another thread is resolving: wait for it (it never allocates
         * through us while doing so, so this cannot deadlock) */
        while (atomic_load_explicit(&r->state, memory_order_acquire) != 2)
            ;
    }
    resolving = 0;
    return true;
}
