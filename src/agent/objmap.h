/* objmap.h: which loaded object an instruction address belongs to.
 *
 * The CPU signal handler asks whether the interrupted instruction is in
 * the interpreter (Python time), in an extension or its libraries (native
 * time), or in a system library (libc, libm, the loader, the vDSO, our own
 * objects), where the callers decide. The table is rebuilt outside the
 * handler (dl_iterate_phdr) whenever objects were loaded or unloaded, and
 * published with one atomic pointer store; the handler only binary-searches. */
#ifndef FP_OBJMAP_H
#define FP_OBJMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"

typedef enum fp_code_kind {
    FP_KIND_UNKNOWN = 0, /* not in any object we know: treated as native */
    FP_KIND_PYTHON,
    FP_KIND_NATIVE,
    FP_KIND_SYSTEM,
} fp_code_kind_t;

/* Builds the first table. Not signal-safe. Returns 0 or -1. */
int fp_objmap_init(fp_arena_t *arena);
/* Rebuilds the table when objects were loaded or unloaded since the last
 * call. Not signal-safe (dl_iterate_phdr takes the loader lock). */
void fp_objmap_refresh(void);
/* Kind of the code at ADDR. Async-signal-safe. */
fp_code_kind_t fp_objmap_kind(uintptr_t addr);
/* True when the two bytes before ADDR are a syscall instruction, i.e. a
 * sample there was taken on the way back from the kernel. ADDR must be
 * code of a known object. Async-signal-safe. */
bool fp_objmap_after_syscall(uintptr_t addr);

#endif
