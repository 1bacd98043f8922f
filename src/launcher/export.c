/* export.c: `footprint export` (see export.h): options, and the
 * collapsed, speedscope and chrome writers. */
#include "export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof.h"
#include "profile.h"
#include "stackset.h"
#include "util.h"

enum { EXIT_USAGE = 2 };

typedef enum { FIG_TIME, FIG_ALLOC, FIG_PEAK } figure_t;

typedef struct opts {
    const char *format;
    const char *out;
    const char *profile;
    figure_t figure;
} opts_t;

static int usage_error(const char *what)
{
    fp_error("%s (usage: footprint export --format collapsed|speedscope|pprof|chrome "
             "[--figure time|alloc|peak] profile.json -o OUT)",
             what);
    return -1;
}

static int set_figure(opts_t *o, const char *v)
{
    static const char *const names[] = {"time", "alloc", "peak"};
    for (int i = 0; i < 3; i++)
        if (strcmp(v, names[i]) == 0) {
            o->figure = (figure_t)i;
            return 0;
        }
    fp_error("--figure wants time, alloc or peak, not '%s'", v);
    return -1;
}

/* The value of option ARGV[*I] (as --name=value or --name value). */
static const char *value_of(int argc, char **argv, int *i, const char *name)
{
    const char *eq = strchr(argv[*i], '=');
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc) {
        fp_error("option %s wants a value", name);
        return NULL;
    }
    return argv[++*i];
}

static bool is_option(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_one(opts_t *o, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *v;
    if (is_option(arg, "--format"))
        return (o->format = value_of(argc, argv, i, "--format")) ? 0 : -1;
    if (is_option(arg, "-o") || is_option(arg, "--output"))
        return (o->out = value_of(argc, argv, i, "-o")) ? 0 : -1;
    if (is_option(arg, "--figure"))
        return (v = value_of(argc, argv, i, "--figure")) ? set_figure(o, v) : -1;
    if (arg[0] == '-' && arg[1] != '\0') {
        fp_error("unknown option '%s' for export", arg);
        return -1;
    }
    if (o->profile) {
        fp_error("export takes one profile, not '%s' too", arg);
        return -1;
    }
    o->profile = arg;
    return 0;
}

static int parse(opts_t *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++)
        if (parse_one(o, argc, argv, &i) != 0)
            return -1;
    if (!o->format)
        return usage_error("export wants --format");
    if (!o->profile)
        return usage_error("export wants a profile file");
    if (!o->out)
        return usage_error("export wants -o OUT (- for stdout)");
    static const char *const formats[] = {"collapsed", "speedscope", "pprof", "chrome"};
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
        if (strcmp(o->format, formats[k]) == 0)
            return 0;
    fp_error("unknown export format '%s' (collapsed, speedscope, pprof or chrome)", o->format);
    return -1;
}

/* ---- collapsed ---- */

/* Writes S with the characters that would break a folded line (the frame
 * separator ';', line breaks) as spaces. */
static void put_clean(FILE *out, const char *s)
{
    for (; s && *s; s++)
        fputc(*s == ';' || *s == '\n' || *s == '\r' ? ' ' : *s, out);
}

static double weight_of(const double f[FP_SS_NFIG], figure_t fig)
{
    if (fig == FIG_TIME)
        return (f[FP_SS_PYTHON] + f[FP_SS_NATIVE] + f[FP_SS_OFFCPU]) * 1e6;
    return f[fig == FIG_ALLOC ? FP_SS_ALLOC : FP_SS_PEAK];
}

static double weight(const fp_ss_stack_t *s, figure_t fig) { return weight_of(s->f, fig); }

static int write_collapsed(FILE *out, const fp_stackset_t *ss, figure_t fig)
{
    for (size_t i = 0; i < ss->nstacks; i++) {
        const fp_ss_stack_t *s = &ss->stacks[i];
        long long w = (long long)(weight(s, fig) + 0.5);
        if (w <= 0)
            continue;
        for (size_t d = 0; d < s->depth; d++) {
            const fp_ss_frame_t *f = &ss->frames[s->frames[d]];
            if (d)
                fputc(';', out);
            put_clean(out, f->path);
            fputc(':', out);
            put_clean(out, f->function);
            fprintf(out, ":%ld", f->line);
        }
        fprintf(out, " %lld\n", w);
    }
    return 0;
}

/* ---- speedscope ---- */

enum { ALL_PROCESSES = -1 };

/* Stack S's weight for FIG in process PROC (or ALL_PROCESSES). */
static double weight_in(const fp_ss_stack_t *s, long proc, figure_t fig)
{
    if (proc == ALL_PROCESSES)
        return weight(s, fig);
    double f[FP_SS_NFIG];
    for (int k = 0; k < FP_SS_NFIG; k++)
        f[k] = fp_stackset_figure(s, (size_t)proc, k);
    return weight_of(f, fig);
}

/* One "sampled" profile: a sample per stack with a weight in PROC, or
 * NULL when none has one. */
static json_t *speedscope_profile(const fp_stackset_t *ss, long proc, const char *name, figure_t fig)
{
    json_t *samples = json_array(), *weights = json_array();
    double total = 0;
    for (size_t i = 0; i < ss->nstacks; i++) {
        const fp_ss_stack_t *s = &ss->stacks[i];
        double w = weight_in(s, proc, fig);
        if (fig != FIG_TIME)
            w = (double)(json_int_t)(w + 0.5); /* whole bytes */
        if (w <= 0)
            continue;
        json_t *chain = json_array();
        for (size_t d = 0; d < s->depth; d++) /* speedscope: root first, as here */
            json_array_append_new(chain, json_integer((json_int_t)s->frames[d]));
        json_array_append_new(samples, chain);
        json_array_append_new(weights, fig == FIG_TIME ? json_real(w / 1e6) : json_integer((json_int_t)w));
        total += fig == FIG_TIME ? w / 1e6 : w;
    }
    if (json_array_size(samples) == 0 && proc != ALL_PROCESSES) {
        json_decref(samples), json_decref(weights);
        return NULL;
    }
    return json_pack("{sssssssisfsoso}", "type", "sampled", "name", name, "unit", fig == FIG_TIME ? "seconds" : "bytes",
                     "startValue", 0, "endValue", total, "samples", samples, "weights", weights);
}

/* "pid 123: prog.py arg ..." for process P of the profile: its argv as
 * sys.argv had it, the script's directory left out, cut at a character
 * (the name must stay UTF-8) past 100 bytes. A new string. */
static char *process_name(json_t *p)
{
    json_t *argv = json_object_get(p, "argv"), *a;
    size_t i, len = 0;
    char cmd[128] = "";
    json_array_foreach(argv, i, a) {
        const char *arg = json_string_value(a) ? json_string_value(a) : "";
        if (i == 0 && strrchr(arg, '/'))
            arg = strrchr(arg, '/') + 1;
        if (len < 100)
            len += (size_t)snprintf(cmd + len, sizeof cmd - len, "%s%s", i ? " " : "", arg);
    }
    if (len > 100) {
        len = 100;
        while (len > 0 && ((unsigned char)cmd[len] & 0xC0) == 0x80) /* a UTF-8 continuation byte */
            len--;
        memcpy(cmd + len, "...", 4);
    }
    return fp_xasprintf("pid %lld: %s", (long long)json_integer_value(json_object_get(p, "pid")), cmd);
}

/* Time and, with memory, bytes allocated and live at the peak, in process
 * PROC (or ALL_PROCESSES), named after WHO. */
static void speedscope_add(json_t *profiles, const fp_stackset_t *ss, bool memory, long proc, const char *who)
{
    static const char *const what[] = {"time", "bytes allocated", "bytes live at the peak"};
    for (int fig = FIG_TIME; fig <= (memory ? FIG_PEAK : FIG_TIME); fig++) {
        char *name = fp_xasprintf("%s (%s)", what[fig], who);
        json_t *one = speedscope_profile(ss, proc, name, (figure_t)fig);
        if (one)
            json_array_append_new(profiles, one);
        free(name);
    }
}

/* Which of the N processes have a share of some stack (N + 1 flags). */
static bool *processes_with_stacks(const fp_stackset_t *ss, size_t n)
{
    bool *has = fp_xcalloc(n + 1, sizeof *has);
    for (size_t i = 0; i < ss->nstacks; i++)
        for (size_t k = 0; k < ss->stacks[i].nshares; k++)
            if (ss->stacks[i].shares[k].process < n) /* fp_stackset_check sees to it; the bound stays */
                has[ss->stacks[i].shares[k].process] = true;
    return has;
}

/* With one process, its profiles; with more, the sum of all, then each
 * process's own when the profile says whose each stack is (by_process). */
static json_t *speedscope_profiles(json_t *profile, const fp_stackset_t *ss)
{
    json_t *profiles = json_array(), *procs = json_object_get(profile, "processes");
    bool memory = json_is_object(json_object_get(profile, "memory"));
    size_t n = json_array_size(procs);
    if (n == 1) {
        char *who = process_name(json_array_get(procs, 0));
        speedscope_add(profiles, ss, memory, ALL_PROCESSES, who);
        free(who);
        return profiles;
    }
    speedscope_add(profiles, ss, memory, ALL_PROCESSES, "all processes");
    bool *has = processes_with_stacks(ss, n);
    for (size_t i = 0; i < n; i++) {
        if (!has[i])
            continue;
        char *who = process_name(json_array_get(procs, i));
        speedscope_add(profiles, ss, memory, (long)i, who);
        free(who);
    }
    free(has);
    return profiles;
}

/* A speedscope frame: a native one is named with its object, and has a
 * line only when the object's debug information gave one. */
static json_t *speedscope_frame(const fp_ss_frame_t *f)
{
    char *name = fp_stackset_label(f);
    json_t *o = json_pack("{ssss}", "name", name, "file", f->path ? f->path : "?");
    free(name);
    if (!f->native || f->line > 0)
        json_object_set_new(o, "line", json_integer((json_int_t)f->line));
    return o;
}

static json_t *speedscope(json_t *profile, const fp_stackset_t *ss)
{
    json_t *frames = json_array();
    for (size_t i = 0; i < ss->nframes; i++)
        json_array_append_new(frames, speedscope_frame(&ss->frames[i]));
    const char *program = json_string_value(json_object_get(profile, "program"));
    return json_pack("{sssssssisos{so}}", "$schema", "https://www.speedscope.app/file-format-schema.json",
                     "exporter", "footprint", "name", program ? program : "footprint profile",
                     "activeProfileIndex", 0, "profiles", speedscope_profiles(profile, ss), "shared", "frames",
                     frames);
}

/* ---- chrome ---- */

static json_t *counter(const char *name, json_int_t pid, double t_s, json_t *args)
{
    return json_pack("{sssssIsfso}", "name", name, "ph", "C", "pid", pid, "ts", t_s * 1e6, "args", args);
}

static void chrome_processes(json_t *events, json_t *profile)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(profile, "processes"), i, p) {
        json_int_t pid = json_integer_value(json_object_get(p, "pid"));
        json_t *argv = json_object_get(p, "argv");
        char *name = fp_xasprintf("%s (pid %lld)", json_string_value(json_array_get(argv, json_array_size(argv) > 1))
                                                       ?: "python", (long long)pid);
        json_array_append_new(events, json_pack("{sssssIs{ss}}", "name", "process_name", "ph", "M", "pid", pid,
                                                "args", "name", name));
        free(name);
        double end = json_number_value(json_object_get(p, "elapsed_s"));
        json_t *args = json_pack("{sfsI}", "cpu_s", json_number_value(json_object_get(p, "cpu_s")), "peak_bytes",
                                 json_integer_value(json_object_get(p, "peak_bytes")));
        json_array_append_new(events, counter("process", pid, 0, json_deep_copy(args)));
        json_array_append_new(events, counter("process", pid, end, args));
    }
}

static json_t *chrome(json_t *profile)
{
    json_t *events = json_array();
    chrome_processes(events, profile);
    json_t *main = json_array_get(json_object_get(profile, "processes"), 0);
    json_int_t pid = json_integer_value(json_object_get(main, "pid"));
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(json_object_get(profile, "memory"), "timeline"), i, pt)
        json_array_append_new(events, counter("resident memory", pid, json_number_value(json_array_get(pt, 0)),
                                              json_pack("{sI}", "bytes", json_integer_value(json_array_get(pt, 1)))));
    return json_pack("{soss}", "traceEvents", events, "displayTimeUnit", "ms");
}

/* ---- output ---- */

static FILE *open_out(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "wb");
    if (!f)
        fp_error("cannot write '%s': %s", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path)
{
    if (f == stdout)
        return fflush(f) == 0 ? 0 : -1;
    if (fclose(f) != 0) {
        fp_error("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_json(FILE *out, json_t *doc)
{
    int rc = json_dumpf(doc, out, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(doc);
    return rc;
}

int fp_export_write(FILE *out, json_t *profile, const fp_stackset_t *ss, const char *format, int figure)
{
    if (strcmp(format, "collapsed") == 0)
        return write_collapsed(out, ss, (figure_t)figure);
    if (strcmp(format, "speedscope") == 0)
        return write_json(out, speedscope(profile, ss));
    if (strcmp(format, "chrome") == 0)
        return write_json(out, chrome(profile));
    return fp_pprof_write(out, profile, ss);
}

int fp_export_main(int argc, char **argv)
{
    opts_t o;
    if (parse(&o, argc, argv) != 0)
        return EXIT_USAGE;
    json_t *profile = fp_profile_load(o.profile);
    if (!profile)
        return EXIT_USAGE;
    fp_stackset_t ss;
    fp_stackset_read(&ss, profile);
    if (ss.from_lines && strcmp(o.format, "chrome") != 0)
        fp_error("note: '%s' has no call stacks (written before them, or with --no-stacks): "
                 "its lines are exported as one-frame stacks", o.profile);
    FILE *out = open_out(o.out);
    int rc = out ? fp_export_write(out, profile, &ss, o.format, (int)o.figure) : -1;
    if (out && close_out(out, o.out) != 0)
        rc = -1;
    if (rc != 0 && out)
        fp_error("cannot write '%s'", o.out);
    fp_stackset_free(&ss);
    json_decref(profile);
    return rc == 0 ? 0 : 1;
}
