/* report.c: the terminal report (see report.h).
 *
 * A summary (time split, memory peak and timeline), then per profiled
 * file the lines that matter for time and for memory, what held memory
 * at the peak, and the functions. Every figure is read from the profile. */
#include "report.h"
#include "imports.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "figures.h"
#include "textfmt.h"
#include "util.h"

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define RESET "\033[0m"

enum { TOP_FUNCTIONS = 20, TOP_PEAK_LINES = 8, SPARK_COLS = 8, TIMELINE_COLS = 48 };

typedef struct row {
    const char *path;
    const char *label;  /* source text, or function name */
    int line;
    json_t *obj;
    double f[FP_FIG_COUNT];
} row_t;

/* Totals the thresholds are shares of. */
typedef struct totals {
    double time;        /* sampled time of the whole program, lines and the rest */
    double alloc, copy; /* over all lines */
    double peak;        /* memory.peak_bytes */
    bool memory;
    double gpu, gpu_alloc, gpu_peak; /* gpu_s and gpu_alloc_bytes over all lines; gpu.peak_bytes */
} totals_t;

typedef struct ctx {
    FILE *out;
    const fp_report_opts_t *o;
    totals_t t;
} ctx_t;

static const char *c_(const ctx_t *c, const char *code) { return c->o->color ? code : ""; }
static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

static double row_time(const row_t *r)
{
    return r->f[FP_FIG_CPU_PYTHON] + r->f[FP_FIG_CPU_NATIVE] + r->f[FP_FIG_SYSTEM];
}

static double threshold(const ctx_t *c) { return c->o->reduced ? FP_REPORT_REDUCED_SHARE : FP_REPORT_SHARE; }

static bool time_matters(const ctx_t *c, const row_t *r)
{
    return (c->t.time > 0 && row_time(r) >= threshold(c) * c->t.time) ||
           (c->t.gpu > 0 && r->f[FP_FIG_GPU] >= threshold(c) * c->t.gpu);
}

static bool gpu_memory_matters(const ctx_t *c, const row_t *r)
{
    double s = threshold(c);
    return (c->t.gpu_alloc > 0 && r->f[FP_FIG_GPU_ALLOC] >= s * c->t.gpu_alloc) ||
           (c->t.gpu_peak > 0 && r->f[FP_FIG_GPU_PEAK] >= s * c->t.gpu_peak);
}

static bool memory_matters(const ctx_t *c, const row_t *r)
{
    double s = threshold(c);
    return c->t.memory && ((c->t.alloc > 0 && r->f[FP_FIG_ALLOC] >= s * c->t.alloc) ||
                           (c->t.peak > 0 && r->f[FP_FIG_PEAK] >= s * c->t.peak) ||
                           (c->t.copy > 0 && r->f[FP_FIG_COPY] >= s * c->t.copy));
}

static const char *share_color(const ctx_t *c, double part, double whole)
{
    double p = whole > 0 ? part / whole : 0;
    return p >= 0.2 ? c_(c, RED BOLD) : p >= 0.05 ? c_(c, YELLOW) : "";
}

static void row_from(row_t *r, const char *path, json_t *o, const char *label_key, const char *line_key)
{
    r->path = path;
    r->obj = o;
    r->label = json_string_value(json_object_get(o, label_key));
    r->line = (int)json_integer_value(json_object_get(o, line_key));
    fp_fig_from_json(o, r->f);
}

/* ---- summary --------------------------------------------------------------- */

static void add_totals(ctx_t *c, json_t *p)
{
    size_t i, j;
    json_t *f, *l;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        json_array_foreach(json_object_get(f, "lines"), j, l) {
            c->t.time += num(l, "cpu_python_s") + num(l, "cpu_native_s") + num(l, "system_s");
            c->t.alloc += num(l, "alloc_bytes");
            c->t.copy += num(l, "copy_bytes");
            c->t.gpu += num(l, "gpu_s");
            c->t.gpu_alloc += num(l, "gpu_alloc_bytes");
        }
    }
    c->t.gpu_peak = num(json_object_get(p, "gpu"), "peak_bytes");
    json_t *other = json_object_get(p, "unattributed");
    c->t.time += num(other, "cpu_python_s") + num(other, "cpu_native_s") + num(other, "system_s");
    json_t *mem = json_object_get(p, "memory");
    c->t.memory = json_is_object(mem);
    c->t.peak = num(mem, "peak_bytes");
}

static void print_time_summary(ctx_t *c, json_t *p)
{
    double py = 0, nat = 0, sys = 0;
    size_t i, j;
    json_t *f, *l;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        json_array_foreach(json_object_get(f, "lines"), j, l) {
            py += num(l, "cpu_python_s");
            nat += num(l, "cpu_native_s");
            sys += num(l, "system_s");
        }
    }
    char el[32], cpu[32];
    fp_fmt_time(el, sizeof el, num(p, "elapsed_s"));
    fp_fmt_time(cpu, sizeof cpu, num(p, "cpu_s"));
    double lines = py + nat + sys;
    fprintf(c->out, "  elapsed %s, CPU %s", el, cpu);
    if (lines > 0)
        fprintf(c->out, "; time in lines: %sPython %.0f%%%s, %snative %.0f%%%s, %soff-CPU %.0f%%%s",
                c_(c, YELLOW), py / lines * 100, c_(c, RESET), c_(c, CYAN), nat / lines * 100, c_(c, RESET),
                c_(c, DIM), sys / lines * 100, c_(c, RESET));
    fputc('\n', c->out);
}

/* The footprint over time, as one sparkline across the run. */
static void print_timeline(ctx_t *c, json_t *mem)
{
    json_t *tl = json_object_get(mem, "timeline");
    size_t n = json_array_size(tl);
    double end = n ? json_number_value(json_array_get(json_array_get(tl, n - 1), 0)) : 0;
    if (n < 2 || end <= 0)
        return;
    double v[TIMELINE_COLS] = {0}, last[TIMELINE_COLS] = {0}, max = 0;
    bool seen[TIMELINE_COLS] = {false};
    size_t i;
    json_t *pt;
    json_array_foreach(tl, i, pt) {
        double t = json_number_value(json_array_get(pt, 0)), b = json_number_value(json_array_get(pt, 1));
        int col = (int)(t / end * (TIMELINE_COLS - 1) + 0.5);
        if (col >= 0 && col < TIMELINE_COLS && (b > v[col] || !seen[col])) {
            v[col] = b > v[col] ? b : v[col];
            seen[col] = true;
        }
        if (col >= 0 && col < TIMELINE_COLS)
            last[col] = b; /* points come in time order */
        if (b > max)
            max = b;
    }
    for (int k = 1; k < TIMELINE_COLS; k++) /* carry the level across columns no point fell in */
        if (!seen[k]) {
            v[k] = last[k - 1];
            last[k] = last[k - 1];
        }
    char top[16], span[16];
    fp_fmt_bytes(top, sizeof top, max);
    fp_fmt_time(span, sizeof span, end);
    fprintf(c->out, "  %s", c_(c, CYAN));
    fp_put_sparkline(c->out, v, TIMELINE_COLS, max, TIMELINE_COLS);
    fprintf(c->out, "%s  0 to %s, up to %s\n", c_(c, RESET), span, top);
}

static void print_memory_summary(ctx_t *c, json_t *p)
{
    json_t *mem = json_object_get(p, "memory");
    if (!json_is_object(mem))
        return;
    char peak[16], at[16], alloc[16], copy[16], own[16];
    fp_fmt_bytes(peak, sizeof peak, num(mem, "peak_bytes"));
    fp_fmt_time(at, sizeof at, num(mem, "peak_at_s"));
    fp_fmt_bytes(alloc, sizeof alloc, c->t.alloc);
    fp_fmt_bytes(copy, sizeof copy, c->t.copy);
    fp_fmt_bytes(own, sizeof own, num(mem, "profiler_bytes"));
    fprintf(c->out, "  memory: peak %s%s%s at %s; allocated %s, copied %s; profiler %s\n",
            c_(c, BOLD), peak, c_(c, RESET), at, alloc, copy, own);
    print_timeline(c, mem);
    double mean = num(json_object_get(p, "sampling"), "alloc_mean_bytes");
    if (mean > 0) {
        char every[16];
        fp_fmt_bytes(every, sizeof every, mean);
        fprintf(c->out, "  %sallocations sampled every %s: a line's 10MB is within %.0f%%, 100MB %.0f%% (95%%)%s\n",
                c_(c, DIM), every, 200 * sqrt(mean / 1e7), 200 * sqrt(mean / 1e8), c_(c, RESET));
    }
}

/* A note, word-wrapped to the report's width. */
static void print_wrapped(ctx_t *c, const char *text)
{
    int col = 0, limit = c->o->width - 4;
    fprintf(c->out, "  %s", c_(c, YELLOW));
    for (const char *w = text ? text : ""; *w;) {
        size_t n = strcspn(w, " ");
        if (col > 0 && col + 1 + (int)n > limit) {
            fputs("\n    ", c->out);
            col = 2;
        } else if (col > 0) {
            fputc(' ', c->out);
            col++;
        }
        fwrite(w, 1, n, c->out);
        col += (int)n;
        w += n;
        while (*w == ' ')
            w++;
    }
    fprintf(c->out, "%s\n", c_(c, RESET));
}

/* The GPU in one line (or "no NVIDIA GPU"), its memory over time, and
 * why any figure is device-wide or missing. */
static void print_gpu_summary(ctx_t *c, json_t *p)
{
    json_t *gpu = json_object_get(p, "gpu");
    if (!json_is_object(gpu)) {
        fprintf(c->out, "  %sno NVIDIA GPU%s\n", c_(c, DIM), c_(c, RESET));
        return;
    }
    char t[16], peak[16], at[16], names[160] = "";
    fp_fmt_time(t, sizeof t, c->t.gpu);
    fp_fmt_bytes(peak, sizeof peak, num(gpu, "peak_bytes"));
    fp_fmt_time(at, sizeof at, num(gpu, "peak_time_s"));
    size_t i, used = 0;
    json_t *d;
    json_array_foreach(json_object_get(gpu, "devices"), i, d) {
        const char *name = json_string_value(json_object_get(d, "name"));
        if (json_is_true(json_object_get(d, "used")) && name && strlen(names) + strlen(name) + 3 < sizeof names)
            strcat(strcat(names, used++ ? ", " : " on "), name);
    }
    fprintf(c->out, "  GPU: time in lines %s%s%s, memory peak %s%s%s at %s%s\n", c_(c, BOLD), t, c_(c, RESET),
            c_(c, BOLD), peak, c_(c, RESET), at, used ? names : " (not used)");
    if (num(gpu, "peak_bytes") > 0)
        print_timeline(c, gpu);
    json_array_foreach(json_object_get(gpu, "notes"), i, d)
        print_wrapped(c, json_string_value(d));
}

static void print_summary(ctx_t *c, json_t *p)
{
    FILE *out = c->out;
    const char *program = json_string_value(json_object_get(p, "program"));
    char code[32];
    snprintf(code, sizeof code, "  exit %lld", (long long)json_integer_value(json_object_get(p, "exit_code")));
    fprintf(out, "%sfootprint%s %s", c_(c, BOLD), c_(c, RESET), c_(c, BOLD));
    fp_put_clipped(out, program ? program : "?", c->o->width - 10 - (int)strlen(code));
    fprintf(out, "%s%s\n", c_(c, RESET), code);
    print_time_summary(c, p);
    print_memory_summary(c, p);
    print_gpu_summary(c, p);
    size_t nproc = json_array_size(json_object_get(p, "processes"));
    json_t *other = json_object_get(p, "unattributed");
    char rest[32];
    fp_fmt_time(rest, sizeof rest, num(other, "cpu_python_s") + num(other, "cpu_native_s") + num(other, "system_s"));
    fprintf(out, "  %zu process%s; time outside profiled files: %s; sampling every %.0f ms\n", nproc ? nproc : 1,
            nproc > 1 ? "es" : "", rest, num(json_object_get(p, "sampling"), "cpu_interval_s") * 1000);
    if (json_is_false(json_object_get(p, "complete")))
        fprintf(out, "  %sincomplete: the process ended abruptly; figures are from its last snapshot%s\n",
                c_(c, YELLOW), c_(c, RESET));
}

/* ---- per file ---------------------------------------------------------------- */

static void time_columns(ctx_t *c, const row_t *r)
{
    char a[16], b[16], s[16], t[16], pct[16];
    fp_fmt_time(a, sizeof a, r->f[FP_FIG_CPU_PYTHON]);
    fp_fmt_time(b, sizeof b, r->f[FP_FIG_CPU_NATIVE]);
    fp_fmt_time(s, sizeof s, r->f[FP_FIG_SYSTEM]);
    fp_fmt_time(t, sizeof t, row_time(r));
    fp_fmt_pct(pct, sizeof pct, row_time(r), c->t.time);
    fprintf(c->out, "%7s %7s %7s %7s %s%6s%s", a, b, s, t, share_color(c, row_time(r), c->t.time), pct,
            c_(c, RESET));
    if (c->t.gpu > 0) { /* a GPU column only when there is GPU time */
        fp_fmt_time(t, sizeof t, r->f[FP_FIG_GPU]);
        fprintf(c->out, " %s%7s%s", share_color(c, r->f[FP_FIG_GPU], c->t.gpu), t, c_(c, RESET));
    }
}

static void gpu_memory_columns(ctx_t *c, const row_t *r)
{
    char a[16], p[16];
    fp_fmt_bytes(a, sizeof a, r->f[FP_FIG_GPU_ALLOC]);
    fp_fmt_bytes(p, sizeof p, r->f[FP_FIG_GPU_PEAK]);
    fprintf(c->out, "%10s %s%11s%s", a, share_color(c, r->f[FP_FIG_GPU_PEAK], c->t.gpu_peak), p, c_(c, RESET));
}

static void memory_columns(ctx_t *c, const row_t *r)
{
    char a[16], p[16], k[16];
    fp_fmt_bytes(a, sizeof a, r->f[FP_FIG_ALLOC]);
    fp_fmt_bytes(p, sizeof p, r->f[FP_FIG_PEAK]);
    fp_fmt_bytes(k, sizeof k, r->f[FP_FIG_COPY]);
    fprintf(c->out, "%8s %s%8s%s %8s", a, share_color(c, r->f[FP_FIG_PEAK], c->t.peak), p, c_(c, RESET), k);
}

/* The line's live memory over the run, when the profile has it. */
static void line_sparkline(ctx_t *c, const row_t *r)
{
    json_t *tl = json_object_get(r->obj, "memory_timeline");
    size_t n = json_array_size(tl);
    if (n == 0) {
        fprintf(c->out, "%*s", SPARK_COLS, "");
        return;
    }
    double v[256], max = 0;
    if (n > 256)
        n = 256;
    for (size_t i = 0; i < n; i++) {
        v[i] = json_number_value(json_array_get(tl, i));
        if (v[i] > max)
            max = v[i];
    }
    fputs(c_(c, CYAN), c->out);
    fp_put_sparkline(c->out, v, n, max, SPARK_COLS);
    fputs(c_(c, RESET), c->out);
}

static void print_file_header(ctx_t *c, const char *path, bool *printed)
{
    if (*printed)
        return;
    fprintf(c->out, "\n%s", c_(c, BOLD));
    fp_put_clipped_left(c->out, path ? path : "?", c->o->width);
    fprintf(c->out, "%s\n", c_(c, RESET));
    *printed = true;
}

/* One table of a file's lines: the ones that MATTER, each with its
 * COLUMNS (and its memory history where SPARKLINE), then its source in
 * what is left of the width after USED columns. */
typedef struct line_table {
    const char *heads;
    bool (*matters)(const ctx_t *, const row_t *);
    void (*columns)(ctx_t *, const row_t *);
    bool sparkline;
    int used;
} line_table_t;

static void print_line_table(ctx_t *c, const char *path, json_t *lines, bool *header, const line_table_t *t)
{
    bool head = false, gpu = t->columns == time_columns && c->t.gpu > 0;
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        row_t r;
        row_from(&r, path, l, "source", "line");
        if (!t->matters(c, &r))
            continue;
        print_file_header(c, path, header);
        if (!head)
            fprintf(c->out, "%s  line %s%s  source%s\n", c_(c, DIM), t->heads, gpu ? "     GPU" : "", c_(c, RESET));
        head = true;
        fprintf(c->out, "%6d ", r.line);
        t->columns(c, &r);
        fputs("  ", c->out);
        if (t->sparkline) {
            line_sparkline(c, &r);
            fputs("  ", c->out);
        }
        fp_put_clipped(c->out, r.label ? r.label : "", c->o->width - t->used - (gpu ? 8 : 0));
        fputc('\n', c->out);
    }
}

static void print_file(ctx_t *c, json_t *file)
{
    static const line_table_t by_time = {" Python  native off-CPU   total  share", time_matters, time_columns, false, 48};
    /* the GPU memory a line grew or held at its peak */
    static const line_table_t by_gpu = {" GPU alloc  GPU at peak", gpu_memory_matters, gpu_memory_columns, false, 32};
    /* "memory" padded to the sparkline's SPARK_COLS */
    static const line_table_t by_memory = {"allocated  at peak   copied  memory  ", memory_matters, memory_columns,
                                           true, 45};
    const char *path = json_string_value(json_object_get(file, "path"));
    json_t *lines = json_object_get(file, "lines");
    bool header = false;
    print_line_table(c, path, lines, &header, &by_time);
    print_line_table(c, path, lines, &header, &by_gpu);
    print_line_table(c, path, lines, &header, &by_memory);
}

/* ---- across files --------------------------------------------------------- */

typedef int (*row_order_t)(const void *, const void *);

/* Every line (FUNCTIONS false) or function of the profile, in ORDER. */
static row_t *collect(json_t *p, bool functions, row_order_t order, size_t *count)
{
    size_t n = 0, cap = 64;
    row_t *rows = fp_xmalloc(cap * sizeof *rows);
    size_t i, j;
    json_t *f, *o;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        json_array_foreach(json_object_get(f, functions ? "functions" : "lines"), j, o) {
            if (n == cap)
                rows = fp_xrealloc(rows, (cap *= 2) * sizeof *rows);
            row_from(&rows[n++], path, o, functions ? "name" : "source", "line");
        }
    }
    if (n > 1)
        qsort(rows, n, sizeof *rows, order);
    *count = n;
    return rows;
}

static int by_time_desc(const void *a, const void *b)
{
    double x = row_time(a), y = row_time(b);
    if (x != y)
        return x > y ? -1 : 1;
    return ((const row_t *)a)->line - ((const row_t *)b)->line;
}

static int by_peak_desc(const void *a, const void *b)
{
    double x = ((const row_t *)a)->f[FP_FIG_PEAK], y = ((const row_t *)b)->f[FP_FIG_PEAK];
    if (x != y)
        return x > y ? -1 : 1;
    return ((const row_t *)a)->line - ((const row_t *)b)->line;
}

static int by_memory_desc(const void *a, const void *b)
{
    const row_t *x = a, *y = b;
    double mx = x->f[FP_FIG_ALLOC] + x->f[FP_FIG_PEAK], my = y->f[FP_FIG_ALLOC] + y->f[FP_FIG_PEAK];
    if (mx != my)
        return mx > my ? -1 : 1;
    return x->line - y->line;
}

static void put_where(ctx_t *c, const row_t *r, int cols)
{
    const char *base = r->path ? strrchr(r->path, '/') : NULL;
    base = base ? base + 1 : (r->path ? r->path : "?");
    char where[64];
    snprintf(where, sizeof where, "%s:%d", base, r->line);
    fp_put_padded(c->out, where, cols);
}

static void print_peak_holders(ctx_t *c, json_t *p)
{
    if (!c->t.memory || c->t.peak <= 0)
        return;
    size_t n;
    row_t *rows = collect(p, false, by_peak_desc, &n);
    /* with several processes, each line's figure is at its own process's
     * peak: the shares are of their sum when that is larger */
    double whole = c->t.peak;
    double sum = 0;
    for (size_t k = 0; k < n; k++)
        sum += rows[k].f[FP_FIG_PEAK];
    if (sum > whole)
        whole = sum;
    bool head = false;
    for (size_t k = 0; k < n && k < TOP_PEAK_LINES && rows[k].f[FP_FIG_PEAK] >= threshold(c) * whole; k++) {
        if (!head) {
            char peak[16], at[16];
            fp_fmt_bytes(peak, sizeof peak, c->t.peak);
            fp_fmt_time(at, sizeof at, num(json_object_get(p, "memory"), "peak_at_s"));
            fprintf(c->out, "\n%sAt the peak%s (%s at %s), memory was held by\n", c_(c, BOLD), c_(c, RESET), peak, at);
            head = true;
        }
        char b[16], pct[16];
        fp_fmt_bytes(b, sizeof b, rows[k].f[FP_FIG_PEAK]);
        fp_fmt_pct(pct, sizeof pct, rows[k].f[FP_FIG_PEAK], whole);
        fputc(' ', c->out);
        put_where(c, &rows[k], 20);
        fprintf(c->out, "%8s %6s  ", b, pct);
        fp_put_clipped(c->out, rows[k].label ? rows[k].label : "", c->o->width - 38);
        fputc('\n', c->out);
    }
    free(rows);
}

/* One table of functions: the ones that MATTER, in the rows' order, at
 * most TOP_FUNCTIONS, with COLUMNS after their name and place. */
typedef struct fn_table {
    const char *title, *heads;
    bool (*matters)(const ctx_t *, const row_t *);
    void (*columns)(ctx_t *, const row_t *);
} fn_table_t;

static void print_function_table(ctx_t *c, const row_t *rows, size_t n, const fn_table_t *t)
{
    enum { NAME_W = 24, WHERE_W = 17 };
    bool head = false;
    for (size_t k = 0, shown = 0; k < n && shown < TOP_FUNCTIONS; k++) {
        if (!t->matters(c, &rows[k]))
            continue;
        if (!head)
            fprintf(c->out, "\n%sFunctions%s, %s\n%s %-*s %-*s%s%s%s\n", c_(c, BOLD), c_(c, RESET), t->title,
                    c_(c, DIM), NAME_W, "function", WHERE_W - 1, "where", t->heads,
                    t->columns == time_columns && c->t.gpu > 0 ? "     GPU" : "", c_(c, RESET));
        head = true;
        fputc(' ', c->out);
        fp_put_padded(c->out, rows[k].label ? rows[k].label : "?", NAME_W);
        fputc(' ', c->out);
        put_where(c, &rows[k], WHERE_W - 1);
        t->columns(c, &rows[k]);
        fputc('\n', c->out);
        shown++;
    }
}

static void print_functions(ctx_t *c, json_t *p)
{
    static const fn_table_t by_time = {"by time (the sum of their lines)",
                                       " Python  native off-CPU   total  share", time_matters, time_columns};
    static const fn_table_t by_memory = {"by memory", " allocated  at peak   copied", memory_matters,
                                         memory_columns};
    size_t n;
    row_t *rows = collect(p, true, by_time_desc, &n);
    print_function_table(c, rows, n, &by_time);
    if (c->t.memory) {
        if (n > 1)
            qsort(rows, n, sizeof *rows, by_memory_desc);
        print_function_table(c, rows, n, &by_memory);
    }
    free(rows);
}

/* The likely leaks, when there are some. */
static void print_leaks(ctx_t *c, json_t *p)
{
    json_t *leaks = json_object_get(p, "leaks");
    if (json_array_size(leaks) == 0)
        return;
    fprintf(c->out, "\n%s%sLikely leaks%s (still held at the end, grown steadily through the run)\n%s where"
                    "                   leaked   rate/s  confidence  function%s\n",
            c_(c, BOLD), c_(c, RED), c_(c, RESET), c_(c, DIM), c_(c, RESET));
    size_t i;
    json_t *l;
    json_array_foreach(leaks, i, l) {
        row_t r = {.path = json_string_value(json_object_get(l, "path")),
                   .line = (int)json_integer_value(json_object_get(l, "line"))};
        char b[16], rate[16];
        fp_fmt_bytes(b, sizeof b, num(l, "leaked_bytes"));
        fp_fmt_bytes(rate, sizeof rate, num(l, "rate_bytes_per_s"));
        fputc(' ', c->out);
        put_where(c, &r, 22);
        fprintf(c->out, "%8s %8s %10.0f%%  ", b, rate, num(l, "confidence") * 100);
        const char *fn = json_string_value(json_object_get(l, "function"));
        fp_put_clipped(c->out, fn ? fn : "?", c->o->width - 55);
        fputc('\n', c->out);
    }
}

/* One line per process when the program started others. */
static void print_processes(ctx_t *c, json_t *p)
{
    json_t *procs = json_object_get(p, "processes");
    if (json_array_size(procs) < 2)
        return;
    fprintf(c->out, "\n%sProcesses%s (%zu profiled)\n%s     pid   parent  elapsed      CPU     peak  command%s\n",
            c_(c, BOLD), c_(c, RESET), json_array_size(procs), c_(c, DIM), c_(c, RESET));
    size_t i, shown = 0;
    json_t *q;
    json_array_foreach(procs, i, q) {
        if (shown++ == 12) {
            fprintf(c->out, "  ... and %zu more\n", json_array_size(procs) - 12);
            break;
        }
        char el[16], cpu[16], peak[16], cmd[512] = "";
        fp_fmt_time(el, sizeof el, num(q, "elapsed_s"));
        fp_fmt_time(cpu, sizeof cpu, num(q, "cpu_s"));
        fp_fmt_bytes(peak, sizeof peak, num(q, "peak_bytes"));
        size_t j;
        json_t *a;
        json_array_foreach(json_object_get(q, "argv"), j, a) {
            const char *s = json_string_value(a);
            if (s && strlen(cmd) + strlen(s) + 2 < sizeof cmd)
                strcat(strcat(cmd, j ? " " : ""), s);
        }
        fprintf(c->out, "%8lld %8lld %8s %8s %8s  ", (long long)json_integer_value(json_object_get(q, "pid")),
                (long long)json_integer_value(json_object_get(q, "parent_pid")), el, cpu, peak);
        fp_put_clipped_left(c->out, cmd, c->o->width - 45);
        fputc('\n', c->out);
    }
}

void fp_report_print(FILE *out, json_t *profile, const fp_report_opts_t *opts)
{
    ctx_t c = {.out = out, .o = opts};
    add_totals(&c, profile);
    print_summary(&c, profile);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(profile, "files"), i, f)
        print_file(&c, f);
    print_peak_holders(&c, profile);
    print_leaks(&c, profile);
    print_functions(&c, profile);
    fp_imports_report(out, profile, opts->color, 8);
    print_processes(&c, profile);
    if (c.t.time <= 0 && c.t.alloc <= 0)
        fprintf(out, "\n  no samples in profiled files (the program ran too briefly, or its code is\n"
                     "  outside the profiled files: see --profile-all and --include)\n");
    fflush(out);
}

bool fp_report_want_color(int fd, bool no_color_flag)
{
    const char *nc = getenv("NO_COLOR");
    if (no_color_flag || (nc && *nc))
        return false;
    const char *term = getenv("TERM");
    return isatty(fd) && !(term && strcmp(term, "dumb") == 0);
}
