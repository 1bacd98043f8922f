/* imports.h: the profile's `imports` table (what each module's first
 * import cost).
 *
 * The boot module times each first import of the main process and leaves
 * a table in the run directory (imports.PID.tsv, see sitecustomize.py);
 * this module turns it into the profile's `imports` array and prints the
 * report's section on it. */
#ifndef FP_IMPORTS_H
#define FP_IMPORTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* The `imports` array of process PID from RUN_DIR (a new reference; an
 * empty array when the process left no table). Entries, in the order
 * their imports began: name, time_s, alloc_bytes, total_time_s,
 * total_alloc_bytes (bytes null when memory was not profiled), parent,
 * file, line (null when unknown). Malformed lines are skipped. */
json_t *fp_imports_read(const char *run_dir, pid_t pid);

/* Parses one table line (TEXT, N bytes, no line break) into an entry, or
 * NULL when it is malformed. */
json_t *fp_imports_parse_line(const char *text, size_t n);

/* The report's "Imports" section: the program's own imports (those with no
 * parent), costliest first, at most MAX of them. Nothing when the profile
 * has none. */
void fp_imports_report(FILE *out, json_t *profile, bool color, int max);

#endif
