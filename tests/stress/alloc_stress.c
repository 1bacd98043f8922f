/* alloc_stress.c: the allocation interposer under load, without Python.
 *
 * Run with LD_PRELOAD=libfootprint_alloc.so. Eight threads make millions
 * of mixed-size malloc/calloc/realloc (growing and shrinking)/free,
 * posix_memalign, aligned_alloc, memalign, valloc, anonymous mmap/munmap,
 * memcpy and memmove, checking every block's contents and
 * malloc_usable_size. A constructor allocates before main and a
 * destructor after it; the process forks and dlopens a library midway.
 *
 *   alloc_stress plain     the interposer idle (as in a non-Python process)
 *   alloc_stress attached  attached with test hooks: the sampled estimate
 *                          of bytes allocated must match the exact count,
 *                          and nothing may be left live once all is freed
 * Exits 0 when every check holds. */
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/common/alloc_api.h"

enum { THREADS = 8, OPS = 250000, SLOTS = 512 };

static _Atomic uint64_t sampled_alloc, sampled_free, sampled_copy;
static _Atomic int64_t live_weight;
static _Atomic uint64_t exact_alloc[THREADS];
static int failures;
static char site_marker;

static void *t_site(void) { return &site_marker; }
static void t_alloc(void *site, uint64_t w, bool py)
{
    (void)py;
    if (site != &site_marker)
        failures++;
    atomic_fetch_add(&sampled_alloc, w);
    atomic_fetch_add(&live_weight, (int64_t)w);
}
static void t_free(void *as, uint64_t t, void *fs, uint64_t w, bool py, bool netted)
{
    (void)as, (void)t, (void)fs, (void)py, (void)netted;
    atomic_fetch_add(&sampled_free, w);
    atomic_fetch_sub(&live_weight, (int64_t)w);
}
static void t_copy(void *site, uint64_t w)
{
    (void)site;
    atomic_fetch_add(&sampled_copy, w);
}
static void t_peak(int64_t live) { (void)live; }

static void fail(const char *what)
{
    fprintf(stderr, "alloc_stress: %s\n", what);
    exit(1);
}

__attribute__((constructor)) static void early(void)
{
    char *p = malloc(1000);
    if (!p)
        fail("malloc in a constructor");
    memset(p, 1, 1000);
    free(p);
}

static void late(void)
{
    void *p = calloc(10, 100);
    free(p);
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t random_size(uint64_t *rng)
{
    uint64_t r = next(rng) % 1000;
    if (r < 700)
        return 1 + next(rng) % 256;          /* small */
    if (r < 990)
        return 256 + next(rng) % 65536;      /* medium */
    return 65536 + next(rng) % (1 << 20);    /* large: mmap'd by malloc past 128 KiB */
}

typedef struct block {
    unsigned char *p;
    size_t n;
    unsigned char tag;
    int kind; /* 0 malloc family, 1 mmap */
} block_t;

static void fill(block_t *b) { memset(b->p, b->tag, b->n); }

static void check(const block_t *b)
{
    if (b->n && (b->p[0] != b->tag || b->p[b->n - 1] != b->tag))
        fail("a block lost its contents");
    if (b->kind == 0 && malloc_usable_size(b->p) < b->n)
        fail("malloc_usable_size is smaller than the block");
}

static void release(block_t *b)
{
    if (!b->p)
        return;
    check(b);
    if (b->kind == 1)
        munmap(b->p, b->n);
    else
        free(b->p);
    b->p = NULL;
}

static void make(block_t *b, uint64_t *rng, int id)
{
    size_t n = random_size(rng);
    void *p = NULL;
    b->kind = 0;
    switch (next(rng) % 8) {
    case 0: p = calloc(1, n); break;
    case 1: if (posix_memalign(&p, 64, n) != 0) p = NULL; break;
    case 2: p = aligned_alloc(256, (n + 255) & ~(size_t)255); n = (n + 255) & ~(size_t)255; break;
    case 3: p = memalign(32, n); break;
    case 4: p = valloc(n); break;
    case 5:
        p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            p = NULL;
        b->kind = 1;
        break;
    default: p = malloc(n); break;
    }
    if (!p)
        fail("an allocation failed");
    atomic_fetch_add(&exact_alloc[id], n);
    b->p = p;
    b->n = n;
    b->tag = (unsigned char)next(rng);
    fill(b);
}

static void resize(block_t *b, uint64_t *rng, int id)
{
    size_t n = random_size(rng);
    size_t keep = n < b->n ? n : b->n;
    unsigned char *p = realloc(b->p, n);
    if (!p)
        fail("realloc failed");
    for (size_t i = 0; i < keep; i += 97)
        if (p[i] != b->tag)
            fail("realloc lost the contents");
    atomic_fetch_add(&exact_alloc[id], n);
    b->p = p;
    b->n = n;
    fill(b);
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint64_t rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(id + 1);
    block_t *blocks = calloc(SLOTS, sizeof *blocks);
    unsigned char *scratch = malloc(1 << 16);
    for (int op = 0; op < OPS; op++) {
        block_t *b = &blocks[next(&rng) % SLOTS];
        uint64_t what = next(&rng) % 10;
        if (!b->p)
            make(b, &rng, id);
        else if (what < 4)
            release(b);
        else if (what < 7 && b->kind == 0)
            resize(b, &rng, id);
        else {
            size_t n = b->n < (1 << 16) ? b->n : (1 << 16);
            memcpy(scratch, b->p, n);
            memmove(b->p, scratch, n);
            check(b);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        release(&blocks[i]);
    free(scratch);
    free(blocks);
    return NULL;
}

static void fork_midway(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 1000; i++)
            free(malloc(1 + (size_t)i * 100));
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("the forked child failed");
}

static void load_a_library(void)
{
    void *h = dlopen("libm.so.6", RTLD_NOW);
    if (!h || !dlsym(h, "cos"))
        fail("dlopen");
    dlclose(h);
}

int main(int argc, char **argv)
{
    bool attach = argc > 1 && strcmp(argv[1], "attached") == 0;
    atexit(late);
    fp_alloc_attach_fn attach_fn = (fp_alloc_attach_fn)dlsym(RTLD_DEFAULT, FP_ALLOC_ATTACH);
    fp_alloc_detach_fn detach_fn = (fp_alloc_detach_fn)dlsym(RTLD_DEFAULT, FP_ALLOC_DETACH);
    if (!attach_fn || !detach_fn)
        fail("run me with LD_PRELOAD=libfootprint_alloc.so");
    static const fp_alloc_hooks_t hooks = {
        .site = t_site, .on_alloc = t_alloc, .on_free = t_free, .on_copy = t_copy, .on_peak = t_peak};
    fp_alloc_config_t config = {16384, 65536, 1000000};
    if (attach && attach_fn(&hooks, &config) != 0)
        fail("attach");
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i);
    fork_midway();
    load_a_library();
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    if (attach)
        detach_fn();
    uint64_t exact = 0;
    for (int i = 0; i < THREADS; i++)
        exact += exact_alloc[i];
    double est = (double)sampled_alloc;
    printf("exact %.0f MB, estimated %.0f MB, live after %lld bytes, copies sampled %.0f MB\n", exact / 1e6,
           est / 1e6, (long long)live_weight, sampled_copy / 1e6);
    if (attach) {
        if (failures)
            fail("a hook got the wrong site");
        if (est < 0.97 * (double)exact || est > 1.03 * (double)exact)
            fail("the sampled estimate is off the exact count by more than 3%");
        if (llabs((long long)live_weight) > (long long)(exact / 1000))
            fail("memory that was freed still counts as live");
        if (sampled_copy == 0)
            fail("no copy was sampled");
    } else if (sampled_alloc != 0) {
        fail("hooks were called while detached");
    }
    return 0;
}
