/* test_sites.c: the agent's arena (src/agent/arena.c) and its lock-free
 * tables of files, code objects and lines (src/agent/sites.c).
 *
 * Neither needs Python. Each test gets a fresh arena and tables; the
 * concurrency tests run four threads against the same lines and files
 * and check that nothing counted is lost or counted twice. */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "../../src/agent/arena.h"
#include "../../src/agent/sites.h"

enum { ARENA_SIZE = 64 << 20 };

typedef struct fixture {
    fp_arena_t arena;
    fp_sites_t sites;
} fixture_t;

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(fp_arena_init(&fx->arena, ARENA_SIZE), 0);
    assert_int_equal(fp_sites_init(&fx->sites, &fx->arena), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    munmap(fx->arena.base, fx->arena.size);
    free(fx);
    return 0;
}

/* ---- arena ---- */

static void test_arena_alignment_and_zero(void **state)
{
    (void)state;
    fp_arena_t a;
    assert_int_equal(fp_arena_init(&a, 1 << 20), 0);
    size_t sizes[] = {1, 63, 64, 65, 100, 4096, 7};
    char *prev = NULL;
    size_t prev_n = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *p = fp_arena_alloc(&a, sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 64, 0);
        assert_true(p >= a.base && p + sizes[i] <= a.base + a.size);
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(p[k], 0);
        /* no overlap with the previous block */
        if (prev)
            assert_true(p >= prev + prev_n);
        memset(p, 0xAB, sizes[i]);
        prev = p;
        prev_n = sizes[i];
    }
    munmap(a.base, a.size);
}

static void test_arena_full(void **state)
{
    (void)state;
    fp_arena_t a;
    assert_int_equal(fp_arena_init(&a, 4096), 0);
    assert_non_null(fp_arena_alloc(&a, 4000));
    assert_null(fp_arena_alloc(&a, 200)); /* 4032 + 256 > 4096 */
    assert_null(fp_arena_alloc(&a, 1));   /* full stays full */
    munmap(a.base, a.size);

    assert_int_equal(fp_arena_init(&a, 4096), 0);
    char *p = fp_arena_alloc(&a, 4096); /* exactly all of it */
    assert_non_null(p);
    p[4095] = 1;
    assert_null(fp_arena_alloc(&a, 1));
    munmap(a.base, a.size);

    assert_int_equal(fp_arena_init(&a, 4096), 0);
    assert_null(fp_arena_alloc(&a, 8192));
    munmap(a.base, a.size);
}

static void test_arena_resident(void **state)
{
    (void)state;
    fp_arena_t a;
    long page = sysconf(_SC_PAGESIZE);
    assert_int_equal(fp_arena_init(&a, 64 << 20), 0);
    assert_int_equal(fp_arena_resident(&a), 0);
    char *p = fp_arena_alloc(&a, (size_t)page * 8);
    assert_non_null(p);
    /* untouched pages cost nothing (MAP_NORESERVE) */
    assert_int_equal(fp_arena_resident(&a), 0);
    for (int i = 0; i < 4; i++)
        p[(size_t)i * (size_t)page] = 1;
    size_t r = fp_arena_resident(&a);
    assert_true(r >= 4 * (size_t)page);
    assert_true(r <= 8 * (size_t)page);
    munmap(a.base, a.size);
}

static void test_sites_init_small_arena(void **state)
{
    (void)state;
    fp_arena_t a;
    fp_sites_t s;
    assert_int_equal(fp_arena_init(&a, 1 << 20), 0);
    assert_int_equal(fp_sites_init(&s, &a), -1);
    munmap(a.base, a.size);
}

/* ---- files ---- */

static atomic_int classify_calls;
static bool classify_py(const void *ctx, const char *path, size_t len)
{
    (void)ctx;
    atomic_fetch_add(&classify_calls, 1);
    return len >= 3 && memcmp(path + len - 3, ".py", 3) == 0;
}

static void test_file_same_path_same_index(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    atomic_store(&classify_calls, 0);
    int a = fp_sites_file(s, "/src/a.py", 9, classify_py, NULL);
    int b = fp_sites_file(s, "/src/b.txt", 10, classify_py, NULL);
    assert_true(a >= 0 && a < FP_MAX_FILES);
    assert_true(b >= 0 && b < FP_MAX_FILES);
    assert_int_not_equal(a, b);
    assert_int_equal(atomic_load(&classify_calls), 2);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(fp_sites_file(s, "/src/a.py", 9, classify_py, NULL), a);
        assert_int_equal(fp_sites_file(s, "/src/b.txt", 10, classify_py, NULL), b);
    }
    /* the classifier ran once per new path, and its answer is kept */
    assert_int_equal(atomic_load(&classify_calls), 2);
    assert_true(s->files[a].profiled);
    assert_false(s->files[b].profiled);
    assert_int_equal(atomic_load(&s->nprofiled), 1);
    assert_string_equal(fp_sites_str(s, s->files[a].path), "/src/a.py");
    assert_int_equal(s->files[a].path_len, 9);
    assert_null(atomic_load(&s->files[a].spans));
}

static void test_file_len_not_nul_terminated(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    atomic_store(&classify_calls, 0);
    int a = fp_sites_file(s, "/src/a.py.bak", 9, classify_py, NULL);
    assert_true(a >= 0);
    assert_true(s->files[a].profiled); /* the classifier saw "/src/a.py" */
    assert_int_equal(fp_sites_file(s, "/src/a.py", 9, classify_py, NULL), a);
    int bak = fp_sites_file(s, "/src/a.py.bak", 13, classify_py, NULL);
    assert_true(bak >= 0);
    assert_int_not_equal(bak, a);
    assert_false(s->files[bak].profiled);
    /* a prefix of a known path is another file */
    int pre = fp_sites_file(s, "/src/a.p", 8, classify_py, NULL);
    assert_true(pre >= 0);
    assert_int_not_equal(pre, a);
    assert_int_equal(atomic_load(&classify_calls), 3);
    assert_string_equal(fp_sites_str(s, s->files[a].path), "/src/a.py");
}

static void test_many_files(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    enum { N = 2000 };
    static int idx[N];
    char path[64];
    atomic_store(&classify_calls, 0);
    for (int i = 0; i < N; i++) {
        int n = snprintf(path, sizeof path, "/lib/pkg%d/mod.py", i);
        idx[i] = fp_sites_file(s, path, (size_t)n, classify_py, NULL);
        assert_true(idx[i] >= 0);
    }
    for (int i = 0; i < N; i++) {
        int n = snprintf(path, sizeof path, "/lib/pkg%d/mod.py", i);
        assert_int_equal(fp_sites_file(s, path, (size_t)n, classify_py, NULL), idx[i]);
        assert_string_equal(fp_sites_str(s, s->files[idx[i]].path), path);
    }
    assert_int_equal(atomic_load(&classify_calls), N);
    assert_int_equal(atomic_load(&s->nprofiled), N);
}

/* ---- lines ---- */

static void test_line_same_key_same_record(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    int f = fp_sites_file(s, "/src/a.py", 9, classify_py, NULL);
    int g = fp_sites_file(s, "/src/b.py", 9, classify_py, NULL);
    fp_line_t *l10 = fp_sites_line(s, f, 10);
    assert_non_null(l10);
    assert_int_equal(l10->file, (uint32_t)f);
    assert_int_equal(l10->line, 10);
    assert_ptr_equal(fp_sites_line(s, f, 10), l10);
    fp_line_t *l11 = fp_sites_line(s, f, 11);
    assert_non_null(l11);
    assert_ptr_not_equal(l11, l10);
    fp_line_t *g10 = fp_sites_line(s, g, 10);
    assert_non_null(g10);
    assert_ptr_not_equal(g10, l10);
    assert_int_equal(g10->file, (uint32_t)g);
    assert_int_equal(atomic_load(&s->nlines), 3);
    /* a new record starts at zero */
    assert_int_equal(atomic_load(&l11->cpu_python_ns), 0);
    assert_int_equal(atomic_load(&l11->peak_bytes), 0);
    atomic_fetch_add(&l10->cpu_native_ns, 5);
    assert_int_equal(atomic_load(&fp_sites_line(s, f, 10)->cpu_native_ns), 5);
}

static void test_line_invalid(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    assert_null(fp_sites_line(s, -1, 10));
    assert_null(fp_sites_line(s, 0, 0));
    assert_null(fp_sites_line(s, 0, -5));
    assert_int_equal(atomic_load(&s->nlines), 0);
}

static void test_many_lines(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    enum { FILES = 10, LINES = 2000 };
    for (int f = 0; f < FILES; f++)
        for (int l = 1; l <= LINES; l++) {
            fp_line_t *r = fp_sites_line(s, f, l);
            assert_non_null(r);
            atomic_fetch_add(&r->alloc_bytes, (uint64_t)(f * 100000 + l));
        }
    assert_int_equal(atomic_load(&s->nlines), FILES * LINES);
    for (int f = 0; f < FILES; f++)
        for (int l = 1; l <= LINES; l++) {
            fp_line_t *r = fp_sites_line(s, f, l);
            assert_int_equal(r->file, (uint32_t)f);
            assert_int_equal(r->line, (uint32_t)l);
            assert_int_equal(atomic_load(&r->alloc_bytes), (uint64_t)(f * 100000 + l));
        }
    assert_int_equal(atomic_load(&s->dropped), 0);
}

static void test_reset_figures(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    fp_line_t *l = fp_sites_line(s, 3, 7);
    atomic_fetch_add(&l->cpu_python_ns, 100);
    atomic_store(&l->live_bytes, 50);
    fp_sites_reset_figures(s);
    assert_int_equal(atomic_load(&l->cpu_python_ns), 0);
    assert_int_equal(atomic_load(&l->live_bytes), 0);
    /* the record keeps its place */
    assert_ptr_equal(fp_sites_line(s, 3, 7), l);
    assert_int_equal(l->file, 3);
    assert_int_equal(l->line, 7);
}

/* ---- code cache ---- */

static void test_code_cache(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    uintptr_t code = 0x7f0000001000, name = 0x7f0000002000;
    assert_int_equal(fp_sites_code_lookup(s, code, name), -2);
    fp_sites_code_store(s, code, name, 5);
    assert_int_equal(fp_sites_code_lookup(s, code, name), 5);
    /* the address reused by another code object: unknown again */
    assert_int_equal(fp_sites_code_lookup(s, code, name + 16), -2);
    /* ... until it is classified: it takes the slot over (left stale, the
     * signal handler would miss it for good), and the old one is unknown */
    fp_sites_code_store(s, code, name + 16, -1);
    assert_int_equal(fp_sites_code_lookup(s, code, name + 16), -1);
    assert_int_equal(fp_sites_code_lookup(s, code, name), -2);
    fp_sites_code_store(s, code, name, 5);
    /* a code object of an unprofiled file */
    uintptr_t other = 0x7f0000003000;
    fp_sites_code_store(s, other, name, -1);
    assert_int_equal(fp_sites_code_lookup(s, other, name), -1);
    assert_int_equal(fp_sites_code_lookup(s, code, name), 5);
    /* file index 0 is a file, not "unknown" */
    uintptr_t zero = 0x7f0000004000;
    fp_sites_code_store(s, zero, name, 0);
    assert_int_equal(fp_sites_code_lookup(s, zero, name), 0);
}

static void test_code_cache_many(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    enum { N = 5000 };
    for (int i = 0; i < N; i++)
        fp_sites_code_store(s, 0x10000 + (uintptr_t)i * 64, (uintptr_t)i + 1, i % 100);
    int found = 0;
    for (int i = 0; i < N; i++) {
        int r = fp_sites_code_lookup(s, 0x10000 + (uintptr_t)i * 64, (uintptr_t)i + 1);
        /* a slot lost to a collision is only a cache miss */
        assert_true(r == i % 100 || r == -2);
        found += r == i % 100;
        assert_int_equal(fp_sites_code_lookup(s, 0x10000 + (uintptr_t)i * 64, 0xdead), -2);
    }
    assert_true(found > N * 9 / 10);
}

/* ---- strings ---- */

static void test_intern(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    assert_string_equal(fp_sites_str(s, 0), "");
    uint32_t a = fp_sites_intern(s, "hello", 5);
    uint32_t b = fp_sites_intern(s, "world!!", 5);
    uint32_t e = fp_sites_intern(s, "", 0);
    assert_int_not_equal(a, UINT32_MAX);
    assert_int_not_equal(a, 0);
    assert_int_not_equal(a, b);
    assert_string_equal(fp_sites_str(s, a), "hello");
    assert_string_equal(fp_sites_str(s, b), "world");
    assert_string_equal(fp_sites_str(s, e), "");
    /* the store copies: the caller's buffer may change */
    char buf[] = "mutable";
    uint32_t c = fp_sites_intern(s, buf, strlen(buf));
    buf[0] = 'X';
    assert_string_equal(fp_sites_str(s, c), "mutable");
    assert_string_equal(fp_sites_str(s, a), "hello");
}

static void test_intern_full(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    size_t n = s->strings_cap;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    assert_int_equal(fp_sites_intern(s, big, n), UINT32_MAX);
    free(big);
}

/* ---- threads ---- */

enum { THREADS = 4, HOT_LINES = 64, ROUNDS = 20000 };

typedef struct worker {
    fp_sites_t *sites;
    int file;
    int id;
    uint64_t added;   /* what this thread added to the lines it got */
    uint64_t missed;  /* fp_sites_line calls that returned NULL */
} worker_t;

static void *add_to_lines(void *arg)
{
    worker_t *w = arg;
    for (int r = 0; r < ROUNDS; r++) {
        int line = 1 + (r * 7 + w->id) % HOT_LINES;
        fp_line_t *l = fp_sites_line(w->sites, w->file, line);
        if (!l) {
            w->missed++;
            continue;
        }
        if (l->file != (uint32_t)w->file || l->line != (uint32_t)line)
            return (void *)1;
        atomic_fetch_add_explicit(&l->cpu_python_ns, 3, memory_order_relaxed);
        atomic_fetch_add_explicit(&l->alloc_bytes, 1, memory_order_relaxed);
        w->added += 3;
    }
    return NULL;
}

static void test_threads_add_to_same_lines(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    int file = fp_sites_file(s, "/src/hot.py", 11, classify_py, NULL);
    assert_true(file >= 0);
    pthread_t tid[THREADS];
    worker_t w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker_t){.sites = s, .file = file, .id = i};
        assert_int_equal(pthread_create(&tid[i], NULL, add_to_lines, &w[i]), 0);
    }
    uint64_t added = 0, missed = 0;
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        assert_int_equal(pthread_join(tid[i], &rc), 0);
        assert_null(rc);
        added += w[i].added;
        missed += w[i].missed;
    }
    assert_int_equal(added / 3 + missed, (uint64_t)THREADS * ROUNDS);
    /* a thread misses only while another is creating the line (it may be
     * preempted meanwhile, so how often is not bounded); misses are counted */
    assert_int_equal(atomic_load(&s->dropped), missed);
    /* each line exists once, and holds exactly what was added to it */
    assert_int_equal(atomic_load(&s->nlines), HOT_LINES);
    uint64_t total = 0, allocs = 0;
    for (int line = 1; line <= HOT_LINES; line++) {
        fp_line_t *l = fp_sites_line(s, file, line);
        assert_non_null(l);
        total += atomic_load(&l->cpu_python_ns);
        allocs += atomic_load(&l->alloc_bytes);
    }
    assert_int_equal(total, added);
    assert_int_equal(allocs * 3, added);
}

typedef struct file_worker {
    fp_sites_t *sites;
    int idx[32];
} file_worker_t;

/* Adds the 32 paths 200 times over, and then until each one was found:
 * a path another thread is adding right now is not found yet (-1), and
 * that thread may be preempted for as long as this one's 200 rounds take. */
static void *add_files(void *arg)
{
    file_worker_t *w = arg;
    char path[32];
    for (int round = 0, found = 0; round < 200 || (found < 32 && round < 2000000); round++) {
        found = 0;
        for (int i = 0; i < 32; i++) {
            int n = snprintf(path, sizeof path, "/src/f%d.py", i);
            int r = fp_sites_file(w->sites, path, (size_t)n, classify_py, NULL);
            if (r >= 0)
                w->idx[i] = r;
            found += w->idx[i] >= 0;
        }
        if (found < 32 && round >= 200)
            sched_yield();
    }
    return NULL;
}

static void test_threads_add_same_files(void **state)
{
    fixture_t *fx = *state;
    fp_sites_t *s = &fx->sites;
    atomic_store(&classify_calls, 0);
    pthread_t tid[THREADS];
    file_worker_t w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0xff, sizeof w[i]);
        w[i].sites = s;
        assert_int_equal(pthread_create(&tid[i], NULL, add_files, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    /* every thread found the same slot for each path, classified once */
    for (int f = 0; f < 32; f++) {
        assert_true(w[0].idx[f] >= 0);
        for (int i = 1; i < THREADS; i++)
            assert_int_equal(w[i].idx[f], w[0].idx[f]);
    }
    assert_int_equal(atomic_load(&classify_calls), 32);
    assert_int_equal(atomic_load(&s->nprofiled), 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alignment_and_zero),
        cmocka_unit_test(test_arena_full),
        cmocka_unit_test(test_arena_resident),
        cmocka_unit_test(test_sites_init_small_arena),
        cmocka_unit_test_setup_teardown(test_file_same_path_same_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_len_not_nul_terminated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_same_key_same_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_cache_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intern, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intern_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_add_to_same_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_add_same_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
