/* stacks.c: the stack table (see stacks.h). */
#include "stacks.h"

#include <stdlib.h>
#include <string.h>

#include "../common/fragment_format.h"
#include "../common/jsonw.h"

#define SLOTS (2 * FP_MAX_STACKS)

int fp_stacks_init(fp_stacks_t *self, fp_arena_t *arena, bool on)
{
    memset(self, 0, sizeof *self);
    if (!on)
        return 0;
    self->keys = fp_arena_alloc(arena, sizeof(uint64_t) * SLOTS);
    self->index = fp_arena_alloc(arena, sizeof(uint32_t) * SLOTS);
    self->stacks = fp_arena_alloc(arena, sizeof(fp_stack_t) * FP_MAX_STACKS);
    self->pool = fp_arena_alloc(arena, sizeof(uint32_t) * FP_STACK_FRAMES);
    if (!self->keys || !self->index || !self->stacks || !self->pool)
        return -1;
    self->on = true;
    return 0;
}

bool fp_stacks_on(const fp_stacks_t *self) { return self->on; }

void fp_stacks_reset_figures(fp_stacks_t *self)
{
    uint32_t n = atomic_load(&self->nstacks);
    for (uint32_t i = 0; i < n && i < FP_MAX_STACKS; i++) {
        fp_stack_t *s = &self->stacks[i];
        for (int k = 0; k < 3; k++)
            atomic_store(&s->ns[k], 0);
        atomic_store(&s->alloc_bytes, 0);
        atomic_store(&s->live_bytes, 0);
        atomic_store(&s->peak_bytes, 0);
    }
    memset((void *)&self->dropped, 0, sizeof self->dropped);
}

static uint64_t hash_stack(const uint32_t *lines, int depth, bool truncated)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)truncated;
    for (int i = 0; i < depth; i++) {
        h ^= lines[i];
        h *= 1099511628211ULL;
        h ^= h >> 29;
    }
    return h ? h : 1;
}

static bool same(const fp_stacks_t *self, const fp_stack_t *s, const uint32_t *lines, int depth, bool truncated)
{
    return s->depth == depth && s->truncated == truncated &&
           memcmp(self->pool + s->frames, lines, sizeof *lines * (size_t)depth) == 0;
}

/* How many native frames lead LINES (stacks.h). */
static uint8_t leading_native(const uint32_t *lines, int depth)
{
    int n = 0;
    while (n < depth && n < UINT8_MAX && (lines[n] & FP_STACK_NATIVE_FRAME))
        n++;
    return (uint8_t)n;
}

/* Fills a slot just claimed for hash H. Returns the stack, or NULL when
 * the table or the pool is full (the slot then never becomes ready, and
 * samples of that stack count as dropped). */
static fp_stack_t *add(fp_stacks_t *self, uint32_t slot, const uint32_t *lines, int depth, bool truncated)
{
    uint32_t idx = atomic_fetch_add_explicit(&self->nstacks, 1, memory_order_relaxed);
    uint32_t off = atomic_fetch_add_explicit(&self->pool_used, (uint32_t)depth, memory_order_relaxed);
    if (idx >= FP_MAX_STACKS || off + (uint32_t)depth > FP_STACK_FRAMES || off + (uint32_t)depth < off)
        return NULL;
    memcpy(self->pool + off, lines, sizeof *lines * (size_t)depth);
    fp_stack_t *s = &self->stacks[idx];
    s->frames = off;
    s->depth = (uint16_t)depth;
    s->truncated = truncated;
    s->native = leading_native(lines, depth);
    atomic_store_explicit(&self->index[slot], idx + 1, memory_order_release);
    return s;
}

fp_stack_t *fp_stacks_find(fp_stacks_t *self, const uint32_t *lines, int depth, bool truncated)
{
    if (!self->on || depth <= 0 || depth > FP_STACK_DEPTH)
        return NULL;
    uint64_t h = hash_stack(lines, depth, truncated);
    uint32_t i = (uint32_t)(h & (SLOTS - 1));
    for (int probe = 0; probe < 64; probe++, i = (i + 1) & (SLOTS - 1)) {
        uint64_t cur = atomic_load_explicit(&self->keys[i], memory_order_acquire);
        if (cur == 0) {
            uint64_t expected = 0;
            if (atomic_compare_exchange_strong(&self->keys[i], &expected, h))
                return add(self, i, lines, depth, truncated);
            cur = expected;
        }
        if (cur != h)
            continue;
        uint32_t idx = atomic_load_explicit(&self->index[i], memory_order_acquire);
        if (!idx)
            return NULL; /* being added by another thread right now, or no room */
        if (same(self, &self->stacks[idx - 1], lines, depth, truncated))
            return &self->stacks[idx - 1];
    }
    return NULL;
}

fp_stack_t *fp_stacks_with_native(fp_stacks_t *self, fp_stack_t *base, const uint32_t *native, int n)
{
    uint32_t lines[FP_STACK_DEPTH];
    if (!base || n <= 0)
        return base;
    if (n >= FP_STACK_DEPTH || n > UINT8_MAX)
        return NULL;
    int keep = base->depth < FP_STACK_DEPTH - n ? base->depth : FP_STACK_DEPTH - n;
    memcpy(lines, native, sizeof *lines * (size_t)n);
    memcpy(lines + n, self->pool + base->frames, sizeof *lines * (size_t)keep);
    fp_stack_t *s = fp_stacks_find(self, lines, n + keep, base->truncated || keep < base->depth);
    if (s)
        atomic_store_explicit(&s->base, base, memory_order_relaxed); /* the same base every time */
    return s;
}

fp_stack_t *fp_stacks_base(fp_stack_t *s)
{
    fp_stack_t *base = s && s->native ? atomic_load_explicit(&s->base, memory_order_relaxed) : NULL;
    return base ? base : s;
}

fp_line_t *fp_stacks_innermost(const fp_stacks_t *self, fp_sites_t *sites, const fp_stack_t *s)
{
    return &sites->lines[self->pool[s->frames + s->native]];
}

void fp_stacks_add_time(fp_stacks_t *self, fp_stack_t *s, int kind, uint64_t ns)
{
    if (!self->on || kind < 0 || kind > 2)
        return;
    if (!s)
        atomic_fetch_add_explicit(&self->dropped.samples, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(s ? &s->ns[kind] : &self->dropped.ns[kind], ns, memory_order_relaxed);
}

void fp_stacks_add_alloc(fp_stacks_t *self, fp_stack_t *s, uint64_t bytes)
{
    if (!self->on)
        return;
    if (!s) {
        atomic_fetch_add_explicit(&self->dropped.samples, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&self->dropped.alloc_bytes, (int64_t)bytes, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&s->alloc_bytes, bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->live_bytes, (int64_t)bytes, memory_order_relaxed);
}

void fp_stacks_free(fp_stacks_t *self, fp_stack_t *s, uint64_t bytes, bool netted)
{
    if (!self->on)
        return;
    if (!s) {
        if (netted)
            atomic_fetch_sub_explicit(&self->dropped.alloc_bytes, (int64_t)bytes, memory_order_relaxed);
        return;
    }
    atomic_fetch_sub_explicit(&s->live_bytes, (int64_t)bytes, memory_order_relaxed);
    if (netted)
        atomic_fetch_sub_explicit(&s->alloc_bytes, bytes, memory_order_relaxed);
}

void fp_stacks_note_peak(fp_stacks_t *self)
{
    uint32_t n = atomic_load(&self->nstacks);
    for (uint32_t i = 0; self->on && i < n && i < FP_MAX_STACKS; i++)
        atomic_store_explicit(&self->stacks[i].peak_bytes,
                              atomic_load_explicit(&self->stacks[i].live_bytes, memory_order_relaxed),
                              memory_order_relaxed);
}

/* ---- the fragment ---- */

static double secs(uint64_t ns) { return (double)ns / 1e9; }
static uint64_t positive(int64_t v) { return v > 0 ? (uint64_t)v : 0; }
static uint64_t figure(uint64_t v) { return v > (uint64_t)INT64_MAX ? 0 : v; }

static bool stack_is_empty(const fp_stack_t *s)
{
    return !atomic_load(&s->ns[0]) && !atomic_load(&s->ns[1]) && !atomic_load(&s->ns[2]) &&
           !figure(atomic_load(&s->alloc_bytes)) && atomic_load(&s->peak_bytes) <= 0;
}

/* The frames of one fragment, numbered as they are met: FRAME_OF maps a
 * line index, then (past FP_MAX_LINES) a native slot, to its number + 1;
 * ORDER maps a number to its pool entry. */
typedef struct numbering {
    uint32_t *frame_of;
    uint32_t *order;
    uint32_t n;
} numbering_t;

enum { NUMBERED = FP_MAX_LINES + FP_NATIVE_SLOTS };

static uint32_t frame_number(numbering_t *nb, uint32_t entry)
{
    uint32_t key = entry & FP_STACK_NATIVE_FRAME ? FP_MAX_LINES + (entry & ~FP_STACK_NATIVE_FRAME) : entry;
    if (!nb->frame_of[key]) {
        nb->order[nb->n] = entry;
        nb->frame_of[key] = ++nb->n;
    }
    return nb->frame_of[key] - 1;
}

/* [[frame numbers, outermost first], python_s, native_s, offcpu_s, alloc, peak, truncated] */
static void write_stack(const fp_stacks_t *self, fp_jsonw_t *w, const fp_stack_t *s, numbering_t *nb)
{
    fp_jsonw_begin_array(w);
    fp_jsonw_begin_array(w);
    for (int d = s->depth - 1; d >= 0; d--)
        fp_jsonw_uint(w, frame_number(nb, self->pool[s->frames + (uint32_t)d]));
    fp_jsonw_end_array(w);
    for (int k = 0; k < 3; k++)
        fp_jsonw_double(w, secs(atomic_load(&s->ns[k])));
    fp_jsonw_uint(w, figure(atomic_load(&s->alloc_bytes)));
    fp_jsonw_uint(w, positive(atomic_load(&s->peak_bytes)));
    fp_jsonw_int(w, s->truncated);
    fp_jsonw_end_array(w);
}

static void write_frames(const fp_stacks_t *self, fp_jsonw_t *w, const fp_sites_t *sites, const numbering_t *nb)
{
    fp_jsonw_key(w, "frames");
    fp_jsonw_begin_array(w);
    for (uint32_t i = 0; i < nb->n; i++) {
        if (nb->order[i] & FP_STACK_NATIVE_FRAME) {
            self->write_native(self->native_ctx, w, nb->order[i] & ~FP_STACK_NATIVE_FRAME);
            continue;
        }
        const fp_line_t *l = &sites->lines[nb->order[i]];
        const fp_file_t *f = &sites->files[l->file];
        fp_jsonw_begin_array(w);
        fp_jsonw_string_n(w, fp_sites_str(sites, f->path), f->path_len);
        fp_jsonw_uint(w, l->line);
        fp_jsonw_end_array(w);
    }
    fp_jsonw_end_array(w);
}

static void write_dropped(const fp_stacks_t *self, fp_jsonw_t *w)
{
    fp_jsonw_key(w, "dropped");
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "samples");
    fp_jsonw_uint(w, atomic_load(&self->dropped.samples));
    static const char *const keys[3] = {"cpu_python_s", "cpu_native_s", "system_s"};
    for (int k = 0; k < 3; k++) {
        fp_jsonw_key(w, keys[k]);
        fp_jsonw_double(w, secs(atomic_load(&self->dropped.ns[k])));
    }
    fp_jsonw_key(w, "alloc_bytes");
    fp_jsonw_uint(w, positive(atomic_load(&self->dropped.alloc_bytes)));
    fp_jsonw_end_object(w);
}

void fp_stacks_write(const fp_stacks_t *self, fp_jsonw_t *w, const fp_sites_t *sites)
{
    if (!self->on)
        return;
    uint32_t n = atomic_load(&self->nstacks);
    numbering_t nb = {calloc(NUMBERED, sizeof *nb.frame_of), calloc(NUMBERED, sizeof *nb.order), 0};
    if (!nb.frame_of || !nb.order) {
        free(nb.frame_of);
        free(nb.order);
        return;
    }
    fp_jsonw_key(w, FP_FRAG_STACKS);
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "list");
    fp_jsonw_begin_array(w);
    for (uint32_t i = 0; i < n && i < FP_MAX_STACKS; i++) {
        /* a stack still being added has no frames yet: its figures are 0 */
        if (!stack_is_empty(&self->stacks[i]) && (!self->stacks[i].native || self->write_native))
            write_stack(self, w, &self->stacks[i], &nb);
    }
    fp_jsonw_end_array(w);
    write_frames(self, w, sites, &nb);
    write_dropped(self, w);
    fp_jsonw_end_object(w);
    free(nb.frame_of);
    free(nb.order);
}
