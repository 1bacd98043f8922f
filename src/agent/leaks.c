/* leaks.c: likely leaks (see leaks.h). */
#include "leaks.h"
#include "interposer.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "../common/alloc_api.h"
#include "../common/fragment_format.h"
#include "agent.h"
#include "leakfit.h"
#include "memory.h"

typedef struct samples {
    fp_leak_sample_t *v;
    size_t n, cap;
    bool failed;
    uint64_t since_ns; /* older samples point into an earlier start's tables */
} samples_t;

static void collect(void *site, uint64_t weight, uint64_t t_ns, void *ctx)
{
    samples_t *s = ctx;
    if (!fp_memory_site_line(site) || s->failed || t_ns < s->since_ns)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        fp_leak_sample_t *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->failed = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (fp_leak_sample_t){fp_memory_site_line(site), weight, t_ns};
}

static int by_line_then_time(const void *a, const void *b)
{
    const fp_leak_sample_t *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->t_ns > y->t_ns) - (x->t_ns < y->t_ns);
}

/* The line's own figures the verdict needs. */
static bool judge_line(const fp_leak_sample_t *v, size_t n, uint64_t start, uint64_t end, fp_leak_verdict_t *out)
{
    const fp_line_t *l = v[0].line;
    uint64_t busy = atomic_load(&l->cpu_python_ns) + atomic_load(&l->cpu_native_ns) + atomic_load(&l->offcpu_ns);
    return fp_leakfit_judge(v, n, atomic_load(&l->alloc_bytes), busy, start, end, out);
}

static void write_leak(const fp_agent_t *a, fp_jsonw_t *w, const fp_line_t *l, const fp_leak_verdict_t *v)
{
    const fp_sites_t *s = &a->sites;
    const fp_file_t *f = &s->files[l->file];
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "path");
    fp_jsonw_string_n(w, fp_sites_str(s, f->path), f->path_len);
    fp_jsonw_key(w, "line");
    fp_jsonw_uint(w, l->line);
    fp_jsonw_key(w, "leaked_bytes");
    fp_jsonw_uint(w, v->bytes);
    fp_jsonw_key(w, "rate_bytes_per_s");
    fp_jsonw_double(w, v->rate);
    fp_jsonw_key(w, "confidence");
    fp_jsonw_double(w, v->confidence);
    fp_jsonw_end_object(w);
}

void fp_leaks_write(const fp_agent_t *a, fp_jsonw_t *w)
{
    fp_jsonw_key(w, FP_FRAG_LEAKS);
    fp_jsonw_begin_array(w);
    fp_alloc_visit_live_fn visit = (fp_alloc_visit_live_fn)fp_interposer_sym(&a->interposer, FP_ALLOC_VISIT_LIVE);
    if (!a->config.leaks || !fp_memory_active(&a->memory) || !visit) {
        fp_jsonw_end_array(w);
        return;
    }
    samples_t s = {.since_ns = a->tables_since_ns};
    visit(collect, &s);
    if (s.n > 1)
        qsort(s.v, s.n, sizeof *s.v, by_line_then_time);
    uint64_t end = a->end_mono_ns ? a->end_mono_ns : fp_clock_ns(CLOCK_MONOTONIC);
    for (size_t i = 0; i < s.n && !s.failed;) {
        size_t j = i;
        while (j < s.n && s.v[j].line == s.v[i].line)
            j++;
        fp_leak_verdict_t v;
        if (judge_line(s.v + i, j - i, a->start_mono_ns, end, &v))
            write_leak(a, w, s.v[i].line, &v);
        i = j;
    }
    free(s.v);
    fp_jsonw_end_array(w);
}
