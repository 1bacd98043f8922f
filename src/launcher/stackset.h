/* stackset.h: a profile's call stacks, ready for the exporters.
 *
 * Read from the profile's "stacks" (frames named file, function, line;
 * stacks as frame numbers, outermost first, with their figures). A
 * profile without stacks (from before them, or --no-stacks) gives its
 * lines as one-frame stacks, so an export still has what the profile has.
 * The profile must have passed fp_profile_check. */
#ifndef FP_STACKSET_H
#define FP_STACKSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum { FP_SS_PYTHON, FP_SS_NATIVE, FP_SS_OFFCPU, FP_SS_ALLOC, FP_SS_PEAK, FP_SS_NFIG };

typedef struct fp_ss_frame {
    const char *path;      /* borrowed from the profile; a native frame's object */
    const char *function;
    long line;             /* 0: a native frame whose line is not known */
    bool native;           /* a native frame (--native-stacks) */
} fp_ss_frame_t;

/* One process's share of a stack's figures. */
typedef struct fp_ss_share {
    size_t process;        /* index into the profile's processes */
    double f[FP_SS_NFIG];
} fp_ss_share_t;

typedef struct fp_ss_stack {
    size_t *frames;        /* frame numbers, outermost first */
    size_t depth;
    double f[FP_SS_NFIG];  /* seconds for time, bytes for memory */
    fp_ss_share_t *shares; /* each process's part (the profile's by_process), or NULL */
    size_t nshares;
} fp_ss_stack_t;

typedef struct fp_stackset {
    fp_ss_frame_t *frames;
    size_t nframes;
    fp_ss_stack_t *stacks;
    size_t nstacks;
    bool from_lines;       /* the profile had no stacks: its lines, one frame each */
    bool by_process;       /* the stacks have shares: each process's figures are known */
} fp_stackset_t;

/* Fills SS from PROFILE, which it borrows (keep it alive). */
void fp_stackset_read(fp_stackset_t *ss, json_t *profile);
void fp_stackset_free(fp_stackset_t *ss);

/* Stack S's figure K in process PROCESS: its share's, 0 when the process
 * had no part in it. A stack set without shares (one process, or a
 * profile from before them) has every stack in every process: the caller
 * asks only for a process it knows to be the only one. */
double fp_stackset_figure(const fp_ss_stack_t *s, size_t process, int k);

/* F's name for a reader: the function, and for a native frame its
 * object's file name, "dgemm_ (libblas.so.3)". A new string. */
char *fp_stackset_label(const fp_ss_frame_t *f);

/* Checks a profile's "stacks" member (absent is fine): NULL when it is
 * well formed, else a static string saying what is wrong. */
const char *fp_stackset_check(json_t *profile);

#endif
