/* judge.c: measuring budgets on a profile and saying the verdict (see judge.h). */
#include "judge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

enum { TOP_LINES = 3 };

static bool is_bytes(fp_budget_metric_t metric)
{
    return metric != FP_METRIC_TIME && metric != FP_METRIC_CPU && metric != FP_METRIC_LEAKS;
}

/* Three significant digits, the unit chosen so the number is under 1000:
 * a limit written "2GB" reads back as 2GB, not 2.0GB. */
static void fmt_bytes(char *buf, size_t n, double b)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (b >= 999.5 && u < 5) {
        b /= 1000;
        u++;
    }
    snprintf(buf, n, u == 0 ? "%.0f%s" : "%.3g%s", b, units[u]);
}

static void fmt_time(char *buf, size_t n, double s)
{
    if (s < 0.0005)
        snprintf(buf, n, "0s");
    else if (s < 0.9995)
        snprintf(buf, n, "%.0fms", s * 1000);
    else
        snprintf(buf, n, s < 99.95 ? "%.3gs" : "%.0fs", s);
}

void fp_judge_fmt(char *buf, size_t n, fp_budget_metric_t metric, double value)
{
    if (metric == FP_METRIC_LEAKS)
        snprintf(buf, n, "%.0f", value);
    else if (is_bytes(metric))
        fmt_bytes(buf, n, value);
    else
        fmt_time(buf, n, value);
}

/* ---- which entries a target names ---- */

static bool ends_with_path(const char *path, const char *tail)
{
    size_t n = strlen(path), k = strlen(tail);
    return k <= n && strcmp(path + n - k, tail) == 0 && (k == n || path[n - k - 1] == '/' || tail[0] == '/');
}

/* "src/train.py" names /home/x/src/train.py; an absolute path names itself. */
static bool file_matches(const char *name, const char *path)
{
    return strcmp(name, path) == 0 || ends_with_path(path, name);
}

/* MODULE (its first LEN bytes, "pkg.train") names .../pkg/train.py or
 * .../pkg/train/__init__.py. */
static bool module_matches(const char *module, size_t len, const char *path)
{
    char *dir = fp_xasprintf("%.*s", (int)len, module);
    for (char *c = dir; *c; c++)
        if (*c == '.')
            *c = '/';
    char *file = fp_xasprintf("%s.py", dir), *pkg = fp_xasprintf("%s/__init__.py", dir);
    bool yes = ends_with_path(path, file) || ends_with_path(path, pkg);
    free(dir), free(file), free(pkg);
    return yes;
}

/* A function by qualified name ("Model.fit"), or with its module in front
 * ("train.Model.fit", "pkg.train.fit"). */
static bool function_matches(const char *query, const char *path, const char *fname)
{
    if (strcmp(query, fname) == 0)
        return true;
    for (const char *dot = strchr(query, '.'); dot; dot = strchr(dot + 1, '.'))
        if (strcmp(dot + 1, fname) == 0 && module_matches(query, (size_t)(dot - query), path))
            return true;
    return false;
}

/* ---- figures ---- */

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* A line's or a function's figure for METRIC. */
static double entry_figure(json_t *e, fp_budget_metric_t metric)
{
    switch (metric) {
    case FP_METRIC_PEAK: return num(e, "peak_bytes");
    case FP_METRIC_TIME: return num(e, "cpu_python_s") + num(e, "cpu_native_s") + num(e, "system_s");
    case FP_METRIC_CPU: return num(e, "cpu_python_s") + num(e, "cpu_native_s");
    case FP_METRIC_ALLOC: return num(e, "alloc_bytes");
    case FP_METRIC_GPU_PEAK: return num(e, "gpu_peak_bytes");
    default: return 0;
    }
}

/* Two standard errors of a sampled figure, from the profile's sampling. */
static double sampled_error(json_t *p, fp_budget_metric_t metric, double value)
{
    json_t *s = json_object_get(p, "sampling");
    if (metric == FP_METRIC_TIME || metric == FP_METRIC_CPU)
        return 2 * sqrt(value * num(s, "cpu_interval_s"));
    if (metric == FP_METRIC_PEAK || metric == FP_METRIC_ALLOC)
        return 2 * sqrt(value * num(s, "alloc_mean_bytes"));
    return 0;
}

/* Why P cannot give METRIC at all, or NULL. */
static const char *missing_section(json_t *p, fp_budget_target_t target, fp_budget_metric_t metric)
{
    bool memory = json_is_object(json_object_get(p, "memory"));
    if (metric == FP_METRIC_GPU_PEAK && !json_is_object(json_object_get(p, "gpu")))
        return "no GPU data in the profile";
    if (target == FP_TARGET_IMPORT && !json_is_array(json_object_get(p, "imports")))
        return "no import data in the profile";
    if (!memory && (metric == FP_METRIC_PEAK || metric == FP_METRIC_ALLOC || metric == FP_METRIC_LEAKS))
        return "no memory data in the profile (it was made with --cpu-only)";
    return NULL;
}

static void measure_run(json_t *p, fp_budget_metric_t metric, fp_measure_t *m)
{
    json_t *mem = json_object_get(p, "memory");
    m->found = true;
    switch (metric) {
    case FP_METRIC_PEAK: m->value = num(mem, "peak_bytes"); break;
    case FP_METRIC_TIME: m->value = num(p, "elapsed_s"); break;
    case FP_METRIC_CPU: m->value = num(p, "cpu_s"); break;
    case FP_METRIC_ALLOC: m->value = num(mem, "alloc_bytes"); break;
    case FP_METRIC_GPU_PEAK: m->value = num(json_object_get(p, "gpu"), "peak_bytes"); break;
    default: break;
    }
}

static void measure_entries(const fp_budget_t *b, json_t *p, fp_measure_t *m)
{
    size_t i, j;
    json_t *f, *e;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        if (b->target == FP_TARGET_FILE && file_matches(b->name, path)) {
            m->found = true;
            json_array_foreach(json_object_get(f, "lines"), j, e)
                m->value += entry_figure(e, b->metric);
        }
        if (b->target != FP_TARGET_FUNCTION)
            continue;
        json_array_foreach(json_object_get(f, "functions"), j, e) {
            if (function_matches(b->name, path, json_string_value(json_object_get(e, "name")))) {
                m->found = true;
                m->value += entry_figure(e, b->metric);
            }
        }
    }
    m->error = sampled_error(p, b->metric, m->value);
}

static void measure_import(const fp_budget_t *b, json_t *p, fp_measure_t *m)
{
    size_t i;
    json_t *imp;
    json_array_foreach(json_object_get(p, "imports"), i, imp) {
        const char *name = json_string_value(json_object_get(imp, "name"));
        if (name && strcmp(name, b->name) == 0) {
            m->found = true;
            m->value += num(imp, b->metric == FP_METRIC_TIME ? "total_time_s" : "total_alloc_bytes");
        }
    }
}

/* Whether LEAK lies in B's target. */
static bool leak_in_target(const fp_budget_t *b, json_t *leak)
{
    const char *path = json_string_value(json_object_get(leak, "path"));
    const char *fn = json_string_value(json_object_get(leak, "function"));
    if (b->target == FP_TARGET_RUN)
        return true;
    if (!path)
        return false;
    if (b->target == FP_TARGET_FILE)
        return file_matches(b->name, path);
    return fn && function_matches(b->name, path, fn);
}

static void measure_leaks(const fp_budget_t *b, json_t *p, fp_measure_t *m)
{
    size_t i;
    json_t *leak;
    json_array_foreach(json_object_get(p, "leaks"), i, leak)
        m->value += leak_in_target(b, leak);
}

/* Whether the profile has B's function or file at all (for leaks, which
 * are judged on a target that must exist). */
static bool target_present(const fp_budget_t *b, json_t *p)
{
    if (b->target == FP_TARGET_RUN)
        return true;
    fp_budget_t peak = *b;
    peak.metric = FP_METRIC_PEAK;
    fp_measure_t m = {0};
    measure_entries(&peak, p, &m);
    return m.found;
}

static void not_found(const fp_budget_t *b, fp_measure_t *m)
{
    static const char *const how[FP_TARGET_COUNT] = {
        "", "it did not run, or is not in a profiled file", "it is not profiled, or nothing ran in it",
        "the program did not import it"};
    snprintf(m->why, sizeof m->why, "%s '%s' is not in the profile (%s)", fp_budget_table(b->target), b->name,
             how[b->target]);
}

void fp_judge_measure(const fp_budget_t *b, json_t *p, fp_measure_t *m)
{
    memset(m, 0, sizeof *m);
    const char *missing = missing_section(p, b->target, b->metric);
    if (missing) {
        snprintf(m->why, sizeof m->why, "%s", missing);
        return;
    }
    if (b->metric == FP_METRIC_LEAKS) {
        m->found = target_present(b, p);
        measure_leaks(b, p, m);
    } else if (b->target == FP_TARGET_RUN) {
        measure_run(p, b->metric, m);
    } else if (b->target == FP_TARGET_IMPORT) {
        measure_import(b, p, m);
    } else {
        measure_entries(b, p, m);
    }
    if (!m->found)
        not_found(b, m);
}

/* ---- the lines responsible ---- */

typedef struct holder {
    const char *path;
    int line;
    double value;
    const char *function;
} holder_t;

/* The innermost function of file F holding LINE, or NULL. */
static const char *function_at(json_t *f, int line)
{
    const char *best = NULL;
    long span = -1;
    size_t i;
    json_t *fn;
    json_array_foreach(json_object_get(f, "functions"), i, fn) {
        long lo = (long)json_integer_value(json_object_get(fn, "line"));
        long hi = (long)json_integer_value(json_object_get(fn, "end_line"));
        if (lo <= line && line <= hi && (span < 0 || hi - lo < span)) {
            best = json_string_value(json_object_get(fn, "name"));
            span = hi - lo;
        }
    }
    return best;
}

static bool line_in_target(const fp_budget_t *b, const char *path, const char *function)
{
    if (b->target == FP_TARGET_FILE)
        return file_matches(b->name, path);
    if (b->target == FP_TARGET_FUNCTION)
        return function && function_matches(b->name, path, function);
    return b->target == FP_TARGET_RUN;
}

/* Keeps TOP the TOP_LINES largest, largest first. */
static void keep_top(holder_t *top, holder_t h)
{
    for (int k = 0; k < TOP_LINES; k++) {
        if (h.value > top[k].value) {
            holder_t out = top[k];
            top[k] = h;
            h = out;
        }
    }
}

static void top_lines(const fp_budget_t *b, json_t *p, holder_t *top)
{
    size_t i, j;
    json_t *f, *l;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        json_array_foreach(json_object_get(f, "lines"), j, l) {
            int line = (int)json_integer_value(json_object_get(l, "line"));
            const char *fn = function_at(f, line);
            if (line_in_target(b, path, fn))
                keep_top(top, (holder_t){path, line, entry_figure(l, b->metric), fn});
        }
    }
}

/* PATH as the user would write it: relative to the working directory
 * when it lies under it. */
static const char *shown_path(const char *path)
{
    char cwd[4096];
    if (!path || !getcwd(cwd, sizeof cwd))
        return path ? path : "?";
    size_t n = strlen(cwd);
    if (strncmp(path, cwd, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

static char *place(const char *path, int line, const char *function)
{
    return fp_xasprintf("%s:%d%s%s", shown_path(path), line, function ? " " : "", function ? function : "");
}

/* " held by x.py:42 f" on the verdict, and the top lines in DETAIL. */
static char *holders_text(const fp_budget_t *b, json_t *p, double total, char **detail)
{
    static const char *const verb[FP_METRIC_COUNT] = {"held by", "mostly at", "mostly at", "allocated by",
                                                      "held by", ""};
    holder_t top[TOP_LINES] = {{0}};
    top_lines(b, p, top);
    if (top[0].value <= 0)
        return fp_xstrdup("");
    char *d = fp_xstrdup("");
    for (int k = 0; k < TOP_LINES && top[k].value > 0; k++) {
        char v[32], *where = place(top[k].path, top[k].line, top[k].function), *old = d;
        fp_judge_fmt(v, sizeof v, b->metric, top[k].value);
        d = fp_xasprintf("%s    %8s  %5.1f%%  %s\n", old, v, total > 0 ? 100 * top[k].value / total : 0, where);
        free(old), free(where);
    }
    *detail = d;
    char *where = place(top[0].path, top[0].line, top[0].function);
    char *text = fp_xasprintf(" %s %s", verb[b->metric], where);
    free(where);
    return text;
}

static char *leaks_text(const fp_budget_t *b, json_t *p, fp_verdict_t *v)
{
    if (v->value == 0)
        return fp_xstrdup("no likely leaks");
    char *d = fp_xstrdup(""), *first = NULL;
    double bytes = 0;
    size_t i;
    json_t *leak;
    json_array_foreach(json_object_get(p, "leaks"), i, leak) {
        if (!leak_in_target(b, leak))
            continue;
        char size[32], rate[32], *old = d;
        char *where = place(json_string_value(json_object_get(leak, "path")),
                            (int)json_integer_value(json_object_get(leak, "line")),
                            json_string_value(json_object_get(leak, "function")));
        bytes += num(leak, "leaked_bytes");
        fp_judge_fmt(size, sizeof size, FP_METRIC_ALLOC, num(leak, "leaked_bytes"));
        fp_judge_fmt(rate, sizeof rate, FP_METRIC_ALLOC, num(leak, "rate_bytes_per_s"));
        d = fp_xasprintf("%s    %8s  %s/s  %s\n", old, size, rate, where);
        free(old);
        if (first)
            free(where);
        else
            first = where;
    }
    char total[32];
    fp_judge_fmt(total, sizeof total, FP_METRIC_ALLOC, bytes);
    char *text = fp_xasprintf("%.0f likely leak%s (%s) at %s", v->value, v->value == 1 ? "" : "s", total, first);
    free(first);
    v->detail = d;
    return text;
}

static void classify(fp_verdict_t *v)
{
    if (v->value > v->limit + v->error)
        v->kind = FP_VERDICT_FAIL;
    else if (v->error > 0 && fabs(v->value - v->limit) <= v->error)
        v->kind = FP_VERDICT_NEAR;
    else
        v->kind = FP_VERDICT_PASS;
}

/* "peak 612MB > 512MB (+19.5%)" and what follows it. */
static char *figure_text(const fp_budget_t *b, json_t *p, fp_verdict_t *v, const char *baseline)
{
    char val[32], lim[32], err[32], margin[32] = "", *tail;
    fp_judge_fmt(val, sizeof val, b->metric, v->value);
    fp_judge_fmt(lim, sizeof lim, b->metric, v->limit);
    fp_judge_fmt(err, sizeof err, b->metric, v->error);
    if (v->limit > 0)
        snprintf(margin, sizeof margin, "%+.1f%%", 100 * (v->value - v->limit) / v->limit);
    if (v->kind == FP_VERDICT_FAIL)
        tail = holders_text(b, p, v->value, &v->detail);
    else if (v->kind == FP_VERDICT_NEAR)
        tail = fp_xasprintf(": within sampling error (±%s), not failed", err);
    else
        tail = fp_xstrdup("");
    const char *op = v->kind == FP_VERDICT_FAIL ? ">" : v->kind == FP_VERDICT_NEAR ? "vs" : "<=";
    bool paren = *margin || *baseline;
    char *text = fp_xasprintf("%s %s %s %s%s%s%s%s%s%s", fp_budget_word(b->metric), val, op, lim, paren ? " (" : "",
                              margin, *margin && *baseline ? "; " : "", baseline, paren ? ")" : "", tail);
    free(tail);
    return text;
}

static char *target_label(const fp_budget_t *b)
{
    if (b->target == FP_TARGET_RUN)
        return fp_xstrdup("run");
    return fp_xasprintf("%s %s", fp_budget_table(b->target), b->name);
}

/* The limit of a relative budget: the baseline's figure grown by the
 * growth allowed. Returns false (V unjudged) when the baseline lacks it. */
static bool resolve_relative(const fp_budget_t *b, json_t *base, fp_verdict_t *v, char *baseline, size_t n)
{
    fp_measure_t bm;
    if (!base) {
        v->text = fp_xstrdup("a limit relative to a baseline needs --baseline");
        return false;
    }
    fp_judge_measure(b, base, &bm);
    if (!bm.found) {
        v->text = fp_xasprintf("in the baseline profile, %s", bm.why);
        return false;
    }
    v->limit = bm.value * (1 + b->limit);
    v->error = sqrt(v->error * v->error + pow((1 + b->limit) * bm.error, 2));
    char was[32];
    fp_judge_fmt(was, sizeof was, b->metric, bm.value);
    snprintf(baseline, n, "baseline %s %s", was, b->text);
    return true;
}

void fp_judge(const fp_budget_t *b, json_t *p, json_t *base, fp_verdict_t *v)
{
    memset(v, 0, sizeof *v);
    v->target = target_label(b);
    v->kind = FP_VERDICT_UNJUDGED;
    fp_measure_t m;
    fp_judge_measure(b, p, &m);
    if (!m.found) {
        v->text = fp_xstrdup(m.why);
        return;
    }
    v->value = m.value;
    v->error = m.error;
    v->limit = b->limit;
    char baseline[96] = "";
    if (b->relative && !resolve_relative(b, base, v, baseline, sizeof baseline))
        return;
    classify(v);
    v->text = b->metric == FP_METRIC_LEAKS ? leaks_text(b, p, v) : figure_text(b, p, v, baseline);
}

void fp_verdict_free(fp_verdict_t *v)
{
    free(v->target);
    free(v->text);
    free(v->detail);
    memset(v, 0, sizeof *v);
}
