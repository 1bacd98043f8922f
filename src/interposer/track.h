/* track.h: counting and sampling allocations, frees and copies.
 *
 * The exported libc names (override.c) call these after (allocations) or
 * before (frees) the real function. The fast paths are a thread-local
 * add and a countdown: no lock, no allocation, no system call. A sample
 * is taken each time the countdown, drawn from an exponential
 * distribution with the configured mean, runs out, so every byte has the
 * same chance to be sampled whatever the pattern of sizes, and a sample
 * of N bytes stands for N / P(sampled) bytes, an unbiased estimate.
 * Sampled blocks are kept in a lock-free table of live samples, so that
 * their frees are seen and what is live is known at any time. */
#ifndef FP_TRACK_H
#define FP_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/alloc_api.h"
#include "livetab.h"

/* Thread-local state, initial-exec so its first touch does not allocate.
 * The countdowns also carry the idle state: while no agent is attached,
 * the slow path only pushes them a while ahead, so the fast paths never
 * test whether anyone is listening. */
typedef struct fp_tls {
    int guard;               /* > 0: inside footprint or a counted call; pass through */
    unsigned epoch;          /* the attachment these countdowns were drawn for */
    int64_t alloc_countdown; /* bytes to the next allocation sample */
    int64_t copy_countdown;  /* bytes to the next copy sample */
    uint64_t rng;
    uint64_t bytes[2];       /* allocated, [0] native [1] Python, not yet in the totals */
    uint64_t copy_bytes;
} fp_tls_t;

extern __thread fp_tls_t fp_tls __attribute__((tls_model("initial-exec")));

enum { FP_FILTER_BITS = 18, FP_FILTER_GRAIN = 4 };

/* The tracker's part of the interposer's state (state.h). */
typedef struct fp_track {
    /* The attachment. `hooks` and `config` are written by fp_alloc_attach
     * before `epoch` turns odd, and read by the slow paths while it is.
     * `epoch` is odd while attached and moves at every attach and detach;
     * `last_attach` is the latest attachment's, kept after its detach. */
    fp_alloc_hooks_t hooks;
    fp_alloc_config_t config;
    _Atomic unsigned epoch;
    _Atomic unsigned last_attach;
    /* This attachment's totals and estimates: added to by any thread's
     * slow path (flush, samples), emptied by fp_alloc_attach. */
    _Atomic uint64_t alloc_bytes, alloc_python_bytes, copy_bytes, samples, dropped;
    _Atomic int64_t live_estimate, peak_estimate, next_snapshot;
    _Atomic int snapshotting; /* one peak snapshot at a time (check_peak) */
    /* A counting filter in front of `live`, indexed by address (not by
     * hash: frees of neighbouring blocks, one pymalloc pool, touch the
     * same cache lines): every free reads it; a sample's insert and take
     * count up and down. In .bss: untouched pages cost nothing. Like
     * `live`, kept by a new start: its counts are those of the entries. */
    _Alignas(64) _Atomic unsigned char filter[1 << FP_FILTER_BITS];
    /* The sampled blocks still allocated (livetab.h). */
    fp_livetab_t live;
} fp_track_t;

/* Slow paths, called by the inline fast paths below. Like the hooks
 * that call them, they take fp_state's part themselves (state.h): a part
 * passed as an argument holds a register across the hook's own call, and
 * made memcpy's fast path four instructions longer. */
void fp_track_alloc_slow(void *p, size_t n, bool python);
void fp_track_copy_slow(size_t n);
void fp_track_free_slow(void *p);

/* Counts an allocation of N bytes; true when a sample is due, and the
 * caller then passes the block to fp_track_alloc_slow. */
static inline bool fp_track_count(size_t n, bool python)
{
    fp_tls_t *t = &fp_tls;
    if (t->guard)
        return false;
    t->bytes[python] += n;
    return (t->alloc_countdown -= (int64_t)n) <= 0;
}

/* After a successful allocation of N bytes at P. */
static inline void fp_track_alloc(void *p, size_t n, bool python)
{
    if (fp_track_count(n, python))
        fp_track_alloc_slow(p, n, python);
}

/* Before P is freed (or unmapped): only blocks the filter of TR (the
 * hook's &fp_state.track: a constant address) may hold are looked up in
 * the table of sampled blocks. */
static inline bool fp_track_free_wanted(const fp_track_t *tr, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return __atomic_load_n(&tr->filter[(a >> FP_FILTER_GRAIN) & ((1u << FP_FILTER_BITS) - 1)],
                           __ATOMIC_RELAXED) &&
           !fp_tls.guard;
}

static inline void fp_track_free(fp_track_t *tr, void *p)
{
    if (fp_track_free_wanted(tr, p))
        fp_track_free_slow(p);
}

/* Before a copy of N bytes. */
static inline void fp_track_copy(size_t n)
{
    fp_tls_t *t = &fp_tls;
    if (t->guard)
        return;
    t->copy_bytes += n;
    if ((t->copy_countdown -= (int64_t)n) <= 0)
        fp_track_copy_slow(n);
}

/* realloc: the old block's record is taken out before the real realloc
 * (after it, its address may belong to someone else) and settled after. */
typedef struct fp_track_moved {
    bool had;              /* the old block was sampled */
    void *site;
    uint64_t weight, t_ns;
    bool python;
} fp_track_moved_t;

void fp_track_realloc_before(void *p, fp_track_moved_t *m);
void fp_track_realloc_after(void *old, void *p, size_t n, fp_track_moved_t *m, bool python);

#endif
