/* main.c: the footprint command: `run` (the default) and `view`; `check` is check.c's,
 * `collect` (for the Python package) collect.c's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "child.h"
#include "compare.h"
#include "cli.h"
#include "collect.h"
#include "../common/path.h"
#include "html.h"
#include "imports.h"
#include "interp.h"
#include "merge.h"
#include "profile.h"
#include "export.h"
#include "report.h"
#include "stackview.h"
#include "rundir.h"
#include "service.h"
#include "sweep.h"
#include "util.h"

#ifndef FP_VERSION
#define FP_VERSION "0.1.0"
#endif

enum { EXIT_USAGE = 2 };

/* Says whether PATH can be written, without leaving a file behind. */
static int check_writable(const char *opt, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fp_error("cannot write %s '%s': it is a directory", opt, path);
            return -1;
        }
        if (access(path, W_OK) != 0) {
            fp_error("cannot write %s '%s': %s", opt, path, strerror(errno));
            return -1;
        }
        return 0;
    }
    char *dir = fp_dirname(path);
    int rc = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fp_error("cannot write %s '%s': no directory '%s'", opt, path, dir);
        rc = -1;
    } else if (access(dir, W_OK | X_OK) != 0) {
        fp_error("cannot write %s '%s': %s", opt, path, strerror(errno));
        rc = -1;
    }
    free(dir);
    return rc;
}

static int check_script(const char *script)
{
    struct stat st;
    if (stat(script, &st) != 0) {
        fp_error("no such script '%s'", script);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        fp_error("'%s' is a directory, not a script", script);
        return -1;
    }
    if (access(script, R_OK) != 0) {
        fp_error("cannot read script '%s': %s", script, strerror(errno));
        return -1;
    }
    return 0;
}

static char *join_patterns(const char *const *list, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(list[i]) + 1;
    char *s = fp_xcalloc(len, 1);
    for (int i = 0; i < n; i++) {
        strcat(s, list[i]);
        if (i + 1 < n)
            strcat(s, "\n");
    }
    return s;
}

/* The script's directory as given, made absolute but links unresolved:
 * the main script's code carries this name. */
static char *program_dir_given(const fp_options_t *o)
{
    char cwd[4096];
    if (!o->script || !getcwd(cwd, sizeof cwd))
        return fp_xstrdup("");
    char *abs = o->script[0] == '/' ? fp_xstrdup(o->script) : fp_xasprintf("%s/%s", cwd, o->script);
    abs[fp_path_normalize(abs, strlen(abs))] = '\0';
    char *dir = fp_dirname(abs);
    free(abs);
    return dir;
}

static char *program_dir(const fp_options_t *o)
{
    char *real = realpath(o->script ? o->script : ".", NULL);
    if (!real)
        return fp_xstrdup("");
    if (!o->script)
        return real;
    char *dir = fp_dirname(real);
    free(real);
    return dir;
}

/* LD_PRELOAD with the interposer in front of what the user preloads, so
 * it sees every allocation; only a sanitizer runtime, which must be the
 * first object loaded, stays ahead of it. */
static char *preload_list(const char *user, const char *lib)
{
    if (!user || !*user)
        return fp_xstrdup(lib);
    size_t n = strlen(user);
    char *out = fp_xcalloc(n + strlen(lib) + 3, 1);
    char *copy = fp_xstrdup(user), *save = NULL;
    bool placed = false;
    for (char *item = strtok_r(copy, ": ", &save); item; item = strtok_r(NULL, ": ", &save)) {
        const char *base = strrchr(item, '/');
        base = base ? base + 1 : item;
        bool sanitizer = strncmp(base, "libasan", 7) == 0 || strncmp(base, "libtsan", 7) == 0 ||
                         strncmp(base, "libhwasan", 9) == 0;
        if (!sanitizer && !placed) {
            strcat(strcat(out, *out ? ":" : ""), lib);
            placed = true;
        }
        strcat(strcat(out, *out ? ":" : ""), item);
    }
    if (!placed)
        strcat(strcat(out, *out ? ":" : ""), lib);
    free(copy);
    return out;
}

/* The program's environment: its own, plus what loads the agent. */
static char **agent_env(const fp_options_t *o, const fp_interp_t *in, const char *libdir, const char *run_dir)
{
    char **env = fp_env_copy();
    /* what the program had, for --no-children to give its children back */
    static const char *const saved[][2] = {{"PYTHONPATH", "FOOTPRINT_USER_PYTHONPATH"},
                                           {"LD_PRELOAD", "FOOTPRINT_USER_LD_PRELOAD"}};
    for (size_t i = 0; i < 2; i++)
        if (getenv(saved[i][0]))
            fp_env_set(&env, saved[i][1], getenv(saved[i][0]));
    char *boot = fp_xasprintf("%s/boot", libdir);
    const char *old = getenv("PYTHONPATH");
    char *pp = old && *old ? fp_xasprintf("%s:%s", boot, old) : fp_xstrdup(boot);
    fp_env_set(&env, "PYTHONPATH", pp);
    fp_env_set(&env, "FOOTPRINT_BOOT_DIR", boot);
    fp_env_set(&env, "FOOTPRINT_AGENT_DIR", in->agent_dir);
    fp_env_set(&env, "FOOTPRINT_RUN_DIR", run_dir);
    char buf[64];
    snprintf(buf, sizeof buf, "%.6f", o->interval_s);
    fp_env_set(&env, "FOOTPRINT_INTERVAL", buf);
    fp_env_set(&env, "FOOTPRINT_MEMORY", o->cpu_only ? "0" : "1");
    if (!o->cpu_only) {
        char *lib = fp_xasprintf("%s/libfootprint_alloc.so", libdir);
        char *value = preload_list(getenv("LD_PRELOAD"), lib);
        fp_env_set(&env, "LD_PRELOAD", value);
        free(lib), free(value);
    }
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->alloc_sample_bytes);
    fp_env_set(&env, "FOOTPRINT_ALLOC_SAMPLE", buf);
    char *dir = program_dir(o), *given = program_dir_given(o);
    fp_env_set(&env, "FOOTPRINT_PROGRAM_DIR", dir);
    fp_env_set(&env, "FOOTPRINT_PROGRAM_DIR_GIVEN", given);
    free(given);
    fp_env_set(&env, "FOOTPRINT_PROFILE_ALL", o->profile_all ? "1" : "0");
    char *inc = join_patterns(o->include, o->ninclude), *exc = join_patterns(o->exclude, o->nexclude);
    fp_env_set(&env, "FOOTPRINT_INCLUDE", inc);
    fp_env_set(&env, "FOOTPRINT_EXCLUDE", exc);
    fp_env_set(&env, "FOOTPRINT_CHILDREN", o->no_children ? "0" : "1");
    fp_env_set(&env, "FOOTPRINT_LEAKS", o->no_leaks ? "0" : "1");
    fp_env_set(&env, "FOOTPRINT_OFF", o->off ? "1" : "0");
    fp_env_set(&env, "FOOTPRINT_STACKS", o->no_stacks ? "0" : "1");
    fp_env_set(&env, "FOOTPRINT_NATIVE_STACKS", o->native_stacks ? "1" : "0");
    snprintf(buf, sizeof buf, "%d", (int)getpid());
    fp_env_set(&env, "FOOTPRINT_LAUNCHER_PID", buf);
    free(boot), free(pp), free(dir), free(inc), free(exc);
    return env;
}

static char **program_argv(const fp_options_t *o, const char *python, int *argc)
{
    int n = o->program_argc + (o->module ? 3 : 2);
    char **argv = fp_xcalloc((size_t)n + 1, sizeof *argv);
    int k = 0;
    argv[k++] = (char *)python;
    if (o->module) {
        argv[k++] = "-m";
        argv[k++] = (char *)o->module;
    } else {
        argv[k++] = (char *)o->script;
    }
    for (int i = 0; i < o->program_argc; i++)
        argv[k++] = o->program_argv[i];
    *argc = k;
    return argv;
}

static int write_text(const char *path, const char *text, const char *what)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fp_error("cannot write %s '%s': %s", what, path, strerror(errno));
        return -1;
    }
    return 0;
}

static void print_report(json_t *profile, const fp_options_t *o)
{
    fp_report_opts_t ro = {.color = fp_report_want_color(2, o->no_color), .reduced = o->reduced, .width = 80};
    fputc('\n', stderr);
    fp_report_print(stderr, profile, &ro);
    if (o->stacks)
        fp_stackview_print(stderr, profile);
}

/* Writes what the user asked for. The report is rendered from the JSON as
 * written, so `footprint view` of the file prints the same report. */
static int finish(json_t *profile, const fp_options_t *o)
{
    char *text = json_dumps(profile, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_t *written = text ? json_loads(text, 0, NULL) : NULL;
    int rc = 0;
    if (o->json_path && (!text || write_text(o->json_path, text, "profile") != 0))
        rc = -1;
    if (o->html_path && (!written || fp_html_write(written, o->html_path) != 0))
        rc = -1;
    if (!o->quiet && written)
        print_report(written, o);
    json_decref(written);
    free(text);
    return rc;
}

static int cmd_run(const fp_options_t *o)
{
    char *libdir = fp_interp_libdir();
    if (!libdir) {
        fp_error("footprint's support files are missing (lib/footprint next to the binary); run make");
        return EXIT_USAGE;
    }
    if (o->script && check_script(o->script) != 0)
        return EXIT_USAGE;
    if ((o->json_path && check_writable("--json", o->json_path) != 0) ||
        (o->html_path && check_writable("--html", o->html_path) != 0))
        return EXIT_USAGE;
    fp_interp_t in;
    /* FOOTPRINT_PYTHON: set by `python -m footprint` and pip's `footprint`
     * command to the interpreter that runs them (a venv's) */
    const char *python = o->python ? o->python : getenv("FOOTPRINT_PYTHON");
    if (fp_interp_find(&in, python && *python ? python : "python3", libdir) != 0)
        return EXIT_USAGE;
    if (o->module && fp_interp_check_module(&in, o->module) != 0)
        return EXIT_USAGE;
    char *run_dir = fp_rundir_create();
    if (!run_dir) {
        fp_error("cannot make a private directory under $TMPDIR or /tmp: %s", strerror(errno));
        return EXIT_USAGE;
    }
    fp_child_t child = {0};
    int argc;
    child.argv = program_argv(o, in.path, &argc);
    child.envp = agent_env(o, &in, libdir, run_dir);
    if (fp_child_run(&child) != 0) {
        fp_rundir_remove(run_dir);
        return 127;
    }
    signal(SIGPIPE, SIG_IGN); /* a closed stderr must not lose the profile */
    int code = fp_child_exit_code(&child);
    char version[32];
    snprintf(version, sizeof version, "%d.%d.%d", in.major, in.minor, in.micro);
    char *program = o->module ? fp_xasprintf("-m %s", o->module) : fp_xstrdup(o->script);
    char *spans_script = fp_xasprintf("%s/boot/sitecustomize.py", libdir);
    fp_run_facts_t facts = {
        .program = program, .argv = child.argv + 1, .argc = argc - 1, .python = in.path,
        .python_version = version, .main_pid = child.pid, .exit_code = code,
        .elapsed_s = child.elapsed_s, .interval_s = o->interval_s, .memory = !o->cpu_only,
        .alloc_mean_bytes = o->alloc_sample_bytes, .spans_script = spans_script,
    };
    json_t *profile = fp_merge_run(run_dir, &facts);
    json_object_set_new(profile, "imports", fp_imports_read(run_dir, child.pid));
    fp_rundir_remove(run_dir);
    int rc = finish(profile, o);
    json_decref(profile);
    free(program);
    free(spans_script);
    /* the program's status is ours; a failure to write the profile only
     * turns a success into a failure */
    return code == 0 && rc != 0 ? 1 : code;
}

static int cmd_view(const fp_options_t *o)
{
    json_t *p = fp_profile_load(o->profile_path);
    if (!p)
        return EXIT_USAGE;
    int rc = 0;
    if (o->html_path && fp_html_write(p, o->html_path) != 0)
        rc = 1;
    if (!o->quiet) {
        fp_report_opts_t ro = {.color = fp_report_want_color(1, o->no_color), .reduced = o->reduced, .width = 80};
        fputc('\n', stdout);
        fp_report_print(stdout, p, &ro);
    }
    if (o->stacks && fp_stackview_print(stdout, p) != 0)
        rc = EXIT_USAGE;
    json_decref(p);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return fp_check_main(argc, argv);
    if (argc > 1 && fp_service_is_command(argv[1]))
        return fp_service_exec(argv);
    if (argc > 1 && strcmp(argv[1], "sweep") == 0)
        return fp_sweep_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "compare") == 0)
        return fp_compare_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "export") == 0)
        return fp_export_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "collect") == 0)
        return fp_collect_main(argc, argv);
    fp_options_t o;
    if (fp_cli_parse(&o, argc, argv) != 0)
        return EXIT_USAGE;
    switch (o.command) {
    case FP_CMD_HELP:
        fp_cli_usage();
        return 0;
    case FP_CMD_VERSION:
        printf("footprint %s\n", FP_VERSION);
        return 0;
    case FP_CMD_VIEW:
        return cmd_view(&o);
    case FP_CMD_RUN:
        break;
    }
    return cmd_run(&o);
}
