/* junit.h: `footprint check --junit`: the verdicts as JUnit XML.
 *
 * The layout CI systems read (GitLab, Jenkins, GitHub's test reporters),
 * valid against the schema Jenkins uses (tests/e2e/data/junit-10.xsd):
 * one <testsuite> for the check, one <testcase> per budget. A failed
 * budget has a <failure>, a budget that could not be judged is <skipped>,
 * a program that failed is one more testcase with an <error>. */
#ifndef FP_JUNIT_H
#define FP_JUNIT_H

#include <stddef.h>

#include "budget.h"
#include "judge.h"

typedef struct fp_junit_suite {
    const char *name;           /* "footprint check examples/demo.py" */
    const fp_budget_t *budgets; /* N budgets and their verdicts */
    const fp_verdict_t *verdicts;
    size_t n;
    const char *program_error;  /* "the program failed: exit status 3", or NULL */
    double time_s;              /* the program's elapsed time */
} fp_junit_suite_t;

/* Writes S to PATH. Returns 0, or -1 after printing one line. */
int fp_junit_write(const char *path, const fp_junit_suite_t *s);

#endif
