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

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"

typedef enum fp_code_kind {
    FP_KIND_UNKNOWN = 0, /* not in any object we know: treated as native */
    FP_KIND_PYTHON,
    FP_KIND_NATIVE,
    FP_KIND_SYSTEM,
} fp_code_kind_t;

enum { FP_OBJMAP_BUFFERS = 8 };
struct fp_objmap_table;

/* The module's state. The handler reads `current`; the sampler thread
 * (the one rebuilder, after the first build at start) fills the next of
 * the buffers and swaps the pointer, so a handler still reading an old
 * table finds it intact unless it was stalled across that many rebuilds. */
typedef struct fp_objmap {
    struct fp_objmap_table *buffers[FP_OBJMAP_BUFFERS]; /* in the arena, from init */
    int next;                                           /* rebuilder only */
    _Atomic(struct fp_objmap_table *) current;          /* release-stored by the rebuilder */
    unsigned long long adds, subs;                      /* loader counters at the last build */
} fp_objmap_t;

/* Builds the first table. Not signal-safe. Returns 0 or -1. */
int fp_objmap_init(fp_objmap_t *objmap, fp_arena_t *arena);
/* Rebuilds the table when objects were loaded or unloaded since the last
 * call. Not signal-safe (dl_iterate_phdr takes the loader lock). */
void fp_objmap_refresh(fp_objmap_t *objmap);
/* Kind of the code at ADDR. Async-signal-safe. */
fp_code_kind_t fp_objmap_kind(const fp_objmap_t *objmap, uintptr_t addr);
/* Whether ADDR is in footprint's own objects (the agent, the
 * interposer). Async-signal-safe. */
bool fp_objmap_own(const fp_objmap_t *objmap, uintptr_t addr);
/* True when the two bytes before ADDR are a syscall instruction, i.e. a
 * sample there was taken on the way back from the kernel. ADDR must be
 * code of a known object. Async-signal-safe. */
bool fp_objmap_after_syscall(const fp_objmap_t *objmap, uintptr_t addr);

#endif
