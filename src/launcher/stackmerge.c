/* stackmerge.c: merging the fragments' stack tables (see stackmerge.h). */
#include "stackmerge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fragment_format.h"
#include "symbols.h"
#include "util.h"

enum { NFIG = 5 }; /* cpu_python_s, cpu_native_s, system_s, alloc_bytes, peak_bytes */

static const char *const fig_names[NFIG] = {"cpu_python_s", "cpu_native_s", "system_s", "alloc_bytes",
                                            "peak_bytes"};

/* One process's part of a stack: PROC indexes the profile's processes. */
typedef struct mshare {
    size_t proc;
    double f[NFIG];
} mshare_t;

typedef struct mstack {
    json_t *frames;  /* run-wide frame numbers, outermost first */
    bool truncated;
    double f[NFIG];
    mshare_t *shares; /* one per process that had the stack, in fragment order */
    size_t nshares, share_cap;
} mstack_t;

typedef struct smerge {
    json_t *frame_ids;  /* "line:path" -> frame number */
    json_t *frames;     /* the profile's frames */
    json_t *stack_ids;  /* "n,n,n" -> stack number */
    mstack_t *stacks;
    size_t nstacks, cap;
    double dropped[NFIG];
    json_int_t dropped_samples;
    size_t proc;        /* the process of the fragment being added */
    bool by_process;    /* more than one process: each stack says whose it is */
    fp_function_at_fn function_at;
    void *ctx;
    fp_symbols_t *symbols; /* names native frames; made at the first one */
} smerge_t;

/* The run-wide number of a frame known by KEY (a new string, freed), made
 * by MAKE's object when new. */
static json_int_t number_frame(smerge_t *m, char *key, json_t *made)
{
    json_t *id = json_object_get(m->frame_ids, key);
    json_int_t n = id ? json_integer_value(id) : (json_int_t)json_array_size(m->frames);
    if (!id) {
        json_object_set_new(m->frame_ids, key, json_integer(n));
        json_array_append(m->frames, made);
    }
    json_decref(made);
    free(key);
    return n;
}

/* A native frame ([object path, 0, address in its file, symbol or null],
 * src/agent/native.c): one profile frame per function of an object, named
 * from the object's file (symbols.h). */
static json_int_t native_frame_id(smerge_t *m, json_t *frame)
{
    const char *path = json_string_value(json_array_get(frame, 0));
    json_t *addr = json_array_get(frame, 2);
    if (!path || !json_is_integer(addr))
        return -1;
    if (!m->symbols)
        m->symbols = fp_symbols_new();
    fp_symbol_t sym = fp_symbols_lookup(m->symbols, path, (uint64_t)json_integer_value(addr),
                                        json_string_value(json_array_get(frame, 3)));
    json_t *made = json_pack("{sssIsssb}", "path", path, "line", (json_int_t)sym.line, "function", sym.function,
                             "native", 1);
    if (sym.source)
        json_object_set_new(made, "source", json_string(sym.source));
    return number_frame(m, fp_xasprintf("native:%s\x1f%s", path, sym.function), made);
}

/* The run-wide number of the frame FRAME ([path, line]), or -1. */
static json_int_t frame_id(smerge_t *m, json_t *frame)
{
    if (json_array_size(frame) >= 4)
        return native_frame_id(m, frame);
    const char *path = json_string_value(json_array_get(frame, 0));
    json_t *line = json_array_get(frame, 1);
    if (!path || !json_is_integer(line) || json_integer_value(line) <= 0)
        return -1;
    char *key = fp_xasprintf("%lld:%s", (long long)json_integer_value(line), path);
    if (json_object_get(m->frame_ids, key))
        return number_frame(m, key, NULL);
    return number_frame(m, key, json_pack("{sssIss}", "path", path, "line", json_integer_value(line), "function",
                                          m->function_at(m->ctx, path, (int)json_integer_value(line))));
}

/* The stack with run-wide frames FRAMES, added if new. */
static mstack_t *stack_for(smerge_t *m, json_t *frames, bool truncated)
{
    size_t i, len = 0, cap = 64;
    char *key = fp_xmalloc(cap);
    json_t *f;
    json_array_foreach(frames, i, f) {
        if (len + 24 > cap)
            key = fp_xrealloc(key, cap *= 2);
        len += (size_t)snprintf(key + len, cap - len, "%lld,", (long long)json_integer_value(f));
    }
    snprintf(key + len, cap - len, "%s", truncated ? "+" : "");
    json_t *id = json_object_get(m->stack_ids, key);
    if (id) {
        free(key);
        json_decref(frames);
        return &m->stacks[json_integer_value(id)];
    }
    if (m->nstacks == m->cap)
        m->stacks = fp_xrealloc(m->stacks, (m->cap = m->cap ? m->cap * 2 : 256) * sizeof *m->stacks);
    json_object_set_new(m->stack_ids, key, json_integer((json_int_t)m->nstacks));
    free(key);
    mstack_t *s = &m->stacks[m->nstacks++];
    memset(s, 0, sizeof *s);
    s->frames = frames;
    s->truncated = truncated;
    return s;
}

/* Process PROC's share of S. Fragments are added one after the other, so
 * a process's share, when it has one, is the last. */
static mshare_t *share_of(mstack_t *s, size_t proc)
{
    if (s->nshares && s->shares[s->nshares - 1].proc == proc)
        return &s->shares[s->nshares - 1];
    if (s->nshares == s->share_cap)
        s->shares = fp_xrealloc(s->shares, (s->share_cap = s->share_cap ? 2 * s->share_cap : 2) * sizeof *s->shares);
    mshare_t *share = &s->shares[s->nshares++];
    memset(share, 0, sizeof *share);
    share->proc = proc;
    return share;
}

/* One fragment stack: [[frame numbers], python, native, offcpu, alloc, peak, truncated],
 * its frame numbers indexing FRAMES, the fragment's own [path, line] list. */
static void add_stack(smerge_t *m, json_t *entry, json_t *frames)
{
    json_t *local = json_array_get(entry, 0), *run = json_array(), *f;
    size_t i;
    json_array_foreach(local, i, f) {
        json_int_t id = frame_id(m, json_array_get(frames, (size_t)json_integer_value(f)));
        if (id < 0) {
            json_decref(run);
            return;
        }
        json_array_append_new(run, json_integer(id));
    }
    if (json_array_size(run) == 0) {
        json_decref(run);
        return;
    }
    mstack_t *s = stack_for(m, run, json_integer_value(json_array_get(entry, 6)) != 0);
    mshare_t *share = share_of(s, m->proc);
    for (int k = 0; k < NFIG; k++) {
        double v = json_number_value(json_array_get(entry, (size_t)k + 1));
        s->f[k] += v;
        share->f[k] += v;
    }
}

static void add_fragment(smerge_t *m, json_t *stacks)
{
    json_t *frames = json_object_get(stacks, "frames"), *entry;
    size_t i;
    json_array_foreach(json_object_get(stacks, "list"), i, entry)
        add_stack(m, entry, frames);
    json_t *dropped = json_object_get(stacks, "dropped");
    for (int k = 0; k < NFIG; k++)
        m->dropped[k] += json_number_value(json_object_get(dropped, fig_names[k]));
    m->dropped_samples += json_integer_value(json_object_get(dropped, "samples"));
}

static double weight(const mstack_t *s) { return s->f[0] + s->f[1] + s->f[2]; }

/* Heaviest first: by time, then by bytes allocated. */
static int by_weight(const void *a, const void *b)
{
    const mstack_t *x = a, *y = b;
    if (weight(x) != weight(y))
        return weight(x) < weight(y) ? 1 : -1;
    return (x->f[3] < y->f[3]) - (x->f[3] > y->f[3]);
}

static void set_figures(json_t *o, const double f[NFIG])
{
    for (int k = 0; k < NFIG; k++)
        json_object_set_new(o, fig_names[k], k < 3 ? json_real(f[k]) : json_integer((json_int_t)(f[k] + 0.5)));
}

/* [{"process": n, figures...}] of S, and frees its shares. */
static json_t *shares_json(mstack_t *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->nshares; i++) {
        json_t *o = json_pack("{sI}", "process", (json_int_t)s->shares[i].proc);
        set_figures(o, s->shares[i].f);
        json_array_append_new(a, o);
    }
    free(s->shares);
    s->shares = NULL;
    return a;
}

static json_t *list_json(smerge_t *m)
{
    if (m->nstacks > 1) /* no stacks: no array at all, which qsort wants */
        qsort(m->stacks, m->nstacks, sizeof *m->stacks, by_weight);
    json_t *list = json_array();
    for (size_t i = 0; i < m->nstacks; i++) {
        json_t *o = json_pack("{so}", "frames", m->stacks[i].frames);
        set_figures(o, m->stacks[i].f);
        if (m->stacks[i].truncated)
            json_object_set_new(o, "truncated", json_true());
        if (m->by_process)
            json_object_set_new(o, "by_process", shares_json(&m->stacks[i]));
        json_array_append_new(list, o);
    }
    return list;
}

json_t *fp_stackmerge_run(json_t *fragments, json_t *main, fp_function_at_fn function_at, void *ctx)
{
    smerge_t m = {.frame_ids = json_object(), .frames = json_array(), .stack_ids = json_object(),
                  .by_process = json_array_size(fragments) > 1, .function_at = function_at, .ctx = ctx};
    bool any = false;
    size_t i, next_proc = main ? 1 : 0;
    json_t *frag;
    json_array_foreach(fragments, i, frag) {
        json_t *stacks = json_object_get(frag, FP_FRAG_STACKS);
        m.proc = frag == main ? 0 : next_proc++; /* the order of the profile's processes */
        if (json_is_object(stacks)) {
            any = true;
            add_fragment(&m, stacks);
        }
    }
    json_t *out = NULL;
    if (any) {
        json_t *dropped = json_pack("{sI}", "samples", m.dropped_samples);
        set_figures(dropped, m.dropped);
        json_object_del(dropped, "peak_bytes");
        out = json_pack("{sOsoso}", "frames", m.frames, "list", list_json(&m), "dropped", dropped);
    }
    json_decref(m.frame_ids);
    json_decref(m.frames);
    json_decref(m.stack_ids);
    for (size_t k = 0; k < m.nstacks; k++)
        free(m.stacks[k].shares);
    free(m.stacks);
    fp_symbols_free(m.symbols);
    return out;
}
