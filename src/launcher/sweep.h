/* sweep.h: `footprint sweep`, the same program run under the profiler
 * over a grid of parameters.
 *
 *   footprint sweep -p NAME=V1,V2,... [-p ...] [--grid|--zip] [--runs N]
 *                   [--out DIR] [--max-peak BYTES] [--predict NAME=VALUE]
 *                   [--resume] [run options] script.py [args...]
 *
 * The driver (sweep.c) runs each configuration by starting footprint
 * itself (`footprint run --json DIR/...`), so a sweep measures exactly
 * what a run does; the summary (sweepsum.c) reads the profiles back,
 * fits how figures grow (fit.c) and writes DIR/sweep.json; the page
 * (chartpage.c) draws it. The types here are shared by those modules. */
#ifndef FP_SWEEP_H
#define FP_SWEEP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

enum { FP_SWEEP_MAX_PARAMS = 8, FP_SWEEP_MAX_PREDICT = 8, FP_SWEEP_TOP_FUNCTIONS = 8 };

typedef struct fp_sweep_param {
    const char *name;
    char **values;   /* as given, integers written out ("1e3" -> "1000") */
    double *num;     /* the values as numbers, when numeric */
    int nvalues;
    bool numeric;    /* every value a number */
    bool fittable;   /* every value a number > 0: growth can be fitted against it */
} fp_sweep_param_t;

typedef struct fp_sweep_predict {
    int param;       /* index into params */
    double value;
    const char *text;
} fp_sweep_predict_t;

/* One configuration: a value for each parameter, and its runs. */
typedef struct fp_sweep_config {
    int vi[FP_SWEEP_MAX_PARAMS]; /* value index per parameter */
    char *stem;                  /* file names start with this */
    const char *status;          /* "ok", "failed", "killed", "over-budget"; NULL: not run */
    int nruns;                   /* runs finished */
    json_t **profiles;           /* per run: the profile, or NULL when the run left none */
    char **files;                /* per run: the profile's file name in DIR */
    int *exit_codes;             /* per run: the program's exit status */
    char *html;                  /* the first run's report, a file name in DIR */
} fp_sweep_config_t;

typedef struct fp_sweep {
    fp_sweep_param_t params[FP_SWEEP_MAX_PARAMS];
    int nparams;
    bool zip;
    int runs;
    const char *dir;
    double max_peak;             /* bytes; 0: no limit */
    fp_sweep_predict_t predict[FP_SWEEP_MAX_PREDICT];
    int npredict;
    bool resume;
    char **command;              /* run options, script or -m module, args: as given */
    int ncommand;
    int script_at;               /* index in command of the first program argument */
    const char *program;         /* the script, or the module's name */
    fp_sweep_config_t *configs;
    int nconfigs;
    bool complete;               /* every configuration ran (not interrupted) */
} fp_sweep_t;

/* `footprint sweep ARGS`: argv[0] is "sweep". Returns the exit status:
 * 0 when every configuration ran ok, 1 when some did not, 2 for bad
 * usage (one line on stderr), 130 when interrupted. */
int fp_sweep_main(int argc, char **argv);

/* The summary document (sweep.json) of S, as it stands (new reference). */
json_t *fp_sweep_summary(const fp_sweep_t *s);

/* Prints the tables of SUMMARY for a terminal. */
void fp_sweep_print(FILE *out, json_t *summary);

#endif
