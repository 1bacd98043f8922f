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

/* A tick of a thread that ran RAN ms, lost GAP ms, and stayed on its CPU or not. */
static uint64_t split(const fp_steal_t *s, fp_gap_t *g, double gap, double ran, bool stayed)
{
    fp_tick_t t = {.gap = (int64_t)(gap * MS), .ran = (uint64_t)(ran * MS), .stayed = stayed};
    return fp_steal_split(s, g, &t);
}

/* The same, with the thread's count of voluntary switches read at its end. */
static uint64_t split_read(const fp_steal_t *s, fp_gap_t *g, double gap, double ran, uint64_t voluntary)
{
    fp_tick_t t = {.gap = (int64_t)(gap * MS), .ran = (uint64_t)(ran * MS), .has_voluntary = true,
                   .voluntary = voluntary};
    assert_true(fp_steal_wants_voluntary(g, &t) || gap * MS <= 1000000);
    return fp_steal_split(s, g, &t);
}

static void test_a_thread_that_stays_on_its_cpu_lost_its_whole_gap(void **state)
{
    (void)state;
    fp_steal_t s = {0}; /* the machine's share is unknown: it plays no part */
    fp_gap_t g = {0};
    /* three ticks on the CPU, 1 ms taken each: each is known at the next */
    assert_int_equal(split(&s, &g, 1, 9, true), 0);
    assert_int_equal(split(&s, &g, 1, 9, true), 1 * MS);
    assert_int_equal(split(&s, &g, 1, 9, true), 1 * MS);
    assert_int_equal(g.pending_off_ns, 0);
    /* then it blocks just before a tick ends: that tick's gap was its waiting */
    assert_int_equal(split(&s, &g, 8, 2, true), 1 * MS);
    assert_int_equal(split(&s, &g, 10, 0, false), 0);
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
        stolen += split(&s, &g, i % 2 ? -0.02 : 0.02, 10, true);
    assert_true(stolen <= 20000);
    split(&s, &g, 0, 0, false);
    assert_true(g.pending_off_ns + (int64_t)stolen == 0); /* nothing lost or made up */
}

static void test_a_preempted_thread_that_never_blocks_lost_its_whole_gap(void **state)
{
    (void)state;
    fp_steal_t s = {0};
    fp_gap_t g = {0};
    /* the first readings only learn the count and that it runs */
    assert_false(fp_steal_wants_voluntary(&g, &(fp_tick_t){.gap = 5 * MS, .ran = 5 * MS, .stayed = true}));
    assert_false(fp_steal_wants_voluntary(&g, &(fp_tick_t){.gap = 5 * MS, .ran = 0}));
    assert_int_equal(split_read(&s, &g, 3, 5, 7), 0);
    assert_int_equal(split_read(&s, &g, 3, 5, 7), 0);
    assert_int_equal(g.pending_off_ns, 6 * MS);
    /* from then on, switched every tick but never blocking: every gap was the host's */
    assert_int_equal(split_read(&s, &g, 4, 5, 7), 4 * MS);
    assert_int_equal(split(&s, &g, 0.5, 5, false), 0); /* a small gap is not worth a reading */
    assert_int_equal(split(&s, &g, 2, 5, true), 0);     /* a stretch on the CPU: decided later */
    assert_int_equal(split_read(&s, &g, 3, 5, 7), 5 * MS);
    assert_int_equal(g.pending_off_ns, 6 * MS + MS / 2);
    /* it blocks: its count moves, and that gap is its waiting */
    assert_int_equal(split_read(&s, &g, 8, 2, 8), 0);
    assert_int_equal(g.pending_off_ns, 14 * MS + MS / 2);
    /* it must be seen runnable again before a gap counts as the host's */
    assert_int_equal(split_read(&s, &g, 2, 5, 8), 0);
    assert_int_equal(split_read(&s, &g, 2, 5, 8), 2 * MS);
    assert_int_equal(g.pending_off_ns, 16 * MS + MS / 2); /* its waiting is still to charge */
}

static void test_read_skew_nets_out_while_a_thread_is_preempted(void **state)
{
    (void)state;
    fp_steal_t s = {0};
    fp_gap_t g = {0};
    split_read(&s, &g, 0, 5, 3);
    split_read(&s, &g, 0, 5, 3);
    uint64_t stolen = 0;
    for (int i = 0; i < 100; i++) /* run time read late and early in turn, nothing taken */
        stolen += split_read(&s, &g, i % 2 ? -2.5 : 2.5, 5, 3);
    assert_true(stolen <= 2500000);
    assert_true(g.pending_off_ns + (int64_t)stolen == 0);
}

static void test_a_thread_switched_out_loses_the_machines_share(void **state)
{
    (void)state;
    fp_steal_t s = {0};
    fp_steal_update(&s, 0, 0, 0);
    fp_steal_update(&s, 125, 25, FP_STEAL_WINDOW_NS); /* 1 taken for every 4 kept */
    fp_gap_t g = {0};
    /* it ran 40 ms and slept 40: 10 ms of the gap was the host's */
    assert_int_equal(split(&s, &g, 50, 40, false), 10 * MS);
    assert_int_equal(g.pending_off_ns, 40 * MS);
    /* never more than the gap: a thread that did not wait has nothing to give */
    g = (fp_gap_t){0};
    assert_int_equal(split(&s, &g, 1, 50, false), 1 * MS);
    assert_int_equal(g.pending_off_ns, 0);
    /* a thread that did not run lost nothing to the host */
    g = (fp_gap_t){0};
    assert_int_equal(split(&s, &g, 10, 0, false), 0);
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
        cmocka_unit_test(test_a_preempted_thread_that_never_blocks_lost_its_whole_gap),
        cmocka_unit_test(test_read_skew_nets_out_while_a_thread_is_preempted),
        cmocka_unit_test(test_a_thread_switched_out_loses_the_machines_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
