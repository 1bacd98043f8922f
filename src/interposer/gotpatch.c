/* gotpatch.c: pointing loaded objects' relocation slots at the
 * interposer, and back (see gotpatch.h).
 *
 * Each object's dynamic section gives its relocations (DT_JMPREL: the
 * PLT's JUMP_SLOTs; DT_RELA: GLOB_DATs, the slots code built with
 * -fno-plt calls through) and the symbol each names. A slot whose symbol
 * is one of ours gets our function; its old value is kept in a table of
 * our own (mapped, never malloc'ed) to be put back. Slots inside the
 * object's RELRO segment are read-only after loading: their page is made
 * writable for the write and read-only again, as the loader left it.
 *
 * All of it runs inside dl_iterate_phdr's callback, which holds the
 * loader's lock: no object can be unloaded under a write, and an object
 * is identified by its load address and program headers. */
#include "gotpatch.h"

#include <dlfcn.h>
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "override.h"
#include "state.h"

#define EXPORT __attribute__((visibility("default")))

#if defined(__x86_64__)
#define SLOT_JUMP R_X86_64_JUMP_SLOT
#define SLOT_DATA R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define SLOT_JUMP R_AARCH64_JUMP_SLOT
#define SLOT_DATA R_AARCH64_GLOB_DAT
#endif

enum { MAX_OBJECTS = 4096, MAX_SLOTS = 1 << 16 };

struct fp_gotpatch_slot {
    void **where;
    void *old, *ours;
};
typedef fp_gotpatch_slot_t slot_t;

/* An object patched: identified by load address and program headers
 * (the same pair is never two live objects); its slots are a range. */
struct fp_gotpatch_object {
    uintptr_t base;
    const void *phdr;
    uint32_t first, count;
};
typedef fp_gotpatch_object_t object_t;

typedef struct hook {
    const char *name;
    void *fn;
} hook_t;

static void *dlopen_hook(const char *file, int flags);

static const hook_t *hooks(size_t *n)
{
    static const hook_t table[] = {
        {"malloc", (void *)fp_override_malloc},
        {"calloc", (void *)fp_override_calloc},
        {"realloc", (void *)fp_override_realloc},
        {"free", (void *)fp_override_free},
        {"posix_memalign", (void *)fp_override_posix_memalign},
        {"aligned_alloc", (void *)fp_override_aligned_alloc},
        {"memalign", (void *)fp_override_memalign},
        {"valloc", (void *)fp_override_valloc},
        {"pvalloc", (void *)fp_override_pvalloc},
        {"mmap", (void *)fp_override_mmap},
        {"mmap64", (void *)fp_override_mmap},
        {"munmap", (void *)fp_override_munmap},
        {"memcpy", (void *)fp_override_memcpy},
        {"memmove", (void *)fp_override_memmove},
        {"__memcpy_chk", (void *)fp_override_memcpy_chk},
        {"__memmove_chk", (void *)fp_override_memmove_chk},
        {"dlopen", (void *)dlopen_hook},
    };
    *n = sizeof table / sizeof table[0];
    return table;
}

static void *hook_for(const char *name)
{
    size_t n;
    const hook_t *h = hooks(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i].name, name) == 0)
            return h[i].fn;
    return NULL;
}

/* ---- reading an object's dynamic section ---------------------------------- */

typedef struct dyninfo {
    uintptr_t base;
    const ElfW(Sym) *symtab;
    const char *strtab;
    size_t strsz;
    const ElfW(Rela) *rela, *jmprel;
    size_t relasz, jmprelsz;
    uintptr_t relro_start, relro_end; /* page-aligned, as the loader protected it */
} dyninfo_t;

/* The loader adjusts most d_ptr values by the load address in place; the
 * vDSO's and a few others' are left as offsets. */
static uintptr_t dyn_ptr(uintptr_t base, ElfW(Addr) p)
{
    return p < base ? base + p : p;
}

static void read_dynamic(dyninfo_t *d, const ElfW(Dyn) *dyn)
{
    for (; dyn->d_tag != DT_NULL; dyn++) {
        switch (dyn->d_tag) {
        case DT_SYMTAB: d->symtab = (const ElfW(Sym) *)dyn_ptr(d->base, dyn->d_un.d_ptr); break;
        case DT_STRTAB: d->strtab = (const char *)dyn_ptr(d->base, dyn->d_un.d_ptr); break;
        case DT_STRSZ: d->strsz = dyn->d_un.d_val; break;
        case DT_RELA: d->rela = (const ElfW(Rela) *)dyn_ptr(d->base, dyn->d_un.d_ptr); break;
        case DT_RELASZ: d->relasz = dyn->d_un.d_val; break;
        case DT_JMPREL: d->jmprel = (const ElfW(Rela) *)dyn_ptr(d->base, dyn->d_un.d_ptr); break;
        case DT_PLTRELSZ: d->jmprelsz = dyn->d_un.d_val; break;
        default: break;
        }
    }
}

/* False for objects without what patching needs. */
static bool read_object(const fp_gotpatch_t *gp, dyninfo_t *d, const struct dl_phdr_info *info)
{
    memset(d, 0, sizeof *d);
    d->base = info->dlpi_addr;
    const ElfW(Dyn) *dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(d->base + ph->p_vaddr);
        if (ph->p_type == PT_GNU_RELRO) {
            d->relro_start = (d->base + ph->p_vaddr) & ~(gp->page - 1);
            d->relro_end = (d->base + ph->p_vaddr + ph->p_memsz) & ~(gp->page - 1);
        }
    }
    if (!dyn)
        return false;
    read_dynamic(d, dyn);
    return d->symtab && d->strtab;
}

/* ---- writing slots ----------------------------------------------------------- */

static bool in_relro(const dyninfo_t *d, const void *where)
{
    return (uintptr_t)where >= d->relro_start && (uintptr_t)where < d->relro_end;
}

/* Writes VALUE into a slot; false when its page cannot be made writable. */
static bool write_slot(const fp_gotpatch_t *gp, const dyninfo_t *d, void **where, void *value)
{
    void *page = (void *)((uintptr_t)where & ~(gp->page - 1));
    bool ro = in_relro(d, where);
    if (ro && mprotect(page, gp->page, PROT_READ | PROT_WRITE) != 0)
        return false;
    __atomic_store_n(where, value, __ATOMIC_RELEASE); /* other threads may be calling through it */
    if (ro)
        mprotect(page, gp->page, PROT_READ);
    return true;
}

static void patch_relocs(fp_gotpatch_t *gp, const dyninfo_t *d, const ElfW(Rela) *rel, size_t bytes)
{
    for (size_t i = 0; rel && i < bytes / sizeof *rel; i++) {
        unsigned type = ELF64_R_TYPE(rel[i].r_info);
        size_t sym = ELF64_R_SYM(rel[i].r_info);
        if ((type != SLOT_JUMP && type != SLOT_DATA) || sym == 0 || gp->nslots >= MAX_SLOTS)
            continue;
        size_t name = d->symtab[sym].st_name;
        if (d->strsz && name >= d->strsz)
            continue;
        void *ours = hook_for(d->strtab + name);
        void **where = (void **)(d->base + rel[i].r_offset);
        if (!ours || *where == ours)
            continue;
        slot_t s = {where, *where, ours};
        if (write_slot(gp, d, where, ours))
            gp->slots[gp->nslots++] = s;
    }
}

/* ---- which objects ------------------------------------------------------------- */

static object_t *find_object(fp_gotpatch_t *gp, uintptr_t base, const void *phdr)
{
    for (uint32_t i = 0; i < gp->nobjects; i++)
        if (gp->objects[i].base == base && gp->objects[i].phdr == phdr)
            return &gp->objects[i];
    return NULL;
}

/* The loader, the vDSO and the interposer itself keep their slots: the
 * loader's run before anything is set up, and ours must reach libc. So
 * do sanitizer runtimes: their own calls must reach libc, not come back
 * through us into their interceptors. */
static bool left_alone(const fp_gotpatch_t *gp, const struct dl_phdr_info *info)
{
    /* char arrays, not pointers: no relocation, so plain .rodata */
    static const char names[][12] = {"ld-linux", "ld64.so", "linux-vdso", "linux-gate",
                                     "libasan", "libtsan", "liblsan", "libubsan", "libhwasan"};
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (info->dlpi_addr == gp->own_base)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(base, names[i], strlen(names[i])) == 0)
            return true;
    return false;
}

static int patch_one(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    fp_gotpatch_t *gp = arg;
    dyninfo_t d;
    if (left_alone(gp, info) || find_object(gp, info->dlpi_addr, info->dlpi_phdr) ||
        gp->nobjects >= MAX_OBJECTS || !read_object(gp, &d, info))
        return 0;
    object_t *o = &gp->objects[gp->nobjects++];
    *o = (object_t){info->dlpi_addr, info->dlpi_phdr, gp->nslots, 0};
    patch_relocs(gp, &d, d.jmprel, d.jmprelsz);
    patch_relocs(gp, &d, d.rela, d.relasz);
    o->count = gp->nslots - o->first;
    return 0;
}

/* A slot goes back only while it still holds ours: the program may have
 * written it since (a library that patches its own GOT). */
typedef struct unpatching {
    fp_gotpatch_t *gp;
    int restored;
} unpatching_t;

static int unpatch_one(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    unpatching_t *u = arg;
    fp_gotpatch_t *gp = u->gp;
    object_t *o = find_object(gp, info->dlpi_addr, info->dlpi_phdr);
    dyninfo_t d;
    if (!o || !read_object(gp, &d, info))
        return 0;
    for (uint32_t i = o->first; i < o->first + o->count; i++) {
        slot_t *s = &gp->slots[i];
        if (*s->where == s->ours && write_slot(gp, &d, s->where, s->old))
            u->restored++;
    }
    return 0;
}

static bool setup(fp_gotpatch_t *gp)
{
    if (gp->objects)
        return true;
    gp->page = (size_t)sysconf(_SC_PAGESIZE);
    Dl_info self;
    if (!dladdr((void *)setup, &self))
        return false;
    gp->own_base = (uintptr_t)self.dli_fbase;
    void *o = mmap(NULL, sizeof(object_t) * MAX_OBJECTS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *s = mmap(NULL, sizeof(slot_t) * MAX_SLOTS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (o == MAP_FAILED || s == MAP_FAILED)
        return false;
    gp->objects = o, gp->slots = s;
    return true;
}

/* dl_iterate_phdr's base for the main program may be 0 (not PIE), which
 * is also our "none" value for own_base: only a loaded interposer
 * matters, and it is never at 0. */
static int patch_loaded(fp_gotpatch_t *gp)
{
    uint32_t before = gp->nslots;
    dl_iterate_phdr(patch_one, gp);
    return (int)(gp->nslots - before);
}

/* The exported functions and the dlopen hook get no state argument:
 * they take the interposer's own, fp_state. */

EXPORT int fp_alloc_patch(void)
{
#if !defined(SLOT_JUMP)
    return -1;
#else
    fp_gotpatch_t *gp = &fp_state.gotpatch;
    pthread_mutex_lock(&gp->lock);
    int n = -1;
    if (setup(gp) && fp_real_init(&fp_state.real)) {
        gp->active = true;
        n = patch_loaded(gp);
    }
    pthread_mutex_unlock(&gp->lock);
    return n;
#endif
}

EXPORT int fp_alloc_unpatch(void)
{
    fp_gotpatch_t *gp = &fp_state.gotpatch;
    pthread_mutex_lock(&gp->lock);
    unpatching_t u = {gp, 0};
    if (gp->active) {
        dl_iterate_phdr(unpatch_one, &u);
        gp->active = false;
        gp->nobjects = gp->nslots = 0; /* emptied for the next start */
    }
    pthread_mutex_unlock(&gp->lock);
    return u.restored;
}

/* ---- dlopen through a patched slot ------------------------------------------ */

/* The directories of CALLER's DT_RUNPATH (else DT_RPATH), $ORIGIN
 * expanded, tried in turn for a bare NAME; NULL when none has it. */
static void *open_in_caller_path(const void *caller, const char *file, int flags)
{
    Dl_info info;
    struct link_map *map = NULL;
    if (!dladdr1(caller, &info, (void **)&map, RTLD_DL_LINKMAP) || !map)
        return NULL;
    const char *strtab = NULL, *paths = NULL;
    ElfW(Addr) runpath = 0, rpath = 0;
    bool has_runpath = false, has_rpath = false;
    for (const ElfW(Dyn) *d = map->l_ld; d && d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_STRTAB)
            strtab = (const char *)dyn_ptr(map->l_addr, d->d_un.d_ptr);
        else if (d->d_tag == DT_RUNPATH)
            runpath = d->d_un.d_val, has_runpath = true;
        else if (d->d_tag == DT_RPATH)
            rpath = d->d_un.d_val, has_rpath = true;
    }
    if (!strtab || (!has_runpath && !has_rpath))
        return NULL;
    paths = strtab + (has_runpath ? runpath : rpath);
    char origin[PATH_MAX];
    const char *obj = info.dli_fname && *info.dli_fname ? info.dli_fname : "/proc/self/exe";
    if (!realpath(obj, origin))
        return NULL;
    char *slash = strrchr(origin, '/');
    if (slash)
        *slash = '\0';
    while (*paths) {
        size_t len = strcspn(paths, ":");
        char dir[PATH_MAX], full[PATH_MAX];
        int k = len >= 7 && strncmp(paths, "$ORIGIN", 7) == 0
                    ? snprintf(dir, sizeof dir, "%s%.*s", origin, (int)(len - 7), paths + 7)
                : len >= 9 && strncmp(paths, "${ORIGIN}", 9) == 0
                    ? snprintf(dir, sizeof dir, "%s%.*s", origin, (int)(len - 9), paths + 9)
                    : snprintf(dir, sizeof dir, "%.*s", (int)len, paths);
        if (k > 0 && (size_t)k < sizeof dir && snprintf(full, sizeof full, "%s/%s", dir, file) < (int)sizeof full &&
            access(full, F_OK) == 0) {
            void *h = dlopen(full, flags);
            if (h)
                return h;
        }
        paths += len + (paths[len] == ':');
    }
    return NULL;
}

/* Reached through a patched slot. dlopen finds a bare name through its
 * caller's search path, and the caller is now us: the caller's own
 * path is tried first. Then what was loaded is patched. */
static void *dlopen_hook(const char *file, int flags)
{
    const void *caller = __builtin_return_address(0);
    void *h = NULL;
    if (file && !strchr(file, '/'))
        h = open_in_caller_path(caller, file, flags);
    if (!h)
        h = dlopen(file, flags);
    if (h) {
        fp_gotpatch_t *gp = &fp_state.gotpatch;
        pthread_mutex_lock(&gp->lock);
        if (gp->active)
            patch_loaded(gp);
        pthread_mutex_unlock(&gp->lock);
    }
    return h;
}
