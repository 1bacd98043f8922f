/* html.c: the HTML report (see html.h).
 *
 * The page is a template, src/launcher/html/page.html, with markers for
 * the title, the stylesheet (page.css), the script (page.js) and the data;
 * the build embeds the three files as byte arrays (html_assets.c, made by
 * the Makefile with xxd). The data is a digest of the profile, only what
 * the page shows, in arrays rather than objects so that a profile of
 * 10,000 lines stays a few hundred kilobytes. It goes inside
 * <script type="application/json"> with "<", ">", "&" and U+2028/2029
 * escaped, so no text of the program can end that element or start
 * another; the script reads it with JSON.parse and sets text with
 * textContent only. */
#include "html.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "figures.h"
#include "util.h"

/* Generated from src/launcher/html/ by the Makefile (xxd -i). */
extern const unsigned char fp_html_page_html[], fp_html_page_css[], fp_html_page_js[];
extern const unsigned int fp_html_page_html_len, fp_html_page_css_len, fp_html_page_js_len;

/* The figures a line or function carries in the digest, in this order
 * after its first two members (page.js reads them by position). */
static const fp_fig_t digest_figs[] = {FP_FIG_CPU_PYTHON, FP_FIG_CPU_NATIVE, FP_FIG_SYSTEM,    FP_FIG_GPU,
                                       FP_FIG_ALLOC,      FP_FIG_PEAK,       FP_FIG_COPY,      FP_FIG_GPU_ALLOC,
                                       FP_FIG_GPU_PEAK};
enum { DIGEST_FIGS = sizeof digest_figs / sizeof digest_figs[0], MAX_LINE_TIMELINE = 1000 };

/* A figure as JSON: 0 as the integer 0 (most are), bytes as integers. */
static json_t *num(double v, int bytes)
{
    if (!isfinite(v) || v == 0)
        return json_integer(0);
    return bytes ? json_integer((json_int_t)llround(v)) : json_real(v);
}

static double get_num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

static json_t *get_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return json_string(s ? s : "");
}

static void add_figures(json_t *row, json_t *o)
{
    double f[FP_FIG_COUNT];
    fp_fig_from_json(o, f);
    for (size_t k = 0; k < DIGEST_FIGS; k++)
        json_array_append_new(row, num(f[digest_figs[k]], fp_fig_is_bytes[digest_figs[k]]));
}

/* A line's own memory over the run, when the profile has one: numbers only. */
static json_t *line_timeline(json_t *l)
{
    json_t *tl = json_object_get(l, "memory_timeline"), *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(tl, i, v) {
        if (i == MAX_LINE_TIMELINE)
            break;
        json_array_append_new(out, num(json_number_value(v), 1));
    }
    return out;
}

/* [line, source, figures..., timeline?] */
static json_t *digest_line(json_t *l)
{
    json_t *row = json_array();
    json_array_append_new(row, json_integer(json_integer_value(json_object_get(l, "line"))));
    json_array_append_new(row, get_str(l, "source"));
    add_figures(row, l);
    if (json_array_size(json_object_get(l, "memory_timeline")) > 0)
        json_array_append_new(row, line_timeline(l));
    return row;
}

/* [line, name, figures..., end_line] */
static json_t *digest_function(json_t *fn)
{
    json_t *row = json_array();
    json_array_append_new(row, json_integer(json_integer_value(json_object_get(fn, "line"))));
    json_array_append_new(row, get_str(fn, "name"));
    add_figures(row, fn);
    json_array_append_new(row, json_integer(json_integer_value(json_object_get(fn, "end_line"))));
    return row;
}

static json_t *digest_file(json_t *f)
{
    json_t *lines = json_array(), *funcs = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(f, "lines"), i, o)
        json_array_append_new(lines, digest_line(o));
    json_array_foreach(json_object_get(f, "functions"), i, o)
        json_array_append_new(funcs, digest_function(o));
    return json_pack("{s:o, s:o, s:o}", "path", get_str(f, "path"), "lines", lines, "functions", funcs);
}

/* The footprint over time: [[t_s, bytes], ...], malformed points left out. */
static json_t *digest_memory(json_t *mem)
{
    if (!json_is_object(mem))
        return json_null();
    json_t *tl = json_array();
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(mem, "timeline"), i, pt) {
        json_t *t = json_array_get(pt, 0), *b = json_array_get(pt, 1);
        if (json_is_number(t) && json_is_number(b))
            json_array_append_new(tl, json_pack("[o, o]", num(json_number_value(t), 0), num(json_number_value(b), 1)));
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "peak", num(get_num(mem, "peak_bytes"), 1), "at",
                     num(get_num(mem, "peak_at_s"), 0), "profiler", num(get_num(mem, "profiler_bytes"), 1), "bucket",
                     num(get_num(mem, "line_timeline_bucket_s"), 0), "timeline", tl);
}

/* The GPU's memory over time, its peak and the profile's notes on where
 * GPU figures came from; null without a GPU. */
static json_t *digest_gpu(json_t *gpu)
{
    if (!json_is_object(gpu))
        return json_null();
    json_t *d = digest_memory(gpu);
    json_object_set_new(d, "at", num(get_num(gpu, "peak_time_s"), 0));
    json_t *notes = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(gpu, "notes"), i, n)
        if (json_is_string(n))
            json_array_append(notes, n);
    json_object_set_new(d, "notes", notes);
    return d;
}

/* [path, line, function, leaked_bytes, rate_bytes_per_s, confidence] */
static json_t *digest_leaks(json_t *leaks)
{
    json_t *out = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(leaks, i, l) {
        if (json_is_object(l))
            json_array_append_new(out, json_pack("[o, I, o, o, o, o]", get_str(l, "path"),
                                                 (json_int_t)get_num(l, "line"), get_str(l, "function"),
                                                 num(get_num(l, "leaked_bytes"), 1),
                                                 num(get_num(l, "rate_bytes_per_s"), 0),
                                                 num(get_num(l, "confidence"), 0)));
    }
    return out;
}

static json_t *string_array(json_t *a)
{
    json_t *out = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(a, i, s)
        json_array_append_new(out, json_string(json_is_string(s) ? json_string_value(s) : ""));
    return out;
}

/* [pid, parent_pid, argv, elapsed_s, cpu_s, peak_bytes, complete] */
static json_t *digest_processes(json_t *procs)
{
    json_t *out = json_array();
    size_t i;
    json_t *q;
    json_array_foreach(procs, i, q) {
        if (json_is_object(q))
            json_array_append_new(out, json_pack("[I, I, o, o, o, o, b]", (json_int_t)get_num(q, "pid"),
                                                 (json_int_t)get_num(q, "parent_pid"),
                                                 string_array(json_object_get(q, "argv")),
                                                 num(get_num(q, "elapsed_s"), 0), num(get_num(q, "cpu_s"), 0),
                                                 num(get_num(q, "peak_bytes"), 1),
                                                 !json_is_false(json_object_get(q, "complete"))));
    }
    return out;
}

static json_t *digest_files(json_t *p, int *gpu)
{
    json_t *files = json_array();
    size_t i, j;
    json_t *f, *l;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        json_array_append_new(files, digest_file(f));
        json_array_foreach(json_object_get(f, "lines"), j, l)
            *gpu |= get_num(l, "gpu_s") > 0;
    }
    return files;
}

/* What the summary shows about the run. */
static void digest_run(json_t *d, json_t *p)
{
    json_t *python = json_object_get(p, "python"), *sampling = json_object_get(p, "sampling");
    json_t *other = json_object_get(p, "unattributed");
    json_object_set_new(d, "version", json_integer(json_integer_value(json_object_get(p, "version"))));
    json_object_set_new(d, "program", get_str(p, "program"));
    json_object_set_new(d, "argv", string_array(json_object_get(p, "argv")));
    json_object_set_new(d, "python", get_str(python, "version"));
    json_object_set_new(d, "executable", get_str(python, "executable"));
    json_object_set_new(d, "exit", json_integer(json_integer_value(json_object_get(p, "exit_code"))));
    json_object_set_new(d, "elapsed", num(get_num(p, "elapsed_s"), 0));
    json_object_set_new(d, "cpu", num(get_num(p, "cpu_s"), 0));
    json_object_set_new(d, "complete", json_boolean(!json_is_false(json_object_get(p, "complete"))));
    json_object_set_new(d, "interval", num(get_num(sampling, "cpu_interval_s"), 0));
    json_object_set_new(d, "allocMean", num(get_num(sampling, "alloc_mean_bytes"), 1));
    /* time sampled outside the profiled files: Python, native, off-CPU */
    json_object_set_new(d, "other", json_pack("[o, o, o]", num(get_num(other, "cpu_python_s"), 0),
                                              num(get_num(other, "cpu_native_s"), 0), num(get_num(other, "system_s"), 0)));
}

/* The call stacks for the flame graphs: frames as [path, function, line]
 * (and 1 after them for a native frame, whose path is its object), stacks
 * as [[frame numbers, outermost first], time_s, peak_bytes]; null when
 * the profile has none. Stacks with neither are left out. */
static json_t *digest_stacks(json_t *stacks)
{
    if (!json_is_object(stacks))
        return json_null();
    json_t *frames = json_array(), *list = json_array(), *e;
    size_t i;
    json_array_foreach(json_object_get(stacks, "frames"), i, e) {
        json_t *f = json_pack("[o, o, I]", get_str(e, "path"), get_str(e, "function"),
                              json_integer_value(json_object_get(e, "line")));
        if (json_is_true(json_object_get(e, "native")))
            json_array_append_new(f, json_integer(1));
        json_array_append_new(frames, f);
    }
    json_array_foreach(json_object_get(stacks, "list"), i, e) {
        double t = get_num(e, "cpu_python_s") + get_num(e, "cpu_native_s") + get_num(e, "system_s");
        double peak = get_num(e, "peak_bytes");
        if (t > 0 || peak > 0)
            json_array_append_new(list, json_pack("[O, o, o]", json_object_get(e, "frames"), num(t, 0), num(peak, 1)));
    }
    return json_pack("{soso}", "frames", frames, "list", list);
}

/* Everything the page shows, and nothing else. */
static int by_total_time(const void *a, const void *b)
{
    double x = get_num(*(json_t *const *)a, "total_time_s"), y = get_num(*(json_t *const *)b, "total_time_s");
    return (x < y) - (x > y);
}

/* The program's own imports (those with no parent), costliest first, at
 * most 30: [name, total s, total bytes or -1 (not measured), path, line]. */
static json_t *digest_imports(json_t *imports)
{
    size_t n = 0, i;
    json_t *e, **top = calloc(json_array_size(imports) + 1, sizeof *top), *out = json_array();
    json_array_foreach(imports, i, e)
        if (top && json_is_null(json_object_get(e, "parent")))
            top[n++] = e;
    if (n)
        qsort(top, n, sizeof *top, by_total_time);
    for (i = 0; i < n && i < 30; i++) {
        json_t *bytes = json_object_get(top[i], "total_alloc_bytes");
        json_array_append_new(out, json_pack("[o, o, o, o, I]", get_str(top[i], "name"),
                                             num(get_num(top[i], "total_time_s"), 0),
                                             json_is_number(bytes) ? num(json_number_value(bytes), 1) : json_integer(-1),
                                             get_str(top[i], "file"), json_integer_value(json_object_get(top[i], "line"))));
    }
    free(top);
    return out;
}

static json_t *digest(json_t *p)
{
    json_t *d = json_object();
    int gpu = json_is_object(json_object_get(p, "gpu"));
    digest_run(d, p);
    json_object_set_new(d, "files", digest_files(p, &gpu));
    json_object_set_new(d, "gpu", json_boolean(gpu));
    json_object_set_new(d, "gpuMemory", digest_gpu(json_object_get(p, "gpu")));
    json_object_set_new(d, "memory", digest_memory(json_object_get(p, "memory")));
    json_object_set_new(d, "leaks", digest_leaks(json_object_get(p, "leaks")));
    json_object_set_new(d, "processes", digest_processes(json_object_get(p, "processes")));
    json_object_set_new(d, "imports", digest_imports(json_object_get(p, "imports")));
    json_object_set_new(d, "stacks", digest_stacks(json_object_get(p, "stacks")));
    return d;
}

/* JSON text made safe inside a <script> element: "<", ">" and "&" can
 * only occur inside JSON strings, where \uXXXX means the same character;
 * U+2028/2029 likewise, for any reader that takes the text as script. */
void fp_html_put_json_for_script(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<' || c == '>' || c == '&')
            fprintf(out, "\\u%04x", c);
        else if (c == 0xE2 && (unsigned char)s[1] == 0x80 && ((unsigned char)s[2] == 0xA8 || (unsigned char)s[2] == 0xA9)) {
            fprintf(out, "\\u%04x", (unsigned char)s[2] == 0xA8 ? 0x2028 : 0x2029);
            s += 2;
        } else
            fputc(c, out);
    }
}

void fp_html_put_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

static void put_marker(FILE *out, const char *name, size_t len, const fp_html_marker_t *markers, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const fp_html_marker_t *m = &markers[i];
        if (strlen(m->name) != len || memcmp(m->name, name, len) != 0)
            continue;
        if (m->raw)
            fwrite(m->raw, 1, m->raw_len, out);
        else if (m->text)
            fp_html_put_text(out, m->text);
        else if (m->json)
            fp_html_put_json_for_script(out, m->json);
        return;
    }
    fprintf(out, "@@%.*s@@", (int)len, name); /* not a marker: the text stays */
}

void fp_html_fill(FILE *out, const unsigned char *tmpl, size_t len, const fp_html_marker_t *markers, size_t n)
{
    const char *t = (const char *)tmpl, *end = t + len;
    while (t < end) {
        const char *m = memmem(t, (size_t)(end - t), "@@", 2);
        const char *close = m ? memmem(m + 2, (size_t)(end - m - 2), "@@", 2) : NULL;
        if (!close) {
            fwrite(t, 1, (size_t)(end - t), out);
            return;
        }
        fwrite(t, 1, (size_t)(m - t), out);
        put_marker(out, m + 2, (size_t)(close - m - 2), markers, n);
        t = close + 2;
    }
}

/* The template with its markers replaced. */
static void put_page(FILE *out, json_t *profile, const char *data)
{
    const char *program = json_string_value(json_object_get(profile, "program"));
    const fp_html_marker_t markers[] = {
        {.name = "CSS", .raw = fp_html_page_css, .raw_len = fp_html_page_css_len},
        {.name = "JS", .raw = fp_html_page_js, .raw_len = fp_html_page_js_len},
        {.name = "TITLE", .text = program ? program : "profile"},
        {.name = "DATA", .json = data},
    };
    fp_html_fill(out, fp_html_page_html, fp_html_page_html_len, markers, sizeof markers / sizeof *markers);
}

/* The whole page in memory, so that nothing reaches PATH unless all of
 * it was made. Returns a malloc'd buffer, or NULL. */
static char *render(json_t *profile, size_t *len)
{
    json_t *d = digest(profile);
    char *data = d ? json_dumps(d, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(d);
    if (!data)
        return NULL;
    char *page = NULL;
    FILE *out = open_memstream(&page, len);
    if (out) {
        put_page(out, profile, data);
        if (fclose(out) != 0) {
            free(page);
            page = NULL;
        }
    }
    free(data);
    return page;
}

int fp_html_write(json_t *profile, const char *path)
{
    size_t len = 0;
    char *page = render(profile, &len);
    if (!page) {
        fp_error("cannot write --html '%s': out of memory", path);
        return -1;
    }
    struct stat st;
    int existed = stat(path, &st) == 0;
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || fwrite(page, 1, len, f) != len || fflush(f) != 0) {
        fp_error("cannot write --html '%s': %s", path, strerror(errno));
        rc = -1;
    }
    if (f && fclose(f) != 0 && rc == 0) {
        fp_error("cannot write --html '%s': %s", path, strerror(errno));
        rc = -1;
    }
    /* a partial page is worse than none; something that was there and is
     * not a plain file (a pipe, /dev/stdout) stays */
    if (rc != 0 && f && (!existed || S_ISREG(st.st_mode)))
        unlink(path);
    free(page);
    return rc;
}
