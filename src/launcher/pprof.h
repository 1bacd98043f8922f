/* pprof.h: a profile as pprof's profile.proto, gzip'd (footprint export
 * --format pprof).
 *
 * The message types are generated at build time by protoc-c from the
 * profile.proto of Debian's golang-github-google-pprof-dev, and packed by
 * libprotobuf-c; zlib gzips it. Sample types: cpu (Python and native time,
 * nanoseconds), offcpu (nanoseconds), alloc_space and peak_space (bytes).
 * Each distinct frame is one location with one line; each function (name
 * and file) one function. */
#ifndef FP_PPROF_H
#define FP_PPROF_H

#include <jansson.h>
#include <stdio.h>

#include "stackset.h"

/* Writes PROFILE's stacks SS to OUT. Returns 0, or -1 (nothing useful
 * written) when packing or compressing fails. */
int fp_pprof_write(FILE *out, json_t *profile, const fp_stackset_t *ss);

#endif
