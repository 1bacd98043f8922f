/* test_stacks.c: the agent's stack table (src/agent/stacks.c).
 *
 * Needs no Python: stacks are chains of line indices of a sites table.
 * Each test gets a fresh arena, sites and stack table; the fragment
 * output is read back with jansson. */
#include "testutil.h"

#include <jansson.h>
#include <pthread.h>
#include <sys/mman.h>

#include "../../src/agent/arena.h"
#include "../../src/agent/sites.h"
#include "../../src/agent/stacks.h"
#include "../../src/common/jsonw.h"

enum { ARENA_SIZE = 96 << 20 };

typedef struct fixture {
    fp_arena_t arena;
    fp_sites_t sites;
    fp_stacks_t stacks;
} fixture_t;

static bool all_profiled(const void *ctx, const char *path, size_t len) { return (void)ctx, (void)path, (void)len, true; }

/* The threads of the concurrency test share the fixture's table. */
static fp_stacks_t *shared_stacks;

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(fp_arena_init(&fx->arena, ARENA_SIZE), 0);
    assert_int_equal(fp_sites_init(&fx->sites, &fx->arena), 0);
    assert_int_equal(fp_stacks_init(&fx->stacks, &fx->arena, true), 0);
    /* lines 0..9 of one file: line index i is line i + 1 */
    int file = fp_sites_file(&fx->sites, "/p/a.py", 7, all_profiled, NULL);
    for (int i = 1; i <= 10; i++)
        assert_non_null(fp_sites_line(&fx->sites, file, i));
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

/* The fragment's "stacks" object, as written. */
static json_t *written(fixture_t *fx)
{
    char path[] = "/tmp/fp-stacks-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fp_jsonw_t *w = malloc(sizeof *w);
    fp_jsonw_init(w, fd);
    fp_jsonw_begin_object(w);
    fp_stacks_write(&fx->stacks, w, &fx->sites);
    fp_jsonw_end_object(w);
    assert_int_equal(fp_jsonw_finish(w), 0);
    free(w);
    close(fd);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    unlink(path);
    assert_non_null(doc);
    json_t *stacks = json_incref(json_object_get(doc, "stacks"));
    json_decref(doc);
    assert_non_null(stacks);
    return stacks;
}

static void test_equal_chains_are_one_stack(void **state)
{
    fixture_t *fx = *state;
    uint32_t a[] = {3, 2, 1}, b[] = {3, 2, 1}, c[] = {3, 2}, d[] = {1, 2, 3};
    fp_stack_t *sa = fp_stacks_find(&fx->stacks, a, 3, false);
    assert_non_null(sa);
    assert_ptr_equal(fp_stacks_find(&fx->stacks, b, 3, false), sa);
    assert_ptr_not_equal(fp_stacks_find(&fx->stacks, c, 2, false), sa);
    assert_ptr_not_equal(fp_stacks_find(&fx->stacks, d, 3, false), sa);
    assert_ptr_not_equal(fp_stacks_find(&fx->stacks, a, 3, true), sa); /* a truncated one is another path */
    assert_null(fp_stacks_find(&fx->stacks, a, 0, false));
}

static void test_innermost_is_the_first_line(void **state)
{
    fixture_t *fx = *state;
    uint32_t a[] = {4, 0};
    fp_stack_t *s = fp_stacks_find(&fx->stacks, a, 2, false);
    assert_ptr_equal(fp_stacks_innermost(&fx->stacks, &fx->sites, s), &fx->sites.lines[4]);
}

static void test_figures_and_frames_as_written(void **state)
{
    fixture_t *fx = *state;
    uint32_t inner[] = {2, 0}; /* line 3 called from line 1 */
    fp_stack_t *s = fp_stacks_find(&fx->stacks, inner, 2, false);
    fp_stacks_add_time(&fx->stacks, s, FP_STACK_PYTHON, 2000000000);
    fp_stacks_add_time(&fx->stacks, s, FP_STACK_OFFCPU, 500000000);
    fp_stacks_add_alloc(&fx->stacks, s, 1000);
    fp_stacks_add_alloc(&fx->stacks, s, 300);
    fp_stacks_free(&fx->stacks, s, 300, true);   /* scratch memory: never allocated */
    fp_stacks_note_peak(&fx->stacks);          /* 1000 live */
    fp_stacks_free(&fx->stacks, s, 1000, false); /* freed later: still allocated, not live */
    json_t *st = written(fx);
    json_t *list = json_object_get(st, "list");
    assert_int_equal(json_array_size(list), 1);
    json_t *e = json_array_get(list, 0), *frames = json_object_get(st, "frames");
    json_t *chain = json_array_get(e, 0);
    /* outermost first: line 1, then line 3 */
    assert_int_equal(json_integer_value(json_array_get(json_array_get(frames, json_integer_value(
                                                           json_array_get(chain, 0))), 1)), 1);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(frames, json_integer_value(
                                                           json_array_get(chain, 1))), 1)), 3);
    assert_true(json_number_value(json_array_get(e, 1)) == 2.0);
    assert_true(json_number_value(json_array_get(e, 3)) == 0.5);
    assert_int_equal(json_integer_value(json_array_get(e, 4)), 1000);
    assert_int_equal(json_integer_value(json_array_get(e, 5)), 1000);
    json_decref(st);
}

static void test_a_full_table_counts_what_it_drops(void **state)
{
    fixture_t *fx = *state;
    uint32_t chain[3];
    for (uint32_t i = 0; i < FP_MAX_STACKS; i++) {
        chain[0] = i % 10, chain[1] = (i / 10) % 10, chain[2] = i / 100;
        assert_non_null(fp_stacks_find(&fx->stacks, chain, 3, false));
    }
    uint32_t one_more[] = {9, 9, 9, 9};
    fp_stack_t *none = fp_stacks_find(&fx->stacks, one_more, 4, false);
    assert_null(none);
    fp_stacks_add_time(&fx->stacks, none, FP_STACK_NATIVE, 1000000000);
    fp_stacks_add_alloc(&fx->stacks, none, 4096);
    json_t *st = written(fx);
    json_t *dropped = json_object_get(st, "dropped");
    assert_int_equal(json_integer_value(json_object_get(dropped, "samples")), 2);
    assert_true(json_number_value(json_object_get(dropped, "cpu_native_s")) == 1.0);
    assert_int_equal(json_integer_value(json_object_get(dropped, "alloc_bytes")), 4096);
    assert_int_equal(json_array_size(json_object_get(st, "list")), 0); /* all empty */
    json_decref(st);
}

static void *charge_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        uint32_t chain[] = {(uint32_t)(i % 7), 9};
        fp_stacks_add_time(shared_stacks, fp_stacks_find(shared_stacks, chain, 2, false), FP_STACK_PYTHON, 1);
    }
    return NULL;
}

static void test_threads_adding_the_same_stacks(void **state)
{
    fixture_t *fx = *state;
    shared_stacks = &fx->stacks;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, charge_many, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    json_t *st = written(fx);
    json_t *list = json_object_get(st, "list"), *e;
    size_t i;
    double ns = 0;
    json_array_foreach(list, i, e)
        ns += json_number_value(json_array_get(e, 1)) * 1e9;
    ns += json_number_value(json_object_get(json_object_get(st, "dropped"), "cpu_python_s")) * 1e9;
    assert_true(json_array_size(list) <= 7);
    assert_true(ns > 80000 - 0.5 && ns < 80000 + 0.5); /* nothing lost, nothing twice */
    json_decref(st);
}

/* The fragment's native frame of a slot, as native.c writes it (its
 * object, its address): here "/lib/libx.so" and the slot as the address. */
static void write_native_frame(const void *ctx, fp_jsonw_t *w, uint32_t slot)
{
    (void)ctx;
    fp_jsonw_begin_array(w);
    fp_jsonw_string(w, "/lib/libx.so");
    fp_jsonw_uint(w, 0);
    fp_jsonw_uint(w, slot);
    fp_jsonw_null(w);
    fp_jsonw_end_array(w);
}

static void test_native_frames_below_the_lines(void **state)
{
    fixture_t *fx = *state;
    fx->stacks.write_native = write_native_frame;
    uint32_t lines[] = {2, 0}, native[] = {FP_STACK_NATIVE_FRAME | 7, FP_STACK_NATIVE_FRAME | 5};
    fp_stack_t *base = fp_stacks_find(&fx->stacks, lines, 2, false);
    fp_stack_t *s = fp_stacks_with_native(&fx->stacks, base, native, 2);
    assert_non_null(s);
    assert_ptr_not_equal(s, base);
    assert_ptr_equal(fp_stacks_with_native(&fx->stacks, base, native, 2), s); /* one stack */
    assert_ptr_equal(fp_stacks_with_native(&fx->stacks, base, native, 0), base);
    assert_ptr_not_equal(fp_stacks_with_native(&fx->stacks, base, native + 1, 1), s);
    /* the line is still the innermost line; the base is the lines alone */
    assert_ptr_equal(fp_stacks_innermost(&fx->stacks, &fx->sites, s), &fx->sites.lines[2]);
    assert_ptr_equal(fp_stacks_base(s), base);
    assert_ptr_equal(fp_stacks_base(base), base);
    fp_stacks_add_time(&fx->stacks, s, FP_STACK_NATIVE, 1000000000);
    json_t *st = written(fx);
    json_t *e = json_array_get(json_object_get(st, "list"), 0), *frames = json_object_get(st, "frames");
    json_t *chain = json_array_get(e, 0);
    /* outermost first: line 1, line 3, then the native frames, innermost last */
    assert_int_equal(json_array_size(chain), 4);
    json_t *f2 = json_array_get(frames, (size_t)json_integer_value(json_array_get(chain, 2)));
    json_t *f3 = json_array_get(frames, (size_t)json_integer_value(json_array_get(chain, 3)));
    assert_string_equal(json_string_value(json_array_get(f2, 0)), "/lib/libx.so");
    assert_int_equal(json_integer_value(json_array_get(f2, 2)), 5);
    assert_int_equal(json_integer_value(json_array_get(f3, 2)), 7);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(frames, (size_t)json_integer_value(
                                                           json_array_get(chain, 1))), 1)), 3);
    json_decref(st);
}

static void test_native_frames_keep_the_depth_bound(void **state)
{
    fixture_t *fx = *state;
    uint32_t lines[FP_STACK_DEPTH], native[4];
    for (int i = 0; i < FP_STACK_DEPTH; i++)
        lines[i] = (uint32_t)(i % 10);
    for (int i = 0; i < 4; i++)
        native[i] = FP_STACK_NATIVE_FRAME | (uint32_t)i;
    fp_stack_t *base = fp_stacks_find(&fx->stacks, lines, FP_STACK_DEPTH, false);
    fp_stack_t *s = fp_stacks_with_native(&fx->stacks, base, native, 4);
    assert_non_null(s);
    assert_int_equal(s->depth, FP_STACK_DEPTH);
    assert_true(s->truncated); /* four outermost lines left out */
    assert_int_equal(s->native, 4);
    assert_ptr_equal(fp_stacks_innermost(&fx->stacks, &fx->sites, s), &fx->sites.lines[0]);
    assert_null(fp_stacks_with_native(&fx->stacks, NULL, native, 4)); /* no stack, none with native frames */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_equal_chains_are_one_stack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_innermost_is_the_first_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_figures_and_frames_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_full_table_counts_what_it_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_adding_the_same_stacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_native_frames_below_the_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_native_frames_keep_the_depth_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
