/* merge.h: from the fragments of a run to one profile.
 *
 * Every profiled process leaves RUN_DIR/PID-START.json (the format is
 * ../common/fragment_format.h). The merge sums their per-line figures file by file, adds
 * each line's source text, sums lines into their innermost function, and
 * fills in the facts only the launcher knows (exit code, argv as given).
 * The result is a profile in the format of PROFILE_FORMAT.md, version 1. */
#ifndef FP_MERGE_H
#define FP_MERGE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct fp_run_facts {
    const char *program;       /* the script path as given, or "-m module" */
    char **argv;               /* the program's argv as it will see it */
    int argc;
    const char *python;        /* interpreter executed */
    const char *python_version;
    pid_t main_pid;
    int exit_code;
    double elapsed_s;          /* launcher's own measure, if no fragment has one */
    double interval_s;         /* asked for: the profile says what the main */
    bool memory;               /* process's agent used, when it has a fragment */
    unsigned long long alloc_mean_bytes;
    const char *spans_script;  /* boot/sitecustomize.py: reads function spans */
} fp_run_facts_t;

/* Reads every fragment in RUN_DIR and returns the profile (a new
 * reference). Fragments that cannot be read are skipped with a warning. */
json_t *fp_merge_run(const char *run_dir, const fp_run_facts_t *facts);

#endif
