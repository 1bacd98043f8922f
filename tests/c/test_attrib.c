/* test_attrib.c: where CPU time goes when the thread's own stack does not
 * say (src/agent/attrib.c): a native worker's time goes to the line last
 * seen calling native code, lately; it waits a while for that line to
 * show up; a sample on code not yet classified waits for the thread's
 * next one; threads found late bring their time unless they are older than
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

/* A caller seen in native code on code not classified yet: workers wait
 * for its line rather than take the line that called before it. */
static void test_a_caller_on_new_code_is_waited_for(void **state)
{
    (void)state;
    fp_attrib_caller_t c;
    fp_attrib_forget_caller(&c);
    fp_line_t before = {.file = 1, .line = 7}, after = {.file = 1, .line = 9};
    fp_attrib_saw_native(&c, &before, 1000 * MS);
    assert_false(fp_attrib_caller_pending(&c, 1010 * MS));
    fp_attrib_saw_native_pending(&c, 1020 * MS); /* the next call, its code not yet classified */
    assert_true(fp_attrib_caller_pending(&c, 1030 * MS));
    assert_null(fp_attrib_caller_of_worker(&c, 1030 * MS)); /* not line 7's any more */
    fp_attrib_saw_native(&c, &after, 1040 * MS);         /* classified: its line */
    assert_false(fp_attrib_caller_pending(&c, 1050 * MS));
    assert_ptr_equal(fp_attrib_caller_of_worker(&c, 1050 * MS), &after);
    fp_attrib_saw_native_pending(&c, 2000 * MS);
    assert_false(fp_attrib_caller_pending(&c, 2101 * MS)); /* not lately: nobody is waited for */
    fp_attrib_forget_caller(&c);
    assert_false(fp_attrib_caller_pending(&c, 1 * MS));
}

static void test_a_workers_time_waits_for_its_caller(void **state)
{
    (void)state;
    fp_attrib_held_t h = {{0, 0, 0}, 0};
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
    fp_attrib_held_t h = {{0, 0, 0}, 0};
    uint64_t out[FP_ATTRIB_KINDS];
    assert_false(fp_attrib_hold(&h, false, 1, 60 * MS));
    assert_false(fp_attrib_hold(&h, false, 1, 40 * MS)); /* 100 ms: the bound, still held */
    assert_true(fp_attrib_hold(&h, false, 1, 1 * MS));   /* past it: to no line, now */
    fp_attrib_release(&h, out);
    assert_int_equal(out[1], 100 * MS);
    /* one long stretch alone goes at once */
    assert_true(fp_attrib_hold(&h, false, 0, 150 * MS));
}

/* A sample on code not yet classified waits for the thread's next one
 * whatever its size (a coarse interval, or a wait for a CPU, makes one
 * sample longer than a worker's bound), a number of samples in a row. */
static void test_time_on_new_code_waits_whatever_its_size(void **state)
{
    (void)state;
    fp_attrib_held_t h = {{0, 0, 0}, 0};
    uint64_t out[FP_ATTRIB_KINDS];
    assert_false(fp_attrib_hold_missed(&h, 0, 250 * MS)); /* a sample of --interval 0.25 */
    assert_false(fp_attrib_hold_missed(&h, 1, 2000 * MS)); /* with two seconds of waiting for a CPU */
    fp_attrib_release(&h, out); /* the next sample found its line */
    assert_int_equal(out[0], 250 * MS);
    assert_int_equal(out[1], 2000 * MS);
    for (int i = 0; i < FP_ATTRIB_MAX_MISSED_SAMPLES; i++)
        assert_false(fp_attrib_hold_missed(&h, 0, 10 * MS));
    assert_true(fp_attrib_hold_missed(&h, 0, 10 * MS)); /* code never classified: charged where it is */
    fp_attrib_release(&h, out);
    assert_int_equal(out[0], FP_ATTRIB_MAX_MISSED_SAMPLES * 10 * MS);
    assert_false(fp_attrib_hold_missed(&h, 0, 10 * MS)); /* released: the count starts again */
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
        cmocka_unit_test(test_a_caller_on_new_code_is_waited_for),
        cmocka_unit_test(test_time_on_new_code_waits_whatever_its_size),
        cmocka_unit_test(test_threads_found_late),
        cmocka_unit_test(test_threads_that_cannot_be_sampled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
