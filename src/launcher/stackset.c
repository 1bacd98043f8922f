/* stackset.c: reading a profile's stacks, or its lines (see stackset.h). */
#include "stackset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const fig_names[FP_SS_NFIG] = {"cpu_python_s", "cpu_native_s", "system_s", "alloc_bytes",
                                                  "peak_bytes"};

static void read_figures(json_t *o, double f[FP_SS_NFIG])
{
    for (int k = 0; k < FP_SS_NFIG; k++)
        f[k] = json_number_value(json_object_get(o, fig_names[k]));
}

static void read_shares(fp_stackset_t *ss, fp_ss_stack_t *s, json_t *by)
{
    json_t *e;
    size_t i;
    if (!json_is_array(by))
        return;
    ss->by_process = true;
    s->shares = fp_xcalloc(json_array_size(by) + 1, sizeof *s->shares);
    json_array_foreach(by, i, e) {
        s->shares[s->nshares].process = (size_t)json_integer_value(json_object_get(e, "process"));
        read_figures(e, s->shares[s->nshares++].f);
    }
}

static void read_stacks(fp_stackset_t *ss, json_t *stacks)
{
    json_t *frames = json_object_get(stacks, "frames"), *list = json_object_get(stacks, "list"), *e;
    size_t i, j;
    ss->nframes = json_array_size(frames);
    ss->frames = fp_xcalloc(ss->nframes + 1, sizeof *ss->frames);
    json_array_foreach(frames, i, e) {
        ss->frames[i].path = json_string_value(json_object_get(e, "path"));
        ss->frames[i].function = json_string_value(json_object_get(e, "function"));
        ss->frames[i].line = (long)json_integer_value(json_object_get(e, "line"));
        ss->frames[i].native = json_is_true(json_object_get(e, "native"));
    }
    ss->stacks = fp_xcalloc(json_array_size(list) + 1, sizeof *ss->stacks);
    json_array_foreach(list, i, e) {
        fp_ss_stack_t *s = &ss->stacks[ss->nstacks++];
        json_t *chain = json_object_get(e, "frames"), *f;
        s->depth = json_array_size(chain);
        s->frames = fp_xcalloc(s->depth + 1, sizeof *s->frames);
        json_array_foreach(chain, j, f)
            s->frames[j] = (size_t)json_integer_value(f);
        read_figures(e, s->f);
        read_shares(ss, s, json_object_get(e, "by_process"));
    }
}

/* The innermost function of FILE holding LINE, "<module>" when none. */
static const char *function_at(json_t *file, long line)
{
    const char *best = "<module>";
    long span = -1;
    size_t i;
    json_t *fn;
    json_array_foreach(json_object_get(file, "functions"), i, fn) {
        long first = (long)json_integer_value(json_object_get(fn, "line"));
        long last = (long)json_integer_value(json_object_get(fn, "end_line"));
        if (first <= line && line <= last && (span < 0 || last - first < span) &&
            json_is_string(json_object_get(fn, "name"))) {
            best = json_string_value(json_object_get(fn, "name"));
            span = last - first;
        }
    }
    return best;
}

static void read_lines(fp_stackset_t *ss, json_t *profile)
{
    size_t n = 0, i, j;
    json_t *file, *line;
    json_array_foreach(json_object_get(profile, "files"), i, file)
        n += json_array_size(json_object_get(file, "lines"));
    ss->frames = fp_xcalloc(n + 1, sizeof *ss->frames);
    ss->stacks = fp_xcalloc(n + 1, sizeof *ss->stacks);
    json_array_foreach(json_object_get(profile, "files"), i, file) {
        const char *path = json_string_value(json_object_get(file, "path"));
        json_array_foreach(json_object_get(file, "lines"), j, line) {
            fp_ss_frame_t *fr = &ss->frames[ss->nframes];
            fr->path = path;
            fr->line = (long)json_integer_value(json_object_get(line, "line"));
            fr->function = function_at(file, fr->line);
            fp_ss_stack_t *s = &ss->stacks[ss->nstacks++];
            s->depth = 1;
            s->frames = fp_xcalloc(1, sizeof *s->frames);
            s->frames[0] = ss->nframes++;
            read_figures(line, s->f);
        }
    }
    ss->from_lines = true;
}

void fp_stackset_read(fp_stackset_t *ss, json_t *profile)
{
    memset(ss, 0, sizeof *ss);
    json_t *stacks = json_object_get(profile, "stacks");
    if (json_is_object(stacks))
        read_stacks(ss, stacks);
    else
        read_lines(ss, profile);
}

double fp_stackset_figure(const fp_ss_stack_t *s, size_t process, int k)
{
    if (!s->shares)
        return s->f[k];
    for (size_t i = 0; i < s->nshares; i++)
        if (s->shares[i].process == process)
            return s->shares[i].f[k];
    return 0;
}

void fp_stackset_free(fp_stackset_t *ss)
{
    for (size_t i = 0; i < ss->nstacks; i++) {
        free(ss->stacks[i].frames);
        free(ss->stacks[i].shares);
    }
    free(ss->stacks);
    free(ss->frames);
    memset(ss, 0, sizeof *ss);
}

char *fp_stackset_label(const fp_ss_frame_t *f)
{
    const char *function = f->function ? f->function : "?";
    if (!f->native)
        return fp_xstrdup(function);
    const char *path = f->path ? f->path : "?", *slash = strrchr(path, '/');
    return fp_xasprintf("%s (%s)", function, slash ? slash + 1 : path);
}

static const char *check_frames(json_t *frames)
{
    size_t i;
    json_t *f;
    if (!json_is_array(frames))
        return "damaged profile (stacks have no list of frames)";
    json_array_foreach(frames, i, f) {
        if (!json_is_object(f) || !json_is_string(json_object_get(f, "path")) ||
            !json_is_string(json_object_get(f, "function")) || !json_is_integer(json_object_get(f, "line")))
            return "damaged profile (a stack frame has no path, function or line)";
    }
    return NULL;
}

static const char *check_figures(json_t *o)
{
    for (int k = 0; k < FP_SS_NFIG; k++) {
        json_t *v = json_object_get(o, fig_names[k]);
        if (v && !json_is_number(v))
            return "damaged profile (a stack's figure is not a number)";
    }
    return NULL;
}

/* A stack's by_process (absent is fine): each share names a process of
 * the profile. */
static const char *check_shares(json_t *by, size_t nprocesses)
{
    json_t *e, *p;
    size_t i;
    if (!by)
        return NULL;
    if (!json_is_array(by))
        return "damaged profile (a stack's by_process is not a list)";
    json_array_foreach(by, i, e) {
        p = json_object_get(e, "process");
        if (!json_is_object(e) || !json_is_integer(p) || json_integer_value(p) < 0 ||
            (size_t)json_integer_value(p) >= nprocesses)
            return "damaged profile (a stack's share names a process that is not there)";
        const char *bad = check_figures(e);
        if (bad)
            return bad;
    }
    return NULL;
}

static const char *check_stack(json_t *s, size_t nframes, size_t nprocesses)
{
    json_t *chain = json_object_get(s, "frames"), *f;
    size_t i;
    if (!json_is_object(s) || !json_is_array(chain) || json_array_size(chain) == 0)
        return "damaged profile (a stack has no frames)";
    json_array_foreach(chain, i, f) {
        if (!json_is_integer(f) || json_integer_value(f) < 0 || (size_t)json_integer_value(f) >= nframes)
            return "damaged profile (a stack names a frame that is not there)";
    }
    const char *bad = check_figures(s);
    return bad ? bad : check_shares(json_object_get(s, "by_process"), nprocesses);
}

const char *fp_stackset_check(json_t *profile)
{
    json_t *stacks = json_object_get(profile, "stacks");
    if (!stacks)
        return NULL;
    if (!json_is_object(stacks) || !json_is_array(json_object_get(stacks, "list")))
        return "damaged profile (stacks are not an object with a list)";
    const char *bad = check_frames(json_object_get(stacks, "frames"));
    size_t i, nframes = json_array_size(json_object_get(stacks, "frames"));
    size_t nprocesses = json_array_size(json_object_get(profile, "processes")), shared = 0;
    json_t *s;
    json_array_foreach(json_object_get(stacks, "list"), i, s) {
        if (!bad)
            bad = check_stack(s, nframes, nprocesses);
        shared += json_object_get(s, "by_process") != NULL;
    }
    if (!bad && shared && shared != json_array_size(json_object_get(stacks, "list")))
        return "damaged profile (some stacks have by_process, some not)";
    return bad;
}
