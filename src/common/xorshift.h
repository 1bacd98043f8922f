/* xorshift.h: cheap randomness that is safe anywhere (signal handlers,
 * allocation hooks): Marsaglia's xorshift64, no state but the caller's.
 * Used to randomize sampling intervals (so they do not alias with
 * periodic work in the program) and to draw allocation sampling gaps. */
#ifndef FP_XORSHIFT_H
#define FP_XORSHIFT_H

#include <stdint.h>

/* Advances *STATE (which must not be 0: seed it first) and returns it. */
static inline uint64_t fp_xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* A double in [0, 1) from the top 53 bits of X. */
static inline double fp_xorshift_unit(uint64_t x) { return (double)(x >> 11) / (double)(1ULL << 53); }

#endif
