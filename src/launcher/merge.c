/* merge.c: fragments -> profile (see merge.h). */
#include "merge.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fragment_format.h"
#include "../common/utf8.h"
#include "figures.h"
#include "gpumerge.h"
#include "proc.h"
#include "stackmerge.h"
#include "util.h"

enum { HISTORY_MAX = 64 };

typedef struct mline {
    int line;
    double f[FP_FIG_COUNT];
    int nhistory;                 /* its memory over time, when it held some */
    double history[HISTORY_MAX];
} mline_t;

typedef struct mspan {
    const char *name; /* owned by the fragment's json, kept alive while merging */
    int first, last;
} mspan_t;

typedef struct mfile {
    char *path;
    mline_t *lines;
    size_t nlines, cap;
    mspan_t *spans;
    size_t nspans, span_cap;
    bool spans_known;  /* some process read this file's functions */
} mfile_t;

typedef struct merge {
    mfile_t *files;
    size_t nfiles, cap;
    json_t *fragments; /* array of every fragment read */
    json_t *late_spans; /* spans the launcher read itself, kept alive here */
} merge_t;

static mfile_t *file_for(merge_t *m, const char *path)
{
    for (size_t i = 0; i < m->nfiles; i++)
        if (strcmp(m->files[i].path, path) == 0)
            return &m->files[i];
    if (m->nfiles == m->cap)
        m->files = fp_xrealloc(m->files, (m->cap = m->cap ? m->cap * 2 : 16) * sizeof *m->files);
    mfile_t *f = &m->files[m->nfiles++];
    memset(f, 0, sizeof *f);
    f->path = fp_xstrdup(path);
    return f;
}

/* Fragment lines are arrays in the order of fp_fig_fragment_order. */
static void add_lines(mfile_t *f, json_t *lines)
{
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        if (!json_is_array(l) || json_array_size(l) < 1 + FP_FIG_FRAGMENT_COUNT)
            continue;
        if (f->nlines == f->cap)
            f->lines = fp_xrealloc(f->lines, (f->cap = f->cap ? f->cap * 2 : 64) * sizeof *f->lines);
        mline_t *ml = &f->lines[f->nlines++];
        memset(ml, 0, sizeof *ml);
        ml->line = (int)json_integer_value(json_array_get(l, 0));
        for (int k = 0; k < FP_FIG_FRAGMENT_COUNT; k++)
            ml->f[fp_fig_fragment_order[k]] = json_number_value(json_array_get(l, (size_t)k + 1));
        json_t *h = json_array_get(l, 1 + FP_FIG_FRAGMENT_COUNT);
        for (size_t k = 0; k < json_array_size(h) && k < HISTORY_MAX; k++)
            ml->history[ml->nhistory++] = json_number_value(json_array_get(h, k));
    }
}

static void add_spans(mfile_t *f, json_t *spans)
{
    size_t i;
    json_t *s;
    json_array_foreach(spans, i, s) {
        const char *name = json_string_value(json_array_get(s, 0));
        if (!name)
            continue;
        if (f->nspans == f->span_cap)
            f->spans = fp_xrealloc(f->spans, (f->span_cap = f->span_cap ? f->span_cap * 2 : 32) * sizeof *f->spans);
        mspan_t *sp = &f->spans[f->nspans++];
        sp->name = name;
        sp->first = (int)json_integer_value(json_array_get(s, 1));
        sp->last = (int)json_integer_value(json_array_get(s, 2));
    }
}

/* The GPU figures of a fragment's lines: [path, line, the
 * FP_FRAG_GPU_FIGURES] (src/agent/gpu.c). */
static void add_gpu_lines(merge_t *m, json_t *lines)
{
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        const char *path = json_string_value(json_array_get(l, 0));
        if (!path || !json_is_integer(json_array_get(l, 1)))
            continue;
        mfile_t *f = file_for(m, path);
        if (f->nlines == f->cap)
            f->lines = fp_xrealloc(f->lines, (f->cap = f->cap ? f->cap * 2 : 64) * sizeof *f->lines);
        mline_t *ml = &f->lines[f->nlines++];
        memset(ml, 0, sizeof *ml);
        ml->line = (int)json_integer_value(json_array_get(l, 1));
        ml->f[FP_FIG_GPU] = json_number_value(json_array_get(l, 2 + FP_FRAG_GPU_BUSY));
        ml->f[FP_FIG_GPU_ALLOC] = json_number_value(json_array_get(l, 2 + FP_FRAG_GPU_ALLOC));
        ml->f[FP_FIG_GPU_PEAK] = json_number_value(json_array_get(l, 2 + FP_FRAG_GPU_PEAK));
    }
}

static void add_fragment(merge_t *m, json_t *frag)
{
    json_array_append(m->fragments, frag);
    size_t i;
    json_t *file;
    json_array_foreach(json_object_get(frag, FP_FRAG_FILES), i, file) {
        const char *path = json_string_value(json_object_get(file, FP_FRAG_PATH));
        if (!path)
            continue;
        mfile_t *f = file_for(m, path);
        add_lines(f, json_object_get(file, FP_FRAG_LINES));
        json_t *funcs = json_object_get(file, FP_FRAG_FUNCTIONS);
        if (json_is_array(funcs)) {
            f->spans_known = true;
            add_spans(f, funcs);
        }
    }
    add_gpu_lines(m, json_object_get(json_object_get(frag, FP_FRAG_GPU), FP_FRAG_GPU_LINES));
}

static int by_line(const void *a, const void *b)
{
    const mline_t *x = a, *y = b;
    return (x->line > y->line) - (x->line < y->line);
}

static int by_span(const void *a, const void *b)
{
    const mspan_t *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->last != y->last)
        return x->last > y->last ? -1 : 1; /* outer before inner */
    return strcmp(x->name, y->name);
}

/* Sorts the spans, outer before inner, and drops the duplicates that
 * several processes reported. Running it again changes nothing. */
static void combine_spans(mfile_t *f)
{
    if (f->nspans > 1)
        qsort(f->spans, f->nspans, sizeof *f->spans, by_span);
    size_t out = 0;
    for (size_t i = 0; i < f->nspans; i++)
        if (out == 0 || by_span(&f->spans[out - 1], &f->spans[i]) != 0)
            f->spans[out++] = f->spans[i];
    f->nspans = out;
}

/* Sorts lines and sums the duplicates that several processes reported. */
static void combine_lines(mfile_t *f)
{
    if (f->nlines > 1)
        qsort(f->lines, f->nlines, sizeof *f->lines, by_line);
    size_t out = 0;
    for (size_t i = 0; i < f->nlines; i++) {
        if (out > 0 && f->lines[out - 1].line == f->lines[i].line) {
            mline_t *into = &f->lines[out - 1];
            for (int k = 0; k < FP_FIG_COUNT; k++)
                into->f[k] += f->lines[i].f[k];
            for (int k = 0; k < f->lines[i].nhistory; k++)
                into->history[k] += f->lines[i].history[k];
            if (f->lines[i].nhistory > into->nhistory)
                into->nhistory = f->lines[i].nhistory;
        } else {
            f->lines[out++] = f->lines[i];
        }
    }
    f->nlines = out;
    combine_spans(f);
}

/* The innermost function whose span holds LINE, or -1. Spans are sorted
 * (combine_spans) by first line, outer first, so the last match is the
 * innermost. The one rule for a line's function: its figures and its
 * leaks both go by it. */
static long owner_of(const mfile_t *f, int line)
{
    long best = -1;
    for (size_t i = 0; f && i < f->nspans && f->spans[i].first <= line; i++)
        if (line <= f->spans[i].last)
            best = (long)i;
    return best;
}

/* Splits source text into lines: LINES[i] points at line i+1. */
static char **split_source(char *text, size_t *count)
{
    size_t cap = 256, n = 0;
    char **lines = fp_xmalloc(cap * sizeof *lines);
    for (char *p = text; p && *p;) {
        if (n == cap)
            lines = fp_xrealloc(lines, (cap *= 2) * sizeof *lines);
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        if (nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        *nl = '\0';
        p = nl + 1;
    }
    *count = n;
    return lines;
}

static json_t *line_json(const mline_t *l, const char *source)
{
    json_t *o = json_object();
    json_object_set_new(o, "line", json_integer(l->line));
    char *clean = fp_utf8_sanitize(source, strlen(source));
    json_object_set_new(o, "source", json_string(clean ? clean : ""));
    free(clean);
    fp_fig_to_json(o, l->f);
    if (l->nhistory > 0) {
        json_t *h = json_array();
        for (int k = 0; k < l->nhistory; k++)
            json_array_append_new(h, json_integer((json_int_t)(l->history[k] + 0.5)));
        json_object_set_new(o, "memory_timeline", h);
    }
    return o;
}

static json_t *file_json(mfile_t *f)
{
    combine_lines(f);
    size_t nsrc = 0;
    char *text = fp_read_file(f->path, NULL);
    char **src = text ? split_source(text, &nsrc) : NULL;
    double (*fsum)[FP_FIG_COUNT] = fp_xcalloc(f->nspans + 1, sizeof *fsum);
    json_t *lines = json_array();
    for (size_t i = 0; i < f->nlines; i++) {
        const mline_t *l = &f->lines[i];
        bool any = false;
        for (int k = 0; k < FP_FIG_COUNT; k++)
            any |= l->f[k] != 0;
        if (!any)
            continue;
        const char *s = l->line >= 1 && (size_t)l->line <= nsrc ? src[l->line - 1] : "";
        json_array_append_new(lines, line_json(l, s));
        long owner = owner_of(f, l->line);
        for (int k = 0; k < FP_FIG_COUNT; k++)
            fsum[owner + 1][k] += l->f[k];
    }
    json_t *funcs = json_array();
    for (size_t i = 0; i < f->nspans; i++) {
        bool any = false;
        for (int k = 0; k < FP_FIG_COUNT; k++)
            any |= fsum[i + 1][k] != 0;
        if (!any)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(f->spans[i].name));
        json_object_set_new(o, "line", json_integer(f->spans[i].first > 0 ? f->spans[i].first : 1));
        json_object_set_new(o, "end_line", json_integer(f->spans[i].last > 0 ? f->spans[i].last : 1));
        fp_fig_to_json(o, fsum[i + 1]);
        json_array_append_new(funcs, o);
    }
    free(fsum);
    free(src);
    free(text);
    json_t *o = json_object();
    char *clean = fp_utf8_sanitize(f->path, strlen(f->path));
    json_object_set_new(o, "path", json_string(clean ? clean : ""));
    free(clean);
    json_object_set_new(o, "lines", lines);
    json_object_set_new(o, "functions", funcs);
    return o;
}

/* The innermost function of F holding LINE, "<module>" when none. */
static const char *function_at(mfile_t *f, int line)
{
    if (f)
        combine_spans(f);
    long i = owner_of(f, line);
    return i >= 0 ? f->spans[i].name : "<module>";
}

/* For the stack merge: the function of PATH holding LINE. */
static const char *function_of(void *ctx, const char *path, int line)
{
    merge_t *m = ctx;
    for (size_t i = 0; i < m->nfiles; i++)
        if (strcmp(m->files[i].path, path) == 0)
            return function_at(&m->files[i], line);
    return "<module>";
}

static int by_confidence(const void *a, const void *b)
{
    double x = json_number_value(json_object_get(*(json_t *const *)a, "confidence"));
    double y = json_number_value(json_object_get(*(json_t *const *)b, "confidence"));
    return (x < y) - (x > y);
}

/* Every process's likely leaks, with the function they are in, most
 * certain first. */
static json_t *leaks_json(merge_t *m)
{
    size_t n = 0, i, j;
    json_t *frag, *leak;
    json_array_foreach(m->fragments, i, frag)
        n += json_array_size(json_object_get(frag, FP_FRAG_LEAKS));
    json_t **list = fp_xcalloc(n + 1, sizeof *list);
    n = 0;
    json_array_foreach(m->fragments, i, frag) {
        json_array_foreach(json_object_get(frag, FP_FRAG_LEAKS), j, leak) {
            const char *path = json_string_value(json_object_get(leak, "path"));
            if (!path || !json_is_integer(json_object_get(leak, "line")))
                continue;
            mfile_t *f = NULL;
            for (size_t k = 0; k < m->nfiles && !f; k++)
                if (strcmp(m->files[k].path, path) == 0)
                    f = &m->files[k];
            json_t *o = json_deep_copy(leak);
            char *clean = fp_utf8_sanitize(path, strlen(path));
            json_object_set_new(o, "path", json_string(clean ? clean : ""));
            free(clean);
            json_object_set_new(o, "function",
                                json_string(function_at(f, (int)json_integer_value(json_object_get(leak, "line")))));
            list[n++] = o;
        }
    }
    if (n > 1)
        qsort(list, n, sizeof *list, by_confidence);
    json_t *out = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(out, list[k]);
    free(list);
    return out;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const mfile_t *)a)->path, ((const mfile_t *)b)->path);
}

static json_t *files_json(merge_t *m)
{
    if (m->nfiles > 1)
        qsort(m->files, m->nfiles, sizeof *m->files, by_path);
    json_t *files = json_array();
    for (size_t i = 0; i < m->nfiles; i++) {
        json_t *f = file_json(&m->files[i]);
        if (json_array_size(json_object_get(f, "lines")) > 0)
            json_array_append_new(files, f);
        else
            json_decref(f);
        free(m->files[i].path);
        free(m->files[i].lines);
        free(m->files[i].spans);
    }
    free(m->files);
    return files;
}

static void read_fragments(merge_t *m, const char *run_dir)
{
    DIR *d = opendir(run_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char *path = fp_xasprintf("%s/%s", run_dir, e->d_name);
        json_error_t err;
        json_t *frag = json_load_file(path, 0, &err);
        if (!frag || !json_is_object(frag) || !json_object_get(frag, FP_FRAG_FORMAT))
            fp_error("warning: skipping an unreadable fragment of process %.*s (%s)", (int)(n - 5),
                     e->d_name, frag ? "not a fragment" : err.text);
        else
            add_fragment(m, frag);
        json_decref(frag);
        free(path);
    }
    closedir(d);
}

/* Reads the functions of files no process could read them for (it was
 * killed first), with the interpreter and the boot module's reader. */
static void read_missing_spans(merge_t *m, const fp_run_facts_t *facts)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nfiles; i++)
        n += !m->files[i].spans_known;
    if (n == 0 || !facts->spans_script)
        return;
    char **argv = fp_xcalloc(n + 5, sizeof *argv);
    size_t k = 0;
    argv[k++] = (char *)facts->python;
    argv[k++] = "-I";
    argv[k++] = "-S";
    argv[k++] = (char *)facts->spans_script;
    for (size_t i = 0; i < m->nfiles; i++)
        if (!m->files[i].spans_known)
            argv[k++] = m->files[i].path;
    char *out = NULL;
    fp_proc_capture(argv, &out, 30000);
    free(argv);
    m->late_spans = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    for (size_t i = 0; i < m->nfiles && m->late_spans; i++)
        if (!m->files[i].spans_known)
            add_spans(&m->files[i], json_object_get(m->late_spans, m->files[i].path));
}

static json_t *find_main(json_t *fragments, pid_t pid)
{
    size_t i;
    json_t *f;
    json_array_foreach(fragments, i, f)
        if (json_integer_value(json_object_get(f, FP_FRAG_PID)) == pid)
            return f;
    return NULL;
}

static json_t *string_array(char **v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        char *clean = fp_utf8_sanitize(v[i], strlen(v[i]));
        json_array_append_new(a, json_string(clean ? clean : ""));
        free(clean);
    }
    return a;
}

static json_t *processes_json(json_t *fragments, pid_t main_pid)
{
    json_t *list = json_array();
    json_t *main = find_main(fragments, main_pid);
    size_t i;
    json_t *f;
    /* the program first, then its children in the order they appear */
    for (int pass = 0; pass < 2; pass++) {
        json_array_foreach(fragments, i, f) {
            if ((f == main) != (pass == 0))
                continue;
            json_t *p = json_object();
            json_object_set(p, "pid", json_object_get(f, FP_FRAG_PID));
            json_object_set(p, "parent_pid", json_object_get(f, FP_FRAG_PARENT_PID));
            json_object_set(p, "argv", json_object_get(f, FP_FRAG_ARGV));
            json_object_set(p, "elapsed_s", json_object_get(f, FP_FRAG_ELAPSED_S));
            json_object_set(p, "cpu_s", json_object_get(f, FP_FRAG_CPU_S));
            json_t *mem = json_object_get(f, FP_FRAG_MEMORY);
            if (json_is_object(mem))
                json_object_set(p, "peak_bytes", json_object_get(mem, "peak_bytes"));
            json_object_set_new(p, "complete", json_boolean(json_is_true(json_object_get(f, FP_FRAG_FINAL))));
            json_array_append_new(list, p);
        }
    }
    return list;
}

/* Sums a numeric member of every fragment's object OBJ (or of the
 * fragment itself when OBJ is NULL). */
static double sum_of(json_t *fragments, const char *obj, const char *key)
{
    double total = 0;
    size_t i;
    json_t *f;
    json_array_foreach(fragments, i, f)
        total += json_number_value(json_object_get(obj ? json_object_get(f, obj) : f, key));
    return total;
}

static json_t *unattributed_json(json_t *fragments)
{
    json_t *o = json_object();
    static const char *const keys[] = {FP_FRAG_CPU_PYTHON_S, FP_FRAG_CPU_NATIVE_S, FP_FRAG_OFFCPU_S};
    for (int k = 0; k < 3; k++)
        json_object_set_new(o, keys[k], json_real(sum_of(fragments, FP_FRAG_UNATTRIBUTED, keys[k])));
    return o;
}

/* The sampling the main process's agent used (the launcher's options only
 * when it left no fragment), and what it costs in precision: a Poisson
 * process on bytes. */
static json_t *sampling_json(json_t *main, const fp_run_facts_t *facts)
{
    json_t *used = main ? json_object_get(main, FP_FRAG_SAMPLING) : NULL;
    json_t *interval = json_object_get(used, FP_FRAG_CPU_INTERVAL_S);
    double interval_s = facts->interval_s;
    json_int_t mean = facts->memory ? (json_int_t)facts->alloc_mean_bytes : 0;
    if (json_is_number(interval)) {
        interval_s = json_number_value(interval);
        mean = json_integer_value(json_object_get(used, FP_FRAG_ALLOC_MEAN_BYTES)); /* 0: no memory */
    }
    json_t *sampling = json_pack("{sf}", "cpu_interval_s", interval_s);
    if (json_is_true(json_object_get(used, FP_FRAG_NATIVE_STACKS)))
        json_object_set_new(sampling, "native_stacks", json_true());
    if (mean <= 0)
        return sampling;
    json_object_set_new(sampling, "alloc_mean_bytes", json_integer(mean));
    json_object_set_new(sampling, "copy_mean_bytes", json_integer(FP_COPY_MEAN_FACTOR * mean));
    json_object_set_new(sampling, "alloc_exact_above_bytes", json_integer(FP_ALLOC_EXACT_FACTOR * mean));
    json_object_set_new(sampling, "alloc_std_error",
                        json_string("a figure of B bytes made of blocks smaller than alloc_exact_above_bytes "
                                    "has a standard error of about sqrt(B * alloc_mean_bytes) bytes"));
    return sampling;
}

json_t *fp_merge_run(const char *run_dir, const fp_run_facts_t *facts)
{
    merge_t m = {.fragments = json_array()};
    read_fragments(&m, run_dir);
    read_missing_spans(&m, facts);
    json_t *main = find_main(m.fragments, facts->main_pid);
    json_t *p = json_object();
    json_object_set_new(p, "format", json_string("footprint-profile"));
    json_object_set_new(p, "version", json_integer(1));
    json_object_set_new(p, "program", json_string(facts->program));
    json_t *argv = main ? json_object_get(main, FP_FRAG_ARGV) : NULL;
    json_object_set_new(p, "argv", argv ? json_incref(argv) : string_array(facts->argv, facts->argc));
    json_t *py = main ? json_object_get(main, FP_FRAG_PYTHON) : NULL;
    if (!py) {
        py = json_pack("{ssss}", "executable", facts->python, "version", facts->python_version);
        json_object_set_new(p, "python", py);
    } else {
        json_object_set(p, "python", py);
    }
    double elapsed = main ? json_number_value(json_object_get(main, FP_FRAG_ELAPSED_S)) : facts->elapsed_s;
    json_object_set_new(p, "elapsed_s", json_real(elapsed));
    json_object_set_new(p, "cpu_s", json_real(sum_of(m.fragments, NULL, FP_FRAG_CPU_S)));
    json_object_set_new(p, "exit_code", json_integer(facts->exit_code));
    json_object_set_new(p, "sampling", sampling_json(main, facts));
    json_t *mem = main ? json_object_get(main, FP_FRAG_MEMORY) : NULL;
    json_object_set(p, "memory", mem ? mem : json_null());
    json_object_set_new(p, "gpu", fp_gpumerge_section(m.fragments, main));
    json_object_set_new(p, "leaks", leaks_json(&m));
    json_t *stacks = fp_stackmerge_run(m.fragments, main, function_of, &m); /* before files_json frees the files */
    json_object_set_new(p, "files", files_json(&m));
    json_object_set_new(p, "processes", processes_json(m.fragments, facts->main_pid));
    json_object_set_new(p, "unattributed", unattributed_json(m.fragments));
    json_object_set_new(p, "complete", json_boolean(main && json_is_true(json_object_get(main, FP_FRAG_FINAL))));
    if (stacks)
        json_object_set_new(p, "stacks", stacks);
    json_decref(m.fragments);
    json_decref(m.late_spans);
    return p;
}
