/* test_stackmerge.c: each process's share of the merged stacks
 * (src/launcher/stackmerge.c's by_process) and reading it back
 * (src/launcher/stackset.c): shares name the processes in the profile's
 * order (the main process first, whatever its fragment's place), add up
 * to the summed stack, and damaged shares are refused. Figures are binary
 * fractions so that sums compare exactly. */
#include "testutil.h"

#include <jansson.h>

#include "../../src/launcher/stackmerge.h"
#include "../../src/launcher/stackset.h"

static const char *function_at(void *ctx, const char *path, int line)
{
    (void)ctx, (void)path;
    return line == 1 ? "outer" : "inner";
}

/* A fragment of process PID whose stacks are LIST (the agent's layout:
 * [[frame numbers], python, native, offcpu, alloc, peak, truncated]) over
 * the frames a.py:1 (outer) and a.py:2 (inner). */
static json_t *fragment(int pid, const char *list)
{
    json_t *stacks = json_pack("{s[[si][si]]so}", "frames", "/a.py", 1, "/a.py", 2, "list", json_loads(list, 0, NULL));
    return json_pack("{sisisoso}", "pid", pid, "final", 1, "argv", json_pack("[s]", "a.py"), "stacks", stacks);
}

/* The merged stack whose frames are FRAMES ("[0,1]"), or NULL. */
static json_t *stack_of(json_t *merged, const char *frames)
{
    json_t *want = json_loads(frames, 0, NULL), *s, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(merged, "list"), i, s)
        if (json_equal(json_object_get(s, "frames"), want))
            found = s;
    json_decref(want);
    return found;
}

static double fig(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* Three fragments: a child (pid 11) first, the main process (pid 10)
 * second, another child (pid 12) third. outer->inner is in all three,
 * outer alone only in the first child. */
static json_t *three_processes(json_t **mainf)
{
    json_t *frags = json_array();
    json_array_append_new(frags, fragment(11, "[[[0,1], 0.5, 0, 0, 1024, 512, 0], [[0], 0.25, 0, 0, 0, 0, 0]]"));
    json_array_append_new(frags, fragment(10, "[[[0,1], 1.0, 0.5, 0.125, 4096, 2048, 0]]"));
    json_array_append_new(frags, fragment(12, "[[[0,1], 0.25, 0, 0, 0, 0, 0]]"));
    *mainf = json_array_get(frags, 1);
    return frags;
}

static void test_shares_follow_the_process_order(void **state)
{
    (void)state;
    json_t *mainf, *frags = three_processes(&mainf);
    json_t *merged = fp_stackmerge_run(frags, mainf, function_at, NULL);
    assert_non_null(merged);
    json_t *both = stack_of(merged, "[0,1]"), *by = json_object_get(both, "by_process");
    assert_true(fig(both, "cpu_python_s") == 1.75 && fig(both, "alloc_bytes") == 5120);
    assert_int_equal(json_array_size(by), 3);
    double python[3] = {0}, alloc[3] = {0};
    size_t i;
    json_t *share;
    json_array_foreach(by, i, share) {
        json_int_t p = json_integer_value(json_object_get(share, "process"));
        assert_true(p >= 0 && p < 3);
        python[p] += fig(share, "cpu_python_s");
        alloc[p] += fig(share, "alloc_bytes");
        assert_true(json_is_integer(json_object_get(share, "peak_bytes")));
    }
    /* processes: main (pid 10) first, then 11 and 12 in fragment order */
    assert_true(python[0] == 1.0 && python[1] == 0.5 && python[2] == 0.25);
    assert_true(alloc[0] == 4096 && alloc[1] == 1024 && alloc[2] == 0);
    json_t *alone = json_object_get(stack_of(merged, "[0]"), "by_process");
    assert_int_equal(json_array_size(alone), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(alone, 0), "process")), 1);
    json_decref(merged);
    json_decref(frags);
}

static void test_one_process_has_no_shares(void **state)
{
    (void)state;
    json_t *frags = json_array();
    json_array_append_new(frags, fragment(10, "[[[0,1], 1.0, 0, 0, 0, 0, 0]]"));
    json_t *merged = fp_stackmerge_run(frags, json_array_get(frags, 0), function_at, NULL);
    assert_null(json_object_get(stack_of(merged, "[0,1]"), "by_process"));
    json_decref(merged);
    json_decref(frags);
}

/* A profile holding MERGED as its stacks and N processes. */
static json_t *profile_of(json_t *merged, int n)
{
    json_t *procs = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(procs, json_pack("{si}", "pid", 10 + i));
    return json_pack("{soso}", "stacks", merged, "processes", procs);
}

static void test_shares_read_back(void **state)
{
    (void)state;
    json_t *mainf, *frags = three_processes(&mainf);
    json_t *profile = profile_of(fp_stackmerge_run(frags, mainf, function_at, NULL), 3);
    assert_null(fp_stackset_check(profile));
    fp_stackset_t ss;
    fp_stackset_read(&ss, profile);
    assert_true(ss.by_process);
    double total[3] = {0};
    for (size_t i = 0; i < ss.nstacks; i++)
        for (size_t p = 0; p < 3; p++)
            total[p] += fp_stackset_figure(&ss.stacks[i], p, FP_SS_PYTHON);
    assert_true(total[0] == 1.0 && total[1] == 0.75 && total[2] == 0.25);
    fp_stackset_free(&ss);
    json_decref(profile);
    json_decref(frags);
}

static void test_damaged_shares_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"process\": 3, \"cpu_python_s\": 1}",     /* no such process */
        "{\"process\": -1, \"cpu_python_s\": 1}",
        "{\"process\": \"0\", \"cpu_python_s\": 1}",
        "{\"process\": 0, \"cpu_python_s\": \"1\"}", /* a figure not a number */
        "7",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        json_t *mainf, *frags = three_processes(&mainf);
        json_t *profile = profile_of(fp_stackmerge_run(frags, mainf, function_at, NULL), 3);
        json_t *by = json_object_get(json_array_get(json_object_get(json_object_get(profile, "stacks"), "list"), 0),
                                     "by_process");
        json_array_set_new(by, 0, json_loads(bad[k], JSON_DECODE_ANY, NULL));
        assert_non_null(fp_stackset_check(profile));
        json_decref(profile);
        json_decref(frags);
    }
    /* by_process on some stacks only */
    json_t *mainf, *frags = three_processes(&mainf);
    json_t *profile = profile_of(fp_stackmerge_run(frags, mainf, function_at, NULL), 3);
    json_object_del(json_array_get(json_object_get(json_object_get(profile, "stacks"), "list"), 0), "by_process");
    assert_non_null(fp_stackset_check(profile));
    json_decref(profile);
    json_decref(frags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shares_follow_the_process_order),
        cmocka_unit_test(test_one_process_has_no_shares),
        cmocka_unit_test(test_shares_read_back),
        cmocka_unit_test(test_damaged_shares_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
