/* collect.h: `footprint collect RUN_DIR --json OUT ...`: the profile of a
 * region profiled from inside a program (see collect.c). */
#ifndef FP_COLLECT_H
#define FP_COLLECT_H

/* ARGV[1] is "collect". Returns the exit status: 0, 1 when the profile
 * could not be written, 2 on bad usage (one line on stderr). */
int fp_collect_main(int argc, char **argv);

#endif
