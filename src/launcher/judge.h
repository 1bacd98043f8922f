/* judge.h: judging budgets on a profile.
 *
 * A budget is judged from a profile only, so judging a saved profile and
 * judging a fresh run agree. Each figure comes with its sampling error,
 * from the sampling parameters the profile states: a figure made of
 * sampled lines (a function's, a file's) of B bytes has an error of
 * 2 * sqrt(B * alloc_mean_bytes), of T seconds 2 * sqrt(T *
 * cpu_interval_s); the run's totals (peak, elapsed, CPU, bytes allocated)
 * and imports' figures are measured, not sampled, and have none. A
 * budget whose limit is closer to the figure than its error is neither
 * passed nor failed at random: its verdict says so, and it does not fail. */
#ifndef FP_JUDGE_H
#define FP_JUDGE_H

#include <jansson.h>
#include <stdbool.h>

#include "budget.h"

/* One figure of one target in one profile. */
typedef struct fp_measure {
    bool found;       /* false: the target or its section is not in the profile */
    char why[256];    /* when not found: "no GPU data in the profile" */
    double value;     /* bytes, seconds, or a number of leaks */
    double error;     /* the sampling error; 0 when measured exactly */
} fp_measure_t;

/* Measures B's figure on the profile P (checked by fp_profile_check). */
void fp_judge_measure(const fp_budget_t *b, json_t *p, fp_measure_t *m);

typedef enum fp_verdict_kind {
    FP_VERDICT_PASS,
    FP_VERDICT_NEAR,     /* within the sampling error of the limit: not failed */
    FP_VERDICT_FAIL,
    FP_VERDICT_UNJUDGED, /* the profile has no such target or section */
} fp_verdict_kind_t;

typedef struct fp_verdict {
    fp_verdict_kind_t kind;
    double value, limit, error;
    char *target;   /* "run", "function train.fit", "file src/train.py", "import torch" */
    char *text;     /* "peak 612MB > 512MB (+19.5%) held by train.py:42 build_features" */
    char *detail;   /* for a failure: the lines responsible, one per line, each ending in '\n'; or NULL */
} fp_verdict_t;

/* Judges B on the profile P; a relative budget against BASE (the baseline
 * profile; NULL when there is none, which makes it unjudged). The verdict's
 * strings are new (fp_verdict_free). */
void fp_judge(const fp_budget_t *b, json_t *p, json_t *base, fp_verdict_t *v);
void fp_verdict_free(fp_verdict_t *v);

/* Formats bytes ("0B", "512B", "1.5MB") or seconds ("0s", "12ms", "1.25s"). */
void fp_judge_fmt(char *buf, size_t n, fp_budget_metric_t metric, double value);

#endif
