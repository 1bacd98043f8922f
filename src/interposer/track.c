/* track.c: sampling allocations, frees and copies (see track.h), and the
 * interface the agent attaches to (../common/alloc_api.h). */
#include "track.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/alloc_api.h"
#include "../common/check.h"
#include "../common/fragment_format.h"
#include "../common/resident.h"
#include "../common/xorshift.h"
#include "sampler.h"
#include "state.h"

#define EXPORT __attribute__((visibility("default")))

__thread fp_tls_t fp_tls __attribute__((tls_model("initial-exec")));

enum { IDLE_COUNTDOWN = 1 << 20 }; /* while idle, look again after this many bytes */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- randomness -------------------------------------------------------- */

static uint64_t next_random(fp_tls_t *t)
{
    if (!t->rng)
        t->rng = now_ns() ^ ((uint64_t)syscall(SYS_gettid) << 32) ^ 0x9E3779B97F4A7C15ULL;
    return fp_xorshift64(&t->rng);
}

/* An exponential gap with mean MEAN: where the next sample falls. */
static int64_t draw_gap(fp_tls_t *t, uint64_t mean) { return fp_sampler_gap(fp_sampler_unit(next_random(t)), mean); }

static uint64_t weight_of(uint64_t n, uint64_t mean) { return fp_sampler_weight(n, mean); }

/* ---- the filter in front of the live table ------------------------------ */

static _Atomic unsigned char *filter_slot(fp_track_t *tr, uintptr_t p)
{
    return &tr->filter[(p >> FP_FILTER_GRAIN) & (((uintptr_t)1 << FP_FILTER_BITS) - 1)];
}

static void filter_add(fp_track_t *tr, uintptr_t p)
{
    _Atomic unsigned char *c = filter_slot(tr, p);
    unsigned char v = atomic_load(c);
    while (v < 255 && !atomic_compare_exchange_weak(c, &v, (unsigned char)(v + 1)))
        ;
}

static void filter_remove(fp_track_t *tr, uintptr_t p)
{
    _Atomic unsigned char *c = filter_slot(tr, p);
    unsigned char v = atomic_load(c);
    while (v > 0 && v < 255 && !atomic_compare_exchange_weak(c, &v, (unsigned char)(v - 1)))
        ;
}

static bool live_insert(fp_track_t *tr, uintptr_t p, const fp_live_t *rec)
{
    if (!fp_livetab_insert(&tr->live, p, rec)) {
        atomic_fetch_add(&tr->dropped, 1);
        return false;
    }
    filter_add(tr, p);
    return true;
}

static bool live_take(fp_track_t *tr, uintptr_t p, fp_live_t *out)
{
    if (!fp_livetab_take(&tr->live, p, out))
        return false;
    filter_remove(tr, p);
    return true;
}

/* ---- peak ------------------------------------------------------------------ */

/* The live estimate passed the next mark: let the agent snapshot what
 * each line holds. A flag, never waited on, keeps it to one at a time. */
static void check_peak(fp_track_t *tr, int64_t live)
{
    int64_t peak = atomic_load(&tr->peak_estimate);
    while (live > peak && !atomic_compare_exchange_weak(&tr->peak_estimate, &peak, live))
        ;
    if (live < atomic_load(&tr->next_snapshot) || !tr->hooks.on_peak)
        return;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&tr->snapshotting, &expected, 1))
        return;
    tr->hooks.on_peak(live);
    int64_t margin = live / 100 > (1 << 20) ? live / 100 : (1 << 20);
    atomic_store(&tr->next_snapshot, live + margin);
    atomic_store(&tr->snapshotting, 0);
}

/* ---- slow paths -------------------------------------------------------------- */

/* Adds this thread's counts to the process totals. */
static void flush(fp_track_t *tr, fp_tls_t *t)
{
    atomic_fetch_add_explicit(&tr->alloc_bytes, t->bytes[0] + t->bytes[1], memory_order_relaxed);
    atomic_fetch_add_explicit(&tr->alloc_python_bytes, t->bytes[1], memory_order_relaxed);
    atomic_fetch_add_explicit(&tr->copy_bytes, t->copy_bytes, memory_order_relaxed);
    t->bytes[0] = t->bytes[1] = t->copy_bytes = 0;
}

/* Brings this thread's countdowns in line with the attachment: drawn
 * afresh after an attach, pushed ahead while idle. Returns whether an
 * agent is attached. */
static bool in_step(fp_track_t *tr, fp_tls_t *t)
{
    unsigned epoch = atomic_load_explicit(&tr->epoch, memory_order_acquire);
    if (t->epoch == epoch)
        return epoch & 1;
    t->epoch = epoch;
    if (!(epoch & 1)) {
        t->bytes[0] = t->bytes[1] = t->copy_bytes = 0;
        t->alloc_countdown = t->copy_countdown = IDLE_COUNTDOWN;
        return false;
    }
    t->bytes[0] = t->bytes[1] = t->copy_bytes = 0; /* counted while idle: not the profile's */
    t->alloc_countdown = draw_gap(t, tr->config.mean_bytes);
    t->copy_countdown = draw_gap(t, tr->config.copy_mean_bytes);
    return true;
}

/* The call that found a new attachment (in_step) had its bytes counted
 * before the countdowns were drawn: they count now, so that a thread's
 * first block after an attach has its chance to be sampled (a 50 MB
 * block a program makes right at the start was lost). */
static void count_first(int64_t *countdown, uint64_t *bytes, size_t n)
{
    *bytes += n;
    *countdown -= (int64_t)n;
}

/* True when the countdown ran out: draws the next gap. */
static bool crossed(fp_tls_t *t, int64_t *countdown, uint64_t mean)
{
    if (*countdown > 0)
        return false;
    while (*countdown <= 0)
        *countdown += draw_gap(t, mean);
    return true;
}

void fp_track_alloc_slow(void *p, size_t n, bool python)
{
    fp_track_t *tr = &fp_state.track;
    fp_tls_t *t = &fp_tls;
    unsigned seen = t->epoch;
    FP_ASSERT(t->guard >= 0);
    if (!in_step(tr, t)) {
        if (t->alloc_countdown <= 0)
            t->alloc_countdown = IDLE_COUNTDOWN;
        return;
    }
    if (t->epoch != seen)
        count_first(&t->alloc_countdown, &t->bytes[python], n);
    flush(tr, t);
    if (!crossed(t, &t->alloc_countdown, tr->config.mean_bytes) || n == 0 || !p)
        return;
    t->guard++;
    atomic_fetch_add_explicit(&tr->samples, 1, memory_order_relaxed);
    fp_live_t rec = {.python = python, .weight = weight_of(n, tr->config.mean_bytes), .epoch = t->epoch};
    rec.site = tr->hooks.sample_site ? tr->hooks.sample_site(python) : tr->hooks.site();
    rec.t_ns = now_ns();
    if (live_insert(tr, (uintptr_t)p, &rec)) {
        if (tr->hooks.on_alloc)
            tr->hooks.on_alloc(rec.site, rec.weight, python);
        int64_t live = atomic_fetch_add(&tr->live_estimate, (int64_t)rec.weight) + (int64_t)rec.weight;
        check_peak(tr, live);
    }
    t->guard--;
}

/* A sampled block goes: net it out against its own line when the line
 * freed it soon after making it, or moved it (realloc); else charge the
 * free to the line that frees it. */
static void settle_free(fp_track_t *tr, const fp_live_t *rec, bool by_realloc)
{
    void *site = tr->hooks.site();
    void *made = tr->hooks.base_site ? tr->hooks.base_site(rec->site) : rec->site;
    bool netted = site && site == made &&
                  (by_realloc || now_ns() - rec->t_ns <= tr->config.net_window_ns);
    atomic_fetch_sub(&tr->live_estimate, (int64_t)rec->weight);
    if (tr->hooks.on_free)
        tr->hooks.on_free(rec->site, rec->t_ns, site, rec->weight, rec->python, netted);
}

static bool attached(fp_track_t *tr) { return atomic_load_explicit(&tr->epoch, memory_order_acquire) & 1; }

/* A sample from this attachment. One from an earlier one (a block made
 * in a profiled region and freed in the next) names a line of a profile
 * that is gone, and its bytes are not in this one's figures. */
static bool current(fp_track_t *tr, const fp_live_t *rec)
{
    return rec->epoch == atomic_load_explicit(&tr->last_attach, memory_order_acquire);
}

void fp_track_free_slow(void *p)
{
    fp_track_t *tr = &fp_state.track;
    fp_live_t rec;
    if (!live_take(tr, (uintptr_t)p, &rec) || !attached(tr) || !current(tr, &rec))
        return; /* after detach the agent is not called again */
    fp_tls.guard++;
    settle_free(tr, &rec, false);
    fp_tls.guard--;
}

void fp_track_copy_slow(size_t n)
{
    fp_track_t *tr = &fp_state.track;
    fp_tls_t *t = &fp_tls;
    unsigned seen = t->epoch;
    if (!in_step(tr, t)) {
        if (t->copy_countdown <= 0)
            t->copy_countdown = IDLE_COUNTDOWN;
        return;
    }
    if (t->epoch != seen)
        count_first(&t->copy_countdown, &t->copy_bytes, n);
    if (!crossed(t, &t->copy_countdown, tr->config.copy_mean_bytes) || n == 0)
        return;
    flush(tr, t);
    t->guard++;
    if (tr->hooks.on_copy)
        tr->hooks.on_copy(tr->hooks.site(), weight_of(n, tr->config.copy_mean_bytes));
    t->guard--;
}

void fp_track_realloc_before(void *p, fp_track_moved_t *m)
{
    fp_track_t *tr = &fp_state.track;
    m->had = false;
    fp_live_t rec;
    if (!p || fp_tls.guard || !atomic_load(filter_slot(tr, (uintptr_t)p)) || !live_take(tr, (uintptr_t)p, &rec))
        return;
    m->had = current(tr, &rec);
    m->site = rec.site;
    m->weight = rec.weight;
    m->t_ns = rec.t_ns;
    m->python = rec.python;
}

void fp_track_realloc_after(void *old, void *p, size_t n, fp_track_moved_t *m, bool python)
{
    fp_track_t *tr = &fp_state.track;
    if (m->had) {
        fp_live_t rec = {.python = m->python, .site = m->site, .weight = m->weight, .t_ns = m->t_ns,
                         .epoch = atomic_load(&tr->last_attach)};
        if (!p && n > 0) {
            live_insert(tr, (uintptr_t)old, &rec); /* it failed: the old block stays */
            return;
        }
        if (!attached(tr))
            return;
        fp_tls.guard++;
        settle_free(tr, &rec, true);
        fp_tls.guard--;
    }
    if (p && n > 0)
        fp_track_alloc(p, n, python);
}

/* ---- the agent's interface ------------------------------------------------ */

/* Empties the totals and estimates for a new attachment (an agent may
 * attach again after a detach). The live table and its filter stay:
 * samples of an earlier attachment no longer count (see current()). */
static void reset_totals(fp_track_t *tr)
{
    atomic_store(&tr->alloc_bytes, 0);
    atomic_store(&tr->alloc_python_bytes, 0);
    atomic_store(&tr->copy_bytes, 0);
    atomic_store(&tr->samples, 0);
    atomic_store(&tr->dropped, 0);
    atomic_store(&tr->live_estimate, 0);
    atomic_store(&tr->peak_estimate, 0);
    atomic_store(&tr->next_snapshot, 1 << 20);
}

static int attach(fp_track_t *tr, const fp_alloc_hooks_t *hooks, const fp_alloc_config_t *config)
{
    if (atomic_load(&tr->epoch) & 1)
        return -1; /* attached already */
    tr->hooks = *hooks;
    tr->config = *config;
    if (tr->config.mean_bytes == 0)
        tr->config.mean_bytes = 1;
    if (tr->config.copy_mean_bytes == 0)
        tr->config.copy_mean_bytes = tr->config.mean_bytes;
    reset_totals(tr);
    atomic_store(&tr->last_attach, atomic_load(&tr->epoch) + 1);
    atomic_fetch_add(&tr->epoch, 1); /* odd: attached; threads redraw their countdowns */
    return 0;
}

/* The exported functions below get no state argument (the agent finds
 * them with dlsym): they take the interposer's own, fp_state. */

EXPORT int fp_alloc_attach(const fp_alloc_hooks_t *hooks, const fp_alloc_config_t *config)
{
    if (!hooks || !hooks->site || !fp_real_init(&fp_state.real))
        return -1;
    return attach(&fp_state.track, hooks, config);
}

EXPORT void fp_alloc_detach(void)
{
    fp_track_t *tr = &fp_state.track;
    flush(tr, &fp_tls);
    if (atomic_load(&tr->epoch) & 1)
        atomic_fetch_add(&tr->epoch, 1);
}

static size_t resident(const void *base, size_t bytes)
{
    size_t unknown, n = base ? fp_resident_bytes(base, bytes, &unknown) : 0;
    return base && unknown ? bytes : n; /* cannot tell: assume all of it */
}

EXPORT void fp_alloc_stats(fp_alloc_stats_t *out)
{
    fp_track_t *tr = &fp_state.track;
    flush(tr, &fp_tls);
    out->alloc_bytes = atomic_load(&tr->alloc_bytes);
    out->alloc_python_bytes = atomic_load(&tr->alloc_python_bytes);
    out->copy_bytes = atomic_load(&tr->copy_bytes);
    out->samples = atomic_load(&tr->samples);
    out->dropped = atomic_load(&tr->dropped);
    out->live_estimate = atomic_load(&tr->live_estimate);
    out->peak_estimate = atomic_load(&tr->peak_estimate);
    out->own_bytes = fp_livetab_resident(&tr->live) + resident((const void *)tr->filter, sizeof tr->filter);
}

typedef struct visit {
    fp_track_t *tr;
    fp_alloc_live_fn fn;
    void *ctx;
} visit_t;

static void visit_one(const fp_live_t *rec, void *arg)
{
    visit_t *v = arg;
    if (current(v->tr, rec))
        v->fn(rec->site, rec->weight, rec->t_ns, v->ctx);
}

EXPORT void fp_alloc_visit_live(fp_alloc_live_fn fn, void *ctx)
{
    visit_t v = {&fp_state.track, fn, ctx};
    fp_tls.guard++;
    fp_livetab_visit(&v.tr->live, visit_one, &v);
    fp_tls.guard--;
}

EXPORT void fp_alloc_guard_enter(void) { fp_tls.guard++; }
EXPORT void fp_alloc_guard_leave(void)
{
    FP_ASSERT(fp_tls.guard > 0); /* every leave has its enter */
    fp_tls.guard--;
}
