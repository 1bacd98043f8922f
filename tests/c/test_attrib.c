/* test_attrib.c: where CPU time goes when the thread's own stack does not
 * say (src/agent/attrib.c): a native worker's time goes to the line last
 * seen calling native code, lately; it waits a while for that line to
 * show up; threads found late bring their time unless they are older than
 * the profile; threads that block the sample signal are found and charged
 * once there is enough. */
#include "testutil.h"

#include "../../src/agent/attrib.h"

#define MS 1000000ULL

static void test_a_worker_goes_to_its_callers_line_while_fresh(void **state)
{
    (void)state;
    fp_attrib_caller_t c;
    fp_attrib_forget_caller(&c);
    fp_line_t line = {.file = 1, .line = 7};
    assert_null(fp_attrib_caller_of_worker(&c, 5000 * MS)); /* nobody called native code yet */
    fp_attrib_saw_native(&c, &line, 1000 * MS);
    assert_ptr_equal(fp_attrib_caller_of_worker(&c, 1000 * MS), &line);
    assert_ptr_equal(fp_attrib_caller_of_worker(&c, 1100 * MS), &line);   /* 100 ms: still */
    assert_null(fp_attrib_caller_of_worker(&c, 1101 * MS));              /* past it: its own */
    assert_ptr_equal(fp_attrib_caller_of_worker(&c, 999 * MS), &line);    /* a clock read just before */
    fp_attrib_forget_caller(&c);
    assert_null(fp_attrib_caller_of_worker(&c, 1000 * MS));
}

static void test_a_workers_time_waits_for_its_caller(void **state)
{
    (void)state;
    fp_attrib_held_t h = {{0, 0, 0}};
    uint64_t out[FP_ATTRIB_KINDS];
    /* no caller yet: held, by kind */
    assert_false(fp_attrib_hold(&h, false, 1, 30 * MS));
    assert_false(fp_attrib_hold(&h, false, 0, 20 * MS));
    assert_false(fp_attrib_hold(&h, false, 1, 40 * MS));
    /* the caller shows up: this stretch and all that was held go to it */
    assert_true(fp_attrib_hold(&h, true, 1, 5 * MS));
    fp_attrib_release(&h, out);
    assert_int_equal(out[0], 20 * MS);
    assert_int_equal(out[1], 70 * MS);
    assert_int_equal(out[2], 0);
    fp_attrib_release(&h, out); /* released once */
    assert_int_equal(out[0] + out[1] + out[2], 0);
}

static void test_held_time_is_bounded(void **state)
{
    (void)state;
    fp_attrib_held_t h = {{0, 0, 0}};
    uint64_t out[FP_ATTRIB_KINDS];
    assert_false(fp_attrib_hold(&h, false, 1, 60 * MS));
    assert_false(fp_attrib_hold(&h, false, 1, 40 * MS)); /* 100 ms: the bound, still held */
    assert_true(fp_attrib_hold(&h, false, 1, 1 * MS));   /* past it: to no line, now */
    fp_attrib_release(&h, out);
    assert_int_equal(out[1], 100 * MS);
    /* one long stretch alone goes at once */
    assert_true(fp_attrib_hold(&h, false, 0, 150 * MS));
}

static void test_threads_found_late(void **state)
{
    (void)state;
    assert_true(fp_attrib_new_thread_counts(0));
    assert_true(fp_attrib_new_thread_counts(99 * MS));
    assert_false(fp_attrib_new_thread_counts(100 * MS)); /* older than the profile, likely */
}

static void test_threads_that_cannot_be_sampled(void **state)
{
    (void)state;
    /* checked once it ran four intervals past its last sample */
    assert_false(fp_attrib_unsampled_suspect(1040 * MS, 1000 * MS, 0.01));
    assert_true(fp_attrib_unsampled_suspect(1041 * MS, 1000 * MS, 0.01));
    assert_false(fp_attrib_unsampled_suspect(1190 * MS, 1000 * MS, 0.05));
    /* charged once 30 ms are due */
    assert_false(fp_attrib_unsampled_due(1030 * MS, 1000 * MS));
    assert_true(fp_attrib_unsampled_due(1031 * MS, 1000 * MS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_worker_goes_to_its_callers_line_while_fresh),
        cmocka_unit_test(test_a_workers_time_waits_for_its_caller),
        cmocka_unit_test(test_held_time_is_bounded),
        cmocka_unit_test(test_threads_found_late),
        cmocka_unit_test(test_threads_that_cannot_be_sampled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
