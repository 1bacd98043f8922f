/* real.c: resolving the next definitions of the names we replace (see real.h). */
#include "real.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>

fp_real_t fp_real;

/* Bootstrap arena: dlsym may call calloc before malloc is known. Blocks
 * from here are never handed to the real free (see fp_real_is_boot). */
enum { BOOT_BYTES = 256 * 1024 };
static _Alignas(64) char boot_arena[BOOT_BYTES];
static _Atomic size_t boot_used;

static _Atomic int state; /* 0 unresolved, 1 resolving, 2 done */
static __thread int resolving __attribute__((tls_model("initial-exec")));

void *fp_real_boot_alloc(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    size_t used = atomic_load(&boot_used), start;
    do {
        start = (used + align - 1) & ~(align - 1);
        if (start + size > BOOT_BYTES)
            return NULL;
    } while (!atomic_compare_exchange_weak(&boot_used, &used, start + size));
    return boot_arena + start; /* static storage: already zeroed */
}

bool fp_real_is_boot(const void *p)
{
    return (const char *)p >= boot_arena && (const char *)p < boot_arena + BOOT_BYTES;
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

#define RESOLVE(field, name) (*(void **)&fp_real.field = dlsym(RTLD_NEXT, name))

bool fp_real_init(void)
{
    if (atomic_load_explicit(&state, memory_order_acquire) == 2)
        return true;
    if (resolving)
        return false;
    resolving = 1;
    int expected = 0;
    if (atomic_compare_exchange_strong(&state, &expected, 1)) {
        /* the copy functions first: dlsym itself copies */
        RESOLVE(memcpy, "memcpy");
        RESOLVE(memmove, "memmove");
        RESOLVE(memcpy_chk, "__memcpy_chk");
        RESOLVE(memmove_chk, "__memmove_chk");
        RESOLVE(malloc, "malloc");
        RESOLVE(free, "free");
        RESOLVE(calloc, "calloc");
        RESOLVE(realloc, "realloc");
        RESOLVE(posix_memalign, "posix_memalign");
        RESOLVE(aligned_alloc, "aligned_alloc");
        RESOLVE(memalign, "memalign");
        RESOLVE(valloc, "valloc");
        RESOLVE(pvalloc, "pvalloc");
        RESOLVE(mmap, "mmap");
        RESOLVE(munmap, "munmap");
        atomic_store_explicit(&state, 2, memory_order_release);
    } else {
        /* another thread is resolving: wait for it (it never allocates
         * through us while doing so, so this cannot deadlock) */
        while (atomic_load_explicit(&state, memory_order_acquire) != 2)
            ;
    }
    resolving = 0;
    return true;
}
