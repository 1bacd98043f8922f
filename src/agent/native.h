/* native.h: the native frames of a sample (--native-stacks).
 *
 * Below a sample's innermost profiled line, the C functions that were
 * running: which function of numpy, BLAS or torch the time or the memory
 * went to. A CPU sample whose time is native, and an allocation sample
 * made by native code, walk the machine stack with libunwind's local
 * unwinder from the interrupted point (the signal's context) or from the
 * hook, up to the first frame in the interpreter (the executable or
 * libpython, objmap.h), where the Python frames take over, or up to
 * FP_NATIVE_DEPTH frames. Frames of footprint's own objects (the hooks,
 * the interposer) are left out.
 *
 * A CPU sample keeps each frame as the entry address of its function
 * (libunwind's procedure start, from the unwind tables it steps with; the
 * address itself where there are none), so that every instruction of a
 * hot loop is one frame. An allocation sample, far more frequent, takes
 * libunwind's fast path (unw_backtrace: cached frame layouts, return
 * addresses only) and keeps each frame as its call site. Either goes into
 * a lock-free table of addresses in the arena: FP_NATIVE_SLOTS (stacks.h)
 * slots, a stack's pool entry being FP_STACK_NATIVE_FRAME | the slot. The
 * launcher names frames by function, which sums call sites up again. Capture allocates nothing and takes
 * no lock; names are found later, by the fragment writer, which gives the
 * launcher each frame's object and address in that object's file
 * (src/launcher/symbols.c names it from the file's symbols and debug
 * information). */
#ifndef FP_NATIVE_H
#define FP_NATIVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "objmap.h"
#include "unwind.h"

enum { FP_NATIVE_DEPTH = 32 };

struct fp_jsonw;

/* fp_agent_t.native. Set up at start, before sampling; the table is then
 * written by signal handlers and hooks of any thread, with atomics only. */
typedef struct fp_native {
    bool on;                    /* native frames are recorded */
    _Atomic uintptr_t *keys;    /* FP_NATIVE_SLOTS function addresses; 0 free */
    const fp_objmap_t *objmap;  /* where the interpreter and our own objects are */
    fp_unwind_t *unwind;        /* libunwind's pipe, watched (cpu.h's) */
    _Atomic uint64_t full;      /* frames left out because the table had no room */
} fp_native_t;

/* Readies the table in ARENA when ON. Returns 0, or -1 when the arena is
 * short. OBJMAP and UNWIND must outlive it. */
int fp_native_init(fp_native_t *self, fp_arena_t *arena, bool on, const fp_objmap_t *objmap,
                   fp_unwind_t *unwind);
/* Whether native frames are recorded. */
bool fp_native_on(const fp_native_t *self);

/* The native frames of the code a CPU signal interrupted (UCONTEXT, the
 * handler's third argument), innermost first, as pool entries into OUT
 * (at most MAX). Returns how many (0 when off or none). Async-signal-safe. */
int fp_native_of_signal(fp_native_t *self, void *ucontext, uint32_t *out, int max);
/* The same for the code that called into footprint's own (an allocation
 * hook): our frames are skipped. Async-signal-safe. */
int fp_native_of_caller(fp_native_t *self, uint32_t *out, int max);

/* The slot of function address ADDR, added if new; -1 when the table is
 * full. Async-signal-safe. */
int fp_native_intern(fp_native_t *self, uintptr_t addr);

/* Writes the fragment's frame of SLOT: [object path, 0, address in the
 * object's file, exported symbol or null] (fragment_format.h). CTX is the
 * fp_native_t. Not async-signal-safe (dladdr takes the loader's lock). */
void fp_native_write_frame(const void *ctx, struct fp_jsonw *w, uint32_t slot);

#endif
