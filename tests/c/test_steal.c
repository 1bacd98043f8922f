/* test_steal.c: the estimate of CPU time a virtual machine's host took
 * (src/agent/steal.c): /proc/stat's first line, the machine's share over
 * a window, a thread's share of it, and how a thread's time off its CPU
 * is split between the host and the thread's own waiting. */
#include "testutil.h"

#include "../../src/agent/steal.h"

static const char LINE[] = "cpu  100 20 30 5000 7 4 6 40 0 0\ncpu0 50 10 15 2500 3 2 3 20 0 0\n";

static void test_the_first_line_gives_total_and_steal(void **state)
{
    (void)state;
    uint64_t total = 0, steal = 0;
    assert_true(fp_steal_parse(LINE, sizeof LINE - 1, &total, &steal));
    assert_int_equal(total, 100 + 20 + 30 + 5000 + 7 + 4 + 6 + 40); /* not guest time: user has it */
    assert_int_equal(steal, 40);
}

static void test_lines_that_are_not_the_total_are_refused(void **state)
{
    (void)state;
    uint64_t busy, steal;
    const char *no_steal = "cpu  100 20 30 5000 7 4 6\n"; /* a kernel before steal time */
    assert_false(fp_steal_parse(no_steal, strlen(no_steal), &busy, &steal));
    const char *per_cpu = "cpu0 50 10 15 2500 3 2 3 20 0 0\n";
    assert_false(fp_steal_parse(per_cpu, strlen(per_cpu), &busy, &steal));
    assert_false(fp_steal_parse("", 0, &busy, &steal));
    const char *cut = "cpu  100 20 30 5000"; /* a short read */
    assert_false(fp_steal_parse(cut, strlen(cut), &busy, &steal));
}

static void test_the_share_is_that_of_the_last_window(void **state)
{
    (void)state;
    fp_steal_t s = {0};
    assert_true(fp_steal_due(&s, 0));
    assert_true(fp_steal_update(&s, 1000, 100, 0));
    assert_int_equal(fp_steal_share(&s, 1000000), 0); /* nothing known yet */
    /* a reading within the window is not kept */
    assert_false(fp_steal_due(&s, FP_STEAL_WINDOW_NS / 2));
    assert_false(fp_steal_update(&s, 1010, 200, FP_STEAL_WINDOW_NS / 2));
    /* over the window 50 ticks passed and the host took 10: 10 for every 40 kept */
    assert_true(fp_steal_update(&s, 1050, 110, FP_STEAL_WINDOW_NS));
    assert_int_equal(fp_steal_share(&s, 80000000), 20000000); /* 80 ms run: 20 ms stolen */
    /* a window with no steal brings the share back to nothing */
    assert_true(fp_steal_update(&s, 1090, 110, 2 * FP_STEAL_WINDOW_NS));
    assert_int_equal(fp_steal_share(&s, 80000000), 0);
}

static void test_the_ratio_is_bounded_and_survives_odd_readings(void **state)
{
    (void)state;
    fp_steal_t s = {0};
    fp_steal_update(&s, 1000, 0, 0);
    fp_steal_update(&s, 1101, 100, FP_STEAL_WINDOW_NS); /* 100 stolen for 1 kept */
    assert_int_equal(fp_steal_share(&s, 1000), 4000);   /* at most 4 times the run time */
    /* counters that go backwards or disagree keep the last share */
    fp_steal_update(&s, 10, 0, 2 * FP_STEAL_WINDOW_NS);
    assert_int_equal(fp_steal_share(&s, 1000), 4000);
    fp_steal_update(&s, 20, 50, 3 * FP_STEAL_WINDOW_NS); /* more stolen than passed */
    assert_int_equal(fp_steal_share(&s, 1000), 4000);
    /* a run time too long to multiply gets no share rather than a wrapped one */
    assert_int_equal(fp_steal_share(&s, UINT64_MAX), 0);
}

enum { MS = 1000000 };

static void test_a_thread_that_stays_on_its_cpu_lost_its_whole_gap(void **state)
{
    (void)state;
    fp_steal_t s = {0}; /* the machine's share is unknown: it plays no part */
    fp_gap_t g = {0};
    /* three ticks on the CPU, 1 ms taken each: each is known at the next */
    assert_int_equal(fp_steal_split(&s, &g, 1 * MS, 9 * MS, true), 0);
    assert_int_equal(fp_steal_split(&s, &g, 1 * MS, 9 * MS, true), 1 * MS);
    assert_int_equal(fp_steal_split(&s, &g, 1 * MS, 9 * MS, true), 1 * MS);
    assert_int_equal(g.pending_off_ns, 0);
    /* then it blocks just before a tick ends: that tick's gap was its waiting */
    assert_int_equal(fp_steal_split(&s, &g, 8 * MS, 2 * MS, true), 1 * MS);
    assert_int_equal(fp_steal_split(&s, &g, 10 * MS, 0, false), 0);
    assert_int_equal(g.pending_off_ns, 18 * MS);
    assert_int_equal(g.undecided_ns, 0);
}

static void test_read_skew_nets_out_while_a_thread_stays(void **state)
{
    (void)state;
    fp_steal_t s = {0};
    fp_gap_t g = {0};
    uint64_t stolen = 0;
    for (int i = 0; i < 100; i++) /* readings late and early in turn, nothing taken */
        stolen += fp_steal_split(&s, &g, i % 2 ? -20000 : 20000, 10 * MS, true);
    assert_true(stolen <= 20000);
    fp_steal_split(&s, &g, 0, 0, false);
    assert_true(g.pending_off_ns + (int64_t)stolen == 0); /* nothing lost or made up */
}

static void test_a_thread_switched_out_loses_the_machines_share(void **state)
{
    (void)state;
    fp_steal_t s = {0};
    fp_steal_update(&s, 0, 0, 0);
    fp_steal_update(&s, 125, 25, FP_STEAL_WINDOW_NS); /* 1 taken for every 4 kept */
    fp_gap_t g = {0};
    /* it ran 40 ms and slept 40: 10 ms of the gap was the host's */
    assert_int_equal(fp_steal_split(&s, &g, 50 * MS, 40 * MS, false), 10 * MS);
    assert_int_equal(g.pending_off_ns, 40 * MS);
    /* never more than the gap: a thread that did not wait has nothing to give */
    g = (fp_gap_t){0};
    assert_int_equal(fp_steal_split(&s, &g, 1 * MS, 50 * MS, false), 1 * MS);
    assert_int_equal(g.pending_off_ns, 0);
    /* a thread that did not run lost nothing to the host */
    g = (fp_gap_t){0};
    assert_int_equal(fp_steal_split(&s, &g, 10 * MS, 0, false), 0);
    assert_int_equal(g.pending_off_ns, 10 * MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_first_line_gives_total_and_steal),
        cmocka_unit_test(test_lines_that_are_not_the_total_are_refused),
        cmocka_unit_test(test_the_share_is_that_of_the_last_window),
        cmocka_unit_test(test_the_ratio_is_bounded_and_survives_odd_readings),
        cmocka_unit_test(test_a_thread_that_stays_on_its_cpu_lost_its_whole_gap),
        cmocka_unit_test(test_read_skew_nets_out_while_a_thread_stays),
        cmocka_unit_test(test_a_thread_switched_out_loses_the_machines_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
