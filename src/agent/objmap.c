/* objmap.c: address -> kind of code (see objmap.h). */
#include "objmap.h"

#include <link.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

enum { MAX_RANGES = 4096 };

typedef struct range {
    uintptr_t start, end;
    fp_code_kind_t kind;
    bool own; /* footprint's own object (the agent, the interposer) */
} range_t;

typedef struct fp_objmap_table {
    int n;
    range_t r[MAX_RANGES];
} table_t;

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* System libraries whose time belongs to whoever called them. Our own
 * objects are here too: their hooks run on behalf of the caller. */
static fp_code_kind_t kind_of_object(const char *path, bool is_main)
{
    if (is_main)
        return FP_KIND_PYTHON;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (starts_with(base, "libpython"))
        return FP_KIND_PYTHON;
    static const char *const system[] = {
        "libc.so", "libc-", "libm.so", "libm-", "ld-linux", "ld-", "libpthread", "libdl",
        "librt", "linux-vdso", "linux-gate", "libfootprint_alloc", "_footprint", "libunwind",
        "libgcc_s",
    };
    for (size_t i = 0; i < sizeof system / sizeof system[0]; i++)
        if (starts_with(base, system[i]))
            return FP_KIND_SYSTEM;
    if (base[0] == '\0')
        return FP_KIND_SYSTEM; /* the vDSO has no name on some systems */
    return FP_KIND_NATIVE;
}

static bool is_own_object(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return starts_with(base, "libfootprint_alloc") || starts_with(base, "_footprint");
}

typedef struct build {
    table_t *t;
    int objects;
} build_t;

static int add_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    build_t *b = arg;
    table_t *t = b->t;
    /* the loader lists the main program (the interpreter) first */
    fp_code_kind_t kind = kind_of_object(info->dlpi_name, b->objects++ == 0);
    for (int i = 0; i < info->dlpi_phnum && t->n < MAX_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        range_t *r = &t->r[t->n++];
        r->start = info->dlpi_addr + ph->p_vaddr;
        r->end = r->start + ph->p_memsz;
        r->kind = kind;
        r->own = is_own_object(info->dlpi_name);
    }
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const range_t *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int read_counters(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    unsigned long long *c = arg;
    c[0] = info->dlpi_adds;
    c[1] = info->dlpi_subs;
    return 1; /* the counters are the same on every entry: stop */
}

static void rebuild(fp_objmap_t *objmap)
{
    table_t *t = objmap->buffers[objmap->next];
    objmap->next = (objmap->next + 1) % FP_OBJMAP_BUFFERS;
    t->n = 0;
    build_t b = {t, 0};
    dl_iterate_phdr(add_object, &b);
    qsort(t->r, (size_t)t->n, sizeof t->r[0], by_start);
    atomic_store_explicit(&objmap->current, t, memory_order_release);
}

int fp_objmap_init(fp_objmap_t *objmap, fp_arena_t *arena)
{
    memset(objmap, 0, sizeof *objmap);
    for (int i = 0; i < FP_OBJMAP_BUFFERS; i++) {
        objmap->buffers[i] = fp_arena_alloc(arena, sizeof(table_t));
        if (!objmap->buffers[i])
            return -1;
    }
    fp_objmap_refresh(objmap);
    return atomic_load(&objmap->current) ? 0 : -1;
}

void fp_objmap_refresh(fp_objmap_t *objmap)
{
    unsigned long long c[2] = {0, 0};
    dl_iterate_phdr(read_counters, c);
    if (atomic_load(&objmap->current) && c[0] == objmap->adds && c[1] == objmap->subs)
        return;
    objmap->adds = c[0];
    objmap->subs = c[1];
    rebuild(objmap);
}

static const range_t *find(const fp_objmap_t *objmap, uintptr_t addr)
{
    const table_t *t = atomic_load_explicit(&objmap->current, memory_order_acquire);
    if (!t)
        return NULL;
    int lo = 0, hi = t->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const range_t *r = &t->r[mid];
        if (addr < r->start)
            hi = mid - 1;
        else if (addr >= r->end)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

fp_code_kind_t fp_objmap_kind(const fp_objmap_t *objmap, uintptr_t addr)
{
    const range_t *r = find(objmap, addr);
    return r ? r->kind : FP_KIND_UNKNOWN;
}

bool fp_objmap_own(const fp_objmap_t *objmap, uintptr_t addr)
{
    const range_t *r = find(objmap, addr);
    return r && r->own;
}

bool fp_objmap_after_syscall(const fp_objmap_t *objmap, uintptr_t addr)
{
    const range_t *r = find(objmap, addr);
    if (!r || addr < r->start + 2)
        return false;
    const unsigned char *p = (const unsigned char *)addr;
    return p[-2] == 0x0f && p[-1] == 0x05;
}
