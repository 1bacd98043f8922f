/* leaks.c: likely leaks (see leaks.h). */
#include "leaks.h"

#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/alloc_api.h"
#include "../common/fragment_format.h"
#include "agent.h"
#include "memory.h"

enum {
    MIN_SAMPLES = 10,          /* fewer live samples than this: too little to tell */
    MIN_LEAK_BYTES = 1000000,  /* smaller growth is not reported */
};

#define MIN_LIVE_FRACTION 0.75 /* of what the line allocated, still live at the end */
#define MIN_SPAN 0.25          /* growth over at least this share of the run... */
#define MAX_IDLE 0.75          /* ...and still growing at the end: it stopped for at most this
                                  share of the time it grew (a cache that filled has stopped) */
#define MIN_STEADINESS 0.85    /* R^2 of live bytes against time */
#define MAX_BUSY 0.7           /* the line itself ran at most this share of its growth */

typedef struct sample {
    fp_line_t *line;
    uint64_t weight, t_ns;
} sample_t;

typedef struct samples {
    sample_t *v;
    size_t n, cap;
    bool failed;
    uint64_t since_ns; /* older samples point into an earlier start's tables */
} samples_t;

static void collect(void *site, uint64_t weight, uint64_t t_ns, void *ctx)
{
    samples_t *s = ctx;
    if (!site || s->failed || t_ns < s->since_ns)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        sample_t *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->failed = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (sample_t){site, weight, t_ns};
}

static int by_line_then_time(const void *a, const void *b)
{
    const sample_t *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->t_ns > y->t_ns) - (x->t_ns < y->t_ns);
}

typedef struct verdict {
    double confidence, rate;
    uint64_t bytes;
} verdict_t;

/* Least squares of the line's live bytes (cumulative) against time:
 * the slope is its growth rate, R^2 how steady that growth was. */
static double fit(const sample_t *v, size_t n, double *slope)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, cum = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (double)(v[i].t_ns - v[0].t_ns) / 1e9;
        cum += (double)v[i].weight;
        sx += x, sy += cum, sxx += x * x, sxy += x * cum, syy += cum * cum;
    }
    double dn = (double)n, vx = sxx - sx * sx / dn, vy = syy - sy * sy / dn, cxy = sxy - sx * sy / dn;
    if (vx <= 0 || vy <= 0)
        return *slope = 0, 0;
    *slope = cxy / vx;
    return cxy * cxy / (vx * vy);
}

/* Judges one line from its live samples V (sorted by time). */
static bool judge(const sample_t *v, size_t n, uint64_t start, uint64_t end, verdict_t *out)
{
    if (n < MIN_SAMPLES || end <= start)
        return false;
    const fp_line_t *l = v[0].line;
    uint64_t live = 0;
    for (size_t i = 0; i < n; i++)
        live += v[i].weight;
    double run = (double)(end - start);
    double span = (double)(v[n - 1].t_ns - v[0].t_ns), idle = (double)(end - v[n - 1].t_ns);
    uint64_t made = atomic_load(&l->alloc_bytes);
    double live_fraction = (double)live / (double)(made > live ? made : live);
    double busy = (double)(atomic_load(&l->cpu_python_ns) + atomic_load(&l->cpu_native_ns) + atomic_load(&l->offcpu_ns));
    double slope;
    double steadiness = fit(v, n, &slope);
    if (live < MIN_LEAK_BYTES || live_fraction < MIN_LIVE_FRACTION || span < MIN_SPAN * run ||
        idle > MAX_IDLE * span || steadiness < MIN_STEADINESS || busy > MAX_BUSY * span)
        return false;
    out->bytes = live;
    out->rate = slope;
    out->confidence = live_fraction * steadiness * (1 - exp(-(double)n / 20));
    return true;
}

static void write_leak(const fp_agent_t *a, fp_jsonw_t *w, const fp_line_t *l, const verdict_t *v)
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
    fp_alloc_visit_live_fn visit = (fp_alloc_visit_live_fn)dlsym(RTLD_DEFAULT, FP_ALLOC_VISIT_LIVE);
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
        verdict_t v;
        if (judge(s.v + i, j - i, a->start_mono_ns, end, &v))
            write_leak(a, w, s.v[i].line, &v);
        i = j;
    }
    free(s.v);
    fp_jsonw_end_array(w);
}
