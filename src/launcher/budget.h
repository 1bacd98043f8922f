/* budget.h: memory and time budgets, the language `footprint check` reads.
 *
 * A budget is one limit on one figure of one target: the whole run, a
 * function by qualified name, a file, or an import. Budgets come from a
 * TOML file (one table per target, see docs/budgets in README.md) or
 * from options (--max-peak 512MB, --max-alloc 'train.fit=200MB'). A limit
 * is absolute ("512MB", "30s") or relative to a baseline profile ("+10%":
 * at most 10% over the baseline's figure). This module only reads and
 * checks budgets; judge.h measures them on a profile. */
#ifndef FP_BUDGET_H
#define FP_BUDGET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum fp_budget_target {
    FP_TARGET_RUN,
    FP_TARGET_FUNCTION,
    FP_TARGET_FILE,
    FP_TARGET_IMPORT,
    FP_TARGET_COUNT
} fp_budget_target_t;

typedef enum fp_budget_metric {
    FP_METRIC_PEAK,     /* bytes live at the peak */
    FP_METRIC_TIME,     /* wall time (a line's: CPU and off-CPU time) */
    FP_METRIC_CPU,      /* CPU time */
    FP_METRIC_ALLOC,    /* bytes allocated */
    FP_METRIC_GPU_PEAK, /* GPU memory at its peak */
    FP_METRIC_LEAKS,    /* likely leaks: none allowed */
    FP_METRIC_COUNT
} fp_budget_metric_t;

typedef struct fp_budget {
    fp_budget_target_t target;
    char *name;                /* the function, file or import; NULL for the run */
    fp_budget_metric_t metric;
    double limit;              /* bytes or seconds; relative: the growth allowed (0.1 for 10%) */
    bool relative;             /* against the baseline profile */
    char *text;                /* the limit as written ("512MB", "+10%") */
    char *where;               /* where it was set: "--max-peak", "budget.toml line 3" */
    int line;                  /* its line in the budget file; 0 for an option */
} fp_budget_t;

typedef struct fp_budget_list {
    fp_budget_t *items;
    size_t n;
} fp_budget_list_t;

/* The TOML key of METRIC ("max_peak", ..., "no_leaks"), and the word the
 * verdicts use for it ("peak", "time", "cpu", "alloc", "gpu peak", "leaks"). */
const char *fp_budget_key(fp_budget_metric_t metric);
const char *fp_budget_word(fp_budget_metric_t metric);
/* The TOML table of TARGET ("run", "function", "file", "import"). */
const char *fp_budget_table(fp_budget_target_t target);
/* Whether METRIC can be judged on a target of kind TARGET (an import has
 * a time and an allocation total, nothing else). */
bool fp_budget_applies(fp_budget_target_t target, fp_budget_metric_t metric);

/* Parses a size ("512MB", "1.5GB", "64KiB"; kB, MB, GB, TB are powers of
 * 1000, KiB, MiB, GiB, TiB of 1024) into *BYTES. Returns 0, or -1. */
int fp_budget_parse_size(const char *text, double *bytes);
/* Parses a time ("30s", "500ms", "2min", "1h") into *SECONDS. */
int fp_budget_parse_time(const char *text, double *seconds);
/* Parses a limit for METRIC: a size or time, or a growth over the baseline
 * ("10%" or "+10%") into *VALUE and *RELATIVE. On failure returns -1 with
 * WHY (a static string) saying what a valid one looks like. */
int fp_budget_parse_limit(fp_budget_metric_t metric, const char *text, double *value, bool *relative,
                          const char **why);

/* Adds one budget to L (NAME and TEXT are copied; NAME may be NULL).
 * WHERE says where it was set. */
void fp_budget_add(fp_budget_list_t *l, fp_budget_target_t target, const char *name, fp_budget_metric_t metric,
                   double limit, bool relative, const char *text, const char *where);

/* Reads the budgets of a TOML file at PATH into L. On any error (cannot
 * read, not TOML, unknown table or key, a value that is not a size or
 * time) prints one line and returns -1; L may then hold some budgets. */
int fp_budget_load_file(fp_budget_list_t *l, const char *path);
/* The same from a tree fp_toml_parse made (PATH names it in messages). */
int fp_budget_from_toml(fp_budget_list_t *l, json_t *doc, const char *path);

/* Reads an option's value, "LIMIT" (for the run) or "NAME=LIMIT" (for a
 * function by qualified name), as a budget on METRIC. OPT names the option
 * in messages. Returns 0, or -1 after printing one line. */
int fp_budget_add_option(fp_budget_list_t *l, fp_budget_metric_t metric, const char *opt, const char *value);

/* Whether any budget of L is relative to a baseline. */
bool fp_budget_any_relative(const fp_budget_list_t *l);

void fp_budget_free(fp_budget_list_t *l);

#endif
