/* cli.c: parsing footprint's command line (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fragment_format.h"
#include "util.h"

void fp_cli_usage(void)
{
    fputs(
        "usage: footprint [run] [options] script.py [args...]\n"
        "       footprint [run] [options] -m module [args...]\n"
        "       footprint view [options] profile.json\n"
        "       footprint check [options] script.py | profile.json   (budgets; see check --help)\n"
        "       footprint serve | worker | submit ...   (the validation service; see docs/serve.md)\n"
        "       footprint sweep -p NAME=V1,V2,... [sweep options] [options] script.py [args...]\n"
        "       footprint compare a.json b.json [more.json ...] [--html out.html]\n"
        "       footprint export --format collapsed|speedscope|pprof|chrome profile.json -o OUT\n"
        "       footprint collect RUN_DIR --json FILE ...   (for the Python package)\n"
        "\n"
        "Profiles a Python program, unchanged: CPU time per line and function, split\n"
        "into Python, native and off-CPU time, and memory (allocations, the peak and\n"
        "what held it, copies). Everything after the script or module belongs to the\n"
        "program. The report goes to stderr when the program ends.\n"
        "\n"
        "options:\n"
        "  --python PATH           interpreter to run (default: $FOOTPRINT_PYTHON, else\n"
        "                          python3 on PATH)\n"
        "  --json FILE             write the profile as JSON\n"
        "  --html FILE             write the report as one self-contained HTML page\n"
        "  --cpu-only              profile CPU time only, not memory\n"
        "  --interval SECONDS      mean CPU sampling interval (default 0.01), randomized\n"
        "  --alloc-sample-bytes N  mean bytes between allocation samples (default 16384)\n"
        "  --profile-all           profile every file, the standard library and\n"
        "                          site-packages included (default: the program's own\n"
        "                          directory tree)\n"
        "  --include GLOB          also profile files matching GLOB (repeatable)\n"
        "  --exclude GLOB          do not profile files matching GLOB (repeatable)\n"
        "  --no-leaks              do not look for leaks\n"
        "  --no-children           profile the main process only\n"
        "  --off                   record only between the program's footprint.start()\n"
        "                          and footprint.stop() (the Python package)\n"
        "  --no-stacks             record no call stacks (lines only)\n"
        "  --native-stacks         add to the call stacks the native frames below the\n"
        "                          innermost line: the C function (numpy, BLAS...) the\n"
        "                          time or memory went to (costs more; see README)\n"
        "  --stacks                also print the heaviest call paths, as a tree\n"
        "  --reduced               report only the lines over 5% of a total\n"
        "  --quiet                 print no report\n"
        "  --no-color              no colour in the report (also: NO_COLOR set)\n"
        "  --help                  this text\n"
        "  --version               footprint's version\n",
        stdout);
}

/* Options that take a value; the rest are flags. */
static const char *const valued[] = {"--python", "--json", "--html", "--interval",
                                     "--alloc-sample-bytes", "--include", "--exclude"};

bool fp_cli_takes_value(const char *name)
{
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
        if (strcmp(name, valued[i]) == 0)
            return true;
    return false;
}

static int parse_interval(fp_options_t *o, const char *v)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || !isfinite(d) || d < FP_INTERVAL_MIN_S || d > FP_INTERVAL_MAX_S) {
        fp_error("--interval wants seconds between 0.0005 and 10, not '%s'", v);
        return -1;
    }
    o->interval_s = d;
    return 0;
}

static int parse_bytes(fp_options_t *o, const char *v)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end || v[0] == '-' || n < 1 || n > FP_ALLOC_SAMPLE_MAX) {
        fp_error("--alloc-sample-bytes wants a positive number of bytes, not '%s'", v);
        return -1;
    }
    o->alloc_sample_bytes = n;
    return 0;
}

static int add_pattern(const char **list, int *n, const char *opt, const char *v)
{
    if (*n >= FP_CLI_MAX_PATTERNS) {
        fp_error("too many %s patterns (at most %d)", opt, FP_CLI_MAX_PATTERNS);
        return -1;
    }
    if (!*v) {
        fp_error("%s wants a glob pattern", opt);
        return -1;
    }
    if (strchr(v, '\n')) {
        fp_error("%s: a glob pattern cannot hold a line break", opt);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

static int set_value(fp_options_t *o, const char *name, const char *v)
{
    if (strcmp(name, "--python") == 0)
        o->python = v;
    else if (strcmp(name, "--json") == 0)
        o->json_path = v;
    else if (strcmp(name, "--html") == 0)
        o->html_path = v;
    else if (strcmp(name, "--interval") == 0)
        return parse_interval(o, v);
    else if (strcmp(name, "--alloc-sample-bytes") == 0)
        return parse_bytes(o, v);
    else if (strcmp(name, "--include") == 0)
        return add_pattern(o->include, &o->ninclude, name, v);
    else if (strcmp(name, "--exclude") == 0)
        return add_pattern(o->exclude, &o->nexclude, name, v);
    if (!*v) {
        fp_error("%s wants a value", name);
        return -1;
    }
    return 0;
}

static int set_flag(fp_options_t *o, const char *name)
{
    struct { const char *name; bool *flag; } flags[] = {
        {"--cpu-only", &o->cpu_only},   {"--profile-all", &o->profile_all},
        {"--no-leaks", &o->no_leaks},   {"--no-children", &o->no_children},
        {"--off", &o->off},
        {"--reduced", &o->reduced},     {"--quiet", &o->quiet},
        {"--no-color", &o->no_color},   {"--no-colour", &o->no_color},
        {"--stacks", &o->stacks},       {"--no-stacks", &o->no_stacks},
        {"--native-stacks", &o->native_stacks},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(name, flags[i].name) == 0) {
            *flags[i].flag = true;
            return 0;
        }
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        o->command = FP_CMD_HELP;
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        o->command = FP_CMD_VERSION;
        return 0;
    }
    fp_error("unknown option '%s' (see footprint --help)", name);
    return -1;
}

/* Parses one option at argv[*i]; advances *i past its value. */
static int parse_option(fp_options_t *o, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    char name[64];
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    if (n >= sizeof name) {
        fp_error("unknown option '%s' (see footprint --help)", arg);
        return -1;
    }
    memcpy(name, arg, n);
    name[n] = '\0';
    if (!fp_cli_takes_value(name)) {
        if (eq) {
            fp_error("option %s takes no value", name);
            return -1;
        }
        return set_flag(o, name);
    }
    if (eq)
        return set_value(o, name, eq + 1);
    if (*i + 1 >= argc) {
        fp_error("option %s wants a value", name);
        return -1;
    }
    return set_value(o, name, argv[++*i]);
}

static int parse_run(fp_options_t *o, int argc, char **argv, int i)
{
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(arg, "-m") == 0) {
            if (i + 1 >= argc) {
                fp_error("-m wants a module name");
                return -1;
            }
            o->module = argv[i + 1];
            o->program_argv = argv + i + 2;
            o->program_argc = argc - i - 2;
            return 0;
        }
        if (arg[0] != '-' || arg[1] == '\0')
            break;
        if (parse_option(o, argc, argv, &i) != 0)
            return -1;
        if (o->command != FP_CMD_RUN)
            return 0;
    }
    if (i >= argc) {
        fp_error("no program to profile (usage: footprint [run] [options] script.py [args...])");
        return -1;
    }
    o->script = argv[i];
    o->program_argv = argv + i + 1;
    o->program_argc = argc - i - 1;
    return 0;
}

static int parse_view(fp_options_t *o, int argc, char **argv, int i)
{
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] == '-' && arg[1] != '\0' && strcmp(arg, "--") != 0) {
            if (parse_option(o, argc, argv, &i) != 0)
                return -1;
            if (o->command != FP_CMD_VIEW)
                return 0;
            continue;
        }
        if (strcmp(arg, "--") == 0 && i + 1 < argc)
            arg = argv[++i];
        if (o->profile_path) {
            fp_error("view takes one profile, not '%s' too", arg);
            return -1;
        }
        o->profile_path = arg;
    }
    if (!o->profile_path) {
        fp_error("view wants a profile file (usage: footprint view profile.json)");
        return -1;
    }
    return 0;
}

int fp_cli_parse(fp_options_t *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->command = FP_CMD_RUN;
    o->interval_s = FP_INTERVAL_DEFAULT_S;
    o->alloc_sample_bytes = FP_ALLOC_SAMPLE_DEFAULT;
    if (argc < 2) {
        fp_error("no program to profile (usage: footprint [run] [options] script.py [args...])");
        return -1;
    }
    if (strcmp(argv[1], "view") == 0) {
        o->command = FP_CMD_VIEW;
        return parse_view(o, argc, argv, 2);
    }
    if (parse_run(o, argc, argv, strcmp(argv[1], "run") == 0 ? 2 : 1) != 0)
        return -1;
    if (o->native_stacks && o->no_stacks) {
        fp_error("--native-stacks adds to the call stacks: it cannot go with --no-stacks");
        return -1;
    }
    return 0;
}
