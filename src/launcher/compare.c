/* compare.c: `footprint compare` (see compare.h).
 *
 * Each profile is reduced to rows: a key (a function's qualified name, a
 * file's line, a module) and figures (time, bytes allocated, bytes held
 * at the peak). Rows are matched by key across the profiles; a row a
 * profile lacks has no value there (null), which is how "only in" is
 * told from zero. A function's key is its qualified name, so the same
 * function in two programs matches; module-level code is the main
 * script's, or named by its file, "<module> of x.py", as every file has
 * one. Lines match
 * only where the path is the same. Imports count by their own figures
 * (the modules they imported apart), so rows add up. */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chartpage.h"
#include "profile.h"
#include "textfmt.h"
#include "util.h"

enum { EXIT_USAGE = 2, MAX_PROFILES = 16, ROWS_KEPT = 40, ROWS_SHOWN = 8 };

static const char *const figs[] = {"time_s", "alloc_bytes", "peak_bytes"};
enum { NFIG = 3 };

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

static double entry_time(json_t *e) { return num(e, "cpu_python_s") + num(e, "cpu_native_s") + num(e, "system_s"); }

/* Adds figures F to the row KEY of the table T ({key: [time, alloc, peak]}). */
static void add_row(json_t *t, const char *key, const double f[NFIG])
{
    json_t *row = json_object_get(t, key);
    if (!row) {
        row = json_pack("[f, f, f]", 0.0, 0.0, 0.0);
        json_object_set_new(t, key, row);
    }
    for (int k = 0; k < NFIG; k++)
        json_real_set(json_array_get(row, (size_t)k), json_real_value(json_array_get(row, (size_t)k)) + f[k]);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A function's key: its qualified name; module-level code is the main
 * script's (which two programs doing one job share) or that of a file. */
static char *function_key(json_t *p, const char *path, const char *name)
{
    const char *program = json_string_value(json_object_get(p, "program"));
    if (strcmp(name, "<module>") != 0)
        return fp_xstrdup(name);
    if (program && strcmp(base_name(program), base_name(path)) == 0)
        return fp_xstrdup("<module> of the main script");
    return fp_xasprintf("<module> of %s", base_name(path));
}

/* The functions and lines of profile P, as row tables. */
static void profile_rows(json_t *p, json_t *functions, json_t *lines)
{
    size_t i, j;
    json_t *f, *e;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        json_array_foreach(json_object_get(f, "functions"), j, e) {
            double v[NFIG] = {entry_time(e), num(e, "alloc_bytes"), num(e, "peak_bytes")};
            char *key = function_key(p, path, json_string_value(json_object_get(e, "name")));
            add_row(functions, key, v);
            free(key);
        }
        json_array_foreach(json_object_get(f, "lines"), j, e) {
            double v[NFIG] = {entry_time(e), num(e, "alloc_bytes"), num(e, "peak_bytes")};
            char *key = fp_xasprintf("%s:%lld", path, (long long)json_integer_value(json_object_get(e, "line")));
            add_row(lines, key, v);
            free(key);
        }
    }
}

static void import_rows(json_t *p, json_t *imports)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(p, "imports"), i, e) {
        double v[NFIG] = {num(e, "time_s"), num(e, "alloc_bytes"), 0};
        add_row(imports, json_string_value(json_object_get(e, "name")), v);
    }
}

/* How many of the profiles have each file: {path: count}. */
static json_t *path_counts(json_t *const *p, int n)
{
    json_t *counts = json_object();
    for (int i = 0; i < n; i++) {
        size_t j;
        json_t *f;
        json_array_foreach(json_object_get(p[i], "files"), j, f) {
            const char *path = json_string_value(json_object_get(f, "path"));
            json_object_set_new(counts, path, json_integer(json_integer_value(json_object_get(counts, path)) + 1));
        }
    }
    return counts;
}

/* Whether the line key "PATH:LINE" names a file more than one profile has. */
static bool shared_file(json_t *counts, const char *key)
{
    const char *colon = strrchr(key, ':');
    char *path = fp_xasprintf("%.*s", (int)(colon ? colon - key : (long)strlen(key)), key);
    bool shared = json_integer_value(json_object_get(counts, path)) > 1;
    free(path);
    return shared;
}

typedef struct row {
    const char *key;
    double v[MAX_PROFILES];
    bool has[MAX_PROFILES];
    double delta;
} row_t;

static int by_change(const void *a, const void *b)
{
    double x = fabs(((const row_t *)a)->delta), y = fabs(((const row_t *)b)->delta);
    return (x < y) - (x > y);
}

/* Row KEY across the tables, for figure FIG; false when it is all zero. */
static bool gather(row_t *r, json_t *const *tables, int n, const char *key, int fig)
{
    bool any = false;
    r->key = key;
    for (int i = 0; i < n; i++) {
        json_t *row = json_object_get(tables[i], key);
        r->has[i] = row != NULL;
        r->v[i] = row ? json_real_value(json_array_get(row, (size_t)fig)) : 0;
        any |= r->v[i] != 0;
    }
    r->delta = r->v[n - 1] - r->v[0];
    return any;
}

static json_t *value_json(double v, bool has, bool bytes)
{
    if (!has)
        return json_null();
    return bytes ? json_integer((json_int_t)llround(v)) : json_real(v);
}

static json_t *row_json(const row_t *r, int n, int fig, const char *const *labels)
{
    bool bytes = fig != 0;
    json_t *o = json_pack("{s:s, s:s}", "name", r->key, "figure", figs[fig]), *vals = json_array();
    int present = 0, where = 0;
    for (int i = 0; i < n; i++) {
        json_array_append_new(vals, value_json(r->v[i], r->has[i], bytes));
        if (r->has[i])
            present++, where = i;
    }
    json_object_set_new(o, "values", vals);
    json_object_set_new(o, "delta", bytes ? json_integer((json_int_t)llround(r->delta)) : json_real(r->delta));
    bool ratio = r->has[0] && r->has[n - 1] && r->v[0] != 0;
    json_object_set_new(o, "ratio", ratio ? json_real(r->v[n - 1] / r->v[0]) : json_null());
    json_object_set_new(o, "only", present == 1 && n > 1 ? json_string(labels[where]) : json_null());
    return o;
}

/* The rows of TABLES for every figure, biggest change first, ROWS_KEPT
 * each; lines only where COUNTS says their file is shared. */
static json_t *matched(json_t *const *tables, int n, const char *const *labels, json_t *counts, int nfig)
{
    json_t *seen = json_object(), *out = json_array();
    size_t cap = 16, count = 0;
    const char **keys = fp_xcalloc(cap, sizeof *keys);
    for (int i = 0; i < n; i++) {
        const char *k;
        json_t *v;
        json_object_foreach(tables[i], k, v) {
            if (json_object_get(seen, k) || (counts && !shared_file(counts, k)))
                continue;
            json_object_set_new(seen, k, json_true());
            if (count == cap)
                keys = fp_xrealloc(keys, (cap *= 2) * sizeof *keys);
            keys[count++] = k;
        }
    }
    row_t *rows = fp_xcalloc(count + 1, sizeof *rows);
    for (int fig = 0; fig < nfig; fig++) {
        size_t m = 0;
        for (size_t i = 0; i < count; i++)
            m += gather(&rows[m], tables, n, keys[i], fig);
        qsort(rows, m, sizeof *rows, by_change);
        for (size_t i = 0; i < m && i < ROWS_KEPT; i++)
            json_array_append_new(out, row_json(&rows[i], n, fig, labels));
    }
    free(rows);
    free(keys);
    json_decref(seen);
    return out;
}

/* Every figure of every line, summed: what a profile without the
 * memory extensions still says about bytes allocated. */
static double lines_sum(json_t *p, const char *fig)
{
    double sum = 0;
    size_t i, j;
    json_t *f, *l;
    json_array_foreach(json_object_get(p, "files"), i, f)
        json_array_foreach(json_object_get(f, "lines"), j, l)
            sum += num(l, fig);
    return sum;
}

static json_t *totals(json_t *p)
{
    json_t *mem = json_object_get(p, "memory"), *t = json_object();
    json_object_set_new(t, "elapsed_s", json_real(num(p, "elapsed_s")));
    json_object_set_new(t, "cpu_s", json_real(num(p, "cpu_s")));
    json_object_set_new(t, "peak_bytes", json_is_object(mem) ? json_integer((json_int_t)num(mem, "peak_bytes")) : json_null());
    json_t *alloc = json_object_get(mem, "alloc_bytes");
    json_object_set_new(t, "alloc_bytes", !json_is_object(mem) ? json_null()
                                          : json_integer((json_int_t)(alloc ? json_number_value(alloc) : lines_sum(p, "alloc_bytes"))));
    double it = 0, ib = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(p, "imports"), i, e) {
        if (json_is_null(json_object_get(e, "parent")))
            it += num(e, "total_time_s"), ib += num(e, "total_alloc_bytes");
    }
    json_object_set_new(t, "imports_time_s", json_real(it));
    json_object_set_new(t, "imports_alloc_bytes", json_is_object(mem) ? json_integer((json_int_t)ib) : json_null());
    json_object_set_new(t, "gpu_s", json_is_object(json_object_get(p, "gpu")) ? json_real(lines_sum(p, "gpu_s")) : json_null());
    return t;
}

json_t *fp_compare_build(json_t *const *p, const char *const *labels, int n)
{
    json_t *d = json_pack("{s:s, s:i}", "format", "footprint-compare", "version", 1), *profiles = json_array();
    json_t *fns[MAX_PROFILES] = {0}, *lines[MAX_PROFILES] = {0}, *imps[MAX_PROFILES] = {0};
    for (int i = 0; i < n; i++) {
        json_array_append_new(profiles, json_pack("{s:s, s:s?, s:o}", "label", labels[i], "program",
                                                  json_string_value(json_object_get(p[i], "program")), "totals", totals(p[i])));
        fns[i] = json_object(), lines[i] = json_object(), imps[i] = json_object();
        profile_rows(p[i], fns[i], lines[i]);
        import_rows(p[i], imps[i]);
    }
    json_t *counts = path_counts(p, n);
    json_object_set_new(d, "profiles", profiles);
    json_object_set_new(d, "functions", matched(fns, n, labels, NULL, NFIG));
    json_object_set_new(d, "lines", matched(lines, n, labels, counts, NFIG));
    json_object_set_new(d, "imports", matched(imps, n, labels, NULL, 2));
    json_decref(counts);
    for (int i = 0; i < n; i++)
        json_decref(fns[i]), json_decref(lines[i]), json_decref(imps[i]);
    return d;
}

/* ---- the terminal ---- */

static void fmt(char *b, size_t n, const char *figure, json_t *v)
{
    if (!json_is_number(v))
        snprintf(b, n, "-");
    else if (strstr(figure, "_bytes"))
        fp_fmt_bytes(b, n, json_number_value(v));
    else
        fp_fmt_time(b, n, json_number_value(v));
}

static void fmt_change(char *b, size_t n, const char *figure, double delta)
{
    char v[24];
    json_t *j = json_real(fabs(delta));
    fmt(v, sizeof v, figure, j);
    json_decref(j);
    snprintf(b, n, "%s%s", delta > 0 ? "+" : delta < 0 ? "-" : "", v);
}

/* The width of a profile's column: its label's, 9 to 16. */
static int column_width(json_t *d)
{
    int w = 9;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(d, "profiles"), i, p) {
        int t = fp_text_width(json_string_value(json_object_get(p, "label")));
        w = t > w ? (t > 16 ? 16 : t) : w;
    }
    return w;
}

static void print_head(FILE *out, json_t *d, const char *first)
{
    int cw = column_width(d);
    size_t i;
    json_t *p;
    fputc(' ', out);
    fp_put_padded(out, first, 30);
    json_array_foreach(json_object_get(d, "profiles"), i, p) {
        fputc(' ', out);
        const char *label = json_string_value(json_object_get(p, "label"));
        for (int w = fp_text_width(label); w < cw; w++) /* right-aligned, over the figures */
            fputc(' ', out);
        fp_put_clipped_left(out, label, cw);
    }
    fprintf(out, " %9s %7s\n", "change", "ratio");
}

static void print_totals(FILE *out, json_t *d)
{
    static const char *const keys[] = {"elapsed_s", "cpu_s", "peak_bytes", "alloc_bytes", "imports_time_s",
                                       "imports_alloc_bytes", "gpu_s"};
    static const char *const names[] = {"wall", "CPU", "peak", "allocated", "imports (time)", "imports (allocated)", "GPU"};
    json_t *profiles = json_object_get(d, "profiles");
    size_t n = json_array_size(profiles);
    int cw = column_width(d);
    fprintf(out, "\nTotals\n");
    print_head(out, d, "");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        json_t *a = json_object_get(json_object_get(json_array_get(profiles, 0), "totals"), keys[k]);
        json_t *z = json_object_get(json_object_get(json_array_get(profiles, n - 1), "totals"), keys[k]);
        if (k == 6 && !json_is_number(a) && !json_is_number(z))
            continue;
        fprintf(out, " %-30s", names[k]);
        for (size_t i = 0; i < n; i++) {
            char b[32];
            fmt(b, sizeof b, keys[k], json_object_get(json_object_get(json_array_get(profiles, i), "totals"), keys[k]));
            fprintf(out, " %*s", cw, b);
        }
        char c[32] = "-", r[32] = "-";
        if (json_is_number(a) && json_is_number(z)) {
            fmt_change(c, sizeof c, keys[k], json_number_value(z) - json_number_value(a));
            if (json_number_value(a) != 0)
                snprintf(r, sizeof r, "%.2fx", json_number_value(z) / json_number_value(a));
        }
        fprintf(out, " %9s %7s\n", c, r);
    }
}

static void print_row(FILE *out, json_t *r, int cw)
{
    const char *figure = json_string_value(json_object_get(r, "figure"));
    fputc(' ', out);
    fp_put_clipped_left(out, json_string_value(json_object_get(r, "name")), 30);
    for (int w = fp_text_width(json_string_value(json_object_get(r, "name"))); w < 30; w++)
        fputc(' ', out);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "values"), i, v) {
        char b[32];
        fmt(b, sizeof b, figure, v);
        fprintf(out, " %*s", cw, b);
    }
    char c[32], ratio[48] = "-";
    fmt_change(c, sizeof c, figure, json_number_value(json_object_get(r, "delta")));
    if (json_is_number(json_object_get(r, "ratio")))
        snprintf(ratio, sizeof ratio, "%.2fx", num(r, "ratio"));
    else if (json_is_string(json_object_get(r, "only")))
        snprintf(ratio, sizeof ratio, "only in %s", json_string_value(json_object_get(r, "only")));
    fprintf(out, " %9s %7s\n", c, ratio);
}

static void print_section(FILE *out, json_t *d, const char *key, const char *title)
{
    static const char *const what[] = {"time", "allocated", "held at the peak"};
    for (int fig = 0; fig < NFIG; fig++) {
        size_t i, shown = 0;
        json_t *r;
        json_array_foreach(json_object_get(d, key), i, r) {
            if (strcmp(json_string_value(json_object_get(r, "figure")), figs[fig]) != 0 || shown == ROWS_SHOWN)
                continue;
            if (shown++ == 0) {
                fprintf(out, "\n%s, by %s (biggest change first)\n", title, what[fig]);
                print_head(out, d, strcmp(key, "lines") == 0 ? "line" : "name");
            }
            print_row(out, r, column_width(d));
        }
    }
}

/* "only in A: 3 functions (f, g, ...)" for each profile. */
static void print_only(FILE *out, json_t *d)
{
    size_t i, j;
    json_t *p, *r;
    json_array_foreach(json_object_get(d, "profiles"), i, p) {
        const char *label = json_string_value(json_object_get(p, "label"));
        int count = 0;
        char names[200] = "";
        json_array_foreach(json_object_get(d, "functions"), j, r) {
            const char *only = json_string_value(json_object_get(r, "only"));
            if (!only || strcmp(only, label) != 0 || strcmp(json_string_value(json_object_get(r, "figure")), "time_s") != 0)
                continue;
            const char *name = json_string_value(json_object_get(r, "name"));
            if (count++ < 4 && strlen(names) + strlen(name) + 4 < sizeof names)
                strcat(strcat(names, *names ? ", " : ""), name);
        }
        if (count)
            fprintf(out, "\nonly in %s: %d function%s (%s%s)\n", label, count, count == 1 ? "" : "s", names,
                    count > 4 ? ", ..." : "");
    }
}

static void print_compare(FILE *out, json_t *d)
{
    size_t i;
    json_t *p;
    fprintf(out, "footprint compare:");
    json_array_foreach(json_object_get(d, "profiles"), i, p)
        fprintf(out, "%s %s", i ? " vs" : "", json_string_value(json_object_get(p, "label")));
    fputc('\n', out);
    print_totals(out, d);
    print_section(out, d, "functions", "Functions");
    print_section(out, d, "lines", "Lines");
    print_section(out, d, "imports", "Imports");
    print_only(out, d);
}

/* PATH's directory's own name ("" when it has none). */
static char *parent_name(const char *path)
{
    char *dir = fp_dirname(path);
    char *name = fp_xstrdup(strcmp(dir, ".") == 0 ? "" : base_name(dir));
    free(dir);
    return name;
}

/* Labels: the files' names less ".json"; where two are alike, their
 * directories' names (a.json from two sweeps), else the paths (new
 * strings). */
static void make_labels(char **labels, char **paths, int n)
{
    for (int i = 0; i < n; i++) {
        const char *label = base_name(paths[i]);
        char *parent = NULL;
        for (int j = 0; j < n && !parent; j++) {
            if (j == i || strcmp(base_name(paths[j]), label) != 0)
                continue;
            char *mine = parent_name(paths[i]), *theirs = parent_name(paths[j]);
            if (*mine && strcmp(mine, theirs) != 0)
                parent = mine, mine = NULL;
            free(mine), free(theirs);
            if (!parent)
                label = paths[i];
        }
        size_t len = strlen(label);
        if (!parent && len > 5 && strcmp(label + len - 5, ".json") == 0)
            len -= 5;
        labels[i] = parent ? parent : fp_xasprintf("%.*s", (int)len, label);
    }
}

int fp_compare_main(int argc, char **argv)
{
    char *paths[MAX_PROFILES], *labels[MAX_PROFILES];
    const char *html = NULL;
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--html") == 0 || strncmp(argv[i], "--html=", 7) == 0) {
            html = argv[i][6] == '=' ? argv[i] + 7 : i + 1 < argc ? argv[++i] : NULL;
            if (!html || !*html) {
                fp_error("--html wants a file name");
                return EXIT_USAGE;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fp_error("unknown option '%s' (usage: footprint compare a.json b.json [more.json ...] [--html out.html])", argv[i]);
            return EXIT_USAGE;
        } else if (n == MAX_PROFILES) {
            fp_error("compare takes at most %d profiles", MAX_PROFILES);
            return EXIT_USAGE;
        } else {
            paths[n++] = argv[i];
        }
    }
    if (n < 2) {
        fp_error("compare wants two profiles or more (usage: footprint compare a.json b.json [more.json ...] [--html out.html])");
        return EXIT_USAGE;
    }
    json_t *p[MAX_PROFILES];
    for (int i = 0; i < n; i++) {
        if (!(p[i] = fp_profile_load(paths[i]))) {
            while (i--)
                json_decref(p[i]);
            return EXIT_USAGE;
        }
    }
    make_labels(labels, paths, n);
    json_t *d = fp_compare_build(p, (const char *const *)labels, n);
    print_compare(stdout, d);
    int rc = html && fp_chartpage_write(d, "compare", html) != 0 ? 1 : 0;
    json_decref(d);
    for (int i = 0; i < n; i++)
        json_decref(p[i]), free(labels[i]);
    return rc;
}
