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

static double weight(const fp_ss_stack_t *s, figure_t fig)
{
    if (fig == FIG_TIME)
        return (s->f[FP_SS_PYTHON] + s->f[FP_SS_NATIVE] + s->f[FP_SS_OFFCPU]) * 1e6;
    return s->f[fig == FIG_ALLOC ? FP_SS_ALLOC : FP_SS_PEAK];
}

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

static json_t *speedscope_profile(const fp_stackset_t *ss, const char *name, const char *unit, figure_t fig)
{
    json_t *samples = json_array(), *weights = json_array();
    double total = 0;
    for (size_t i = 0; i < ss->nstacks; i++) {
        const fp_ss_stack_t *s = &ss->stacks[i];
        double w = weight(s, fig);
        if (w <= 0)
            continue;
        json_t *chain = json_array();
        for (size_t d = 0; d < s->depth; d++) /* speedscope: root first, as here */
            json_array_append_new(chain, json_integer((json_int_t)s->frames[d]));
        json_array_append_new(samples, chain);
        json_array_append_new(weights, fig == FIG_TIME ? json_real(w / 1e6) : json_integer((json_int_t)(w + 0.5)));
        total += fig == FIG_TIME ? w / 1e6 : (double)(json_int_t)(w + 0.5);
    }
    return json_pack("{sssssssisfsoso}", "type", "sampled", "name", name, "unit", unit, "startValue", 0,
                     "endValue", total, "samples", samples, "weights", weights);
}

static json_t *speedscope(json_t *profile, const fp_stackset_t *ss)
{
    json_t *frames = json_array();
    for (size_t i = 0; i < ss->nframes; i++)
        json_array_append_new(frames, json_pack("{sssssI}", "name", ss->frames[i].function ? ss->frames[i].function : "?",
                                                "file", ss->frames[i].path ? ss->frames[i].path : "?", "line",
                                                (json_int_t)ss->frames[i].line));
    json_t *profiles = json_array();
    json_array_append_new(profiles, speedscope_profile(ss, "time (all processes)", "seconds", FIG_TIME));
    if (json_is_object(json_object_get(profile, "memory"))) {
        json_array_append_new(profiles, speedscope_profile(ss, "bytes allocated (all processes)", "bytes", FIG_ALLOC));
        json_array_append_new(profiles, speedscope_profile(ss, "bytes live at the peak", "bytes", FIG_PEAK));
    }
    const char *program = json_string_value(json_object_get(profile, "program"));
    return json_pack("{sssssssisos{so}}", "$schema", "https://www.speedscope.app/file-format-schema.json",
                     "exporter", "footprint", "name", program ? program : "footprint profile",
                     "activeProfileIndex", 0, "profiles", profiles, "shared", "frames", frames);
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
