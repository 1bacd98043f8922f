/* proc.h: running a helper command and reading what it prints.
 *
 * The launcher asks the interpreter a few questions (who it is, whether a
 * module exists, where a file's functions are) by running it briefly. */
#ifndef FP_PROC_H
#define FP_PROC_H

/* Runs ARGV (argv[0] a path) with stdin and stderr on /dev/null, puts its
 * whole stdout in *OUT (a new NUL-terminated string, caller frees), and
 * returns its exit status; -1 when it could not run, died of a signal, or
 * ran past TIMEOUT_MS (it is killed then). */
int fp_proc_capture(char *const argv[], char **out, int timeout_ms);

#endif
