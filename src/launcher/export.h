/* export.h: `footprint export`: a saved profile in other tools' formats.
 *
 *   footprint export --format FORMAT [--figure time|alloc|peak] profile.json -o OUT
 *
 * FORMAT is one of
 *   collapsed   Brendan Gregg's folded stacks (flamegraph.pl, inferno): one
 *               line a stack, `frame;frame;... weight`, a frame
 *               `file:function:line`, outermost first; --figure chooses the
 *               weight: time in microseconds (default), bytes allocated, or
 *               bytes live at the peak
 *   speedscope  speedscope's file format: one profile for time and, when
 *               memory was profiled, one for bytes allocated and one for
 *               bytes at the peak
 *   pprof       gzip'd protobuf of pprof's profile.proto (pprof.c)
 *   chrome      the Trace Event format: the memory timeline and the
 *               processes as counters
 * A profile without stacks exports its lines as one-frame stacks (one
 * line on stderr says so). OUT "-" is stdout. Bad options or input get one
 * line on stderr and exit status 2. */
#ifndef FP_EXPORT_H
#define FP_EXPORT_H

#include <jansson.h>
#include <stdio.h>

#include "stackset.h"

/* The subcommand; ARGV[0] is "export". Returns the exit status. */
int fp_export_main(int argc, char **argv);

/* Writes PROFILE (checked by fp_profile_check; SS read from it) to OUT in
 * FORMAT (a name above, already checked); FIGURE is collapsed's weight
 * (0 time, 1 alloc, 2 peak). Returns 0 or -1. */
int fp_export_write(FILE *out, json_t *profile, const fp_stackset_t *ss, const char *format, int figure);

#endif
