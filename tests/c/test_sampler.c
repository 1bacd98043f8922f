/* test_sampler.c: allocation sampling is unbiased (src/interposer/sampler.h).
 *
 * The countdown of track.c is run over made-up streams of allocations:
 * the weights of the blocks sampled add up to the bytes allocated, for
 * every size of block (small ones sampled rarely and weighted up, large
 * ones always and weighted as themselves), whatever the order they come
 * in. A weight that forgot a block's own size, or a gap that was not
 * exponential, would be off by far more than the tolerances here. */
#include "testutil.h"

#include <math.h>

#include "../../src/common/xorshift.h"
#include "../../src/interposer/sampler.h"

enum { MEAN = 16384, CLASSES = 6 };
static const uint64_t SIZES[CLASSES] = {8, 100, 1000, 16384, 100000, 1000000};

typedef struct run {
    uint64_t rng;
    int64_t countdown;
    double estimate[CLASSES];
    double truth[CLASSES];
} run_t;

/* One allocation of class K through the countdown, as track.c does it. */
static void allocate(run_t *r, int k)
{
    uint64_t n = SIZES[k];
    r->truth[k] += (double)n;
    if ((r->countdown -= (int64_t)n) > 0)
        return;
    while (r->countdown <= 0)
        r->countdown += fp_sampler_gap(fp_sampler_unit(fp_xorshift64(&r->rng)), MEAN);
    r->estimate[k] += (double)fp_sampler_weight(n, MEAN);
}

static void start(run_t *r, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    r->rng = seed;
    r->countdown = fp_sampler_gap(fp_sampler_unit(fp_xorshift64(&r->rng)), MEAN);
}

/* Each class gets BYTES, some 30,000 samples' worth: the estimate's
 * standard error is about 0.6%, and the tolerance 5 of those. */
#define BYTES 500000000ULL
static void check(const run_t *r, double tolerance)
{
    for (int k = 0; k < CLASSES; k++) {
        double err = fabs(r->estimate[k] - r->truth[k]) / r->truth[k];
        if (err > tolerance)
            fail_msg("blocks of %llu bytes: estimated %.0f of %.0f (%.2f%%)", (unsigned long long)SIZES[k],
                     r->estimate[k], r->truth[k], 100 * err);
    }
}

static void test_weights_add_up_to_the_bytes_in_every_size(void **state)
{
    (void)state;
    run_t r;
    start(&r, 0x9E3779B97F4A7C15ULL);
    for (uint64_t done = 0; done < BYTES;) {
        for (int k = 0; k < CLASSES; k++) { /* interleaved: each class in turn */
            uint64_t each = SIZES[CLASSES - 1] / SIZES[k]; /* the same bytes per round for all */
            for (uint64_t i = 0; i < each; i++)
                allocate(&r, k);
        }
        done += SIZES[CLASSES - 1];
    }
    check(&r, 0.03);
}

static void test_the_order_of_blocks_does_not_matter(void **state)
{
    (void)state;
    /* one class after the other, in long runs: the countdown carries over */
    run_t r;
    start(&r, 12345);
    for (int k = CLASSES - 1; k >= 0; k--)
        for (uint64_t i = 0; i < BYTES / SIZES[k]; i++)
            allocate(&r, k);
    check(&r, 0.03);
}

static void test_weights(void **state)
{
    (void)state;
    assert_int_equal(fp_sampler_weight(0, MEAN), 0);
    /* a tiny block is sampled with probability n/mean: it stands for about mean bytes */
    assert_true(llabs((long long)fp_sampler_weight(8, MEAN) - MEAN) <= 8);
    /* one of the mean's size: n / (1 - 1/e) */
    assert_true(llabs((long long)fp_sampler_weight(MEAN, MEAN) - (long long)(MEAN / (1 - exp(-1.0)))) <= 1);
    assert_int_equal(fp_sampler_weight(FP_ALLOC_EXACT_FACTOR * MEAN, MEAN), FP_ALLOC_EXACT_FACTOR * MEAN);
    /* gaps: at least 1, exponential with the mean */
    assert_int_equal(fp_sampler_gap(1.0, MEAN), 1);
    uint64_t rng = 7;
    double sum = 0;
    for (int i = 0; i < 1000000; i++)
        sum += (double)fp_sampler_gap(fp_sampler_unit(fp_xorshift64(&rng)), MEAN);
    assert_true(fabs(sum / 1e6 - MEAN) < 0.01 * MEAN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_weights_add_up_to_the_bytes_in_every_size),
        cmocka_unit_test(test_the_order_of_blocks_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
