/* state.h: the interposer's state, all of it, in one struct.
 *
 * One instance, `fp_state` (state.c). The exported libc names, Python's
 * allocator wrappers and the fp_alloc_* functions the agent calls get no
 * argument to carry it: they take fp_state's parts, and pass each module
 * its own part first (Lua's rule). A part's members are one RIP-relative
 * address each, as the separate globals they were, so the hooks compile
 * to the same code. Each part is its module's struct, declared in its
 * header with who writes each field and when:
 *
 *   fp_state_t
 *    |- real      real.h     the next malloc, free, mmap, memcpy...; resolved once
 *    |- boot      real.h     the bootstrap arena, for calls made while resolving
 *    |- pyhooks   pyhooks.h  Python's allocators beneath our wrappers
 *    |- gotpatch  gotpatch.h relocation slots patched (no LD_PRELOAD)
 *    `- track     track.h    the attachment, its totals and estimates,
 *        |                   the filter of sampled addresses
 *        `- live  livetab.h  the sampled blocks still allocated
 *
 * Apart, in initial-exec TLS (their first touch must not allocate): each
 * thread's counts, countdowns and guard (`fp_tls`, track.h) and real.c's
 * `resolving` flag.
 *
 * A new start (the agent detaches, then attaches again, as the Python
 * API's start, stop, start does) begins from: the attachment and its
 * totals set afresh by fp_alloc_attach (track), the patched slots put
 * back and forgotten by fp_alloc_unpatch (gotpatch). Kept, once per
 * process: real and boot (what was resolved; boot blocks may still be
 * in use), pyhooks (Python's allocators stay wrapped), and the live table
 * with its filter (other threads may be freeing into them at any time:
 * an entry carries the attachment that sampled it, and one from an
 * earlier attachment is dropped when met). All zeros is the initial
 * state, so fp_state lives in .bss. */
#ifndef FP_STATE_H
#define FP_STATE_H

#include "gotpatch.h"
#include "pyhooks.h"
#include "real.h"
#include "track.h"

/* Parts are cache-line aligned: the read-mostly ones (real, pyhooks)
 * share no line with the counters the slow paths write. */
typedef struct fp_state {
    _Alignas(64) fp_real_t real;
    _Alignas(64) fp_pyhooks_t pyhooks;
    _Alignas(64) fp_gotpatch_t gotpatch;
    _Alignas(64) fp_boot_t boot;
    _Alignas(64) fp_track_t track;
} fp_state_t;

extern fp_state_t fp_state;

#endif
