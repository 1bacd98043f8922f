/* sites.c: lock-free tables of files, code objects and lines (see sites.h). */
#include "sites.h"

#include <string.h>

#include "../common/check.h"

#define LINE_SLOTS (2 * FP_MAX_LINES)

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

int fp_sites_init(fp_sites_t *s, fp_arena_t *arena)
{
    memset(s, 0, sizeof *s);
    s->arena = arena;
    s->files = fp_arena_alloc(arena, sizeof(fp_file_t) * FP_MAX_FILES);
    s->codes = fp_arena_alloc(arena, sizeof(fp_code_slot_t) * FP_CODE_SLOTS);
    s->line_keys = fp_arena_alloc(arena, sizeof(uint64_t) * LINE_SLOTS);
    s->line_index = fp_arena_alloc(arena, sizeof(uint32_t) * LINE_SLOTS);
    s->lines = fp_arena_alloc(arena, sizeof(fp_line_t) * FP_MAX_LINES);
    s->strings_cap = 8u << 20;
    s->strings = fp_arena_alloc(arena, s->strings_cap);
    if (!s->files || !s->codes || !s->line_keys || !s->line_index || !s->lines || !s->strings)
        return -1;
    atomic_store(&s->strings_used, 1); /* offset 0 is the empty string */
    return 0;
}

void fp_sites_reset_figures(fp_sites_t *s)
{
    uint32_t n = atomic_load(&s->nlines);
    for (uint32_t i = 0; i < n && i < FP_MAX_LINES; i++) {
        fp_line_t *l = &s->lines[i];
        uint32_t file = l->file, line = l->line;
        memset(l, 0, sizeof *l);
        l->file = file;
        l->line = line;
    }
}

uint32_t fp_sites_intern(fp_sites_t *s, const char *str, size_t n)
{
    size_t off = atomic_fetch_add_explicit(&s->strings_used, n + 1, memory_order_relaxed);
    if (off + n + 1 > s->strings_cap || off > UINT32_MAX)
        return UINT32_MAX;
    memcpy(s->strings + off, str, n);
    s->strings[off + n] = '\0';
    return (uint32_t)off;
}

int fp_sites_file(fp_sites_t *s, const char *path, size_t len, fp_sites_classify_fn classify, const void *ctx)
{
    uint64_t h = hash_bytes(path, len);
    for (uint32_t probe = 0; probe < FP_MAX_FILES; probe++) {
        uint32_t i = (uint32_t)((h + probe) & (FP_MAX_FILES - 1));
        fp_file_t *f = &s->files[i];
        uint64_t cur = atomic_load_explicit(&f->hash, memory_order_acquire);
        if (cur == 0) {
            uint64_t expected = 0;
            if (!atomic_compare_exchange_strong(&f->hash, &expected, h)) {
                cur = expected;
            } else {
                uint32_t off = fp_sites_intern(s, path, len);
                if (off == UINT32_MAX) {
                    atomic_fetch_add(&s->dropped, 1);
                    return -1; /* slot stays "being written": never ready */
                }
                f->path = off;
                f->path_len = (uint32_t)len;
                f->profiled = classify(ctx, path, len);
                if (f->profiled)
                    atomic_fetch_add(&s->nprofiled, 1);
                atomic_store_explicit(&f->state, 1, memory_order_release);
                return (int)i;
            }
        }
        if (cur != h)
            continue;
        if (!atomic_load_explicit(&f->state, memory_order_acquire)) {
            atomic_fetch_add(&s->dropped, 1); /* another thread is adding it right now */
            return -1;
        }
        if (f->path_len == len && memcmp(s->strings + f->path, path, len) == 0)
            return (int)i;
    }
    atomic_fetch_add(&s->dropped, 1);
    return -1;
}

int fp_sites_code_lookup(fp_sites_t *s, uintptr_t code, uintptr_t fingerprint)
{
    uint32_t i = (uint32_t)(mix64(code) & (FP_CODE_SLOTS - 1));
    for (int probe = 0; probe < 8; probe++, i = (i + 1) & (FP_CODE_SLOTS - 1)) {
        fp_code_slot_t *c = &s->codes[i];
        uintptr_t cur = atomic_load_explicit(&c->code, memory_order_acquire);
        if (cur == 0)
            return -2;
        if (cur == code) {
            /* the tag read on both sides of the fingerprint: a slot being
             * taken over by a reused address (store) reads as not ready */
            int32_t v = atomic_load_explicit(&c->file_tag, memory_order_acquire);
            if (v == 0 || atomic_load_explicit(&c->fingerprint, memory_order_acquire) != fingerprint ||
                atomic_load_explicit(&c->file_tag, memory_order_acquire) != v)
                return -2;
            return v - 2;
        }
    }
    return -2;
}

void fp_sites_code_store(fp_sites_t *s, uintptr_t code, uintptr_t fingerprint, int file)
{
    uint32_t i = (uint32_t)(mix64(code) & (FP_CODE_SLOTS - 1));
    for (int probe = 0; probe < 8; probe++, i = (i + 1) & (FP_CODE_SLOTS - 1)) {
        fp_code_slot_t *c = &s->codes[i];
        uintptr_t expected = 0;
        if (atomic_compare_exchange_strong(&c->code, &expected, code)) {
            atomic_store_explicit(&c->fingerprint, fingerprint, memory_order_release);
            atomic_store_explicit(&c->file_tag, file + 2, memory_order_release);
            return;
        }
        if (expected == code) {
            /* A reused address (a code object freed, another made where it
             * was) takes its old slot over: left stale, the new code would
             * miss the cache for good, and a signal handler, which leaves
             * every miss to the sampler thread (codeq.h), would never see
             * it classified. The tag is 0 while the fingerprint changes;
             * of two threads storing at once, one does it. */
            int32_t v = atomic_load_explicit(&c->file_tag, memory_order_acquire);
            if (v != 0 && atomic_load_explicit(&c->fingerprint, memory_order_acquire) != fingerprint &&
                atomic_compare_exchange_strong(&c->file_tag, &v, 0)) {
                atomic_store_explicit(&c->fingerprint, fingerprint, memory_order_release);
                atomic_store_explicit(&c->file_tag, file + 2, memory_order_release);
            }
            return;
        }
    }
}

fp_line_t *fp_sites_line(fp_sites_t *s, int file, int line)
{
    if (file < 0 || line <= 0)
        return NULL;
    FP_ASSERT(file < FP_MAX_FILES); /* a file index: a line key holds it in 32 bits */
    uint64_t key = ((uint64_t)(uint32_t)file << 32) | (uint32_t)line;
    uint32_t i = (uint32_t)(mix64(key) & (LINE_SLOTS - 1));
    for (int probe = 0; probe < 64; probe++, i = (i + 1) & (LINE_SLOTS - 1)) {
        uint64_t cur = atomic_load_explicit(&s->line_keys[i], memory_order_acquire);
        if (cur == 0) {
            uint64_t expected = 0;
            if (atomic_compare_exchange_strong(&s->line_keys[i], &expected, key)) {
                uint32_t idx = atomic_fetch_add(&s->nlines, 1);
                if (idx >= FP_MAX_LINES) {
                    atomic_fetch_add(&s->dropped, 1);
                    return NULL;
                }
                s->lines[idx].file = (uint32_t)file;
                s->lines[idx].line = (uint32_t)line;
                atomic_store_explicit(&s->line_index[i], idx + 1, memory_order_release);
                return &s->lines[idx];
            }
            cur = expected;
        }
        if (cur == key) {
            uint32_t idx = atomic_load_explicit(&s->line_index[i], memory_order_acquire);
            if (!idx)
                atomic_fetch_add(&s->dropped, 1); /* another thread is adding it right now */
            return idx ? &s->lines[idx - 1] : NULL;
        }
    }
    atomic_fetch_add(&s->dropped, 1);
    return NULL;
}
