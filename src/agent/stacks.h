/* stacks.h: the stack table: each distinct call stack once, with its figures.
 *
 * A stack is the chain of profiled lines a sample was taken under, from
 * the innermost to the outermost (frames in unprofiled files are left
 * out). CPU samples, off-CPU charges and allocation samples all land on
 * one, beside the line figures of sites.h; the line figures stay the
 * self figures, the stacks say which path led there.
 *
 * The table is bounded: FP_MAX_STACKS stacks and FP_STACK_FRAMES frames
 * in all, in the agent's arena, so the pages cost only what is used. A
 * sample whose stack finds no room (or loses a race with another thread
 * adding the same stack) is not lost: its figures go to the `dropped`
 * totals, which the fragment reports. Stacks deeper than FP_STACK_DEPTH
 * profiled frames keep their innermost ones and are marked truncated.
 *
 * With --native-stacks a stack may also begin with native frames (native.h):
 * the C functions below the innermost profiled line, innermost first. A
 * frame of the pool is then FP_STACK_NATIVE_FRAME | the native table's
 * slot, and `native` says how many lead the stack.
 *
 * Inserts and figure updates are lock-free and async-signal-safe: the CPU
 * signal handler and the allocation hooks use them. */
#ifndef FP_STACKS_H
#define FP_STACKS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "sites.h"

struct fp_jsonw;

enum { FP_MAX_STACKS = 1 << 15, FP_STACK_FRAMES = 1 << 19, FP_STACK_DEPTH = 128 };

/* A pool entry with this bit is a native frame (native.h), not a line;
 * the rest is its slot in the native table, of FP_NATIVE_SLOTS. */
#define FP_STACK_NATIVE_FRAME 0x80000000u
enum { FP_NATIVE_SLOTS = 1 << 15 };

/* The kinds of time, in the order of cpu.c's. */
enum { FP_STACK_PYTHON, FP_STACK_NATIVE, FP_STACK_OFFCPU };

typedef struct fp_stack {
    uint32_t frames;            /* first of its line indices in the frame pool, innermost first */
    uint16_t depth;
    bool truncated;             /* deeper than FP_STACK_DEPTH: the outermost frames are left out */
    uint8_t native;             /* how many native frames lead it (0 without --native-stacks) */
    _Atomic(struct fp_stack *) base; /* with native frames: the stack of its lines alone */
    _Atomic uint64_t ns[3];     /* time, by kind */
    _Atomic uint64_t alloc_bytes;
    _Atomic int64_t live_bytes; /* sampled estimate of its bytes still live */
    _Atomic int64_t peak_bytes; /* live_bytes when the program peaked */
} fp_stack_t;

/* The figures of samples that had a line but found no stack. */
typedef struct fp_stacks_dropped {
    _Atomic uint64_t samples;
    _Atomic uint64_t ns[3];
    _Atomic int64_t alloc_bytes;
} fp_stacks_dropped_t;

/* The table (fp_agent_t.stacks). Set up at start, before sampling; then
 * written by any thread and by signal handlers, with atomics only. */
typedef struct fp_stacks {
    bool on;                    /* stacks are recorded */
    _Atomic uint64_t *keys;     /* 2 * FP_MAX_STACKS slots: a stack's hash, 0 free */
    _Atomic uint32_t *index;    /* the same slots: index + 1 into stacks, 0 not ready */
    fp_stack_t *stacks;         /* FP_MAX_STACKS */
    _Atomic uint32_t nstacks;
    uint32_t *pool;             /* FP_STACK_FRAMES line indices */
    _Atomic uint32_t pool_used;
    fp_stacks_dropped_t dropped;
    /* writes the fragment's frame of a native table slot (native.h), when
     * native frames are recorded; set at start */
    void (*write_native)(const void *ctx, struct fp_jsonw *w, uint32_t slot);
    const void *native_ctx;
} fp_stacks_t;

/* Readies the table in ARENA; ON is whether stacks are recorded at all.
 * Returns 0, or -1 when the arena is short. */
int fp_stacks_init(fp_stacks_t *self, fp_arena_t *arena, bool on);
/* Whether stacks are recorded. */
bool fp_stacks_on(const fp_stacks_t *self);
/* Forgets every figure but keeps the stacks (after fork). */
void fp_stacks_reset_figures(fp_stacks_t *self);

/* The stack of line indices LINES[0..DEPTH) (innermost first), added if
 * new. Returns NULL when it cannot be had: the caller then charges NULL,
 * which counts as dropped. Async-signal-safe. */
fp_stack_t *fp_stacks_find(fp_stacks_t *self, const uint32_t *lines, int depth, bool truncated);

/* BASE with the native frames NATIVE[0..N) (pool entries, innermost
 * first) below its innermost line, added if new; BASE itself when N is 0.
 * Frames past FP_STACK_DEPTH are left out from the outermost (the stack
 * is then truncated). Returns NULL when it cannot be had. Async-signal-safe. */
fp_stack_t *fp_stacks_with_native(fp_stacks_t *self, fp_stack_t *base, const uint32_t *native, int n);
/* The stack of STACK's lines alone (STACK when it has no native frames).
 * Async-signal-safe. */
fp_stack_t *fp_stacks_base(fp_stack_t *stack);

/* The line of STACK's innermost line frame. Async-signal-safe. */
fp_line_t *fp_stacks_innermost(const fp_stacks_t *self, fp_sites_t *sites, const fp_stack_t *stack);

/* Figures. STACK NULL: a sample that had a line but no stack (dropped).
 * Async-signal-safe, lock-free. */
void fp_stacks_add_time(fp_stacks_t *self, fp_stack_t *stack, int kind, uint64_t ns);
void fp_stacks_add_alloc(fp_stacks_t *self, fp_stack_t *stack, uint64_t bytes);
/* A sampled block that STACK allocated was freed; NETTED: it was the
 * line's own scratch memory, so it counts as never allocated. */
void fp_stacks_free(fp_stacks_t *self, fp_stack_t *stack, uint64_t bytes, bool netted);
/* The program peaked: every stack's live bytes are its peak bytes. */
void fp_stacks_note_peak(fp_stacks_t *self);

/* Writes "stacks": {...} into a fragment (see fragment.c), frames as
 * [path, line] pairs of SITES, native frames by `write_native`. Not
 * async-signal-safe (it allocates). */
void fp_stacks_write(const fp_stacks_t *self, struct fp_jsonw *w, const fp_sites_t *sites);

#endif
