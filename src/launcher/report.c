/* report.c: the terminal report (see report.h). */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "figures.h"
#include "util.h"

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define RESET "\033[0m"

typedef struct row {
    const char *path;
    const char *label;   /* source text, or function name */
    int line;
    double f[FP_FIG_COUNT];
} row_t;

typedef struct ctx {
    FILE *out;
    const fp_report_opts_t *o;
    double total_time;   /* sampled time of the whole program, lines and the rest */
} ctx_t;

static const char *c_(const ctx_t *c, const char *code) { return c->o->color ? code : ""; }

static double row_time(const row_t *r)
{
    return r->f[FP_FIG_CPU_PYTHON] + r->f[FP_FIG_CPU_NATIVE] + r->f[FP_FIG_SYSTEM];
}

static void fmt_time(char *buf, size_t n, double s)
{
    if (s < 0.0005)
        snprintf(buf, n, ".");
    else if (s < 0.995)
        snprintf(buf, n, "%.0fms", s * 1000);
    else if (s < 99.5)
        snprintf(buf, n, "%.2fs", s);
    else
        snprintf(buf, n, "%.0fs", s);
}

static void fmt_pct(char *buf, size_t n, double part, double whole)
{
    double p = whole > 0 ? part / whole * 100 : 0;
    if (p < 0.05)
        snprintf(buf, n, ".");
    else
        snprintf(buf, n, "%.1f%%", p);
}

static const char *share_color(const ctx_t *c, double part, double whole)
{
    double p = whole > 0 ? part / whole : 0;
    return p >= 0.2 ? c_(c, RED BOLD) : p >= 0.05 ? c_(c, YELLOW) : "";
}

/* Prints up to COLS columns of TEXT (UTF-8, tabs as spaces), with an
 * ellipsis when it is cut. */
static void put_clipped(FILE *out, const char *text, int cols)
{
    int used = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && used < cols;) {
        size_t k = (*p & 0x80) == 0 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
        bool last = used == cols - 1 && p[k] != '\0';
        if (last) {
            fputs("\xE2\x80\xA6", out);
            return;
        }
        if (*p == '\t')
            fputc(' ', out);
        else if (*p >= 0x20 || (*p & 0x80))
            fwrite(p, 1, k, out);
        else
            fputc(' ', out);
        used++;
        for (size_t i = 0; i < k && *p; i++)
            p++;
    }
}

/* Prints at most COLS columns of TEXT, dropping its start rather than its
 * end when it is too long (a path's file name matters most). */
static void put_clipped_left(FILE *out, const char *text, int cols)
{
    int total = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        total += (*p & 0xC0) != 0x80;
    if (total <= cols) {
        put_clipped(out, text, cols);
        return;
    }
    const unsigned char *p = (const unsigned char *)text;
    for (int skip = total - (cols - 1); skip > 0; p++)
        if ((p[1] & 0xC0) != 0x80)
            skip--;
    fputs("\xE2\x80\xA6", out);
    put_clipped(out, (const char *)p, cols - 1);
}

/* Prints TEXT in exactly COLS columns: clipped, or padded with spaces. */
static void put_padded(FILE *out, const char *text, int cols)
{
    put_clipped(out, text, cols);
    int used = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        used += (*p & 0xC0) != 0x80;
    for (; used < cols; used++)
        fputc(' ', out);
}

static double num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

static void print_summary(ctx_t *c, json_t *p)
{
    FILE *out = c->out;
    const char *program = json_string_value(json_object_get(p, "program"));
    char code[32];
    snprintf(code, sizeof code, "  exit %lld", (long long)json_integer_value(json_object_get(p, "exit_code")));
    fprintf(out, "%sfootprint%s %s", c_(c, BOLD), c_(c, RESET), c_(c, BOLD));
    put_clipped(out, program ? program : "?", c->o->width - 10 - (int)strlen(code));
    fprintf(out, "%s%s\n", c_(c, RESET), code);
    char el[32], cpu[32];
    fmt_time(el, sizeof el, num(p, "elapsed_s"));
    fmt_time(cpu, sizeof cpu, num(p, "cpu_s"));
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
    json_t *other = json_object_get(p, "unattributed");
    double rest = num(other, "cpu_python_s") + num(other, "cpu_native_s") + num(other, "system_s");
    c->total_time = py + nat + sys + rest;
    double lines = py + nat + sys;
    fprintf(out, "  elapsed %s, CPU %s", el, cpu);
    if (lines > 0) {
        fprintf(out, "; time in lines: %sPython %.0f%%%s, %snative %.0f%%%s, %soff-CPU %.0f%%%s",
                c_(c, YELLOW), py / lines * 100, c_(c, RESET), c_(c, CYAN), nat / lines * 100,
                c_(c, RESET), c_(c, DIM), sys / lines * 100, c_(c, RESET));
    }
    fputc('\n', out);
    size_t nproc = json_array_size(json_object_get(p, "processes"));
    char rest_s[32];
    fmt_time(rest_s, sizeof rest_s, rest);
    fprintf(out, "  %zu process%s; time outside profiled files: %s; sampling every %.0f ms\n",
            nproc ? nproc : 1, nproc > 1 ? "es" : "", rest_s,
            num(json_object_get(p, "sampling"), "cpu_interval_s") * 1000);
    if (json_is_false(json_object_get(p, "complete")))
        fprintf(out, "  %sincomplete: the process ended abruptly; figures are from its last snapshot%s\n",
                c_(c, YELLOW), c_(c, RESET));
}

static void time_columns(ctx_t *c, const row_t *r)
{
    char a[16], b[16], s[16], t[16], pct[16];
    fmt_time(a, sizeof a, r->f[FP_FIG_CPU_PYTHON]);
    fmt_time(b, sizeof b, r->f[FP_FIG_CPU_NATIVE]);
    fmt_time(s, sizeof s, r->f[FP_FIG_SYSTEM]);
    fmt_time(t, sizeof t, row_time(r));
    fmt_pct(pct, sizeof pct, row_time(r), c->total_time);
    fprintf(c->out, "%7s %7s %7s %7s %s%6s%s", a, b, s, t, share_color(c, row_time(r), c->total_time), pct,
            c_(c, RESET));
}

static bool row_matters(const ctx_t *c, const row_t *r)
{
    double share = c->o->reduced ? FP_REPORT_REDUCED_SHARE : FP_REPORT_SHARE;
    return c->total_time > 0 && row_time(r) >= share * c->total_time;
}

static void print_file(ctx_t *c, json_t *file)
{
    const char *path = json_string_value(json_object_get(file, "path"));
    size_t i;
    json_t *l;
    bool header = false;
    json_array_foreach(json_object_get(file, "lines"), i, l) {
        row_t r = {.path = path, .line = (int)json_integer_value(json_object_get(l, "line"))};
        fp_fig_from_json(l, r.f);
        r.label = json_string_value(json_object_get(l, "source"));
        if (!row_matters(c, &r))
            continue;
        if (!header) {
            fprintf(c->out, "\n%s", c_(c, BOLD));
            put_clipped_left(c->out, path ? path : "?", c->o->width);
            fprintf(c->out, "%s\n", c_(c, RESET));
            fprintf(c->out, "%s  line  Python  native off-CPU   total  share  source%s\n", c_(c, DIM),
                    c_(c, RESET));
            header = true;
        }
        fprintf(c->out, "%6d ", r.line);
        time_columns(c, &r);
        fputs("  ", c->out);
        put_clipped(c->out, r.label ? r.label : "", c->o->width - 48);
        fputc('\n', c->out);
    }
}

static int by_time_desc(const void *a, const void *b)
{
    double x = row_time(a), y = row_time(b);
    if (x != y)
        return x > y ? -1 : 1;
    return ((const row_t *)a)->line - ((const row_t *)b)->line;
}

static void print_functions(ctx_t *c, json_t *p)
{
    size_t n = 0, cap = 64;
    row_t *rows = fp_xmalloc(cap * sizeof *rows);
    size_t i, j;
    json_t *f, *fn;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        json_array_foreach(json_object_get(f, "functions"), j, fn) {
            if (n == cap)
                rows = fp_xrealloc(rows, (cap *= 2) * sizeof *rows);
            row_t *r = &rows[n];
            r->path = path;
            r->label = json_string_value(json_object_get(fn, "name"));
            r->line = (int)json_integer_value(json_object_get(fn, "line"));
            fp_fig_from_json(fn, r->f);
            if (row_matters(c, r))
                n++;
        }
    }
    qsort(rows, n, sizeof *rows, by_time_desc);
    enum { NAME_W = 24, WHERE_W = 17 };
    if (n > 0) {
        fprintf(c->out, "\n%sFunctions%s (self time of their lines)\n", c_(c, BOLD), c_(c, RESET));
        fprintf(c->out, "%s %-*s %-*s Python  native off-CPU   total  share%s\n", c_(c, DIM), NAME_W,
                "function", WHERE_W - 1, "where", c_(c, RESET));
    }
    for (size_t k = 0; k < n && k < 20; k++) {
        const row_t *r = &rows[k];
        const char *base = r->path ? strrchr(r->path, '/') : NULL;
        base = base ? base + 1 : (r->path ? r->path : "?");
        char where[64];
        snprintf(where, sizeof where, "%s:%d", base, r->line);
        fputc(' ', c->out);
        put_padded(c->out, r->label ? r->label : "?", NAME_W);
        fputc(' ', c->out);
        put_padded(c->out, where, WHERE_W - 1);
        time_columns(c, r);
        fputc('\n', c->out);
    }
    free(rows);
}

void fp_report_print(FILE *out, json_t *profile, const fp_report_opts_t *opts)
{
    ctx_t c = {.out = out, .o = opts};
    print_summary(&c, profile);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(profile, "files"), i, f)
        print_file(&c, f);
    print_functions(&c, profile);
    if (c.total_time <= 0)
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
