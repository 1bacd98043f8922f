/* test_gotpatch.c: the interposer loaded with dlopen (not preloaded) and
 * patched into this program's relocation slots: allocations, frees and
 * copies are seen while patched and not after; blocks that cross the
 * patch's edges neither crash nor count; libraries dlopen'ed while
 * patched are patched too; a sample from an earlier attachment is
 * forgotten; a new start begins from nothing. The interposer is the built one, next to this binary
 * (BUILD/ctest/.. /lib/footprint/libfootprint_alloc.so). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/common/alloc_api.h"

typedef int (*patch_fn)(void);

static struct {
    void *lib;
    fp_alloc_attach_fn attach;
    fp_alloc_detach_fn detach;
    fp_alloc_stats_fn stats;
    patch_fn patch, unpatch;
} ip;

static _Atomic uint64_t allocated, freed, frees;
static int site_token;

static void *hook_site(void) { return &site_token; }
static void hook_alloc(void *site, uint64_t weight, bool python)
{
    (void)python;
    if (site == &site_token)
        atomic_fetch_add(&allocated, weight);
}
static void hook_free(void *alloc_site, uint64_t alloc_ns, void *free_site, uint64_t weight, bool python, bool netted)
{
    (void)alloc_site, (void)alloc_ns, (void)free_site, (void)python, (void)netted;
    atomic_fetch_add(&freed, weight);
    atomic_fetch_add(&frees, 1);
}

static const fp_alloc_hooks_t hooks = {.site = hook_site, .on_alloc = hook_alloc, .on_free = hook_free};
static const fp_alloc_config_t config = {.mean_bytes = 4096, .copy_mean_bytes = 4096, .net_window_ns = 0};

/* The compiler must not pair a malloc with its free and drop both. */
static void *volatile keep[8];
/* libc's malloc, by a data relocation (not a slot the patch rewrites):
 * the address the code's own slot holds is compared with it */
static void *(*volatile libc_malloc)(size_t) = malloc;

enum { BIG = 8 << 20 };

static int load(void **state)
{
    (void)state;
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(path, sizeof path, "%s/../lib/footprint/libfootprint_alloc.so", exe);
    ip.lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!ip.lib) {
        fprintf(stderr, "cannot load the interposer (run make first): %s\n", dlerror());
        return -1;
    }
    ip.attach = (fp_alloc_attach_fn)dlsym(ip.lib, FP_ALLOC_ATTACH);
    ip.detach = (fp_alloc_detach_fn)dlsym(ip.lib, FP_ALLOC_DETACH);
    ip.stats = (fp_alloc_stats_fn)dlsym(ip.lib, FP_ALLOC_STATS);
    ip.patch = (patch_fn)dlsym(ip.lib, "fp_alloc_patch");
    ip.unpatch = (patch_fn)dlsym(ip.lib, "fp_alloc_unpatch");
    return ip.attach && ip.detach && ip.stats && ip.patch && ip.unpatch ? 0 : -1;
}

static int attach_fresh(void **state)
{
    (void)state;
    atomic_store(&allocated, 0), atomic_store(&freed, 0), atomic_store(&frees, 0);
    return ip.attach(&hooks, &config);
}

static int detach_and_unpatch(void **state)
{
    (void)state;
    ip.unpatch();
    ip.detach();
    return 0;
}

static void test_nothing_seen_unpatched(void **state)
{
    (void)state;
    keep[0] = malloc(BIG);
    free(keep[0]);
    assert_int_equal(atomic_load(&allocated), 0);
    assert_int_equal(atomic_load(&frees), 0);
}

static void test_patched_allocations_and_copies_are_seen(void **state)
{
    (void)state;
    keep[0] = malloc(BIG); /* before: never seen */
    assert_true(ip.patch() > 0);
    assert_ptr_not_equal((void *)libc_malloc, (void *)malloc); /* our GLOB_DAT slot was patched too */
    keep[1] = malloc(BIG);
    assert_true(atomic_load(&allocated) >= BIG);
    keep[2] = calloc(1, BIG);
    assert_true(atomic_load(&allocated) >= 2 * (uint64_t)BIG);
    fp_alloc_stats_t before, after;
    ip.stats(&before);
    volatile size_t n = BIG;
    memcpy(keep[2], keep[1], n);
    ip.stats(&after);
    assert_true(after.copy_bytes - before.copy_bytes >= BIG);
    free(keep[0]); /* made before the patch: not a sampled block */
    assert_int_equal(atomic_load(&frees), 0);
    free(keep[1]);
    assert_int_equal(atomic_load(&frees), 1);
    assert_true(atomic_load(&freed) >= BIG);
    free(keep[2]);
}

static void test_unpatch_restores_every_slot(void **state)
{
    (void)state;
    int patched = ip.patch();
    assert_true(patched > 0);
    keep[0] = malloc(BIG); /* made inside, freed after: no crash, not seen */
    assert_int_equal(ip.unpatch(), patched);
    assert_ptr_equal((void *)libc_malloc, (void *)malloc);
    uint64_t seen = atomic_load(&allocated);
    keep[1] = malloc(BIG);
    free(keep[0]);
    free(keep[1]);
    assert_int_equal(atomic_load(&allocated), seen);
    assert_int_equal(atomic_load(&frees), 0);
    assert_int_equal(ip.unpatch(), 0); /* twice is harmless */
}

/* zlib is not linked into this test: loading it while patched patches
 * it, so the mallocs of its compress() are counted, and not after. */
typedef int (*compress_fn)(unsigned char *, unsigned long *, const unsigned char *, unsigned long);

static uint64_t allocated_by_compress(compress_fn compress)
{
    static unsigned char in[4096], out[8192];
    unsigned long outlen = sizeof out;
    fp_alloc_stats_t before, after;
    ip.stats(&before);
    assert_int_equal(compress(out, &outlen, in, sizeof in), 0);
    ip.stats(&after);
    return after.alloc_bytes - before.alloc_bytes;
}

static void test_dlopen_while_patched_patches_the_new_object(void **state)
{
    (void)state;
    assert_true(ip.patch() > 0);
    void *lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
    assert_non_null(lib);
    compress_fn compress = (compress_fn)dlsym(lib, "compress");
    assert_non_null(compress);
    assert_true(allocated_by_compress(compress) > 4096); /* deflate's state and window */
    ip.unpatch();
    assert_int_equal(allocated_by_compress(compress), 0);
    dlclose(lib);
}

/* A block sampled in one attachment and freed in the next names a line
 * of a profile that is gone: the new one never hears of it. */
static void test_earlier_attachment_samples_are_forgotten(void **state)
{
    (void)state;
    assert_true(ip.patch() > 0);
    keep[0] = malloc(BIG);
    assert_true(atomic_load(&allocated) >= BIG);
    ip.unpatch();
    ip.detach();
    assert_int_equal(ip.attach(&hooks, &config), 0);
    atomic_store(&allocated, 0), atomic_store(&frees, 0);
    fp_alloc_stats_t s;
    ip.stats(&s);
    assert_int_equal(s.live_estimate, 0);
    assert_true(ip.patch() > 0);
    free(keep[0]);
    assert_int_equal(atomic_load(&frees), 0);
    ip.stats(&s);
    assert_int_equal(s.live_estimate, 0);
}

/* A new start (unpatch, detach; attach, patch) begins from nothing: the
 * totals are the new attachment's, and every slot is patched again (the
 * patch tables were emptied, not left to say "done"). */
static void test_a_new_start_begins_from_nothing(void **state)
{
    (void)state;
    int patched = ip.patch();
    assert_true(patched > 0);
    keep[0] = malloc(BIG);
    free(keep[0]);
    fp_alloc_stats_t s;
    ip.stats(&s);
    assert_true(s.alloc_bytes >= BIG);
    assert_true(s.samples > 0);
    assert_int_equal(ip.unpatch(), patched);
    ip.detach();
    assert_int_equal(ip.attach(&hooks, &config), 0);
    ip.stats(&s);
    assert_int_equal(s.alloc_bytes, 0);
    assert_int_equal(s.samples, 0);
    assert_int_equal(s.peak_estimate, 0);
    assert_int_equal(ip.patch(), patched);
    atomic_store(&allocated, 0);
    keep[1] = malloc(BIG);
    assert_true(atomic_load(&allocated) >= BIG);
    free(keep[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nothing_seen_unpatched, attach_fresh, detach_and_unpatch),
        cmocka_unit_test_setup_teardown(test_patched_allocations_and_copies_are_seen, attach_fresh, detach_and_unpatch),
        cmocka_unit_test_setup_teardown(test_unpatch_restores_every_slot, attach_fresh, detach_and_unpatch),
        cmocka_unit_test_setup_teardown(test_dlopen_while_patched_patches_the_new_object, attach_fresh,
                                        detach_and_unpatch),
        cmocka_unit_test_setup_teardown(test_earlier_attachment_samples_are_forgotten, attach_fresh,
                                        detach_and_unpatch),
        cmocka_unit_test_setup_teardown(test_a_new_start_begins_from_nothing, attach_fresh, detach_and_unpatch),
    };
    return cmocka_run_group_tests(tests, load, NULL);
}
