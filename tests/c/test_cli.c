/* test_cli.c: fp_cli_parse (src/launcher/cli.c).
 *
 * What belongs to footprint and what to the program: options end at the
 * script or module name, or at "--". Usage errors return -1 with one line
 * "footprint: ..." on stderr, which these tests capture and check. */
#include "testutil.h"

#include "../../src/common/fragment_format.h"
#include "../../src/launcher/cli.h"

/* Parses the NULL-terminated ARGS (argv[0] included). The array must
 * outlive O: program_argv points into it. Stderr goes to ERR (when not
 * NULL, up to N bytes) instead of the terminal. */
static int parse_capture(fp_options_t *o, const char **args, char *err, size_t n)
{
    int argc = 0;
    while (args[argc])
        argc++;
    tu_capture_t c = tu_stderr_begin();
    int rc = fp_cli_parse(o, argc, (char **)args);
    tu_stderr_end(&c, err, n);
    return rc;
}

#define ARGS(...) ((const char *[]){"footprint", __VA_ARGS__, NULL})

static int parse(fp_options_t *o, const char **args)
{
    char err[1024];
    int rc = parse_capture(o, args, err, sizeof err);
    if (rc == 0 && err[0])
        fail_msg("parse succeeded but printed: %s", err);
    return rc;
}

/* The parse must fail with one "footprint: " line containing WANT. */
static void expect_error(const char **args, const char *want)
{
    fp_options_t o;
    char err[1024];
    int rc = parse_capture(&o, args, err, sizeof err);
    assert_int_equal(rc, -1);
    if (strncmp(err, "footprint: ", 11) != 0)
        fail_msg("no error message: '%s'", err);
    size_t len = strlen(err);
    assert_true(len > 11 && err[len - 1] == '\n');
    assert_null(memchr(err, '\n', len - 1)); /* one line */
    if (want && !strstr(err, want))
        fail_msg("error '%s' does not mention '%s'", err, want);
}

static void test_run_script_with_args(void **state)
{
    (void)state;
    fp_options_t o;
    const char **args = ARGS("run", "x.py", "a", "-b", "--json", "out");
    assert_int_equal(parse(&o, args), 0);
    assert_int_equal(o.command, FP_CMD_RUN);
    assert_string_equal(o.script, "x.py");
    assert_null(o.module);
    assert_int_equal(o.program_argc, 4);
    assert_ptr_equal(o.program_argv, (char **)args + 3);
    assert_string_equal(o.program_argv[0], "a");
    assert_string_equal(o.program_argv[3], "out");
    /* options after the script belong to the program */
    assert_null(o.json_path);
}

static void test_defaults(void **state)
{
    (void)state;
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("x.py")), 0);
    assert_int_equal(o.command, FP_CMD_RUN);
    assert_null(o.python);
    assert_null(o.json_path);
    assert_null(o.html_path);
    assert_true(o.interval_s == 0.01);
    assert_int_equal(o.alloc_sample_bytes, FP_ALLOC_SAMPLE_DEFAULT);
    assert_int_equal(o.ninclude, 0);
    assert_int_equal(o.nexclude, 0);
    assert_false(o.cpu_only || o.profile_all || o.no_leaks || o.no_children);
    assert_false(o.reduced || o.quiet || o.no_color);
    assert_null(o.profile_path);
    assert_int_equal(o.program_argc, 0);
}

static void test_short_form(void **state)
{
    (void)state;
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("--quiet", "prog.py", "--quiet", "x")), 0);
    assert_int_equal(o.command, FP_CMD_RUN);
    assert_true(o.quiet);
    assert_string_equal(o.script, "prog.py");
    assert_int_equal(o.program_argc, 2);
    assert_string_equal(o.program_argv[0], "--quiet");
    /* "run" as an argument of the program, not the command */
    assert_int_equal(parse(&o, ARGS("prog.py", "run")), 0);
    assert_string_equal(o.script, "prog.py");
    assert_int_equal(o.program_argc, 1);
    assert_string_equal(o.program_argv[0], "run");
}

static void test_module(void **state)
{
    (void)state;
    fp_options_t o;
    const char **args = ARGS("run", "--cpu-only", "-m", "pkg.mod", "a", "-b", "--", "--json=x");
    assert_int_equal(parse(&o, args), 0);
    assert_true(o.cpu_only);
    assert_string_equal(o.module, "pkg.mod");
    assert_null(o.script);
    assert_int_equal(o.program_argc, 4);
    assert_string_equal(o.program_argv[0], "a");
    assert_string_equal(o.program_argv[2], "--");
    assert_string_equal(o.program_argv[3], "--json=x");
    assert_null(o.json_path);
    /* the short form too, with no program arguments */
    assert_int_equal(parse(&o, ARGS("-m", "http.server")), 0);
    assert_string_equal(o.module, "http.server");
    assert_int_equal(o.program_argc, 0);
}

static void test_double_dash(void **state)
{
    (void)state;
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("run", "--reduced", "--", "--odd-name.py", "--reduced")), 0);
    assert_true(o.reduced);
    assert_string_equal(o.script, "--odd-name.py");
    assert_int_equal(o.program_argc, 1);
    assert_string_equal(o.program_argv[0], "--reduced");
    assert_int_equal(parse(&o, ARGS("--", "-m")), 0);
    assert_string_equal(o.script, "-m");
    assert_null(o.module);
    /* "-" alone is a file name (the program on stdin), not an option */
    assert_int_equal(parse(&o, ARGS("run", "-", "a")), 0);
    assert_string_equal(o.script, "-");
}

static void test_option_values(void **state)
{
    (void)state;
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("--json=out.json", "--python", "/usr/bin/python3", "--html=r.html",
                                    "--interval", "0.5", "--alloc-sample-bytes=4096", "x.py")),
                     0);
    assert_string_equal(o.json_path, "out.json");
    assert_string_equal(o.python, "/usr/bin/python3");
    assert_string_equal(o.html_path, "r.html");
    assert_true(o.interval_s == 0.5);
    assert_int_equal(o.alloc_sample_bytes, 4096);
    assert_string_equal(o.script, "x.py");
    assert_int_equal(parse(&o, ARGS("--json", "a.json", "--python=/opt/py", "--html", "h",
                                    "--interval=0.001", "--alloc-sample-bytes", "1", "x.py")),
                     0);
    assert_string_equal(o.json_path, "a.json");
    assert_string_equal(o.python, "/opt/py");
    assert_string_equal(o.html_path, "h");
    assert_true(o.interval_s == 0.001);
    assert_int_equal(o.alloc_sample_bytes, 1);
    /* a value may itself look like an option, or contain '=' */
    assert_int_equal(parse(&o, ARGS("--json", "--quiet", "--python=a=b", "x.py")), 0);
    assert_string_equal(o.json_path, "--quiet");
    assert_false(o.quiet);
    assert_string_equal(o.python, "a=b");
}

static void test_interval_bounds(void **state)
{
    (void)state;
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("--interval=0.0005", "x.py")), 0);
    assert_true(o.interval_s == 0.0005);
    assert_int_equal(parse(&o, ARGS("--interval=10", "x.py")), 0);
    assert_true(o.interval_s == 10);
    assert_int_equal(parse(&o, ARGS("--interval=1e-2", "x.py")), 0);
    assert_true(o.interval_s == 0.01);
}

static void test_repeatable_patterns(void **state)
{
    (void)state;
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("--include", "a/*", "--exclude=test_*.py", "--include=*.pyx",
                                    "--exclude", "*/vendor/*", "--include", "b", "x.py")),
                     0);
    assert_int_equal(o.ninclude, 3);
    assert_string_equal(o.include[0], "a/*");
    assert_string_equal(o.include[1], "*.pyx");
    assert_string_equal(o.include[2], "b");
    assert_int_equal(o.nexclude, 2);
    assert_string_equal(o.exclude[0], "test_*.py");
    assert_string_equal(o.exclude[1], "*/vendor/*");
}

static void test_too_many_patterns(void **state)
{
    (void)state;
    enum { N = FP_CLI_MAX_PATTERNS + 1 };
    const char *args[2 * N + 3];
    int k = 0;
    args[k++] = "footprint";
    for (int i = 0; i < N; i++) {
        args[k++] = "--include";
        args[k++] = "p";
    }
    args[k++] = "x.py";
    args[k] = NULL;
    expect_error(args, "--include");
    /* exactly the maximum is fine */
    args[2 * (N - 1) + 1] = "x.py";
    args[2 * (N - 1) + 2] = NULL;
    fp_options_t o;
    assert_int_equal(parse(&o, args), 0);
    assert_int_equal(o.ninclude, FP_CLI_MAX_PATTERNS);
}

static void test_every_flag(void **state)
{
    (void)state;
    struct { const char *flag; size_t offset; } flags[] = {
        {"--cpu-only", offsetof(fp_options_t, cpu_only)},
        {"--profile-all", offsetof(fp_options_t, profile_all)},
        {"--no-leaks", offsetof(fp_options_t, no_leaks)},
        {"--no-children", offsetof(fp_options_t, no_children)},
        {"--reduced", offsetof(fp_options_t, reduced)},
        {"--quiet", offsetof(fp_options_t, quiet)},
        {"--no-color", offsetof(fp_options_t, no_color)},
        {"--no-colour", offsetof(fp_options_t, no_color)},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        fp_options_t o;
        assert_int_equal(parse(&o, ARGS(flags[i].flag, "x.py")), 0);
        int set = 0;
        for (size_t j = 0; j < sizeof flags / sizeof flags[0]; j++)
            set += *(bool *)((char *)&o + flags[j].offset);
        assert_true(*(bool *)((char *)&o + flags[i].offset));
        /* only that flag (--no-color and --no-colour set the same one) */
        assert_int_equal(set, strstr(flags[i].flag, "no-col") ? 2 : 1);
        assert_string_equal(o.script, "x.py");
    }
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("run", "--cpu-only", "--profile-all", "--no-leaks", "--no-children",
                                    "--reduced", "--quiet", "--no-color", "x.py")),
                     0);
    assert_true(o.cpu_only && o.profile_all && o.no_leaks && o.no_children);
    assert_true(o.reduced && o.quiet && o.no_color);
}

static void test_help_and_version(void **state)
{
    (void)state;
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("--help")), 0);
    assert_int_equal(o.command, FP_CMD_HELP);
    assert_int_equal(parse(&o, ARGS("-h")), 0);
    assert_int_equal(o.command, FP_CMD_HELP);
    assert_int_equal(parse(&o, ARGS("run", "--quiet", "--help", "--bogus")), 0);
    assert_int_equal(o.command, FP_CMD_HELP);
    assert_int_equal(parse(&o, ARGS("--version")), 0);
    assert_int_equal(o.command, FP_CMD_VERSION);
    assert_int_equal(parse(&o, ARGS("view", "--help")), 0);
    assert_int_equal(o.command, FP_CMD_HELP);
    /* after the script, --help is the program's */
    assert_int_equal(parse(&o, ARGS("x.py", "--help")), 0);
    assert_int_equal(o.command, FP_CMD_RUN);
}

static void test_view(void **state)
{
    (void)state;
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("view", "p.json")), 0);
    assert_int_equal(o.command, FP_CMD_VIEW);
    assert_string_equal(o.profile_path, "p.json");
    assert_null(o.script);
    assert_int_equal(parse(&o, ARGS("view", "--reduced", "p.json", "--no-color")), 0);
    assert_string_equal(o.profile_path, "p.json");
    assert_true(o.reduced);
    assert_true(o.no_color);
    assert_int_equal(parse(&o, ARGS("view", "--", "-odd.json")), 0);
    assert_string_equal(o.profile_path, "-odd.json");
}

static void test_errors_unknown_option(void **state)
{
    (void)state;
    expect_error(ARGS("--bogus", "x.py"), "--bogus");
    expect_error(ARGS("run", "-x", "x.py"), "-x");
    expect_error(ARGS("--jsonx=a", "x.py"), "--jsonx");
    expect_error(ARGS("view", "--bogus", "p.json"), "--bogus");
    /* longer than any option name: refused, not overflowed */
    expect_error(ARGS("--an-option-name-far-longer-than-any-real-one-that-footprint-knows-about=1",
                      "x.py"),
                 "unknown option");
}

static void test_errors_missing_value(void **state)
{
    (void)state;
    expect_error(ARGS("--json"), "--json");
    expect_error(ARGS("run", "--python"), "--python");
    expect_error(ARGS("--include"), "--include");
    expect_error(ARGS("view", "p.json", "--interval"), "--interval");
    expect_error(ARGS("--json=", "x.py"), "--json");
    expect_error(ARGS("--python=", "x.py"), "--python");
    expect_error(ARGS("--html=", "x.py"), "--html");
    expect_error(ARGS("--include=", "x.py"), "--include");
    expect_error(ARGS("--exclude", "", "x.py"), "--exclude");
    expect_error(ARGS("-m"), "-m");
    expect_error(ARGS("run", "--quiet", "-m"), "-m");
}

static void test_error_pattern_with_newline(void **state)
{
    (void)state;
    expect_error(ARGS("--exclude", "a\nb", "x.py"), "--exclude");
}

static void test_errors_bad_interval(void **state)
{
    (void)state;
    const char *bad[] = {"abc", "", "0", "0.0004", "10.5", "11", "-1", "nan", "inf", "1s", "0.01x", "1e400"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char opt[64];
        snprintf(opt, sizeof opt, "--interval=%s", bad[i]);
        expect_error(ARGS(opt, "x.py"), "--interval");
    }
    expect_error(ARGS("--interval", "fast", "x.py"), "--interval");
}

static void test_errors_bad_alloc_bytes(void **state)
{
    (void)state;
    const char *bad[] = {"0", "-5", "abc", "", "12k", "1.5", "1099511627777", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char opt[64];
        snprintf(opt, sizeof opt, "--alloc-sample-bytes=%s", bad[i]);
        expect_error(ARGS(opt, "x.py"), "--alloc-sample-bytes");
    }
    fp_options_t o;
    assert_int_equal(parse(&o, ARGS("--alloc-sample-bytes=1099511627776", "x.py")), 0);
    assert_int_equal(o.alloc_sample_bytes, 1ULL << 40);
}

static void test_errors_flag_with_value(void **state)
{
    (void)state;
    expect_error(ARGS("--quiet=yes", "x.py"), "--quiet");
    expect_error(ARGS("--cpu-only=1", "x.py"), "--cpu-only");
    expect_error(ARGS("--no-color=", "x.py"), "--no-color");
    expect_error(ARGS("--help=1"), "--help");
}

static void test_errors_no_program(void **state)
{
    (void)state;
    const char *only_argv0[] = {"footprint", NULL};
    expect_error(only_argv0, "no program");
    expect_error(ARGS("run"), "no program");
    expect_error(ARGS("--quiet"), "no program");
    expect_error(ARGS("run", "--json", "out.json"), "no program");
    expect_error(ARGS("run", "--"), "no program");
}

static void test_errors_view_file_count(void **state)
{
    (void)state;
    expect_error(ARGS("view"), "view");
    expect_error(ARGS("view", "--reduced"), "view");
    expect_error(ARGS("view", "a.json", "b.json"), "b.json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_script_with_args),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_short_form),
        cmocka_unit_test(test_module),
        cmocka_unit_test(test_double_dash),
        cmocka_unit_test(test_option_values),
        cmocka_unit_test(test_interval_bounds),
        cmocka_unit_test(test_repeatable_patterns),
        cmocka_unit_test(test_too_many_patterns),
        cmocka_unit_test(test_every_flag),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_view),
        cmocka_unit_test(test_errors_unknown_option),
        cmocka_unit_test(test_errors_missing_value),
        cmocka_unit_test(test_error_pattern_with_newline),
        cmocka_unit_test(test_errors_bad_interval),
        cmocka_unit_test(test_errors_bad_alloc_bytes),
        cmocka_unit_test(test_errors_flag_with_value),
        cmocka_unit_test(test_errors_no_program),
        cmocka_unit_test(test_errors_view_file_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
