/* sampler.h: the arithmetic of allocation sampling (track.c).
 *
 * Samples fall on bytes, not on calls: a Poisson process with mean MEAN
 * bytes runs through every byte allocated (or copied), and a block is
 * sampled when a point of the process falls in it. The gap to the next
 * point is exponential, and the chance that a block of N bytes holds one
 * is 1 - exp(-N / MEAN), whatever came before it; so a sample of N bytes
 * stands for N / (1 - exp(-N / MEAN)) bytes, and the sum of the samples'
 * weights is an unbiased estimate of the bytes (tests/c/test_sampler.c).
 * Pure arithmetic, safe in allocation hooks. */
#ifndef FP_SAMPLER_H
#define FP_SAMPLER_H

#include <math.h>
#include <stdint.h>

#include "../common/fragment_format.h"

/* An exponential gap with mean MEAN, from U in (0, 1]: where the next
 * sample falls. At least 1. */
static inline int64_t fp_sampler_gap(double u, uint64_t mean)
{
    double gap = -log(u) * (double)mean;
    return gap < 1 ? 1 : (int64_t)gap;
}

/* U in (0, 1] from 64 random bits. */
static inline double fp_sampler_unit(uint64_t bits) { return ((double)(bits >> 11) + 1.0) / 9007199254740993.0; }

/* The bytes a sample of N bytes stands for. A block of at least
 * FP_ALLOC_EXACT_FACTOR times the mean is all but certain to be sampled:
 * it stands for itself. */
static inline uint64_t fp_sampler_weight(uint64_t n, uint64_t mean)
{
    if (n == 0)
        return 0;
    if (n >= FP_ALLOC_EXACT_FACTOR * mean)
        return n;
    return (uint64_t)((double)n / -expm1(-(double)n / (double)mean) + 0.5);
}

#endif
