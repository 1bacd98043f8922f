/* livetab.c: the table of live sampled blocks (see livetab.h). */
#include "livetab.h"

#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/resident.h"
#include "real.h"

enum {
    FIRST_BITS = 12,   /* the first table: 4096 entries */
    MAX_TABLES = 9,    /* the last: 2^20 entries */
    PROBES = 32,
};

#define EMPTY ((uintptr_t)0)
#define TOMBSTONE ((uintptr_t)1)

typedef struct entry {
    _Atomic uintptr_t key;  /* the block's address, EMPTY or TOMBSTONE */
    _Atomic int ready;      /* rec written */
    fp_live_t rec;
} entry_t;

/* One home for the tables: table k has 2^(FIRST_BITS+k) entries; `count`
 * tables exist, the last takes inserts. Written under `growing` only.
 * `live[k]` counts the entries table k holds now: it grows on what is
 * live, not on how much went through. */
static struct {
    entry_t *tables[MAX_TABLES];
    _Atomic int count;
    _Atomic int64_t live[MAX_TABLES];
    _Atomic int growing;
} livetab;

static uint64_t hash_ptr(uintptr_t p)
{
    uint64_t x = (uint64_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static size_t slots_of(int k) { return (size_t)1 << (FIRST_BITS + k); }

static entry_t *map_entries(size_t n)
{
    if (!fp_real.mmap)
        return NULL;
    void *p = fp_real.mmap(NULL, n * sizeof(entry_t), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Adds the next table when the last is half full. One thread does it;
 * the others go on inserting into the last table meanwhile. */
static void maybe_grow(int last)
{
    int k = last + 1;
    if (k >= MAX_TABLES || atomic_load(&livetab.live[last]) < (int64_t)(slots_of(last) / 2))
        return;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&livetab.growing, &expected, 1))
        return;
    if (atomic_load(&livetab.count) == k && (livetab.tables[k] = map_entries(slots_of(k))) != NULL)
        atomic_store_explicit(&livetab.count, k + 1, memory_order_release);
    atomic_store(&livetab.growing, 0);
}

static bool insert_into(int k, uintptr_t p, const fp_live_t *rec)
{
    entry_t *t = livetab.tables[k];
    size_t mask = slots_of(k) - 1, i = hash_ptr(p) & mask;
    for (int probe = 0; probe < PROBES; probe++, i = (i + 1) & mask) {
        entry_t *e = &t[i];
        uintptr_t key = atomic_load_explicit(&e->key, memory_order_acquire);
        if ((key == EMPTY || key == TOMBSTONE) && atomic_compare_exchange_strong(&e->key, &key, p)) {
            e->rec = *rec;
            atomic_store_explicit(&e->ready, 1, memory_order_release);
            atomic_fetch_add_explicit(&livetab.live[k], 1, memory_order_relaxed);
            return true;
        }
    }
    return false;
}

bool fp_livetab_insert(uintptr_t p, const fp_live_t *rec)
{
    if (atomic_load_explicit(&livetab.count, memory_order_acquire) == 0) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&livetab.growing, &expected, 1)) {
            if (atomic_load(&livetab.count) == 0 && (livetab.tables[0] = map_entries(slots_of(0))) != NULL)
                atomic_store_explicit(&livetab.count, 1, memory_order_release);
            atomic_store(&livetab.growing, 0);
        }
    }
    int n = atomic_load_explicit(&livetab.count, memory_order_acquire);
    if (n == 0)
        return false;
    maybe_grow(n - 1);
    n = atomic_load_explicit(&livetab.count, memory_order_acquire);
    for (int k = n - 1; k >= 0; k--) /* the newest table first, older ones if it is crowded */
        if (insert_into(k, p, rec))
            return true;
    return false;
}

static bool take_from(int k, uintptr_t p, fp_live_t *out)
{
    entry_t *t = livetab.tables[k];
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
        atomic_fetch_sub_explicit(&livetab.live[k], 1, memory_order_relaxed);
        return true;
    }
    return false;
}

bool fp_livetab_take(uintptr_t p, fp_live_t *out)
{
    int n = atomic_load_explicit(&livetab.count, memory_order_acquire);
    for (int k = n - 1; k >= 0; k--)
        if (take_from(k, p, out))
            return true;
    return false;
}

void fp_livetab_visit(void (*fn)(const fp_live_t *rec, void *ctx), void *ctx)
{
    int n = atomic_load_explicit(&livetab.count, memory_order_acquire);
    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < slots_of(k); i++) {
            entry_t *e = &livetab.tables[k][i];
            uintptr_t key = atomic_load_explicit(&e->key, memory_order_acquire);
            if (key == EMPTY || key == TOMBSTONE || !atomic_load_explicit(&e->ready, memory_order_acquire))
                continue;
            fp_live_t copy = e->rec;
            fn(&copy, ctx);
        }
    }
}

size_t fp_livetab_resident(void)
{
    size_t total = 0;
    int n = atomic_load(&livetab.count);
    for (int k = 0; k < n; k++) {
        size_t unknown;
        total += fp_resident_bytes(livetab.tables[k], slots_of(k) * sizeof(entry_t), &unknown);
        if (unknown)
            return total + unknown; /* cannot tell: assume the rest is */
    }
    return total;
}
