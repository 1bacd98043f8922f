/* test_leakfit.c: the verdict on a line's live memory at the end of a
 * run (src/agent/leakfit.c): steady growth up to the end is a leak; churn,
 * one burst, a cache that stopped growing, a line that was simply busy
 * building something, too few samples and small growth are not. */
#include "testutil.h"

#include <math.h>

#include "../../src/agent/leakfit.h"

enum { N = 100 };
#define S 1000000000ULL /* ns */

/* N samples of WEIGHT bytes, evenly from FROM to TO (ns). */
static void spread(fp_leak_sample_t *v, uint64_t weight, uint64_t from, uint64_t to)
{
    for (int i = 0; i < N; i++)
        v[i] = (fp_leak_sample_t){NULL, weight, from + (to - from) * (uint64_t)i / (N - 1)};
}

static void test_a_straight_line_fits_exactly(void **state)
{
    (void)state;
    fp_leak_sample_t v[N];
    spread(v, 100000, 0, 9 * S); /* 100 kB every 1/11 s */
    double slope;
    double r2 = fp_leakfit_fit(v, N, &slope);
    assert_true(fabs(r2 - 1) < 1e-9);
    assert_true(fabs(slope - 100000.0 * (N - 1) / 9) < 1);
    assert_true(fp_leakfit_fit(v, 1, &slope) == 0 && slope == 0); /* one point: no line */
}

static void test_steady_growth_to_the_end_is_a_leak(void **state)
{
    (void)state;
    fp_leak_sample_t v[N];
    spread(v, 100000, 1 * S, 10 * S); /* 10 MB over 9 s of a 10 s run */
    fp_leak_verdict_t out;
    assert_true(fp_leakfit_judge(v, N, 10500000, S / 10, 0, 10 * S, &out));
    assert_int_equal(out.bytes, 10000000);
    assert_true(fabs(out.rate - 1.1e6) < 1e4);
    assert_true(out.confidence > 0.8 && out.confidence <= 1);
}

static void test_what_is_not_a_leak(void **state)
{
    (void)state;
    fp_leak_sample_t v[N];
    fp_leak_verdict_t out;
    spread(v, 100000, 1 * S, 10 * S);
    /* churn: most of what the line made was freed */
    assert_false(fp_leakfit_judge(v, N, 40000000, 0, 0, 10 * S, &out));
    /* the line ran all the time it grew: building one big structure */
    assert_false(fp_leakfit_judge(v, N, 10000000, 8 * S, 0, 10 * S, &out));
    /* too little to tell */
    assert_false(fp_leakfit_judge(v, 9, 900000, 0, 0, 10 * S, &out));
    /* a run that did not last */
    assert_false(fp_leakfit_judge(v, N, 10000000, 0, 10 * S, 10 * S, &out));
    /* one burst: loaded once */
    spread(v, 100000, 5 * S, 5 * S + S / 10);
    assert_false(fp_leakfit_judge(v, N, 10000000, 0, 0, 10 * S, &out));
    /* a cache that filled and stopped, long before the end */
    spread(v, 100000, 1 * S, 4 * S);
    assert_false(fp_leakfit_judge(v, N, 10000000, 0, 0, 10 * S, &out));
    /* small */
    spread(v, 5000, 1 * S, 10 * S);
    assert_false(fp_leakfit_judge(v, N, 500000, 0, 0, 10 * S, &out));
}

static void test_unsteady_growth_is_not_a_leak(void **state)
{
    (void)state;
    /* everything at the start, then a trickle to the end: not a steady line */
    fp_leak_sample_t v[N];
    spread(v, 1000, 1 * S, 10 * S);
    for (int i = 0; i < 10; i++)
        v[i].weight = 2000000;
    double slope;
    assert_true(fp_leakfit_fit(v, N, &slope) < 0.85);
    fp_leak_verdict_t out;
    assert_false(fp_leakfit_judge(v, N, 20090000, 0, 0, 10 * S, &out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_straight_line_fits_exactly),
        cmocka_unit_test(test_steady_growth_to_the_end_is_a_leak),
        cmocka_unit_test(test_what_is_not_a_leak),
        cmocka_unit_test(test_unsteady_growth_is_not_a_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
