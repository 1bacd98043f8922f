/* leakfit.h: the verdict on one line's live memory at the end of a run
 * (the rules are in leaks.h). Pure arithmetic on the samples the caller
 * collected, so that it can be tested on made-up runs. */
#ifndef FP_LEAKFIT_H
#define FP_LEAKFIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One sampled allocation still live at the end. */
typedef struct fp_leak_sample {
    const void *line;   /* the line that made it (the caller groups by it) */
    uint64_t weight;    /* the bytes it stands for */
    uint64_t t_ns;      /* when it was made (CLOCK_MONOTONIC) */
} fp_leak_sample_t;

/* What a line that looks like a leak is reported with. */
typedef struct fp_leak_verdict {
    double confidence;  /* 0..1 */
    double rate;        /* its growth, bytes per second */
    uint64_t bytes;     /* live at the end */
} fp_leak_verdict_t;

/* Least squares of the cumulative live bytes of V (N samples, sorted by
 * time) against time: *SLOPE gets the growth rate in bytes per second;
 * returns R^2, how steady that growth was (0 when it cannot tell). */
double fp_leakfit_fit(const fp_leak_sample_t *v, size_t n, double *slope);

/* Judges one line from its live samples V (N, sorted by time) in a run
 * from START_NS to END_NS, where the line allocated MADE_BYTES in all and
 * itself ran (or waited) BUSY_NS. True, with *OUT filled, when it looks
 * like a leak. */
bool fp_leakfit_judge(const fp_leak_sample_t *v, size_t n, uint64_t made_bytes, uint64_t busy_ns,
                      uint64_t start_ns, uint64_t end_ns, fp_leak_verdict_t *out);

#endif
