/* collect.c: `footprint collect`, the profile of a region a program
 * profiled from inside (the Python package's footprint.start/stop).
 *
 *   footprint collect RUN_DIR --json OUT [--pid N] [--program NAME]
 *       [--python EXE] [--python-version V] [--elapsed S] [--interval S]
 *       [--alloc-sample-bytes N] [--cpu-only] [--exit-code N] [-- ARGV...]
 *
 * The agent wrote its fragments into RUN_DIR, as it does under `run`;
 * this merges them with the same code (merge.c), with the facts a
 * launcher would know given on the command line, and writes the profile.
 * Reports are then `footprint view`'s, so there is one merge path and
 * one renderer. */
#include "collect.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fragment_format.h"
#include "interp.h"
#include "merge.h"
#include "util.h"

enum { EXIT_USAGE = 2 };

typedef struct collect_opts {
    const char *run_dir, *json_path;
    fp_run_facts_t facts;
} collect_opts_t;

static int bad(const char *what, const char *value)
{
    fp_error("collect: bad %s '%s' (see footprint collect in docs/design.md)", what, value);
    return -1;
}

static int parse_number(const char *opt, const char *value, double *out)
{
    char *end;
    *out = strtod(value, &end);
    return *end || end == value || *out < 0 ? bad(opt, value) : 0;
}

static int parse_option(collect_opts_t *o, int c, const char *v)
{
    double d;
    switch (c) {
    case 'j': o->json_path = v; return 0;
    case 'p': if (parse_number("--pid", v, &d) != 0) return -1; o->facts.main_pid = (pid_t)d; return 0;
    case 'g': o->facts.program = v; return 0;
    case 'y': o->facts.python = v; return 0;
    case 'v': o->facts.python_version = v; return 0;
    case 'e': return parse_number("--elapsed", v, &o->facts.elapsed_s);
    case 'i': return parse_number("--interval", v, &o->facts.interval_s);
    case 'a':
        if (parse_number("--alloc-sample-bytes", v, &d) != 0 || d < 1)
            return bad("--alloc-sample-bytes", v);
        o->facts.alloc_mean_bytes = (unsigned long long)d;
        return 0;
    case 'c': o->facts.memory = false; return 0;
    case 'x': if (parse_number("--exit-code", v, &d) != 0) return -1; o->facts.exit_code = (int)d; return 0;
    default: return -1;
    }
}

static int parse(collect_opts_t *o, int argc, char **argv)
{
    static const struct option longs[] = {
        {"json", required_argument, NULL, 'j'}, {"pid", required_argument, NULL, 'p'},
        {"program", required_argument, NULL, 'g'}, {"python", required_argument, NULL, 'y'},
        {"python-version", required_argument, NULL, 'v'}, {"elapsed", required_argument, NULL, 'e'},
        {"interval", required_argument, NULL, 'i'}, {"alloc-sample-bytes", required_argument, NULL, 'a'},
        {"cpu-only", no_argument, NULL, 'c'}, {"exit-code", required_argument, NULL, 'x'},
        {NULL, 0, NULL, 0},
    };
    o->facts = (fp_run_facts_t){.program = "<region>", .python = "python3", .python_version = "",
                                .interval_s = 0.01, .memory = true, .alloc_mean_bytes = FP_ALLOC_SAMPLE_DEFAULT};
    opterr = 0;
    optind = 2; /* argv[1] is "collect" */
    int c;
    while ((c = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
        if (c == '?') {
            fp_error("collect: unknown option or missing value '%s'", argv[optind - 1]);
            return -1;
        }
        if (parse_option(o, c, optarg) != 0)
            return -1;
    }
    if (optind >= argc || !o->json_path) {
        fp_error("collect: usage: footprint collect RUN_DIR --json OUT [options] [-- ARGV...]");
        return -1;
    }
    o->run_dir = argv[optind++];
    o->facts.argv = argv + optind;
    o->facts.argc = argc - optind;
    return 0;
}

static int write_profile(json_t *profile, const char *path)
{
    char *text = json_dumps(profile, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    FILE *f = text ? fopen(path, "w") : NULL;
    int rc = f && fputs(text, f) >= 0 ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fp_error("cannot write profile '%s'", path);
    free(text);
    return rc;
}

int fp_collect_main(int argc, char **argv)
{
    collect_opts_t o;
    if (parse(&o, argc, argv) != 0)
        return EXIT_USAGE;
    char *libdir = fp_interp_libdir();
    if (!libdir) {
        fp_error("footprint's support files are missing (lib/footprint next to the binary); run make");
        return EXIT_USAGE;
    }
    char *spans_script = fp_xasprintf("%s/boot/sitecustomize.py", libdir);
    o.facts.spans_script = spans_script;
    json_t *profile = fp_merge_run(o.run_dir, &o.facts);
    int rc = profile && write_profile(profile, o.json_path) == 0 ? 0 : 1;
    json_decref(profile);
    free(spans_script);
    free(libdir);
    return rc;
}
