/* sweepsum.c: a sweep's summary, sweep.json, and its terminal tables
 * (see sweep.h and docs/sweep-format.md).
 *
 * Everything is read back from the runs' profiles. A configuration's
 * figures are the medians of its runs. Fits use every run of every ok
 * configuration as a point; in a grid, the configurations that share the
 * other parameters' values form a group (fit.h), so an exponent says how
 * a figure grows with one parameter, the others held. The whole run's
 * figures are its peak (kernel high-water mark), exact bytes allocated
 * and wall time; a function's are what it held at the peak, allocated,
 * and its time (CPU and off-CPU); imports count as a phase of their own
 * (the program's own imports, with what they imported). */
#include "sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "textfmt.h"
#include "util.h"

static const char *const figures[] = {"peak_bytes", "alloc_bytes", "time_s", "cpu_s"};
enum { NFIG = 4, FIG_PEAK = 0, FIG_ALLOC = 1, FIG_TIME = 2, FIG_CPU = 3 };

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* A figure of the whole run (TARGET "<run>"), the imports ("<imports>"),
 * or of the function NAME in FILE; 0 when absent. */
static double run_figure(json_t *p, int fig)
{
    json_t *mem = json_object_get(p, "memory");
    if (fig == FIG_CPU)
        return num(p, "cpu_s");
    return fig == FIG_PEAK ? num(mem, "peak_bytes") : fig == FIG_ALLOC ? num(mem, "alloc_bytes") : num(p, "elapsed_s");
}

/* A line's Python and native time include the time its thread waited for
 * a CPU, which a busy machine inflates; the run's cpu_s (since the agent
 * started) does not. A function's CPU time is its share of the sampled
 * on-CPU time, times cpu_s: this factor. */
static double cpu_factor(json_t *p)
{
    double sampled = 0;
    size_t i, j;
    json_t *f, *l, *other = json_object_get(p, "unattributed");
    json_array_foreach(json_object_get(p, "files"), i, f)
        json_array_foreach(json_object_get(f, "lines"), j, l)
            sampled += num(l, "cpu_python_s") + num(l, "cpu_native_s");
    sampled += num(other, "cpu_python_s") + num(other, "cpu_native_s");
    return sampled > 0 ? fmin(1, num(p, "cpu_s") / sampled) : 0;
}

static double imports_figure(json_t *p, int fig)
{
    double sum = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(p, "imports"), i, e)
        if (json_is_null(json_object_get(e, "parent")))
            sum += fig == FIG_TIME ? num(e, "total_time_s") : fig == FIG_ALLOC ? num(e, "total_alloc_bytes") : 0;
    return sum;
}

static double fn_time(json_t *fn) { return num(fn, "cpu_python_s") + num(fn, "cpu_native_s") + num(fn, "system_s"); }

static double function_figure(json_t *p, const char *file, const char *name, int fig)
{
    size_t i, j;
    json_t *f, *fn;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        if (strcmp(json_string_value(json_object_get(f, "path")), file) != 0)
            continue;
        json_array_foreach(json_object_get(f, "functions"), j, fn) {
            if (strcmp(json_string_value(json_object_get(fn, "name")), name) != 0)
                continue;
            if (fig == FIG_CPU)
                return (num(fn, "cpu_python_s") + num(fn, "cpu_native_s")) * cpu_factor(p);
            return fig == FIG_TIME ? fn_time(fn) : num(fn, figures[fig]);
        }
    }
    return 0;
}

/* A target: the run, the imports, or a function (FILE and NAME). */
typedef struct target {
    const char *name;
    const char *file; /* NULL for "<run>" and "<imports>" */
} target_t;

static double figure_of(json_t *p, const target_t *t, int fig)
{
    if (!t->file)
        return strcmp(t->name, "<run>") == 0 ? run_figure(p, fig) : imports_figure(p, fig);
    return function_figure(p, t->file, t->name, fig);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the figure over C's runs that left a profile; NAN if none. */
static double median_figure(const fp_sweep_config_t *c, const target_t *t, int fig)
{
    double v[128];
    int n = 0;
    for (int r = 0; r < c->nruns && n < 128; r++)
        if (c->profiles[r])
            v[n++] = figure_of(c->profiles[r], t, fig);
    if (n == 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static json_t *number_or_null(double v, bool bytes)
{
    if (!isfinite(v))
        return json_null();
    return bytes ? json_integer((json_int_t)llround(v)) : json_real(v);
}

static json_t *param_value(const fp_sweep_param_t *p, int vi)
{
    if (p->numeric && p->num[vi] == floor(p->num[vi]) && fabs(p->num[vi]) < 9e15)
        return json_integer((json_int_t)p->num[vi]);
    return p->numeric ? json_real(p->num[vi]) : json_string(p->values[vi]);
}

static json_t *config_params(const fp_sweep_t *s, const fp_sweep_config_t *c, int skip)
{
    json_t *o = json_object();
    for (int k = 0; k < s->nparams; k++)
        if (k != skip)
            json_object_set_new(o, s->params[k].name, param_value(&s->params[k], c->vi[k]));
    return o;
}

enum { MAX_TARGETS = 2 + 3 * FP_SWEEP_TOP_FUNCTIONS, PER_FIGURE = 4 };

typedef struct fn_row {
    const char *file, *name;
    double f[NFIG];
} fn_row_t;

static int sort_fig;
static int by_fig_desc(const void *a, const void *b)
{
    double x = ((const fn_row_t *)a)->f[sort_fig], y = ((const fn_row_t *)b)->f[sort_fig];
    return (x < y) - (x > y);
}

static void add_target(target_t *t, int *n, const char *file, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (t[i].file && strcmp(t[i].file, file) == 0 && strcmp(t[i].name, name) == 0)
            return;
    if (*n < MAX_TARGETS)
        t[(*n)++] = (target_t){.name = name, .file = file};
}

/* Adds the functions of P that lead one figure (the top PER_FIGURE). */
static void add_leaders(json_t *p, target_t *t, int *n)
{
    size_t i, j, count = 0;
    json_t *f, *fn;
    json_array_foreach(json_object_get(p, "files"), i, f)
        count += json_array_size(json_object_get(f, "functions"));
    fn_row_t *rows = fp_xcalloc(count + 1, sizeof *rows);
    count = 0;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        json_array_foreach(json_object_get(f, "functions"), j, fn) {
            fn_row_t *r = &rows[count++];
            r->file = json_string_value(json_object_get(f, "path"));
            r->name = json_string_value(json_object_get(fn, "name"));
            r->f[FIG_PEAK] = num(fn, "peak_bytes"), r->f[FIG_ALLOC] = num(fn, "alloc_bytes"), r->f[FIG_TIME] = fn_time(fn);
        }
    }
    for (sort_fig = 0; sort_fig <= FIG_TIME; sort_fig++) {
        qsort(rows, count, sizeof *rows, by_fig_desc);
        for (size_t k = 0; k < count && k < PER_FIGURE && rows[k].f[sort_fig] > 0; k++)
            add_target(t, n, rows[k].file, rows[k].name);
    }
    free(rows);
}

/* The whole run, the imports, then the functions that lead a figure in
 * some run. Strings are borrowed from the profiles. */
static int list_targets(const fp_sweep_t *s, target_t *t)
{
    int n = 0;
    t[n++] = (target_t){.name = "<run>"};
    t[n++] = (target_t){.name = "<imports>"};
    for (int i = 0; i < s->nconfigs; i++)
        for (int r = 0; r < s->configs[i].nruns; r++)
            if (s->configs[i].profiles[r])
                add_leaders(s->configs[i].profiles[r], t, &n);
    return n;
}

static json_t *string_list(char **v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i] ? v[i] : ""));
    return a;
}

static json_t *config_json(const fp_sweep_t *s, const fp_sweep_config_t *c, const target_t *t, int nt)
{
    json_t *o = json_object(), *fns = json_array(), *codes = json_array();
    json_object_set_new(o, "params", config_params(s, c, -1));
    json_object_set_new(o, "status", json_string(c->status));
    json_object_set_new(o, "profiles", string_list(c->files, c->nruns));
    for (int r = 0; r < c->nruns; r++)
        json_array_append_new(codes, json_integer(c->exit_codes[r]));
    json_object_set_new(o, "exit_codes", codes);
    json_object_set_new(o, "report", c->html ? json_string(c->html) : json_null());
    json_object_set_new(o, "peak_bytes", number_or_null(median_figure(c, &t[0], FIG_PEAK), true));
    json_object_set_new(o, "alloc_bytes", number_or_null(median_figure(c, &t[0], FIG_ALLOC), true));
    json_object_set_new(o, "elapsed_s", number_or_null(median_figure(c, &t[0], FIG_TIME), false));
    double cpu[128];
    int n = 0;
    for (int r = 0; r < c->nruns && n < 128; r++)
        if (c->profiles[r])
            cpu[n++] = num(c->profiles[r], "cpu_s");
    qsort(cpu, (size_t)n, sizeof *cpu, cmp_double);
    json_object_set_new(o, "cpu_s", n ? json_real(n % 2 ? cpu[n / 2] : (cpu[n / 2 - 1] + cpu[n / 2]) / 2) : json_null());
    json_object_set_new(o, "imports", json_pack("{s:o, s:o}", "time_s", number_or_null(median_figure(c, &t[1], FIG_TIME), false),
                                                "alloc_bytes", number_or_null(median_figure(c, &t[1], FIG_ALLOC), true)));
    for (int i = 2; i < nt; i++) {
        json_t *fn = json_pack("{s:s, s:s}", "name", t[i].name, "file", t[i].file);
        json_object_set_new(fn, "peak_bytes", number_or_null(median_figure(c, &t[i], FIG_PEAK), true));
        json_object_set_new(fn, "alloc_bytes", number_or_null(median_figure(c, &t[i], FIG_ALLOC), true));
        json_object_set_new(fn, "time_s", number_or_null(median_figure(c, &t[i], FIG_TIME), false));
        json_object_set_new(fn, "cpu_s", number_or_null(median_figure(c, &t[i], FIG_CPU), false));
        json_array_append_new(fns, fn);
    }
    json_object_set_new(o, "functions", fns);
    return o;
}

/* The group of configuration C when fitting parameter P: the index of the
 * other parameters' values (one group for --zip). */
static int group_of(const fp_sweep_t *s, const fp_sweep_config_t *c, int p, int *ngroups)
{
    int g = 0, n = 1;
    for (int k = 0; !s->zip && k < s->nparams; k++) {
        if (k == p)
            continue;
        g += c->vi[k] * n;
        n *= s->params[k].nvalues;
    }
    *ngroups = n;
    return g;
}

/* Fits figure FIG of T against parameter P: one point per ok
 * configuration, the median of its runs (a run slowed by a busy machine
 * does not pull the fit). */
static int fit_one(const fp_sweep_t *s, const target_t *t, int fig, int p, fp_fit_t *fit)
{
    fp_fit_point_t *pts = fp_xcalloc((size_t)s->nconfigs + 1, sizeof *pts);
    size_t n = 0;
    int ngroups = 1;
    for (int i = 0; i < s->nconfigs; i++) {
        const fp_sweep_config_t *c = &s->configs[i];
        if (!c->status || strcmp(c->status, "ok") != 0)
            continue;
        int g = group_of(s, c, p, &ngroups);
        double y = median_figure(c, t, fig);
        if (isfinite(y))
            pts[n++] = (fp_fit_point_t){.x = s->params[p].num[c->vi[p]], .y = y, .group = g};
    }
    group_of(s, &s->configs[0], p, &ngroups);
    int rc = fp_fit_power(fit, pts, n, ngroups);
    free(pts);
    return rc;
}

static json_t *fit_json(const target_t *t, int fig, const char *param, const fp_fit_t *fit)
{
    json_t *o = json_pack("{s:s}", "target", t->name);
    json_object_set_new(o, "file", t->file ? json_string(t->file) : json_null());
    json_object_set_new(o, "figure", json_string(figures[fig]));
    json_object_set_new(o, "parameter", json_string(param));
    json_object_set_new(o, "exponent", json_real(fit->k));
    json_object_set_new(o, "r2", json_real(fit->r2));
    json_object_set_new(o, "points", json_integer(fit->n));
    json_object_set_new(o, "sizes", json_integer(fit->sizes));
    json_object_set_new(o, "superlinear", json_boolean(fp_fit_superlinear(fit)));
    return o;
}

static json_t *all_fits(const fp_sweep_t *s, const target_t *t, int nt)
{
    json_t *fits = json_array();
    for (int p = 0; p < s->nparams; p++) {
        if (!s->params[p].fittable)
            continue;
        for (int i = 0; i < nt; i++) {
            for (int fig = 0; fig < NFIG; fig++) {
                fp_fit_t fit;
                if ((i == 1 && (fig == FIG_PEAK || fig == FIG_CPU)) || fit_one(s, &t[i], fig, p, &fit) != 0)
                    continue;
                if (isfinite(fit.k))
                    json_array_append_new(fits, fit_json(&t[i], fig, s->params[p].name, &fit));
                fp_fit_free(&fit);
            }
        }
    }
    return fits;
}

/* The predictions of one --predict for target T, per group. */
static void predict_one(const fp_sweep_t *s, const fp_sweep_predict_t *pr, const target_t *t, json_t *out)
{
    int p = pr->param;
    for (int fig = 0; fig < NFIG; fig++) {
        fp_fit_t fit;
        if ((!t->file && strcmp(t->name, "<imports>") == 0 && (fig == FIG_PEAK || fig == FIG_CPU)) ||
            fit_one(s, t, fig, p, &fit) != 0)
            continue;
        bool *done = fp_xcalloc((size_t)fit.ngroups + 1, sizeof *done);
        for (int i = 0; i < s->nconfigs; i++) {
            int ng, g = group_of(s, &s->configs[i], p, &ng);
            double y, lo, hi;
            if (done[g] || fp_fit_predict(&fit, g, pr->value, &y, &lo, &hi) != 0)
                continue;
            done[g] = true;
            json_t *o = json_pack("{s:s, s:f}", "parameter", s->params[p].name, "value", pr->value);
            /* with --zip the other parameters move along: no values to hold */
            json_object_set_new(o, "params", s->zip ? json_object() : config_params(s, &s->configs[i], p));
            json_object_set_new(o, "target", json_string(t->name));
            json_object_set_new(o, "file", t->file ? json_string(t->file) : json_null());
            json_object_set_new(o, "figure", json_string(figures[fig]));
            bool bytes = fig == FIG_PEAK || fig == FIG_ALLOC;
            json_object_set_new(o, "estimate", number_or_null(y, bytes));
            json_object_set_new(o, "low", number_or_null(lo, bytes));
            json_object_set_new(o, "high", number_or_null(hi, bytes));
            json_object_set_new(o, "exponent", json_real(fit.k));
            json_array_append_new(out, o);
        }
        free(done);
        fp_fit_free(&fit);
    }
}

json_t *fp_sweep_summary(const fp_sweep_t *s)
{
    target_t t[MAX_TARGETS];
    int nt = list_targets(s, t);
    json_t *d = json_pack("{s:s, s:i, s:s}", "format", "footprint-sweep", "version", 1, "program", s->program);
    json_object_set_new(d, "command", string_list(s->command, s->ncommand));
    json_object_set_new(d, "mode", json_string(s->zip ? "zip" : "grid"));
    json_object_set_new(d, "runs", json_integer(s->runs));
    json_object_set_new(d, "max_peak_bytes", s->max_peak > 0 ? json_integer((json_int_t)s->max_peak) : json_null());
    json_object_set_new(d, "complete", json_boolean(s->complete));
    json_t *names = json_array(), *values = json_object(), *configs = json_array(), *preds = json_array();
    for (int k = 0; k < s->nparams; k++) {
        json_array_append_new(names, json_string(s->params[k].name));
        json_t *v = json_array();
        for (int i = 0; i < s->params[k].nvalues; i++)
            json_array_append_new(v, param_value(&s->params[k], i));
        json_object_set_new(values, s->params[k].name, v);
    }
    json_object_set_new(d, "parameters", names);
    json_object_set_new(d, "values", values);
    for (int i = 0; i < s->nconfigs; i++)
        if (s->configs[i].nruns > 0)
            json_array_append_new(configs, config_json(s, &s->configs[i], t, nt));
    json_object_set_new(d, "configs", configs);
    json_object_set_new(d, "fits", all_fits(s, t, nt));
    for (int k = 0; k < s->npredict; k++)
        for (int i = 0; i < nt; i++)
            predict_one(s, &s->predict[k], &t[i], preds);
    json_object_set_new(d, "predictions", preds);
    return d;
}

/* ---- the terminal tables ---- */

static void params_text(char *buf, size_t size, json_t *params)
{
    *buf = '\0';
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v) {
        char one[96];
        if (json_is_string(v))
            snprintf(one, sizeof one, "%s=%s", k, json_string_value(v));
        else
            snprintf(one, sizeof one, "%s=%.10g", k, json_number_value(v));
        if (strlen(buf) + strlen(one) + 2 < size)
            strcat(strcat(buf, *buf ? " " : ""), one);
    }
}

static void put_params(FILE *out, json_t *params, int cols)
{
    char buf[256];
    params_text(buf, sizeof buf, params);
    if (cols > 0)
        fp_put_padded(out, buf, cols);
    else
        fputs(buf, out);
}

static void fmt_time_or_dash(char *b, size_t n, json_t *v)
{
    if (json_is_number(v))
        fp_fmt_time(b, n, json_number_value(v));
    else
        snprintf(b, n, "-");
}

static void fmt_bytes_or_dash(char *b, size_t n, json_t *v)
{
    if (json_is_number(v))
        fp_fmt_bytes(b, n, json_number_value(v));
    else
        snprintf(b, n, "-");
}

static int by_peak_then_time(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double dx = num(x, "peak_bytes"), dy = num(y, "peak_bytes");
    if (dx != dy)
        return (dx < dy) - (dx > dy);
    dx = num(x, "time_s"), dy = num(y, "time_s");
    return (dx < dy) - (dx > dy);
}

/* A configuration's leading functions: what each held at the peak,
 * allocated, and its time. */
static void print_config_functions(FILE *out, json_t *c)
{
    json_t *fns = json_object_get(c, "functions");
    size_t n = json_array_size(fns), i;
    if (n == 0)
        return;
    json_t **rows = fp_xcalloc(n, sizeof *rows), *fn;
    json_array_foreach(fns, i, fn)
        rows[i] = fn;
    qsort(rows, n, sizeof *rows, by_peak_then_time);
    fprintf(out, "      %-34s %9s %9s %9s\n", "function", "at peak", "allocated", "time");
    for (i = 0; i < n && i < 5; i++) {
        char pk[16], al[16], tm[16];
        fmt_bytes_or_dash(pk, sizeof pk, json_object_get(rows[i], "peak_bytes"));
        fmt_bytes_or_dash(al, sizeof al, json_object_get(rows[i], "alloc_bytes"));
        fmt_time_or_dash(tm, sizeof tm, json_object_get(rows[i], "time_s"));
        fputs("      ", out);
        fp_put_padded(out, json_string_value(json_object_get(rows[i], "name")), 34);
        fprintf(out, " %9s %9s %9s\n", pk, al, tm);
    }
    free(rows);
}

static void print_configs(FILE *out, json_t *d)
{
    size_t i;
    json_t *c;
    fprintf(out, "\n  %-36s %-11s %8s %8s %8s %8s\n", "configuration", "status", "wall", "CPU", "peak", "imports");
    json_array_foreach(json_object_get(d, "configs"), i, c) {
        char el[16], cpu[16], pk[16], im[16];
        fmt_time_or_dash(el, sizeof el, json_object_get(c, "elapsed_s"));
        fmt_time_or_dash(cpu, sizeof cpu, json_object_get(c, "cpu_s"));
        fmt_bytes_or_dash(pk, sizeof pk, json_object_get(c, "peak_bytes"));
        fmt_time_or_dash(im, sizeof im, json_object_get(json_object_get(c, "imports"), "time_s"));
        fputs("  ", out);
        put_params(out, json_object_get(c, "params"), 36);
        fprintf(out, " %-11s %8s %8s %8s %8s\n", json_string_value(json_object_get(c, "status")), el, cpu, pk, im);
        print_config_functions(out, c);
    }
}

static void print_fits(FILE *out, json_t *d)
{
    json_t *fits = json_object_get(d, "fits");
    if (json_array_size(fits) == 0) {
        fprintf(out, "\n  no growth fitted: that takes a numeric parameter with at least %d sizes that ran ok\n",
                FP_FIT_MIN_SIZES);
        return;
    }
    fprintf(out, "\n  Growth (figure ~ size^k; R2: how well a power law fits)\n");
    fprintf(out, "  %-30s %-12s %-14s %6s %6s\n", "target", "figure", "parameter", "k", "R2");
    size_t i;
    json_t *f;
    json_array_foreach(fits, i, f) {
        fputs("  ", out);
        fp_put_padded(out, json_string_value(json_object_get(f, "target")), 30);
        fprintf(out, " %-12s ", json_string_value(json_object_get(f, "figure")));
        fp_put_padded(out, json_string_value(json_object_get(f, "parameter")), 14);
        fprintf(out, " %6.2f %6.3f%s\n", num(f, "exponent"), num(f, "r2"),
                json_is_true(json_object_get(f, "superlinear")) ? "  superlinear" : "");
    }
}

static void fmt_figure(char *b, size_t n, const char *figure, double v)
{
    if (strcmp(figure, "time_s") == 0 || strcmp(figure, "cpu_s") == 0)
        fp_fmt_time(b, n, v);
    else
        fp_fmt_bytes(b, n, v);
}

static void print_predictions(FILE *out, json_t *d)
{
    size_t i;
    json_t *p;
    bool first = true;
    json_array_foreach(json_object_get(d, "predictions"), i, p) {
        if (strcmp(json_string_value(json_object_get(p, "target")), "<run>") != 0)
            continue; /* the functions' are in sweep.json */
        if (first)
            fprintf(out, "\n  Predictions for the whole run (95%% intervals; functions' in sweep.json)\n");
        first = false;
        const char *fig = json_string_value(json_object_get(p, "figure"));
        char est[16], lo[16], hi[16];
        fmt_figure(est, sizeof est, fig, num(p, "estimate"));
        fmt_figure(lo, sizeof lo, fig, num(p, "low"));
        fmt_figure(hi, sizeof hi, fig, num(p, "high"));
        fprintf(out, "  at %s=%.10g ", json_string_value(json_object_get(p, "parameter")), num(p, "value"));
        if (json_object_size(json_object_get(p, "params")) > 0) {
            fputc('(', out);
            put_params(out, json_object_get(p, "params"), 0);
            fputs(") ", out);
        }
        const char *what = strcmp(fig, "peak_bytes") == 0    ? "peak"
                           : strcmp(fig, "alloc_bytes") == 0 ? "memory allocated"
                           : strcmp(fig, "cpu_s") == 0       ? "CPU time"
                                                             : "wall time";
        if (num(p, "high") > 100 * num(p, "estimate")) /* scatter too large for three or four sizes */
            fprintf(out, "the %s would be about %s, but the sizes fit a power law too loosely to bound it\n", what, est);
        else
            fprintf(out, "the %s would be about %s (%s to %s)\n", what, est, lo, hi);
    }
}

void fp_sweep_print(FILE *out, json_t *d)
{
    size_t n = json_array_size(json_object_get(d, "configs")), ok = 0, i;
    json_t *c;
    json_array_foreach(json_object_get(d, "configs"), i, c)
        ok += strcmp(json_string_value(json_object_get(c, "status")), "ok") == 0;
    fprintf(out, "\nfootprint sweep of %s: %zu configuration%s run, %zu ok%s\n",
            json_string_value(json_object_get(d, "program")), n, n == 1 ? "" : "s", ok,
            json_is_true(json_object_get(d, "complete")) ? "" : " (interrupted)");
    print_configs(out, d);
    print_fits(out, d);
    print_predictions(out, d);
    fflush(out);
}
