/* check.h: `footprint check`: budgets as a gate.
 *
 *   footprint check [check options] [run options] script.py [args...]
 *   footprint check [check options] [run options] -m module [args...]
 *   footprint check [check options] profile.json
 *
 * Runs the program under `footprint run` (--repeat N times), or reads a
 * saved profile, judges every budget on the profile(s) and prints one
 * verdict per budget. Exit status: 0 every budget holds, 1 one does not,
 * 2 bad input, 3 the program itself failed. */
#ifndef FP_CHECK_H
#define FP_CHECK_H

/* ARGV[1] is "check". Returns the exit status. */
int fp_check_main(int argc, char **argv);

#endif
