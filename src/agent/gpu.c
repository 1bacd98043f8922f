/* gpu.c: GPU time and memory per line from NVML (see gpu.h).
 *
 * Everything here runs on the sampler thread, except fp_gpu_write, which
 * a thread that exits or execs may call while the sampler thread is
 * paused: the figures it reads are atomics, and a line is published only
 * once its entry is complete. */
#include "gpu.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/fragment_format.h"
#include "agent.h"
#include "cpu.h"
#include "nvmlabi.h"

enum {
    MAX_LINES = 4096,        /* lines with GPU figures; more are charged to no line */
    LINE_SLOTS = 2 * MAX_LINES,
    RING = 512,              /* ticks remembered: 5 s at the default interval */
    SHARES = 4,              /* threads one tick's GPU time is split between */
    TIMELINE_CAP = 1024,
    MAX_SAMPLES = 512,       /* utilization samples read per call */
    MAX_PROCS = 256,         /* running processes read per call */
    FIX_SLACK_NS = 1000000,  /* CPU time a thread may run between a tick and blocking (fix_lines) */
};

enum { UNTRIED, ON, OFF };

typedef fp_nvml_return_t (*init_fn)(void);
typedef fp_nvml_return_t (*count_fn)(unsigned int *);
typedef fp_nvml_return_t (*handle_fn)(unsigned int, fp_nvml_device_t *);
typedef fp_nvml_return_t (*name_fn)(fp_nvml_device_t, char *, unsigned int);
typedef fp_nvml_return_t (*meminfo_fn)(fp_nvml_device_t, fp_nvml_memory_t *);
typedef fp_nvml_return_t (*util_fn)(fp_nvml_device_t, fp_nvml_utilization_t *);
typedef fp_nvml_return_t (*procutil_fn)(fp_nvml_device_t, fp_nvml_proc_sample_t *, unsigned int *,
                                        unsigned long long);
typedef fp_nvml_return_t (*procs_fn)(fp_nvml_device_t, unsigned int *, void *);

/* A line's GPU figures. Only the sampler thread writes them. */
typedef struct gline {
    _Atomic(fp_line_t *) line; /* set last: a reader skips a NULL */
    _Atomic uint64_t busy_ns, alloc_bytes;
    _Atomic int64_t live_bytes, peak_bytes;
} gline_t;

/* One thread's part of a tick. RUN_NS (its CPU time then) tells, later,
 * whether it was still blocked where the off-CPU accounting found it. */
typedef struct share {
    fp_line_t *line;
    int tid, slot;
    uint64_t run_ns;
    double weight;
    bool settled;  /* LINE is where the thread was seen blocked, not where it last ran */
} share_t;

/* One tick: the stretch of time it stands for and who was on which line. */
typedef struct record {
    uint64_t from_us, to_us; /* time of day, as NVML stamps its samples */
    double busy_ns;          /* GPU time charged through it */
    double grown_bytes;      /* GPU memory growth charged through it */
    int nshares;
    share_t shares[SHARES];
} record_t;

/* What the sampler thread last knew of the thread in a cpu.h slot. */
typedef struct seen {
    int tid;
    uint64_t run_ns;
    fp_line_t *fixed_line; /* the last blocked line whose ticks were fixed */
    uint64_t fixed_run_ns;
} seen_t;

typedef struct point {
    uint64_t t_ns, bytes;
} point_t;

/* The module's tables, in the agent's arena (made once a GPU is found). */
struct fp_gpu_tables {
    gline_t lines[MAX_LINES];
    _Atomic int nlines;
    int32_t slots[LINE_SLOTS]; /* index + 1 into lines, by line address */
    record_t ring[RING];
    int head, count;           /* the next record to write; how many are kept */
    seen_t threads[FP_MAX_THREADS];
    fp_nvml_proc_sample_t samples[MAX_SAMPLES];
    _Alignas(8) unsigned char procs[MAX_PROCS * sizeof(fp_nvml_proc_v2_t)]; /* v2 or v1 entries */
    point_t timeline[TIMELINE_CAP];
    _Atomic int npoints;
};


static uint64_t now_us(void) { return fp_clock_ns(CLOCK_REALTIME) / 1000; }

static double since_start_s(fp_gpu_t *g)
{
    return (double)(fp_clock_ns(CLOCK_MONOTONIC) - g->agent->start_mono_ns) / 1e9;
}

/* Adds a one-line note for the report, once. */
static void note(fp_gpu_t *g, const char *fmt, ...)
{
    char text[FP_GPU_NOTE_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int n = atomic_load(&g->nnotes);
    for (int i = 0; i < n; i++)
        if (strcmp(g->notes[i], text) == 0)
            return;
    if (n < FP_GPU_MAX_NOTES) {
        memcpy(g->notes[n], text, sizeof text);
        atomic_store(&g->nnotes, n + 1);
    }
}

/* ---- lines ---- */

static gline_t *gline_of(fp_gpu_t *g, fp_line_t *line)
{
    if (!line)
        return NULL;
    uint64_t h = ((uintptr_t)line >> 4) * 0x9E3779B97F4A7C15ULL;
    for (uint32_t i = 0, k = (uint32_t)(h >> 40) % LINE_SLOTS; i < LINE_SLOTS; i++, k = (k + 1) % LINE_SLOTS) {
        int32_t idx = g->t->slots[k];
        if (idx && atomic_load_explicit(&g->t->lines[idx - 1].line, memory_order_relaxed) == line)
            return &g->t->lines[idx - 1];
        if (idx)
            continue;
        int n = atomic_load(&g->t->nlines);
        if (n >= MAX_LINES)
            return NULL;
        atomic_store(&g->t->lines[n].line, line);
        g->t->slots[k] = n + 1;
        atomic_store(&g->t->nlines, n + 1);
        return &g->t->lines[n];
    }
    return NULL;
}

static void add_u(_Atomic uint64_t *v, double d)
{
    uint64_t cur = atomic_load_explicit(v, memory_order_relaxed);
    double next = (double)cur + d;
    atomic_store_explicit(v, next > 0 ? (uint64_t)(next + 0.5) : 0, memory_order_relaxed);
}

static void add_i(_Atomic int64_t *v, double d)
{
    atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + (int64_t)(d + (d < 0 ? -0.5 : 0.5)),
                          memory_order_relaxed);
}

/* ---- ticks and who was where ---- */

/* The line a thread is on: the line it is blocked on, when it has not
 * run since the off-CPU accounting found it there, else where it last
 * ran. T and O are its slot in cpu.h and ticker.h. */
static fp_line_t *line_of(const fp_thread_t *t, const fp_offcpu_t *o, bool *settled)
{
    *settled = o->blocked_line && o->blocked_run_ns == o->last_sched.run_ns;
    if (*settled)
        return o->blocked_line;
    return atomic_load_explicit(&t->last_line, memory_order_relaxed);
}

/* Keeps the SHARES threads that ran most this tick, most first. */
static void offer(record_t *r, const share_t *s)
{
    int at = r->nshares;
    if (at == SHARES) {
        if (r->shares[SHARES - 1].weight >= s->weight)
            return;
        at = SHARES - 1;
    } else {
        r->nshares++;
    }
    r->shares[at] = *s;
    for (; at > 0 && r->shares[at].weight > r->shares[at - 1].weight; at--) {
        share_t tmp = r->shares[at];
        r->shares[at] = r->shares[at - 1];
        r->shares[at - 1] = tmp;
    }
}

/* Splits a tick between its threads by the CPU time each used in it (a
 * thread that drives a GPU launches and waits; a sleeping one does
 * neither), equally when none ran. */
static void weigh(record_t *r)
{
    double total = 0;
    for (int i = 0; i < r->nshares; i++)
        total += r->shares[i].weight;
    int keep = 0;
    for (int i = 0; i < r->nshares; i++) {
        if (total > 0 && r->shares[i].weight <= 0)
            continue;
        r->shares[keep] = r->shares[i];
        r->shares[keep++].weight = total > 0 ? r->shares[i].weight / total : 1.0 / r->nshares;
    }
    r->nshares = keep;
}

static record_t *record_tick(fp_gpu_t *g, uint64_t now)
{
    record_t *r = &g->t->ring[g->t->head];
    memset(r, 0, sizeof *r);
    r->from_us = g->last_us;
    r->to_us = now;
    g->t->head = (g->t->head + 1) % RING;
    if (g->t->count < RING)
        g->t->count++;
    g->last_us = now;
    record_t lineless = {0};
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        const fp_thread_t *t = &g->agent->cpu.threads[i];
        const fp_offcpu_t *o = &g->agent->ticker.offcpu[i];
        int tid = atomic_load_explicit(&t->tid, memory_order_relaxed);
        if (tid == 0)
            continue;
        uint64_t run = o->last_sched.run_ns;
        seen_t *sn = &g->t->threads[i];
        uint64_t ran = sn->tid == tid && run > sn->run_ns ? run - sn->run_ns : 0;
        sn->tid = tid;
        sn->run_ns = run;
        share_t s = {NULL, tid, i, run, (double)ran, false};
        s.line = line_of(t, o, &s.settled);
        offer(s.line ? r : &lineless, &s);
    }
    /* no thread on a line yet (the first moments of a start): the tick
     * waits for fix_lines to find where its threads were */
    if (r->nshares == 0) {
        r->nshares = lineless.nshares;
        memcpy(r->shares, lineless.shares, sizeof r->shares);
    }
    weigh(r);
    return r;
}

/* The record I steps back from the newest, or NULL. */
static record_t *back(fp_gpu_t *g, int i)
{
    return i < g->t->count ? &g->t->ring[(g->t->head - 1 - i + 2 * RING) % RING] : NULL;
}

/* Moves what share S of record R charged to its line (or to no line) to
 * line TO. */
static void move_share(fp_gpu_t *g, record_t *r, share_t *s, fp_line_t *to)
{
    gline_t *from = gline_of(g, s->line), *dst = gline_of(g, to);
    if (!dst)
        return;
    double busy = r->busy_ns * s->weight, grown = r->grown_bytes * s->weight;
    double live = grown, peak = r->to_us <= g->peak_us ? grown : 0; /* its growth was part of the peak */
    if (from) {
        double had = (double)atomic_load(&from->live_bytes), held = (double)atomic_load(&from->peak_bytes);
        live = live < had ? live : had > 0 ? had : 0;
        peak = peak < held ? peak : held > 0 ? held : 0;
        add_u(&from->busy_ns, -busy);
        add_u(&from->alloc_bytes, -grown);
        add_i(&from->live_bytes, -live);
        add_i(&from->peak_bytes, -peak);
    } else {
        add_u(&g->other_ns, -busy);
    }
    add_u(&dst->busy_ns, busy);
    add_u(&dst->alloc_bytes, grown);
    add_i(&dst->live_bytes, live);
    add_i(&dst->peak_bytes, peak);
    s->line = to;
}

/* A thread seen blocked on a line only now (the off-CPU accounting takes
 * the GIL once 30 ms have built up) was on that line for every earlier
 * tick since it last ran: those ticks' GPU figures move there. So do
 * those of the ticks of its running just before (under FIX_SLACK_NS of
 * CPU before it blocked, back to where it was last seen blocked): NVML is
 * read after the tick's schedstat, so a line that grew the GPU memory and
 * then blocked at once is seen growing while it still runs. */
static void fix_lines(fp_gpu_t *g)
{
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        const fp_offcpu_t *t = &g->agent->ticker.offcpu[i];
        int tid = atomic_load_explicit(&g->agent->cpu.threads[i].tid, memory_order_relaxed);
        seen_t *sn = &g->t->threads[i];
        if (tid == 0 || !t->blocked_line || (sn->fixed_line == t->blocked_line && sn->fixed_run_ns == t->blocked_run_ns))
            continue;
        sn->fixed_line = t->blocked_line;
        sn->fixed_run_ns = t->blocked_run_ns;
        for (int k = 0; back(g, k); k++) {
            record_t *r = back(g, k);
            share_t *s = NULL;
            for (int j = 0; j < r->nshares && !s; j++)
                if (r->shares[j].tid == tid)
                    s = &r->shares[j];
            if (!s || s->run_ns > t->blocked_run_ns) /* it ran after it was seen blocked */
                continue;
            /* before it last ran: a tick of its running just before blocking,
             * or else of an earlier stretch, which stays where it was */
            if (s->run_ns < t->blocked_run_ns && (s->settled || s->run_ns + FIX_SLACK_NS < t->blocked_run_ns))
                break;
            if (s->line != t->blocked_line)
                move_share(g, r, s, t->blocked_line);
            s->settled = true;
        }
    }
}

/* ---- charging ---- */

static void charge_busy(fp_gpu_t *g, record_t *r, double ns)
{
    r->busy_ns += ns;
    if (r->nshares == 0)
        add_u(&g->other_ns, ns);
    for (int i = 0; i < r->nshares; i++) {
        gline_t *gl = gline_of(g, r->shares[i].line);
        if (gl)
            add_u(&gl->busy_ns, ns * r->shares[i].weight);
        else
            add_u(&g->other_ns, ns * r->shares[i].weight);
    }
}

/* Spreads NS of GPU time used over (FROM, TO] over the ticks of that
 * stretch; what falls after the newest tick goes to it. */
static void spread(fp_gpu_t *g, uint64_t from, uint64_t to, double ns)
{
    if (to <= from || g->t->count == 0)
        return;
    double left = ns;
    for (int k = 0; back(g, k); k++) {
        record_t *r = back(g, k);
        if (r->to_us <= from)
            break;
        uint64_t a = r->from_us > from ? r->from_us : from, b = r->to_us < to ? r->to_us : to;
        if (b > a) {
            double part = ns * (double)(b - a) / (double)(to - from);
            charge_busy(g, r, part);
            left -= part;
        }
    }
    if (left > 0 && back(g, 0)->to_us < to)
        charge_busy(g, back(g, 0), left * (double)(to - back(g, 0)->to_us) / (double)(to - from));
}

static void timeline_add(fp_gpu_t *g, uint64_t bytes)
{
    int n = atomic_load(&g->t->npoints);
    if (n > 0 && g->t->timeline[n - 1].bytes == bytes)
        return;
    if (n == TIMELINE_CAP) { /* merge neighbours, keeping the larger: the peak stays */
        for (int i = 0; i < n / 2; i++) {
            point_t a = g->t->timeline[2 * i], b = g->t->timeline[2 * i + 1];
            g->t->timeline[i] = a.bytes >= b.bytes ? a : b;
        }
        n /= 2;
    }
    g->t->timeline[n] = (point_t){fp_clock_ns(CLOCK_MONOTONIC) - g->agent->start_mono_ns, bytes};
    atomic_store(&g->t->npoints, n + 1);
}

/* The process's GPU memory is now USED: growth goes to the tick's lines,
 * a fall comes off every line in proportion (which buffer was freed is
 * not known), and a new high copies each line's live bytes to its peak. */
/* NVML is read after the tick's schedstat: a thread that ran in between
 * (and may have made the change NVML shows) is on no settled line; its CPU
 * time now lets fix_lines find the line it blocks on next. */
static void recheck_threads(fp_gpu_t *g, record_t *r)
{
    for (int i = 0; i < r->nshares; i++) {
        share_t *s = &r->shares[i];
        const fp_thread_t *t = &g->agent->cpu.threads[s->slot];
        fp_schedstat_t now;
        if (atomic_load_explicit(&t->tid, memory_order_relaxed) != s->tid || !fp_cpu_read_schedstat(t->sched.fd, &now))
            continue;
        if (now.run_ns > s->run_ns) {
            s->run_ns = now.run_ns;
            s->settled = false;
        }
    }
}

static void memory_now(fp_gpu_t *g, record_t *r, uint64_t used)
{
    uint64_t before = g->used_bytes;
    if (used > before)
        recheck_threads(g, r);
    g->used_bytes = used;
    timeline_add(g, used);
    int n = atomic_load(&g->t->nlines);
    if (used > before) {
        double grown = (double)(used - before);
        r->grown_bytes += grown;
        for (int i = 0; i < r->nshares; i++) {
            gline_t *gl = gline_of(g, r->shares[i].line);
            if (gl) {
                add_u(&gl->alloc_bytes, grown * r->shares[i].weight);
                add_i(&gl->live_bytes, grown * r->shares[i].weight);
            }
        }
    } else if (used < before) {
        double keep = (double)used / (double)before;
        for (int i = 0; i < n; i++)
            atomic_store(&g->t->lines[i].live_bytes, (int64_t)((double)atomic_load(&g->t->lines[i].live_bytes) * keep));
    }
    if (used > atomic_load(&g->peak_bytes)) {
        n = atomic_load(&g->t->nlines);
        for (int i = 0; i < n; i++)
            atomic_store(&g->t->lines[i].peak_bytes, atomic_load(&g->t->lines[i].live_bytes));
        atomic_store(&g->peak_bytes, used);
        atomic_store(&g->peak_at_ns, fp_clock_ns(CLOCK_MONOTONIC) - g->agent->start_mono_ns);
        g->peak_us = r->to_us;
    }
}

/* ---- reading NVML ---- */

/* Whether RC is a success; a lost GPU is noted and left alone after. */
static bool ok(fp_gpu_t *g, fp_gpu_device_t *d, fp_nvml_return_t rc)
{
    if (rc == FP_NVML_ERROR_GPU_IS_LOST && !d->lost) {
        d->lost = true;
        note(g, "GPU %d (%s) was lost at %.1f s: its figures end there", (int)(d - g->dev), d->name, since_start_s(g));
    }
    return rc == FP_NVML_SUCCESS;
}

/* Per-process utilization is not to be had (WHY): device-wide, if any. */
static void use_device_utilization(fp_gpu_t *g, const char *why)
{
    g->util_src = g->nv.util ? FP_GPU_SRC_DEVICE : FP_GPU_SRC_NONE;
    g->util_why = why;
}

static void use_device_memory(fp_gpu_t *g, const char *why)
{
    g->mem_src = g->nv.meminfo ? FP_GPU_SRC_DEVICE : FP_GPU_SRC_NONE;
    g->mem_why = why;
}

static void sort_samples(fp_nvml_proc_sample_t *s, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && s[j].timestamp_us < s[j - 1].timestamp_us; j--) {
            fp_nvml_proc_sample_t tmp = s[j];
            s[j] = s[j - 1];
            s[j - 1] = tmp;
        }
}

/* Learns the driver's sample period from the gaps between sample times
 * in the sorted batch S. Returns false while it is still unknown: the
 * samples are then left unread, and read again with the next ones. */
static bool know_period(fp_gpu_device_t *d, const fp_nvml_proc_sample_t *s, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        uint64_t gap = s[i].timestamp_us - s[i - 1].timestamp_us;
        if (gap > 0 && (!d->period_us || gap < d->period_us))
            d->period_us = gap;
    }
    return d->period_us != 0;
}

/* The process's own samples since the last read. A sample is the
 * process's share of the driver's sample period that ends at its time
 * stamp: its GPU time is spread over the ticks of that period (it comes
 * late, so the ring, not the tick now, says who was running then). */
static void read_process_utilization(fp_gpu_t *g, fp_gpu_device_t *d)
{
    unsigned n = MAX_SAMPLES;
    fp_nvml_return_t rc = g->nv.procutil(d->handle, g->t->samples, &n, d->last_us);
    if (rc == FP_NVML_ERROR_NOT_SUPPORTED) {
        use_device_utilization(g, "the driver has no per-process utilization");
        return;
    }
    if (rc == FP_NVML_ERROR_INSUFFICIENT_SIZE)
        d->last_us = g->last_us; /* too many to read: skip them rather than ask forever */
    if (rc == FP_NVML_ERROR_NOT_FOUND || !ok(g, d, rc))
        return;
    if (n > MAX_SAMPLES)
        n = MAX_SAMPLES;
    sort_samples(g->t->samples, n);
    if (!know_period(d, g->t->samples, n))
        return;
    for (unsigned i = 0; i < n; i++) {
        uint64_t ts = g->t->samples[i].timestamp_us;
        if (ts <= d->last_us || (pid_t)g->t->samples[i].pid != g->pid || g->t->samples[i].sm_util == 0)
            continue;
        uint64_t from = ts - d->period_us;
        spread(g, from, ts, (double)g->t->samples[i].sm_util / 100.0 * (double)d->period_us * 1000.0);
        d->used = true;
    }
    if (n > 0 && g->t->samples[n - 1].timestamp_us > d->last_us)
        d->last_us = g->t->samples[n - 1].timestamp_us;
}

static void read_device_utilization(fp_gpu_t *g, fp_gpu_device_t *d, record_t *r)
{
    fp_nvml_utilization_t u;
    fp_nvml_return_t rc = g->nv.util(d->handle, &u);
    if (rc == FP_NVML_ERROR_NOT_SUPPORTED) {
        g->util_src = FP_GPU_SRC_NONE;
        g->util_why = "the driver gives no utilization either";
        return;
    }
    if (!ok(g, d, rc) || u.gpu == 0)
        return;
    charge_busy(g, r, (double)(u.gpu > 100 ? 100 : u.gpu) / 100.0 * (double)(r->to_us - r->from_us) * 1000.0);
    d->used = true;
}

/* This process's GPU memory on device D, from the running-process list;
 * false when the driver cannot say. */
static bool process_memory(fp_gpu_t *g, fp_gpu_device_t *d, uint64_t *out)
{
    unsigned n = MAX_PROCS;
    fp_nvml_return_t rc = g->nv.procs(d->handle, &n, g->t->procs);
    if (rc == FP_NVML_ERROR_NOT_SUPPORTED || rc == FP_NVML_ERROR_NO_PERMISSION) {
        use_device_memory(g, "the driver does not list processes' memory");
        return false;
    }
    if (!ok(g, d, rc)) {
        *out = d->used_bytes; /* keep the last reading */
        return true;
    }
    *out = 0;
    for (unsigned i = 0; i < n && i < MAX_PROCS; i++) {
        fp_nvml_proc_v2_t v2;
        fp_nvml_proc_v1_t v1;
        if (g->nv.procs_v2)
            memcpy(&v2, g->t->procs + i * sizeof v2, sizeof v2);
        else
            memcpy(&v1, g->t->procs + i * sizeof v1, sizeof v1);
        unsigned pid = g->nv.procs_v2 ? v2.pid : v1.pid;
        unsigned long long used = g->nv.procs_v2 ? v2.used_bytes : v1.used_bytes;
        if ((pid_t)pid != g->pid)
            continue;
        if (used == FP_NVML_VALUE_NOT_AVAILABLE) {
            use_device_memory(g, "the driver does not give processes' memory");
            return false;
        }
        *out += used;
        d->used = true;
    }
    return true;
}

static bool device_memory(fp_gpu_t *g, fp_gpu_device_t *d, uint64_t *out)
{
    fp_nvml_memory_t m;
    fp_nvml_return_t rc = g->nv.meminfo(d->handle, &m);
    if (rc == FP_NVML_ERROR_NOT_SUPPORTED) {
        g->mem_src = FP_GPU_SRC_NONE;
        g->mem_why = "the driver gives no memory figures either";
        return false;
    }
    *out = ok(g, d, rc) ? m.used : d->used_bytes;
    return true;
}

static void read_memory(fp_gpu_t *g, record_t *r)
{
    uint64_t total = 0;
    for (int i = 0; i < g->ndevices && g->mem_src != FP_GPU_SRC_NONE; i++) {
        fp_gpu_device_t *d = &g->dev[i];
        uint64_t used = d->used_bytes;
        if (!d->lost && !(g->mem_src == FP_GPU_SRC_PROCESS ? process_memory(g, d, &used) : device_memory(g, d, &used)))
            return; /* the source changed; read again next tick */
        d->used_bytes = used;
        total += used;
    }
    if (g->mem_src == FP_GPU_SRC_NONE)
        return;
    if (g->mem_src == FP_GPU_SRC_DEVICE) { /* what the devices gained since the profile started */
        if (!g->have_baseline) {
            g->baseline_bytes = total;
            g->have_baseline = true;
        }
        total = total > g->baseline_bytes ? total - g->baseline_bytes : 0;
    }
    memory_now(g, r, total);
}

/* ---- starting ---- */

static void *sym(fp_gpu_t *g, const char *name, const char *older)
{
    void *f = dlsym(g->lib, name);
    return f || !older ? f : dlsym(g->lib, older);
}

/* Finds the optional functions; a library without the newer ones gives
 * device-wide figures, and says so. */
static void find_optional(fp_gpu_t *g)
{
    g->nv.meminfo = (meminfo_fn)sym(g, "nvmlDeviceGetMemoryInfo", NULL);
    g->nv.util = (util_fn)sym(g, "nvmlDeviceGetUtilizationRates", NULL);
    g->nv.procutil = (procutil_fn)sym(g, "nvmlDeviceGetProcessUtilization", NULL);
    g->nv.procs = (procs_fn)sym(g, "nvmlDeviceGetComputeRunningProcesses_v2", NULL);
    g->nv.procs_v2 = g->nv.procs != NULL;
    if (!g->nv.procs)
        g->nv.procs = (procs_fn)sym(g, "nvmlDeviceGetComputeRunningProcesses", NULL);
    g->util_src = FP_GPU_SRC_PROCESS;
    g->mem_src = FP_GPU_SRC_PROCESS;
    if (!g->nv.procutil)
        use_device_utilization(g, "this NVML has no nvmlDeviceGetProcessUtilization");
    if (!g->nv.procs)
        use_device_memory(g, "this NVML has no nvmlDeviceGetComputeRunningProcesses");
}

static bool open_devices(fp_gpu_t *g)
{
    count_fn count = (count_fn)sym(g, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
    handle_fn handle = (handle_fn)sym(g, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex");
    name_fn name = (name_fn)sym(g, "nvmlDeviceGetName", NULL);
    unsigned n = 0;
    if (!count || !handle || count(&n) != FP_NVML_SUCCESS || n == 0)
        return false;
    for (unsigned i = 0; i < n && g->ndevices < FP_GPU_MAX_DEVICES; i++) {
        fp_gpu_device_t *d = &g->dev[g->ndevices];
        memset(d, 0, sizeof *d);
        if (handle(i, &d->handle) != FP_NVML_SUCCESS)
            continue;
        if (!name || name(d->handle, d->name, sizeof d->name) != FP_NVML_SUCCESS)
            snprintf(d->name, sizeof d->name, "GPU %u", i);
        d->name[sizeof d->name - 1] = '\0';
        fp_nvml_memory_t m;
        g->nv.meminfo = (meminfo_fn)sym(g, "nvmlDeviceGetMemoryInfo", NULL);
        if (g->nv.meminfo && g->nv.meminfo(d->handle, &m) == FP_NVML_SUCCESS)
            d->total_bytes = m.total;
        g->ndevices++;
    }
    return g->ndevices > 0;
}

static bool make_tables(fp_gpu_t *g)
{
    g->t = fp_arena_alloc(&g->agent->arena, sizeof *g->t);
    return g->t != NULL;
}

/* Forgets every figure: a new profile (at start, or in a forked child). */
static void reset_figures(fp_gpu_t *g)
{
    g->pid = g->agent->pid;
    memset((void *)g->t, 0, sizeof *g->t);
    g->last_us = g->agent->start_wall_ns / 1000;
    g->used_bytes = 0;
    g->have_baseline = false;
    atomic_store(&g->peak_bytes, 0);
    atomic_store(&g->peak_at_ns, 0);
    atomic_store(&g->other_ns, 0);
    g->peak_us = 0;
    for (int i = 0; i < g->ndevices; i++) {
        g->dev[i].last_us = g->last_us;
        g->dev[i].used_bytes = 0;
        g->dev[i].used = false;
    }
}

/* Opens NVML. Any failure (no library, no driver, no device) turns the
 * module off for good: the profile's gpu stays null. */
static void start(fp_gpu_t *g)
{
    g->state = OFF;
    const char *path = getenv("FOOTPRINT_NVML_LIBRARY");
    if (!g->lib) /* a new start in the same process keeps it */
        g->lib = dlopen(path && *path ? path : "libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!g->lib)
        return;
    init_fn init = (init_fn)sym(g, "nvmlInit_v2", "nvmlInit");
    if (!init || init() != FP_NVML_SUCCESS || !open_devices(g) || !make_tables(g))
        return; /* the library stays loaded: unloading a driver library is not worth the risk */
    find_optional(g);
    reset_figures(g);
    g->state = ON;
}

void fp_gpu_init(fp_gpu_t *g, struct fp_agent *agent)
{
    void *lib = g->lib;
    memset((void *)g, 0, sizeof *g);
    g->agent = agent;
    g->lib = lib;
    g->state = UNTRIED;
}

void fp_gpu_tick(fp_gpu_t *g)
{
    if (g->state == OFF)
        return;
    if (g->state == UNTRIED) {
        start(g);
        if (g->state != ON)
            return;
    }
    if (g->pid != g->agent->pid)
        reset_figures(g);
    record_t *r = record_tick(g, now_us());
    fix_lines(g);
    for (int i = 0; i < g->ndevices; i++) {
        fp_gpu_device_t *d = &g->dev[i];
        if (d->lost)
            continue;
        if (g->util_src == FP_GPU_SRC_PROCESS)
            read_process_utilization(g, d);
        else if (g->util_src == FP_GPU_SRC_DEVICE)
            read_device_utilization(g, d, r);
    }
    read_memory(g, r);
}

/* ---- the fragment ---- */

static const char *source_name(fp_gpu_source_t s)
{
    return s == FP_GPU_SRC_PROCESS ? "process" : s == FP_GPU_SRC_DEVICE ? "device" : NULL;
}

static void write_source(fp_jsonw_t *w, const char *key, fp_gpu_source_t s)
{
    fp_jsonw_key(w, key);
    if (source_name(s))
        fp_jsonw_string(w, source_name(s));
    else
        fp_jsonw_null(w);
}

/* Says, in one line, why a figure is device-wide or missing. */
static void write_source_note(fp_jsonw_t *w, const char *what, const char *whose, fp_gpu_source_t s, const char *why)
{
    char text[FP_GPU_NOTE_LEN];
    if (s == FP_GPU_SRC_PROCESS || !why)
        return;
    if (s == FP_GPU_SRC_DEVICE)
        snprintf(text, sizeof text, "%s is device-wide (%s): other programs' %s counts too", what, why, whose);
    else
        snprintf(text, sizeof text, "no %s: %s", what, why);
    fp_jsonw_string(w, text);
}

static void write_devices(fp_gpu_t *g, fp_jsonw_t *w)
{
    fp_jsonw_key(w, FP_FRAG_GPU_DEVICES);
    fp_jsonw_begin_array(w);
    for (int i = 0; i < g->ndevices; i++) {
        fp_jsonw_begin_object(w);
        fp_jsonw_key(w, FP_FRAG_GPU_INDEX);
        fp_jsonw_int(w, i);
        fp_jsonw_key(w, FP_FRAG_GPU_NAME);
        fp_jsonw_string(w, g->dev[i].name);
        fp_jsonw_key(w, FP_FRAG_GPU_TOTAL_BYTES);
        fp_jsonw_uint(w, g->dev[i].total_bytes);
        fp_jsonw_key(w, FP_FRAG_GPU_USED);
        fp_jsonw_bool(w, g->dev[i].used);
        fp_jsonw_end_object(w);
    }
    fp_jsonw_end_array(w);
}

static void write_timeline(fp_gpu_t *g, fp_jsonw_t *w)
{
    fp_jsonw_key(w, FP_FRAG_GPU_TIMELINE);
    fp_jsonw_begin_array(w);
    int n = atomic_load(&g->t->npoints);
    for (int i = 0; i < n; i++) {
        fp_jsonw_begin_array(w);
        fp_jsonw_double(w, (double)g->t->timeline[i].t_ns / 1e9);
        fp_jsonw_uint(w, g->t->timeline[i].bytes);
        fp_jsonw_end_array(w);
    }
    if (n > 0) { /* where it stands at the end */
        uint64_t end = g->agent->end_mono_ns ? g->agent->end_mono_ns : fp_clock_ns(CLOCK_MONOTONIC);
        fp_jsonw_begin_array(w);
        fp_jsonw_double(w, (double)(end - g->agent->start_mono_ns) / 1e9);
        fp_jsonw_uint(w, g->t->timeline[n - 1].bytes);
        fp_jsonw_end_array(w);
    }
    fp_jsonw_end_array(w);
}

/* [path, line, gpu_s, gpu_alloc_bytes, gpu_peak_bytes] for each line with a figure */
static void write_lines(fp_gpu_t *g, fp_jsonw_t *w)
{
    const fp_sites_t *s = &g->agent->sites;
    fp_jsonw_key(w, FP_FRAG_GPU_LINES);
    fp_jsonw_begin_array(w);
    int n = atomic_load(&g->t->nlines);
    for (int i = 0; i < n; i++) {
        const gline_t *gl = &g->t->lines[i];
        fp_line_t *l = atomic_load(&gl->line);
        uint64_t busy = atomic_load(&gl->busy_ns), alloc = atomic_load(&gl->alloc_bytes);
        int64_t peak = atomic_load(&gl->peak_bytes);
        if (!l || (!busy && !alloc && peak <= 0))
            continue;
        const fp_file_t *f = &s->files[l->file];
        fp_jsonw_begin_array(w);
        fp_jsonw_string_n(w, fp_sites_str(s, f->path), f->path_len);
        fp_jsonw_uint(w, l->line);
        fp_jsonw_double(w, (double)busy / 1e9);
        fp_jsonw_uint(w, alloc);
        fp_jsonw_uint(w, peak > 0 ? (uint64_t)peak : 0);
        fp_jsonw_end_array(w);
    }
    fp_jsonw_end_array(w);
}

void fp_gpu_write(fp_gpu_t *g, fp_jsonw_t *w)
{
    if (g->state != ON || g->pid != g->agent->pid)
        return;
    fp_jsonw_key(w, FP_FRAG_GPU);
    fp_jsonw_begin_object(w);
    write_devices(g, w);
    fp_jsonw_key(w, FP_FRAG_GPU_SOURCES);
    fp_jsonw_begin_object(w);
    write_source(w, FP_FRAG_GPU_SRC_UTILIZATION, g->util_src);
    write_source(w, FP_FRAG_GPU_SRC_MEMORY, g->mem_src);
    fp_jsonw_end_object(w);
    fp_jsonw_key(w, FP_FRAG_GPU_PEAK_BYTES);
    fp_jsonw_uint(w, atomic_load(&g->peak_bytes));
    fp_jsonw_key(w, FP_FRAG_GPU_PEAK_TIME_S);
    fp_jsonw_double(w, (double)atomic_load(&g->peak_at_ns) / 1e9);
    write_timeline(g, w);
    fp_jsonw_key(w, FP_FRAG_GPU_UNATTRIBUTED_S);
    fp_jsonw_double(w, (double)atomic_load(&g->other_ns) / 1e9);
    fp_jsonw_key(w, FP_FRAG_GPU_NOTES);
    fp_jsonw_begin_array(w);
    write_source_note(w, "GPU time", "GPU work", g->util_src, g->util_why);
    write_source_note(w, "GPU memory", "GPU memory", g->mem_src, g->mem_why);
    int n = atomic_load(&g->nnotes);
    for (int i = 0; i < n; i++)
        fp_jsonw_string(w, g->notes[i]);
    fp_jsonw_end_array(w);
    write_lines(g, w);
    fp_jsonw_end_object(w);
}
