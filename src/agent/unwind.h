/* unwind.h: keeping libunwind away from the program's descriptors.
 *
 * libunwind checks addresses it is unsure of by writing them to a pipe
 * of its own, and reopens the pipe when a read from it fails. If the
 * program closed every descriptor and opened files since, those numbers
 * are the program's files: libunwind would read from them, write to them
 * or close them. So the pipe is found when libunwind opens it (at start,
 * outside any signal handler), and the unwinder is no longer used once
 * the pipe has changed. */
#ifndef FP_UNWIND_H
#define FP_UNWIND_H

#include <stdatomic.h>
#include <stdbool.h>

#include "ownfd.h"

typedef struct fp_unwind {
    bool warm;          /* once per process: a second look would not see the pipe open */
    fp_ownfd_t pipe[2]; /* libunwind's pipe, found by fp_unwind_warm_up at the first start */
    _Atomic bool off;   /* set once by a handler that found the pipe changed */
} fp_unwind_t;

/* Readies libunwind (it reads each object's unwind tables on first use)
 * and finds its pipe, the first time it is called. At start, not in a
 * signal handler. */
void fp_unwind_warm_up(fp_unwind_t *u);
/* Whether libunwind may run: its pipe is still its own. Async-signal-safe. */
bool fp_unwind_usable(fp_unwind_t *u);

#endif
