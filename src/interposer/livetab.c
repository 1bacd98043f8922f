/* livetab.c: the table of live sampled blocks (see livetab.h). */
#include "livetab.h"

#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/resident.h"
#include "state.h"

enum {
    FIRST_BITS = 12,   /* the first table: 4096 entries */
    MAX_TABLES = FP_LIVETAB_MAX_TABLES, /* the last: 2^20 entries */
    PROBES = 32,
};

#define EMPTY ((uintptr_t)0)
#define TOMBSTONE ((uintptr_t)1)

struct fp_livetab_entry {
    _Atomic uintptr_t key;  /* the block's address, EMPTY or TOMBSTONE */
    _Atomic int ready;      /* rec written */
    fp_live_t rec;
};
typedef fp_livetab_entry_t entry_t;

static uint64_t hash_ptr(uintptr_t p)
{
    uint64_t x = (uint64_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static size_t slots_of(int k) { return (size_t)1 << (FIRST_BITS + k); }

/* With the real mmap: ours would count the table as the program's. */
static entry_t *map_entries(size_t n)
{
    const fp_real_t *real = &fp_state.real;
    if (!real->mmap)
        return NULL;
    void *p = real->mmap(NULL, n * sizeof(entry_t), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Adds the next table when the last is half full. One thread does it;
 * the others go on inserting into the last table meanwhile. */
static void maybe_grow(fp_livetab_t *lt, int last)
{
    int k = last + 1;
    if (k >= MAX_TABLES || atomic_load(&lt->live[last]) < (int64_t)(slots_of(last) / 2))
        return;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&lt->growing, &expected, 1))
        return;
    if (atomic_load(&lt->count) == k && (lt->tables[k] = map_entries(slots_of(k))) != NULL)
        atomic_store_explicit(&lt->count, k + 1, memory_order_release);
    atomic_store(&lt->growing, 0);
}

static bool insert_into(fp_livetab_t *lt, int k, uintptr_t p, const fp_live_t *rec)
{
    entry_t *t = lt->tables[k];
    size_t mask = slots_of(k) - 1, i = hash_ptr(p) & mask;
    for (int probe = 0; probe < PROBES; probe++, i = (i + 1) & mask) {
        entry_t *e = &t[i];
        uintptr_t key = atomic_load_explicit(&e->key, memory_order_acquire);
        if ((key == EMPTY || key == TOMBSTONE) && atomic_compare_exchange_strong(&e->key, &key, p)) {
            e->rec = *rec;
            atomic_store_explicit(&e->ready, 1, memory_order_release);
            atomic_fetch_add_explicit(&lt->live[k], 1, memory_order_relaxed);
            return true;
        }
    }
    return false;
}

bool fp_livetab_insert(fp_livetab_t *lt, uintptr_t p, const fp_live_t *rec)
{
    if (atomic_load_explicit(&lt->count, memory_order_acquire) == 0) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&lt->growing, &expected, 1)) {
            if (atomic_load(&lt->count) == 0 && (lt->tables[0] = map_entries(slots_of(0))) != NULL)
                atomic_store_explicit(&lt->count, 1, memory_order_release);
            atomic_store(&lt->growing, 0);
        }
    }
    int n = atomic_load_explicit(&lt->count, memory_order_acquire);
    if (n == 0)
        return false;
    maybe_grow(lt, n - 1);
    n = atomic_load_explicit(&lt->count, memory_order_acquire);
    for (int k = n - 1; k >= 0; k--) /* the newest table first, older ones if it is crowded */
        if (insert_into(lt, k, p, rec))
            return true;
    return false;
}

static bool take_from(fp_livetab_t *lt, int k, uintptr_t p, fp_live_t *out)
{
    entry_t *t = lt->tables[k];
    size_t mask = slots_of(k) - 1, i = hash_ptr(p) & mask;
    for (int probe = 0; probe < PROBES; probe++, i = (i + 1) & mask) {
        entry_t *e = &t[i];
        uintptr_t key = atomic_load_explicit(&e->key, memory_order_acquire);
        if (key == EMPTY)
            return false;
        if (key != p || !atomic_load_explicit(&e->ready, memory_order_acquire))
            continue;
        *out = e->rec;
        atomic_store_explicit(&e->ready, 0, memory_order_relaxed);
        if (!atomic_compare_exchange_strong(&e->key, &key, TOMBSTONE))
            return false;
        atomic_fetch_sub_explicit(&lt->live[k], 1, memory_order_relaxed);
        return true;
    }
    return false;
}

bool fp_livetab_take(fp_livetab_t *lt, uintptr_t p, fp_live_t *out)
{
    int n = atomic_load_explicit(&lt->count, memory_order_acquire);
    for (int k = n - 1; k >= 0; k--)
        if (take_from(lt, k, p, out))
            return true;
    return false;
}

void fp_livetab_visit(fp_livetab_t *lt, void (*fn)(const fp_live_t *rec, void *ctx), void *ctx)
{
    int n = atomic_load_explicit(&lt->count, memory_order_acquire);
    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < slots_of(k); i++) {
            entry_t *e = &lt->tables[k][i];
            uintptr_t key = atomic_load_explicit(&e->key, memory_order_acquire);
            if (key == EMPTY || key == TOMBSTONE || !atomic_load_explicit(&e->ready, memory_order_acquire))
                continue;
            fp_live_t copy = e->rec;
            fn(&copy, ctx);
        }
    }
}

size_t fp_livetab_resident(fp_livetab_t *lt)
{
    size_t total = 0;
    int n = atomic_load(&lt->count);
    for (int k = 0; k < n; k++) {
        size_t unknown;
        total += fp_resident_bytes(lt->tables[k], slots_of(k) * sizeof(entry_t), &unknown);
        if (unknown)
            return total + unknown; /* cannot tell: assume the rest is */
    }
    return total;
}
