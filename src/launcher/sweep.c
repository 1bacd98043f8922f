/* sweep.c: `footprint sweep`, the driver (see sweep.h).
 *
 * Parses the sweep's own options, lists the configurations (the grid's
 * cross product, or values side by side with --zip), and runs each one by
 * starting this very binary as `footprint run --quiet --json DIR/STEM.json
 * [run options] script args`, the parameters in its environment and
 * substituted for {NAME} in the program's arguments. While a run goes on
 * the driver polls it: a program over --max-peak is killed (the launcher
 * still writes its profile), and Ctrl-C lets the current run end, keeps
 * what finished and stops. After each configuration sweep.json is
 * rewritten, so a sweep stopped any way leaves a summary of what ran;
 * --resume takes runs whose profiles are already in DIR as done. */
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chartpage.h"
#include "child.h"
#include "cli.h"
#include "profile.h"
#include "util.h"

enum { EXIT_USAGE = 2, EXIT_INTERRUPTED = 130, MAX_RUNS = 100 };

/* Set by SIGINT and SIGTERM; read by the polling loop. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void usage_line(void)
{
    fp_error("usage: footprint sweep -p NAME=V1,V2,... [-p ...] [--grid|--zip] [--runs N] [--out DIR] "
             "[--max-peak BYTES] [--predict NAME=VALUE] [--resume] [run options] script.py [args...]");
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* A number written in full, when V is one: "1e3" -> "1000". */
static char *normal_value(const char *v, double *num, bool *numeric)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    *numeric = !errno && end != v && !*end && isfinite(d);
    *num = d;
    if (*numeric && d == floor(d) && d < 1e18 && strchr(v, '.') == NULL)
        return fp_xasprintf("%.0f", d);
    return fp_xstrdup(v);
}

static int find_param(const fp_sweep_t *s, const char *name, size_t n)
{
    for (int i = 0; i < s->nparams; i++)
        if (strlen(s->params[i].name) == n && strncmp(s->params[i].name, name, n) == 0)
            return i;
    return -1;
}

/* -p NAME=V1,V2,... */
static int add_param(fp_sweep_t *s, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq || !valid_name(spec, (size_t)(eq - spec)) || !eq[1]) {
        fp_error("-p wants NAME=V1,V2,... with NAME a variable name, not '%s'", spec);
        return -1;
    }
    if (find_param(s, spec, (size_t)(eq - spec)) >= 0 || s->nparams == FP_SWEEP_MAX_PARAMS) {
        fp_error("-p '%.*s': %s", (int)(eq - spec), spec,
                 s->nparams == FP_SWEEP_MAX_PARAMS ? "too many parameters" : "given twice");
        return -1;
    }
    fp_sweep_param_t *p = &s->params[s->nparams];
    p->name = fp_xasprintf("%.*s", (int)(eq - spec), spec);
    p->numeric = p->fittable = true;
    char *copy = fp_xstrdup(eq + 1);
    for (char *save = copy, *v; (v = strsep(&save, ","));) {
        if (!*v) {
            fp_error("-p %s: an empty value in '%s'", p->name, eq + 1);
            free(copy);
            return -1;
        }
        p->values = fp_xrealloc(p->values, (size_t)(p->nvalues + 1) * sizeof *p->values);
        p->num = fp_xrealloc(p->num, (size_t)(p->nvalues + 1) * sizeof *p->num);
        bool numeric;
        p->values[p->nvalues] = normal_value(v, &p->num[p->nvalues], &numeric);
        p->numeric &= numeric;
        p->fittable &= numeric && p->num[p->nvalues] > 0;
        p->nvalues++;
    }
    free(copy);
    s->nparams++;
    return 0;
}

/* "2GB", "500MB", "1.5e9", "64MiB" -> bytes. */
static int parse_bytes(const char *v, double *out)
{
    static const struct { const char *unit; double scale; } units[] = {
        {"", 1},     {"B", 1},           {"kB", 1e3},     {"KB", 1e3},     {"MB", 1e6},
        {"GB", 1e9}, {"TB", 1e12},       {"KiB", 1024.0}, {"MiB", 1048576.0},
        {"GiB", 1073741824.0}, {"k", 1e3}, {"M", 1e6},   {"G", 1e9},
    };
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || !isfinite(d) || d <= 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            *out = d * units[i].scale;
            return 0;
        }
    }
    return -1;
}

static int parse_runs(fp_sweep_t *s, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < 1 || n > MAX_RUNS) {
        fp_error("--runs wants a number of runs from 1 to %d, not '%s'", MAX_RUNS, v);
        return -1;
    }
    s->runs = (int)n;
    return 0;
}

/* --predict NAME=VALUE; NAME is checked once every -p is known. */
static int add_predict(fp_sweep_t *s, const char *v)
{
    if (s->npredict == FP_SWEEP_MAX_PREDICT) {
        fp_error("too many --predict (at most %d)", FP_SWEEP_MAX_PREDICT);
        return -1;
    }
    s->predict[s->npredict++] = (fp_sweep_predict_t){.param = -1, .text = v};
    return 0;
}

/* One sweep option at argv[*i] (its value at argv[*i + 1] or after '=').
 * Returns 1 when ARG is not a sweep option, 0 when taken, -1 on error. */
static int sweep_option(fp_sweep_t *s, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "--grid") == 0 || strcmp(arg, "--zip") == 0) {
        s->zip = arg[2] == 'z';
        return 0;
    }
    if (strcmp(arg, "--resume") == 0) {
        s->resume = true;
        return 0;
    }
    static const char *const valued[] = {"-p", "--param", "--runs", "--out", "--max-peak", "--predict"};
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) {
        size_t n = strlen(valued[k]);
        if (strncmp(arg, valued[k], n) != 0 || (arg[n] != '\0' && arg[n] != '='))
            continue;
        const char *v = arg[n] == '=' ? arg + n + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
        if (!v) {
            fp_error("option %s wants a value", valued[k]);
            return -1;
        }
        switch (k) {
        case 0: case 1: return add_param(s, v);
        case 2: return parse_runs(s, v);
        case 3: s->dir = v; return *v ? 0 : (fp_error("--out wants a directory"), -1);
        case 4:
            if (parse_bytes(v, &s->max_peak) == 0)
                return 0;
            fp_error("--max-peak wants bytes (e.g. 2GB, 500MB, 1e9), not '%s'", v);
            return -1;
        default: return add_predict(s, v);
        }
    }
    return 1;
}

/* Options the sweep sets itself for each run. */
static int refuse_run_option(const char *arg)
{
    static const char *const own[] = {"--json", "--html", "--quiet"};
    for (size_t k = 0; k < sizeof own / sizeof own[0]; k++) {
        size_t n = strlen(own[k]);
        if (strncmp(arg, own[k], n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
            fp_error("sweep sets %s for each run itself (the files go to --out DIR)", own[k]);
            return -1;
        }
    }
    return 0;
}

/* Splits ARGV into the sweep's options and the run command (run options,
 * then the program), which fp_cli_parse checks as `footprint run` would. */
static int parse_args(fp_sweep_t *s, int argc, char **argv)
{
    s->runs = 1;
    s->dir = "footprint-sweep";
    char **cmd = fp_xcalloc((size_t)argc + 3, sizeof *cmd);
    int n = 0, i = 1;
    cmd[n++] = "footprint", cmd[n++] = "run";
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0' || strcmp(arg, "--") == 0 || strcmp(arg, "-m") == 0)
            break;
        int rc = sweep_option(s, argc, argv, &i);
        if (rc < 0 || (rc == 1 && refuse_run_option(arg) != 0))
            return -1;
        if (rc == 0)
            continue;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return usage_line(), -1;
        cmd[n++] = argv[i];
        const char *eq = strchr(arg, '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq ? eq - arg : (long)strlen(arg)), arg);
        if (!eq && fp_cli_takes_value(name) && i + 1 < argc)
            cmd[n++] = argv[++i];
    }
    for (; i < argc; i++)
        cmd[n++] = argv[i];
    fp_options_t o;
    if (fp_cli_parse(&o, n, cmd) != 0 || o.command != FP_CMD_RUN) {
        if (o.command != FP_CMD_RUN)
            usage_line();
        free(cmd);
        return -1;
    }
    s->command = cmd + 2;
    s->ncommand = n - 2;
    s->script_at = (int)(o.program_argv - cmd) - 2;
    s->program = o.script ? o.script : o.module;
    struct stat st;
    if (o.script && (stat(o.script, &st) != 0 || !S_ISREG(st.st_mode))) {
        fp_error("no such script '%s'", o.script);
        return -1;
    }
    return 0;
}

static int check_args(fp_sweep_t *s)
{
    if (s->nparams == 0) {
        fp_error("sweep wants at least one parameter (-p NAME=V1,V2,...)");
        return -1;
    }
    for (int k = 0; s->zip && k < s->nparams; k++) {
        if (s->params[k].nvalues != s->params[0].nvalues) {
            fp_error("--zip runs values side by side: -p %s has %d values, -p %s has %d", s->params[0].name,
                     s->params[0].nvalues, s->params[k].name, s->params[k].nvalues);
            return -1;
        }
    }
    for (int k = 0; k < s->npredict; k++) {
        fp_sweep_predict_t *p = &s->predict[k];
        const char *eq = strchr(p->text, '=');
        p->param = eq ? find_param(s, p->text, (size_t)(eq - p->text)) : -1;
        char *end = NULL;
        p->value = eq ? strtod(eq + 1, &end) : 0;
        if (p->param < 0 || !end || *end || end == eq + 1 || !(p->value > 0)) {
            fp_error("--predict wants NAME=VALUE, NAME one of the -p parameters and VALUE a number > 0, "
                     "not '%s'", p->text);
            return -1;
        }
        if (!s->params[p->param].fittable || s->params[p->param].nvalues < 3) {
            fp_error("--predict %s: footprint extrapolates only from at least three numeric sizes (-p %s has %d)",
                     p->text, s->params[p->param].name, s->params[p->param].nvalues);
            return -1;
        }
    }
    return 0;
}

/* A file-name-safe copy of V: letters, digits, '.', '-', '+' kept. */
static void put_safe(char *out, size_t n, const char *v)
{
    size_t k = strlen(out);
    for (; *v && k + 1 < n; v++)
        out[k++] = (strchr(".-+", *v) || (*v >= '0' && *v <= '9') || (*v >= 'A' && *v <= 'Z') ||
                    (*v >= 'a' && *v <= 'z')) ? *v : '_';
    out[k] = '\0';
}

static char *config_stem(const fp_sweep_t *s, const fp_sweep_config_t *c)
{
    char stem[512] = "";
    for (int k = 0; k < s->nparams; k++) {
        if (k)
            put_safe(stem, sizeof stem, ",");
        put_safe(stem, sizeof stem, s->params[k].name);
        strncat(stem, "=", sizeof stem - strlen(stem) - 1);
        put_safe(stem, sizeof stem, s->params[k].values[c->vi[k]]);
    }
    return fp_xstrdup(stem);
}

/* The configurations: the cross product (the first parameter slowest),
 * or with --zip the values side by side. */
static void list_configs(fp_sweep_t *s)
{
    int total = s->zip ? s->params[0].nvalues : 1;
    for (int k = 0; !s->zip && k < s->nparams; k++)
        total *= s->params[k].nvalues;
    s->configs = fp_xcalloc((size_t)total, sizeof *s->configs);
    s->nconfigs = total;
    for (int i = 0; i < total; i++) {
        fp_sweep_config_t *c = &s->configs[i];
        for (int k = s->nparams - 1, rest = i; k >= 0; k--) {
            c->vi[k] = s->zip ? i : rest % s->params[k].nvalues;
            rest /= s->zip ? 1 : s->params[k].nvalues;
        }
        c->stem = config_stem(s, c);
        c->profiles = fp_xcalloc((size_t)s->runs, sizeof *c->profiles);
        c->files = fp_xcalloc((size_t)s->runs, sizeof *c->files);
        c->exit_codes = fp_xcalloc((size_t)s->runs, sizeof *c->exit_codes);
    }
}

/* ARG with every {NAME} replaced by the configuration's value. */
static char *substitute(const fp_sweep_t *s, const fp_sweep_config_t *c, const char *arg)
{
    char *out = fp_xstrdup(arg);
    for (int k = 0; k < s->nparams; k++) {
        char *key = fp_xasprintf("{%s}", s->params[k].name), *at;
        const char *v = s->params[k].values[c->vi[k]];
        size_t from = 0;
        while ((at = strstr(out + from, key))) {
            size_t head = (size_t)(at - out);
            char *next = fp_xasprintf("%.*s%s%s", (int)head, out, v, at + strlen(key));
            from = head + strlen(v);
            free(out);
            out = next;
        }
        free(key);
    }
    return out;
}

static char *run_file(const fp_sweep_t *s, const fp_sweep_config_t *c, int run, const char *ext)
{
    if (s->runs == 1)
        return fp_xasprintf("%s.%s", c->stem, ext);
    return fp_xasprintf("%s.run%d.%s", c->stem, run + 1, ext);
}

static char **run_argv(const fp_sweep_t *s, const fp_sweep_config_t *c, const char *self, const char *json,
                       const char *html)
{
    char **argv = fp_xcalloc((size_t)s->ncommand + 10, sizeof *argv);
    int n = 0;
    argv[n++] = fp_xstrdup(self);
    argv[n++] = fp_xstrdup("run");
    argv[n++] = fp_xstrdup("--quiet");
    argv[n++] = fp_xstrdup("--json");
    argv[n++] = fp_xstrdup(json);
    if (html) {
        argv[n++] = fp_xstrdup("--html");
        argv[n++] = fp_xstrdup(html);
    }
    for (int i = 0; i < s->ncommand; i++)
        argv[n++] = i >= s->script_at ? substitute(s, c, s->command[i]) : fp_xstrdup(s->command[i]);
    return argv;
}

static void free_strv(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The pids of PID's children (the program, under the launcher). */
static int children_of(pid_t pid, pid_t *out, int max)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    int n = 0;
    for (char *p = buf, *end; n < max; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        out[n++] = (pid_t)v;
    }
    return n;
}

static double rss_bytes(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtod(line + 6, NULL);
    if (f)
        fclose(f);
    return kb * 1024;
}

/* Kills the program under LAUNCHER when it holds more than the limit;
 * true once it did. The launcher then writes what the program had. */
static bool enforce_max_peak(const fp_sweep_t *s, pid_t launcher)
{
    pid_t kids[16];
    int n = children_of(launcher, kids, 16);
    for (int i = 0; i < n; i++) {
        if (rss_bytes(kids[i]) > s->max_peak) {
            kill(kids[i], SIGKILL);
            return true;
        }
    }
    return false;
}

/* Waits for the run PID, polling: --max-peak, and Ctrl-C (which the
 * terminal sent the program too: it gets 2 s to end by itself, then the
 * launcher gets the SIGINT, for a sweep interrupted with kill). */
static int wait_run(const fp_sweep_t *s, pid_t pid, bool *over)
{
    double asked = -1;
    bool forwarded = false;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (s->max_peak > 0 && !*over)
            *over = enforce_max_peak(s, pid);
        if (interrupted && asked < 0)
            asked = now_s();
        if (asked >= 0 && !forwarded && now_s() - asked > 2) {
            kill(pid, SIGINT);
            forwarded = true;
        }
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

/* A finished run's profile, or NULL (quietly: a missing or broken file
 * only means the run left no profile). */
static json_t *load_quiet(const char *path)
{
    json_t *p = json_load_file(path, 0, NULL);
    if (p && fp_profile_check(p) != NULL) {
        json_decref(p);
        p = NULL;
    }
    return p;
}

static const char *run_status(const fp_sweep_t *s, json_t *profile, int code, bool over)
{
    double peak = json_number_value(json_object_get(json_object_get(profile, "memory"), "peak_bytes"));
    if (over || (s->max_peak > 0 && peak > s->max_peak))
        return "over-budget";
    if (code == 0)
        return "ok";
    return code == 128 + SIGKILL ? "killed" : "failed";
}

static int launch(const fp_sweep_t *s, const fp_sweep_config_t *c, char **argv)
{
    char **env = fp_env_copy();
    for (int k = 0; k < s->nparams; k++)
        fp_env_set(&env, s->params[k].name, s->params[k].values[c->vi[k]]);
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[0], argv, env);
        _exit(127);
    }
    free_strv(env);
    if (pid < 0)
        fp_error("cannot start a run: %s", strerror(errno));
    return pid;
}

/* Runs (or with --resume finds) run RUN of C. Returns 0, or 1 when the
 * sweep was interrupted and this run did not finish (its files removed). */
static int run_one(fp_sweep_t *s, fp_sweep_config_t *c, int run, const char *self)
{
    char *file = run_file(s, c, run, "json"), *html_file = fp_xasprintf("%s.html", c->stem);
    char *json = fp_xasprintf("%s/%s", s->dir, file), *html = fp_xasprintf("%s/%s", s->dir, html_file);
    json_t *profile = s->resume ? load_quiet(json) : NULL;
    int code = (int)json_integer_value(json_object_get(profile, "exit_code"));
    bool over = false;
    if (!profile) {
        unlink(json);
        char **argv = run_argv(s, c, self, json, run == 0 ? html : NULL);
        pid_t pid = launch(s, c, argv);
        int status = pid > 0 ? wait_run(s, pid, &over) : -1;
        free_strv(argv);
        profile = load_quiet(json);
        code = profile ? (int)json_integer_value(json_object_get(profile, "exit_code"))
               : status == -1 ? 127
               : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }
    int rc = 0;
    if (interrupted && code != 0 && !over) {
        unlink(json);
        json_decref(profile);
        rc = 1;
    } else {
        c->profiles[run] = profile;
        c->files[run] = file, file = NULL;
        c->exit_codes[run] = code;
        c->nruns = run + 1;
        const char *st = run_status(s, profile, code, over);
        if (!c->status || strcmp(c->status, "ok") == 0)
            c->status = st;
        if (run == 0 && access(html, R_OK) == 0)
            c->html = fp_xstrdup(html_file);
    }
    free(file), free(html_file), free(json), free(html);
    return rc;
}

static int write_summary(const fp_sweep_t *s, json_t *summary)
{
    char *path = fp_xasprintf("%s/sweep.json", s->dir), *tmp = fp_xasprintf("%s.tmp", path);
    int rc = json_dump_file(summary, tmp, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0)
        fp_error("cannot write '%s': %s", path, strerror(errno));
    free(path), free(tmp);
    char *page = fp_xasprintf("%s/sweep.html", s->dir);
    if (rc == 0 && fp_chartpage_write(summary, s->program, page) != 0)
        rc = -1;
    free(page);
    return rc;
}

static void print_progress(const fp_sweep_t *s, int i)
{
    const fp_sweep_config_t *c = &s->configs[i];
    fprintf(stderr, "footprint sweep: [%d/%d] ", i + 1, s->nconfigs);
    for (int k = 0; k < s->nparams; k++)
        fprintf(stderr, "%s%s=%s", k ? " " : "", s->params[k].name, s->params[k].values[c->vi[k]]);
    fprintf(stderr, ": %s\n", c->status ? c->status : "not run");
}

static int prepare_dir(const fp_sweep_t *s)
{
    if (mkdir(s->dir, 0777) != 0 && errno != EEXIST) {
        fp_error("cannot make --out '%s': %s", s->dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(s->dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(s->dir, W_OK | X_OK) != 0) {
        fp_error("cannot write into --out '%s': %s", s->dir, S_ISDIR(st.st_mode) ? strerror(errno) : "not a directory");
        return -1;
    }
    char *summary = fp_xasprintf("%s/sweep.json", s->dir);
    int rc = 0;
    if (!s->resume && access(summary, F_OK) == 0) {
        fp_error("'%s' already holds a sweep: --resume continues it, or choose another --out", s->dir);
        rc = -1;
    }
    free(summary);
    return rc;
}

static void catch_interrupts(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Runs every configuration; returns whether all of them were ok. */
static bool run_all(fp_sweep_t *s, const char *self)
{
    bool all_ok = true;
    for (int i = 0; i < s->nconfigs && !interrupted; i++) {
        fp_sweep_config_t *c = &s->configs[i];
        for (int r = 0; r < s->runs; r++)
            if (run_one(s, c, r, self) != 0)
                break;
        if (c->nruns == 0)
            break;
        all_ok &= strcmp(c->status, "ok") == 0;
        print_progress(s, i);
        json_t *summary = fp_sweep_summary(s);
        write_summary(s, summary);
        json_decref(summary);
    }
    return all_ok;
}

static void free_sweep(fp_sweep_t *s)
{
    for (int i = 0; i < s->nconfigs; i++) {
        fp_sweep_config_t *c = &s->configs[i];
        for (int r = 0; r < s->runs; r++) {
            json_decref(c->profiles[r]);
            free(c->files[r]);
        }
        free(c->profiles), free(c->files), free(c->exit_codes), free(c->stem), free(c->html);
    }
    free(s->configs);
    for (int k = 0; k < s->nparams; k++) {
        for (int v = 0; v < s->params[k].nvalues; v++)
            free(s->params[k].values[v]);
        free(s->params[k].values), free(s->params[k].num), free((char *)s->params[k].name);
    }
    free(s->command ? s->command - 2 : NULL);
}

int fp_sweep_main(int argc, char **argv)
{
    fp_sweep_t s = {0};
    char *self = NULL;
    int rc = EXIT_USAGE;
    if (parse_args(&s, argc, argv) != 0 || check_args(&s) != 0 || prepare_dir(&s) != 0)
        goto done;
    self = realpath("/proc/self/exe", NULL);
    if (!self) {
        fp_error("cannot find footprint's own binary: %s", strerror(errno));
        goto done;
    }
    list_configs(&s);
    catch_interrupts();
    bool all_ok = run_all(&s, self);
    s.complete = !interrupted;
    json_t *summary = fp_sweep_summary(&s);
    int written = write_summary(&s, summary);
    fp_sweep_print(stdout, summary);
    json_decref(summary);
    if (interrupted)
        fprintf(stderr, "footprint sweep: interrupted; what finished is in %s (--resume goes on)\n", s.dir);
    rc = interrupted ? EXIT_INTERRUPTED : all_ok && written == 0 ? 0 : 1;
done:
    free(self);
    free_sweep(&s);
    return rc;
}
