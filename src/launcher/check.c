/* check.c: the `footprint check` command (see check.h): its options, the
 * runs, choosing the run each budget is judged on, and the verdicts. The
 * budget language is budget.c's, the judging judge.c's; the program runs
 * under this same binary's `run`, so nothing about running is repeated. */
#include "check.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "child.h"
#include "judge.h"
#include "junit.h"
#include "profile.h"
#include "rundir.h"
#include "util.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_PROGRAM = 3, MAX_REPEAT = 100, MAX_FORWARDED = 256 };

typedef struct check {
    fp_budget_list_t budgets;
    const char *junit_path;
    const char *baseline_path;
    int repeat;
    bool worst;
    bool strict;
    bool cpu_only, no_leaks;     /* run options that rule budgets out */
    const char *forwarded[MAX_FORWARDED]; /* run options, passed on to `footprint run` */
    int nforwarded;
    char **program;              /* script or -m module, then its arguments */
    int nprogram;
    const char *profile_path;    /* a saved profile to judge instead */
    json_t **profiles;           /* one per run */
    int nprofiles;
    json_t *baseline;
} check_t;

static void usage(void)
{
    fputs(
        "usage: footprint check [options] [run options] script.py [args...]\n"
        "       footprint check [options] [run options] -m module [args...]\n"
        "       footprint check [options] profile.json\n"
        "\n"
        "Runs the program under footprint (or reads a saved profile) and judges its\n"
        "budgets: one verdict per budget. Exit status: 0 every budget holds, 1 one\n"
        "does not, 2 bad input, 3 the program itself failed.\n"
        "\n"
        "options:\n"
        "  --budget FILE           budgets from a TOML file (see README.md, \"Budgets\")\n"
        "  --max-peak SIZE         the run's memory peak, e.g. 512MB\n"
        "  --max-time TIME         the run's elapsed time, e.g. 30s\n"
        "  --max-cpu TIME          the run's CPU time\n"
        "  --max-alloc SIZE        bytes the run allocates; NAME=SIZE for a function\n"
        "  --max-gpu-peak SIZE     the GPU memory peak\n"
        "                          (each --max-* also takes NAME=LIMIT for a function,\n"
        "                          and +N% for growth over --baseline)\n"
        "  --no-leaks-allowed      fail on any likely leak\n"
        "  --baseline PROFILE      the profile relative limits (+10%) compare with\n"
        "  --max-growth PCT        the run's peak, time and CPU time may grow by PCT\n"
        "                          over --baseline\n"
        "  --repeat N              run N times, judge each figure's median\n"
        "  --worst                 with --repeat, judge each figure's worst run\n"
        "  --strict                a budget on something not in the profile is an error\n"
        "  --junit FILE            write the verdicts as JUnit XML\n"
        "\n"
        "run options (see footprint --help): --python, --interval, --alloc-sample-bytes,\n"
        "  --include, --exclude, --profile-all, --no-children, --cpu-only, --no-leaks\n",
        stdout);
}

/* ---- options ---- */

static const char *const budget_opts[FP_METRIC_COUNT] = {"--max-peak", "--max-time", "--max-cpu",
                                                         "--max-alloc", "--max-gpu-peak", NULL};
static const char *const forwarded_valued[] = {"--python", "--interval", "--alloc-sample-bytes", "--include",
                                               "--exclude"};
static const char *const forwarded_flags[] = {"--profile-all", "--no-children", "--cpu-only", "--no-leaks"};

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] && strcmp(name, list[i]) == 0)
            return true;
    return false;
}

static bool takes_value(const char *name)
{
    static const char *const own[] = {"--budget", "--junit", "--baseline", "--max-growth", "--repeat"};
    return in_list(name, own, 5) || in_list(name, budget_opts, FP_METRIC_COUNT) ||
           in_list(name, forwarded_valued, sizeof forwarded_valued / sizeof forwarded_valued[0]);
}

static int forward(check_t *c, const char *a, const char *b)
{
    if (c->nforwarded + 2 > MAX_FORWARDED) {
        fp_error("check: too many run options");
        return -1;
    }
    c->forwarded[c->nforwarded++] = a;
    if (b)
        c->forwarded[c->nforwarded++] = b;
    return 0;
}

static int set_repeat(check_t *c, const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 1 || n > MAX_REPEAT) {
        fp_error("--repeat wants a number of runs from 1 to %d, not '%s'", MAX_REPEAT, v);
        return -1;
    }
    c->repeat = (int)n;
    return 0;
}

/* --max-growth: the run's peak, time and CPU time, relative to --baseline. */
static int set_growth(check_t *c, const char *v)
{
    static const fp_budget_metric_t metrics[] = {FP_METRIC_PEAK, FP_METRIC_TIME, FP_METRIC_CPU};
    double growth;
    bool rel;
    const char *why;
    if (fp_budget_parse_limit(FP_METRIC_PEAK, v, &growth, &rel, &why) != 0 || !rel) {
        fp_error("--max-growth wants a percentage like 10%%, not '%s'", v);
        return -1;
    }
    for (size_t i = 0; i < 3; i++)
        fp_budget_add(&c->budgets, FP_TARGET_RUN, NULL, metrics[i], growth, true, v, "--max-growth");
    return 0;
}

/* NAME's value V; ARG is the option as given ("--python" with V after
 * it, or "--python=V"), which a run option is passed on as. */
static int set_value(check_t *c, const char *name, const char *v, const char *arg)
{
    if (!*v) {
        fp_error("%s wants a value", name);
        return -1;
    }
    for (int m = 0; m < FP_METRIC_COUNT; m++)
        if (budget_opts[m] && strcmp(name, budget_opts[m]) == 0)
            return fp_budget_add_option(&c->budgets, m, name, v);
    if (strcmp(name, "--budget") == 0)
        return fp_budget_load_file(&c->budgets, v);
    if (strcmp(name, "--junit") == 0)
        c->junit_path = v;
    else if (strcmp(name, "--baseline") == 0)
        c->baseline_path = v;
    else if (strcmp(name, "--max-growth") == 0)
        return set_growth(c, v);
    else if (strcmp(name, "--repeat") == 0)
        return set_repeat(c, v);
    else
        return strchr(arg, '=') ? forward(c, arg, NULL) : forward(c, arg, v);
    return 0;
}

static int set_flag(check_t *c, const char *name, const char *arg)
{
    if (strcmp(name, "--no-leaks-allowed") == 0)
        fp_budget_add(&c->budgets, FP_TARGET_RUN, NULL, FP_METRIC_LEAKS, 0, false, "no leaks", name);
    else if (strcmp(name, "--worst") == 0)
        c->worst = true;
    else if (strcmp(name, "--strict") == 0)
        c->strict = true;
    else if (strcmp(name, "--no-color") == 0 || strcmp(name, "--no-colour") == 0)
        ; /* the verdicts have no colour */
    else if (in_list(name, forwarded_flags, sizeof forwarded_flags / sizeof forwarded_flags[0])) {
        c->cpu_only |= strcmp(name, "--cpu-only") == 0;
        c->no_leaks |= strcmp(name, "--no-leaks") == 0;
        return forward(c, arg, NULL);
    } else {
        fp_error("unknown option '%s' for check (see footprint check --help)", arg);
        return -1;
    }
    return 0;
}

/* One option at argv[*i]; advances *i past its value. */
static int parse_option(check_t *c, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *eq = strchr(arg, '=');
    char name[64];
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    if (n >= sizeof name) {
        fp_error("unknown option '%s' for check (see footprint check --help)", arg);
        return -1;
    }
    memcpy(name, arg, n);
    name[n] = '\0';
    if (!takes_value(name)) {
        if (eq) {
            fp_error("option %s takes no value", name);
            return -1;
        }
        return set_flag(c, name, arg);
    }
    if (eq)
        return set_value(c, name, eq + 1, arg);
    if (*i + 1 >= argc) {
        fp_error("option %s wants a value", name);
        return -1;
    }
    ++*i;
    return set_value(c, name, argv[*i], arg);
}

static bool is_profile_name(const char *arg)
{
    size_t n = strlen(arg);
    return n > 5 && strcmp(arg + n - 5, ".json") == 0;
}

/* What follows the options: a saved profile, or the program. */
static int take_program(check_t *c, int argc, char **argv, int i)
{
    if (i >= argc) {
        fp_error("check wants a program or a profile (usage: footprint check [options] script.py [args...])");
        return -1;
    }
    if (strcmp(argv[i], "-m") == 0 && i + 1 >= argc) {
        fp_error("-m wants a module name");
        return -1;
    }
    if (strcmp(argv[i], "-m") != 0 && is_profile_name(argv[i])) {
        if (i + 1 < argc) {
            fp_error("check judges one profile, not '%s' too", argv[i + 1]);
            return -1;
        }
        c->profile_path = argv[i];
        return 0;
    }
    c->program = argv + i;
    c->nprogram = argc - i;
    return 0;
}

static int parse_args(check_t *c, int argc, char **argv)
{
    int i = 2;
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage();
            return 1;
        }
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (arg[0] != '-' || arg[1] == '\0' || strcmp(arg, "-m") == 0)
            break;
        if (parse_option(c, argc, argv, &i) != 0)
            return -1;
    }
    return take_program(c, argc, argv, i);
}

/* ---- what the options say together ---- */

static bool any_budget(const check_t *c, bool (*pred)(const fp_budget_t *))
{
    for (size_t i = 0; i < c->budgets.n; i++)
        if (pred(&c->budgets.items[i]))
            return true;
    return false;
}

static bool is_memory(const fp_budget_t *b)
{
    return b->metric == FP_METRIC_PEAK || b->metric == FP_METRIC_ALLOC || b->metric == FP_METRIC_LEAKS;
}

static bool is_leaks(const fp_budget_t *b) { return b->metric == FP_METRIC_LEAKS; }

/* Says whether the --junit file can be written, before the program runs. */
static int check_writable(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fp_error("cannot write --junit '%s': it is a directory", path);
        return -1;
    }
    char *dir = fp_dirname(path);
    int rc = access(dir, W_OK | X_OK) == 0 && (access(path, F_OK) != 0 || access(path, W_OK) == 0) ? 0 : -1;
    if (rc != 0)
        fp_error("cannot write --junit '%s': %s", path, strerror(errno));
    free(dir);
    return rc;
}

static int validate(check_t *c)
{
    if (c->budgets.n == 0) {
        fp_error("check has no budget to judge (give --budget FILE, or --max-peak 512MB, --max-time 30s, ...)");
        return -1;
    }
    bool relative = fp_budget_any_relative(&c->budgets);
    if (relative && !c->baseline_path) {
        fp_error("a limit relative to a baseline (%s) needs --baseline PROFILE", "+N%");
        return -1;
    }
    if (!relative && c->baseline_path) {
        fp_error("--baseline is given but no limit is relative to it (use --max-growth 10%% or limits like +10%%)");
        return -1;
    }
    if (c->cpu_only && any_budget(c, is_memory)) {
        fp_error("a memory budget needs memory profiling: drop --cpu-only");
        return -1;
    }
    if (c->no_leaks && any_budget(c, is_leaks)) {
        fp_error("a budget on leaks needs leak detection: drop --no-leaks");
        return -1;
    }
    if (c->worst && c->repeat < 2) {
        fp_error("--worst chooses among runs: give --repeat N too");
        return -1;
    }
    if (c->profile_path && (c->nforwarded > 0 || c->repeat > 1)) {
        fp_error("run options and --repeat do not apply to a saved profile");
        return -1;
    }
    return c->junit_path ? check_writable(c->junit_path) : 0;
}

/* ---- getting the profiles ---- */

/* One run under `footprint run`, its profile written to PATH. Returns the
 * launcher's exit status, or -1 when it could not start. */
static int run_once(check_t *c, const char *exe, const char *path)
{
    int n = 0;
    char **argv = fp_xcalloc((size_t)(c->nforwarded + c->nprogram + 6), sizeof *argv);
    argv[n++] = (char *)exe;
    argv[n++] = "run";
    argv[n++] = "--quiet";
    argv[n++] = "--json";
    argv[n++] = (char *)path;
    for (int i = 0; i < c->nforwarded; i++)
        argv[n++] = (char *)c->forwarded[i];
    for (int i = 0; i < c->nprogram; i++)
        argv[n++] = c->program[i];
    fp_child_t child = {.argv = argv, .envp = fp_env_copy()};
    int rc = fp_child_run(&child) == 0 ? fp_child_exit_code(&child) : -1;
    for (char **e = child.envp; *e; e++)
        free(*e);
    free(child.envp);
    free(argv);
    return rc;
}

/* The profile a run left; without one, why there is none. */
static int collect(check_t *c, const char *path, int status)
{
    if (access(path, F_OK) != 0) {
        if (status == EXIT_USAGE || status < 0)
            return EXIT_USAGE; /* footprint run said why */
        fp_error("check: the run left no profile (footprint run ended with status %d)", status);
        return EXIT_PROGRAM;
    }
    json_t *p = fp_profile_load(path);
    if (!p)
        return EXIT_USAGE;
    c->profiles[c->nprofiles++] = p;
    return 0;
}

static int run_all(check_t *c)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *dir = fp_rundir_create();
    if (n <= 0 || !dir) {
        fp_error("check: cannot make a private directory under $TMPDIR or /tmp: %s", strerror(errno));
        free(dir);
        return EXIT_USAGE;
    }
    exe[n] = '\0';
    int rc = 0;
    for (int r = 0; r < c->repeat && rc == 0; r++) {
        if (c->repeat > 1)
            fprintf(stderr, "footprint check: run %d of %d\n", r + 1, c->repeat);
        char *path = fp_xasprintf("%s/run-%d.json", dir, r);
        rc = collect(c, path, run_once(c, exe, path));
        free(path);
        if (rc == 0 && json_integer_value(json_object_get(c->profiles[c->nprofiles - 1], "exit_code")) != 0)
            break; /* the program failed: more runs would not change the verdict */
    }
    fp_rundir_remove(dir);
    free(dir);
    return rc;
}

static int load_profiles(check_t *c)
{
    c->profiles = fp_xcalloc((size_t)c->repeat, sizeof *c->profiles);
    if (c->baseline_path && !(c->baseline = fp_profile_load(c->baseline_path)))
        return EXIT_USAGE;
    if (!c->profile_path)
        return run_all(c);
    json_t *p = fp_profile_load(c->profile_path);
    if (!p)
        return EXIT_USAGE;
    c->profiles[c->nprofiles++] = p;
    return 0;
}

/* ---- judging ---- */

static int by_value(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The run B is judged on: the one with the median figure (of an even
 * number, the higher middle one), or with --worst the highest. */
static json_t *representative(const check_t *c, const fp_budget_t *b)
{
    double (*pairs)[2] = fp_xcalloc((size_t)c->nprofiles, sizeof *pairs);
    int n = 0;
    for (int r = 0; r < c->nprofiles; r++) {
        fp_measure_t m;
        fp_judge_measure(b, c->profiles[r], &m);
        if (m.found) {
            pairs[n][0] = m.value;
            pairs[n++][1] = r;
        }
    }
    json_t *p = c->profiles[0];
    if (n > 0) {
        qsort(pairs, (size_t)n, sizeof *pairs, by_value);
        p = c->profiles[(int)pairs[c->worst ? n - 1 : n / 2][1]];
    }
    free(pairs);
    return p;
}

static const char *mark(fp_verdict_kind_t kind)
{
    static const char *const marks[] = {"ok  ", "near", "FAIL", "skip"};
    return marks[kind];
}

static void print_verdict(const fp_verdict_t *v)
{
    printf("%s  %s: %s\n", mark(v->kind), v->target, v->text);
    if (v->detail)
        fputs(v->detail, stdout);
}

static void print_summary(const fp_verdict_t *v, size_t n)
{
    size_t count[4] = {0};
    for (size_t i = 0; i < n; i++)
        count[v[i].kind]++;
    printf("%zu budget%s: %zu held, %zu failed", n, n == 1 ? "" : "s", count[FP_VERDICT_PASS], count[FP_VERDICT_FAIL]);
    if (count[FP_VERDICT_NEAR])
        printf(", %zu within sampling error", count[FP_VERDICT_NEAR]);
    if (count[FP_VERDICT_UNJUDGED])
        printf(", %zu not judged", count[FP_VERDICT_UNJUDGED]);
    fputc('\n', stdout);
}

static void print_header(const check_t *c)
{
    json_t *p = c->profiles[0];
    const char *program = json_string_value(json_object_get(p, "program"));
    printf("footprint check: %s", program ? program : "?");
    if (c->profile_path)
        printf(" (profile %s)", c->profile_path);
    else if (c->nprofiles > 1)
        printf(" (%d runs, each figure's %s)", c->nprofiles, c->worst ? "worst" : "median");
    fputc('\n', stdout);
}

/* "the program failed: exit status 3", or NULL when every run succeeded. */
static char *program_error(const check_t *c)
{
    for (int r = 0; r < c->nprofiles; r++) {
        json_int_t code = json_integer_value(json_object_get(c->profiles[r], "exit_code"));
        if (code != 0)
            return fp_xasprintf("the program failed: exit status %lld%s", (long long)code,
                                code > 128 ? " (killed by a signal)" : "");
    }
    return NULL;
}

static int write_junit(const check_t *c, const fp_verdict_t *v, const char *error)
{
    const char *program = json_string_value(json_object_get(c->profiles[0], "program"));
    char *name = fp_xasprintf("footprint check %s", program ? program : "");
    fp_junit_suite_t s = {.name = name, .budgets = c->budgets.items, .verdicts = v, .n = c->budgets.n,
                          .program_error = error, .time_s = 0};
    for (int r = 0; r < c->nprofiles; r++)
        s.time_s += json_number_value(json_object_get(c->profiles[r], "elapsed_s"));
    int rc = fp_junit_write(c->junit_path, &s);
    free(name);
    return rc;
}

/* A budget on something the profile lacks warns; under --strict it is an error. */
static bool warn_unjudged(const check_t *c, const fp_verdict_t *v, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != FP_VERDICT_UNJUDGED)
            continue;
        any = true;
        fp_error("%s%s: %s", c->strict ? "" : "warning: ", v[i].target, v[i].text);
    }
    return any && c->strict;
}

static int judge_all(check_t *c)
{
    size_t n = c->budgets.n;
    fp_verdict_t *v = fp_xcalloc(n, sizeof *v);
    bool failed = false;
    print_header(c);
    for (size_t i = 0; i < n; i++) {
        const fp_budget_t *b = &c->budgets.items[i];
        fp_judge(b, representative(c, b), c->baseline, &v[i]);
        print_verdict(&v[i]);
        failed |= v[i].kind == FP_VERDICT_FAIL;
    }
    print_summary(v, n);
    fflush(stdout);
    char *error = program_error(c);
    if (error)
        fp_error("%s", error);
    bool strict_error = warn_unjudged(c, v, n);
    int junit = c->junit_path ? write_junit(c, v, error) : 0;
    int rc = junit != 0 || strict_error ? EXIT_USAGE : error ? EXIT_PROGRAM : failed ? EXIT_FAILED : 0;
    for (size_t i = 0; i < n; i++)
        fp_verdict_free(&v[i]);
    free(v);
    free(error);
    return rc;
}

int fp_check_main(int argc, char **argv)
{
    check_t c = {.repeat = 1};
    int rc = parse_args(&c, argc, argv);
    if (rc == 0)
        rc = validate(&c) == 0 ? load_profiles(&c) : EXIT_USAGE;
    else
        rc = rc > 0 ? 0 : EXIT_USAGE;
    if (rc == 0 && c.nprofiles > 0)
        rc = judge_all(&c);
    for (int r = 0; r < c.nprofiles; r++)
        json_decref(c.profiles[r]);
    free(c.profiles);
    json_decref(c.baseline);
    fp_budget_free(&c.budgets);
    return rc;
}
