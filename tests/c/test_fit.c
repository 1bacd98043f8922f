/* test_fit.c: power-law fits (src/launcher/fit.c).
 *
 * Exact power laws come back exactly, groups keep their own constants
 * with a common exponent, fewer than three sizes refuse, and the
 * prediction interval is honest: it holds the truth for scattered data
 * and shrinks to the point for exact data. */
#include "testutil.h"

#include <math.h>

#include "../../src/launcher/fit.h"

static void test_exact_power_law(void **state)
{
    (void)state;
    fp_fit_point_t pts[4];
    for (int i = 0; i < 4; i++)
        pts[i] = (fp_fit_point_t){.x = 1000.0 * (1 << i), .y = 3.0 * pow(1000.0 * (1 << i), 2), .group = 0};
    fp_fit_t f;
    assert_int_equal(fp_fit_power(&f, pts, 4, 1), 0);
    assert_true(fabs(f.k - 2) < 1e-9);
    assert_true(fabs(f.r2 - 1) < 1e-9);
    assert_int_equal(f.n, 4);
    assert_int_equal(f.dof, 2);
    assert_true(fp_fit_superlinear(&f));
    double y, lo, hi;
    assert_int_equal(fp_fit_predict(&f, 0, 1e5, &y, &lo, &hi), 0);
    assert_true(fabs(y / (3.0 * 1e10) - 1) < 1e-9);
    assert_true(fabs(lo / y - 1) < 1e-6 && fabs(hi / y - 1) < 1e-6);
    fp_fit_free(&f);
}

static void test_groups_share_the_exponent(void **state)
{
    (void)state;
    /* two groups: 5x and 50x the size, each linear */
    fp_fit_point_t pts[6];
    for (int i = 0; i < 3; i++) {
        double x = 10.0 * (i + 1);
        pts[i] = (fp_fit_point_t){.x = x, .y = 5 * x, .group = 0};
        pts[3 + i] = (fp_fit_point_t){.x = x, .y = 50 * x, .group = 1};
    }
    fp_fit_t f;
    assert_int_equal(fp_fit_power(&f, pts, 6, 2), 0);
    assert_true(fabs(f.k - 1) < 1e-9 && fabs(f.r2 - 1) < 1e-9);
    assert_false(fp_fit_superlinear(&f));
    double y, lo, hi;
    assert_int_equal(fp_fit_predict(&f, 1, 100, &y, &lo, &hi), 0);
    assert_true(fabs(y - 5000) < 1e-6);
    fp_fit_free(&f);
}

static void test_too_few_sizes(void **state)
{
    (void)state;
    /* two distinct sizes, repeated; and a third size whose figure is 0 */
    fp_fit_point_t pts[] = {{1, 1, 0}, {1, 1.1, 0}, {2, 2, 0}, {2, 2.1, 0}, {4, 0, 0}};
    fp_fit_t f;
    assert_int_equal(fp_fit_power(&f, pts, 5, 1), -1);
    /* three sizes in two groups that each have fewer: nothing either */
    fp_fit_point_t split[] = {{1, 1, 0}, {2, 2, 0}, {4, 4, 1}};
    assert_int_equal(fp_fit_power(&f, split, 3, 2), -1);
}

static void test_interval_holds_the_truth(void **state)
{
    (void)state;
    /* y = x^1.5 with +-5% scatter at five sizes; predict at 10x */
    static const double noise[] = {1.05, 0.96, 1.03, 0.95, 1.02};
    fp_fit_point_t pts[5];
    for (int i = 0; i < 5; i++) {
        double x = 100.0 * (i + 1);
        pts[i] = (fp_fit_point_t){.x = x, .y = pow(x, 1.5) * noise[i], .group = 0};
    }
    fp_fit_t f;
    assert_int_equal(fp_fit_power(&f, pts, 5, 1), 0);
    assert_true(fabs(f.k - 1.5) < 0.1);
    assert_true(f.r2 > 0.98 && f.r2 <= 1);
    double y, lo, hi, truth = pow(5000, 1.5);
    assert_int_equal(fp_fit_predict(&f, 0, 5000, &y, &lo, &hi), 0);
    assert_true(lo < truth && truth < hi);
    assert_true(lo < y && y < hi);
    assert_int_equal(fp_fit_predict(&f, 1, 5000, &y, &lo, &hi), -1); /* no such group */
    fp_fit_free(&f);
}

static void test_t_quantiles(void **state)
{
    (void)state;
    assert_true(fabs(fp_fit_t95(1) - 12.706) < 1e-3);
    assert_true(fabs(fp_fit_t95(10) - 2.228) < 1e-3);
    assert_true(fabs(fp_fit_t95(1000) - 1.96) < 1e-3);
    assert_true(isinf(fp_fit_t95(0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_power_law),
        cmocka_unit_test(test_groups_share_the_exponent),
        cmocka_unit_test(test_too_few_sizes),
        cmocka_unit_test(test_interval_holds_the_truth),
        cmocka_unit_test(test_t_quantiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
