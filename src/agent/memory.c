/* memory.c: the memory profile (see memory.h). */
#include <Python.h>

#include "memory.h"
#include "interposer.h"

#include <dlfcn.h>
#include <link.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/alloc_api.h"
#include "../common/fragment_format.h"
#include "../common/check.h"
#include "../common/resident.h"
#include "agent.h"
#include "frames.h"
#include "ownfd.h"

enum {
    TIMELINE_CAP = FP_MEMORY_TIMELINE_CAP,
    TIMELINE_OUT = 1000,
    NET_WINDOW_NS = 1000000,
    HISTORY_LINES = 8192,             /* lines that get one */
    HISTORY_FIRST_WIDTH_NS = 50000000,
};

typedef int64_t history_t[FP_MEMORY_HISTORY_BUCKETS];
enum { HISTORY_BUCKETS = FP_MEMORY_HISTORY_BUCKETS };

typedef fp_memory_point_t point_t;

/* The opaque site the interposer keeps with a sample: the stack (whose
 * innermost frame is the line) or, when there is no stack for it, the
 * line's address with its low bit set. Both are 8-byte aligned. */
static void *site_of(fp_where_t at)
{
    if (at.stack)
        return at.stack;
    return at.line ? (void *)((uintptr_t)at.line | 1) : NULL;
}

static void *hook_site(void) { return site_of(fp_frames_where(&fp_agent.frames, fp_frames_this_thread())); }

/* A sampled allocation's site: with --native-stacks, the native frames of
 * the code that made it go below its stack (native.h). What Python's own
 * allocator domains serve (PYTHON) the interpreter asked for: it is not
 * unwound, which spares most samples of a Python program the walk. */
static void *hook_sample_site(bool python)
{
    fp_where_t at = fp_frames_where(&fp_agent.frames, fp_frames_this_thread());
    if (at.stack && !python && fp_native_on(&fp_agent.native)) {
        uint32_t frames[FP_NATIVE_DEPTH];
        int n = fp_native_of_caller(&fp_agent.native, frames, FP_NATIVE_DEPTH);
        fp_stack_t *s = fp_stacks_with_native(&fp_agent.stacks, at.stack, frames, n);
        at.stack = s ? s : at.stack;
    }
    return site_of(at);
}

/* The site a free compares with to net a line's scratch memory out: the
 * line's own stack, without the native frames the allocation had. */
static void *hook_base_site(void *site)
{
    if (!site || ((uintptr_t)site & 1))
        return site;
    return fp_stacks_base(site);
}

static fp_where_t site_where(void *site)
{
    if (!site)
        return (fp_where_t){NULL, NULL};
    if ((uintptr_t)site & 1)
        return (fp_where_t){(fp_line_t *)((uintptr_t)site & ~(uintptr_t)1), NULL};
    fp_stack_t *stack = site;
    return (fp_where_t){fp_stacks_innermost(&fp_agent.stacks, &fp_agent.sites, stack), stack};
}

fp_line_t *fp_memory_site_line(void *site) { return site_where(site).line; }

/* The hooks are called by the interposer with no argument to carry the
 * state: they use the agent's. */
static void hook_alloc(void *site, uint64_t weight, bool python)
{
    fp_memory_t *mem = &fp_agent.memory;
    fp_where_t at = site_where(site);
    fp_line_t *l = at.line;
    if (!l) {
        atomic_fetch_add_explicit(&mem->unattributed.alloc, weight, memory_order_relaxed);
        return;
    }
    fp_stacks_add_alloc(&fp_agent.stacks, at.stack, weight);
    atomic_fetch_add_explicit(&l->alloc_bytes, weight, memory_order_relaxed);
    if (python)
        atomic_fetch_add_explicit(&l->alloc_python_bytes, weight, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->live_bytes, (int64_t)weight, memory_order_relaxed);
}

static void hook_free(void *alloc_site, uint64_t alloc_ns, void *free_site, uint64_t weight, bool python,
                      bool netted)
{
    fp_memory_t *mem = &fp_agent.memory;
    fp_where_t at = site_where(alloc_site);
    fp_line_t *a = at.line, *f = site_where(free_site).line;
    if (alloc_ns < fp_agent.start_mono_ns) {
        /* a forked child freeing its parent's memory: the parent's figures
         * were reset here, so only the free is this process's */
        a = NULL;
        netted = false;
    }
    if (a) {
        atomic_fetch_sub_explicit(&a->live_bytes, (int64_t)weight, memory_order_relaxed);
        fp_stacks_free(&fp_agent.stacks, at.stack, weight, netted);
    }
    if (netted && a) {
        /* the line's own scratch memory: neither allocated nor freed */
        atomic_fetch_sub_explicit(&a->alloc_bytes, weight, memory_order_relaxed);
        if (python)
            atomic_fetch_sub_explicit(&a->alloc_python_bytes, weight, memory_order_relaxed);
    } else if (f) {
        atomic_fetch_add_explicit(&f->free_bytes, weight, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&mem->unattributed.free, weight, memory_order_relaxed);
    }
}

static void hook_copy(void *site, uint64_t weight)
{
    fp_memory_t *mem = &fp_agent.memory;
    fp_line_t *l = site_where(site).line;
    atomic_fetch_add_explicit(l ? &l->copy_bytes : &mem->unattributed.copy, weight, memory_order_relaxed);
}

static void hook_peak(int64_t live)
{
    fp_memory_t *mem = &fp_agent.memory;
    fp_sites_t *s = &fp_agent.sites;
    uint32_t n = atomic_load(&s->nlines);
    for (uint32_t i = 0; i < n && i < FP_MAX_LINES; i++)
        atomic_store_explicit(&s->lines[i].peak_bytes, atomic_load(&s->lines[i].live_bytes),
                              memory_order_relaxed);
    fp_stacks_note_peak(&fp_agent.stacks);
    atomic_store(&mem->peak_live, live);
    atomic_store(&mem->peak_at_ns, fp_clock_ns(CLOCK_MONOTONIC) - fp_agent.start_mono_ns);
}

/* pymalloc serves MEM and OBJ unless PYTHONMALLOC says otherwise. */
static bool uses_pymalloc(void)
{
    const char *v = Py_GETENV("PYTHONMALLOC");
    return !v || !*v || strcmp(v, "pymalloc") == 0 || strcmp(v, "pymalloc_debug") == 0;
}

static void wrap_python_allocators(fp_alloc_wrap_python_fn wrap, fp_alloc_wrap_arenas_fn wrap_arenas)
{
    static const PyMemAllocatorDomain domains[FP_PYMEM_DOMAINS] = {PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM,
                                                                   PYMEM_DOMAIN_OBJ};
    _Static_assert(sizeof(PyMemAllocatorEx) == sizeof(fp_pymem_allocator_t), "PyMemAllocatorEx layout");
    _Static_assert(sizeof(PyObjectArenaAllocator) == sizeof(fp_pyarena_allocator_t), "arena allocator layout");
    bool pymalloc = uses_pymalloc();
    PyObjectArenaAllocator arena_orig, arena_wrapper;
    PyObject_GetArenaAllocator(&arena_orig);
    wrap_arenas((const fp_pyarena_allocator_t *)&arena_orig, (fp_pyarena_allocator_t *)&arena_wrapper);
    PyObject_SetArenaAllocator(&arena_wrapper);
    for (int d = 0; d < FP_PYMEM_DOMAINS; d++) {
        PyMemAllocatorEx orig, wrapper;
        PyMem_GetAllocator(domains[d], &orig);
        wrap(d, (const fp_pymem_allocator_t *)&orig, pymalloc, (fp_pymem_allocator_t *)&wrapper);
        PyMem_SetAllocator(domains[d], &wrapper);
    }
}

void fp_memory_init(fp_memory_t *mem, fp_agent_t *agent)
{
    bool wrapped = mem->wrapped;
    if (mem->agent) /* an earlier start's */
        fp_ownfd_close(&mem->statm);
    memset(mem, 0, sizeof *mem);
    mem->agent = agent;
    mem->wrapped = wrapped;
    mem->statm = FP_OWNFD_NONE;
}

int fp_memory_start(fp_memory_t *mem)
{
    fp_agent_t *a = mem->agent;
    const fp_interposer_t *ip = &a->interposer;
    fp_alloc_attach_fn attach = (fp_alloc_attach_fn)fp_interposer_sym(ip, FP_ALLOC_ATTACH);
    fp_alloc_wrap_python_fn wrap = (fp_alloc_wrap_python_fn)fp_interposer_sym(ip, FP_ALLOC_WRAP_PYTHON);
    fp_alloc_wrap_arenas_fn wrap_arenas = (fp_alloc_wrap_arenas_fn)fp_interposer_sym(ip, FP_ALLOC_WRAP_ARENAS);
    mem->detach = (fp_alloc_detach_fn)fp_interposer_sym(ip, FP_ALLOC_DETACH);
    mem->stats = (fp_alloc_stats_fn)fp_interposer_sym(ip, FP_ALLOC_STATS);
    if (!attach || !wrap || !wrap_arenas || !mem->detach || !mem->stats)
        return -1;
    mem->timeline = fp_arena_alloc(&a->arena, sizeof(point_t) * TIMELINE_CAP);
    mem->histories = fp_arena_alloc(&a->arena, sizeof(history_t) * HISTORY_LINES);
    mem->history_width_ns = HISTORY_FIRST_WIDTH_NS;
    if (!mem->timeline || !mem->histories)
        return -1;
    mem->page = sysconf(_SC_PAGESIZE);
    fp_ownfd_open(&mem->statm, "/proc/self/statm");
    static const fp_alloc_hooks_t hooks = {hook_site, hook_alloc, hook_free, hook_copy, hook_peak,
                                           hook_sample_site, hook_base_site};
    fp_alloc_config_t config = {a->config.alloc_mean_bytes, FP_COPY_MEAN_FACTOR * a->config.alloc_mean_bytes,
                                NET_WINDOW_NS};
    if (!mem->wrapped) /* a new start keeps them: wrapped again, they would count twice */
        wrap_python_allocators(wrap, wrap_arenas);
    mem->wrapped = true;
    if (attach(&hooks, &config) != 0)
        return -1;
    if (fp_interposer_patch(ip) != 0) { /* not preloaded: it sees only what is patched */
        mem->detach();
        return -1;
    }
    mem->active = true;
    fp_memory_tick(mem);
    return 0;
}

static uint64_t high_water_bytes(fp_memory_t *mem);

/* The agent's work at exit (reading function spans compiles the files)
 * must not raise the program's peak: the high-water mark is read now. */
void fp_memory_stop(fp_memory_t *mem)
{
    if (!mem->active)
        return;
    if (mem->detach)
        mem->detach();
    fp_interposer_unpatch(&mem->agent->interposer);
    fp_memory_tick(mem);
    mem->final_hwm = high_water_bytes(mem);
}

bool fp_memory_active(const fp_memory_t *mem) { return mem->active; }

void fp_memory_reset(fp_memory_t *mem)
{
    mem->npoints = 0;
    mem->final_hwm = 0;
    if (mem->histories)
        memset(mem->histories, 0, sizeof(history_t) * mem->nhistories);
    mem->history_width_ns = HISTORY_FIRST_WIDTH_NS;
    atomic_store(&mem->peak_at_ns, 0);
    atomic_store(&mem->peak_live, 0);
    memset((void *)&mem->unattributed, 0, sizeof mem->unattributed);
}

void fp_memory_forget_lost_fds(fp_memory_t *mem)
{
    if (!fp_ownfd_ok(&mem->statm))
        fp_ownfd_forget(&mem->statm);
}

void fp_memory_reopen_fds(fp_memory_t *mem)
{
    if (mem->active && mem->statm.fd < 0)
        fp_ownfd_open(&mem->statm, "/proc/self/statm");
}

/* Resident bytes now, from /proc/self/statm. */
static uint64_t resident_bytes(fp_memory_t *mem)
{
    char buf[128];
    ssize_t n = pread(mem->statm.fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long size, res;
    if (sscanf(buf, "%lu %lu", &size, &res) != 2)
        return 0;
    return (uint64_t)res * (uint64_t)mem->page;
}

static int shrink(point_t *p, int n, int max);

/* Twice the time per bucket: neighbours merge, keeping the larger. */
static void widen_histories(fp_memory_t *mem)
{
    for (uint32_t h = 0; h < mem->nhistories; h++) {
        int64_t *b = mem->histories[h];
        for (int i = 0; i < HISTORY_BUCKETS / 2; i++)
            b[i] = b[2 * i] > b[2 * i + 1] ? b[2 * i] : b[2 * i + 1];
        memset(b + HISTORY_BUCKETS / 2, 0, sizeof(int64_t) * (HISTORY_BUCKETS / 2));
    }
    mem->history_width_ns *= 2;
}

/* Each line's live memory now goes into its history. Sampler thread only. */
static void record_histories(fp_memory_t *mem, uint64_t t_ns)
{
    while (t_ns / mem->history_width_ns >= HISTORY_BUCKETS)
        widen_histories(mem);
    int bucket = (int)(t_ns / mem->history_width_ns);
    fp_sites_t *s = &mem->agent->sites;
    uint32_t n = atomic_load(&s->nlines);
    for (uint32_t i = 0; i < n && i < FP_MAX_LINES; i++) {
        fp_line_t *l = &s->lines[i];
        int64_t live = atomic_load_explicit(&l->live_bytes, memory_order_relaxed);
        if (!l->history) {
            if (live <= 0 || mem->nhistories >= HISTORY_LINES)
                continue;
            l->history = ++mem->nhistories;
        }
        int64_t *b = mem->histories[l->history - 1];
        if (live > b[bucket])
            b[bucket] = live;
    }
}

void fp_memory_tick(fp_memory_t *mem)
{
    if (!mem->active || !mem->timeline)
        return;
    uint64_t rss = resident_bytes(mem);
    uint64_t own = mem->profiler_bytes;
    point_t p = {fp_clock_ns(CLOCK_MONOTONIC) - mem->agent->start_mono_ns, rss > own ? rss - own : 0};
    if (mem->npoints == TIMELINE_CAP)
        mem->npoints = shrink(mem->timeline, mem->npoints, TIMELINE_CAP / 2);
    mem->timeline[mem->npoints++] = p;
    record_histories(mem, p.t_ns);
}

/* A /proc file to read, even when the program used up its descriptors. */
static FILE *fdopen_anyway(fp_memory_t *mem, const char *path)
{
    int fd = fp_ownfd_open_anyway(&mem->agent->spares, path, O_RDONLY | O_CLOEXEC, 0);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f && fd >= 0)
        close(fd);
    return f;
}

/* The largest resident memory the process had, from the kernel. */
static uint64_t high_water_bytes(fp_memory_t *mem)
{
    FILE *f = fdopen_anyway(mem, "/proc/self/status");
    if (!f)
        return 0;
    char line[256];
    unsigned long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lu kB", &kb) == 1)
            break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

/* Resident pages of footprint's own shared objects (agent, interposer,
 * libunwind): mapped into the program only because it is profiled. Each
 * loadable segment counts whole, its zero-filled part too (.bss: the
 * interposer's filter and tables, the agent's state), which /proc/PID/maps
 * shows as a nameless mapping of its own. */
static int add_own_object(struct dl_phdr_info *info, size_t size, void *total)
{
    (void)size;
    static const char *const ours[] = {"/_footprint.", "/libfootprint_alloc.so", "/libunwind.so", "/liblzma.so"};
    bool mine = false;
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
        mine |= info->dlpi_name && strstr(info->dlpi_name, ours[i]) != NULL;
    if (!mine)
        return 0;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
        uintptr_t hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
        size_t unknown; /* not counted */
        *(uint64_t *)total += fp_resident_bytes((const void *)lo, hi - lo, &unknown);
    }
    return 0;
}

static uint64_t own_objects_bytes(void)
{
    uint64_t total = 0;
    dl_iterate_phdr(add_own_object, &total);
    return total;
}

/* Resident pages of the sampler thread's stack: a thread the program
 * would not have. */
static uint64_t sampler_stack_bytes(fp_memory_t *mem)
{
    fp_ticker_t *ticker = &mem->agent->ticker;
    pthread_attr_t attr;
    if (!ticker->running || pthread_getattr_np(ticker->thread, &attr) != 0)
        return 0;
    void *base = NULL;
    size_t size = 0, unknown;
    int rc = pthread_attr_getstack(&attr, &base, &size);
    pthread_attr_destroy(&attr);
    return rc == 0 && base ? fp_resident_bytes(base, size, &unknown) : 0;
}

static uint64_t measure_profiler_bytes(fp_memory_t *mem, const fp_alloc_stats_t *st)
{
    uint64_t now = fp_arena_resident(&mem->agent->arena) + st->own_bytes + own_objects_bytes() +
                   sampler_stack_bytes(mem);
    if (now > mem->profiler_bytes)
        mem->profiler_bytes = now;
    return mem->profiler_bytes;
}

/* Merges neighbours pairwise (each pair keeps its larger point) until at
 * most MAX points remain; the first and last points stay. */
static int shrink(point_t *p, int n, int max)
{
    while (n > max && n > 2) {
        int out = 1;
        for (int i = 1; i < n - 1; i += 2) {
            point_t q = p[i];
            if (i + 1 < n - 1 && p[i + 1].bytes > q.bytes)
                q = p[i + 1];
            p[out++] = q;
        }
        p[out++] = p[n - 1];
        n = out;
    }
    return n;
}

static void write_timeline(fp_memory_t *mem, fp_jsonw_t *w, uint64_t peak, uint64_t peak_at_ns)
{
    /* the peak itself always shows, even when it fell between two ticks */
    point_t *copy = mem->written;
    int n = 0;
    bool placed = false;
    for (int i = 0; i < mem->npoints; i++) {
        if (!placed && mem->timeline[i].t_ns >= peak_at_ns) {
            copy[n++] = (point_t){peak_at_ns, peak};
            placed = true;
        }
        copy[n] = mem->timeline[i];
        if (copy[n].bytes > peak) /* measured against a smaller profiler share then */
            copy[n].bytes = peak;
        n++;
    }
    if (!placed)
        copy[n++] = (point_t){peak_at_ns, peak};
    n = shrink(copy, n, TIMELINE_OUT);
    fp_jsonw_key(w, "timeline");
    fp_jsonw_begin_array(w);
    for (int i = 0; i < n; i++) {
        fp_jsonw_begin_array(w);
        fp_jsonw_double(w, (double)copy[i].t_ns / 1e9);
        fp_jsonw_uint(w, copy[i].bytes);
        fp_jsonw_end_array(w);
    }
    fp_jsonw_end_array(w);
}

void fp_memory_write_history(const fp_memory_t *mem, fp_jsonw_t *w, const fp_line_t *l)
{
    if (!mem->active || !l->history)
        return;
    FP_ASSERT(l->history <= mem->nhistories);
    const int64_t *b = mem->histories[l->history - 1];
    /* every line's history spans the whole run so far, so they line up */
    const fp_agent_t *a = mem->agent;
    uint64_t end = (a->end_mono_ns ? a->end_mono_ns : fp_clock_ns(CLOCK_MONOTONIC)) - a->start_mono_ns;
    int last = (int)(end / mem->history_width_ns);
    if (last >= HISTORY_BUCKETS)
        last = HISTORY_BUCKETS - 1;
    fp_jsonw_begin_array(w);
    for (int i = 0; i <= last; i++)
        fp_jsonw_int(w, b[i] > 0 ? b[i] : 0);
    fp_jsonw_end_array(w);
}

void fp_memory_write(fp_memory_t *mem, fp_jsonw_t *w)
{
    fp_jsonw_key(w, FP_FRAG_MEMORY);
    if (!mem->active) {
        fp_jsonw_null(w);
        return;
    }
    fp_alloc_stats_t st;
    mem->stats(&st);
    uint64_t own = measure_profiler_bytes(mem, &st);
    uint64_t hwm = mem->final_hwm ? mem->final_hwm : high_water_bytes(mem);
    uint64_t peak = hwm > own ? hwm - own : 0;
    uint64_t peak_at = atomic_load(&mem->peak_at_ns);
    if (!peak_at) { /* no snapshot: the highest timeline point */
        for (int i = 0, best = -1; i < mem->npoints; i++)
            if (best < 0 || mem->timeline[i].bytes > mem->timeline[best].bytes)
                best = i, peak_at = mem->timeline[i].t_ns;
    }
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "peak_bytes");
    fp_jsonw_uint(w, peak);
    fp_jsonw_key(w, "peak_at_s");
    fp_jsonw_double(w, (double)peak_at / 1e9);
    write_timeline(mem, w, peak, peak_at);
    fp_jsonw_key(w, "profiler_bytes");
    fp_jsonw_uint(w, own);
    fp_jsonw_key(w, "line_timeline_bucket_s");
    fp_jsonw_double(w, (double)mem->history_width_ns / 1e9);
    fp_jsonw_key(w, "alloc_bytes");
    fp_jsonw_uint(w, st.alloc_bytes);
    fp_jsonw_key(w, "alloc_python_bytes");
    fp_jsonw_uint(w, st.alloc_python_bytes);
    fp_jsonw_key(w, "copy_bytes");
    fp_jsonw_uint(w, st.copy_bytes);
    fp_jsonw_key(w, "samples");
    fp_jsonw_uint(w, st.samples);
    fp_jsonw_key(w, "dropped_samples");
    fp_jsonw_uint(w, st.dropped);
    fp_jsonw_key(w, "peak_live_estimate");
    fp_jsonw_int(w, atomic_load(&mem->peak_live));
    fp_jsonw_key(w, "unattributed");
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "alloc_bytes");
    fp_jsonw_uint(w, atomic_load(&mem->unattributed.alloc));
    fp_jsonw_key(w, "free_bytes");
    fp_jsonw_uint(w, atomic_load(&mem->unattributed.free));
    fp_jsonw_key(w, "copy_bytes");
    fp_jsonw_uint(w, atomic_load(&mem->unattributed.copy));
    fp_jsonw_end_object(w);
    fp_jsonw_end_object(w);
}
