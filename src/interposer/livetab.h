/* livetab.h: the table of sampled blocks that are still allocated.
 *
 * Keyed by address; lock-free (one CAS publishes or retires an entry).
 * It grows by adding a table twice the size of the last one rather than
 * by rehashing, so that it never moves an entry under a concurrent
 * reader, and its resident size stays in proportion to what it holds.
 * Lookups try the tables newest first. Insert and take are safe from
 * allocation hooks on any thread; they never call malloc. */
#ifndef FP_LIVETAB_H
#define FP_LIVETAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fp_live {
    void *site;        /* the agent's line record, or NULL */
    uint64_t weight;   /* the bytes this sample stands for */
    uint64_t t_ns;     /* when it was allocated (CLOCK_MONOTONIC) */
    unsigned epoch;    /* the attachment that sampled it (track.c) */
    bool python;
} fp_live_t;

enum { FP_LIVETAB_MAX_TABLES = 9 }; /* the first has 4096 entries, the last 2^20 */

typedef struct fp_livetab_entry fp_livetab_entry_t; /* livetab.c */

/* The tables: table k has 2^(12+k) entries; `count` tables exist, the
 * last takes inserts. `tables` and `count` are written by the one thread
 * that holds `growing` (mapped, never unmapped: a new start keeps them
 * and their entries, which carry their attachment); `live[k]`, the
 * entries table k holds now, by every insert and take, so that it grows
 * on what is live, not on how much went through. All zeros is empty. The
 * tables are mapped with the real mmap (real.h), resolved before the
 * first insert. */
typedef struct fp_livetab {
    fp_livetab_entry_t *tables[FP_LIVETAB_MAX_TABLES];
    _Atomic int count;
    _Atomic int64_t live[FP_LIVETAB_MAX_TABLES];
    _Atomic int growing;
} fp_livetab_t;

/* Adds block P. Returns false when every table is full (the sample is
 * dropped) or memory for a new table could not be mapped. */
bool fp_livetab_insert(fp_livetab_t *lt, uintptr_t p, const fp_live_t *rec);
/* Takes block P out into *OUT; false when it is not there. */
bool fp_livetab_take(fp_livetab_t *lt, uintptr_t p, fp_live_t *out);
/* Calls FN for every entry (a snapshot: entries may come and go meanwhile). */
void fp_livetab_visit(fp_livetab_t *lt, void (*fn)(const fp_live_t *rec, void *ctx), void *ctx);
/* Resident bytes of the tables. */
size_t fp_livetab_resident(fp_livetab_t *lt);

#endif
