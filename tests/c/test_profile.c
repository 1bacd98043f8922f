/* test_profile.c: fp_profile_check and fp_profile_load (src/launcher/profile.c).
 *
 * `footprint view` must turn any bad file into one line saying what is
 * wrong, and accept every good profile, so that the report can trust the
 * types of the members it reads. Documents are built with jansson, then
 * broken one member at a time. */
#include "testutil.h"

#include <jansson.h>
#include <sys/stat.h>

#include "../../src/launcher/profile.h"

/* A small profile that passes every check. */
static json_t *good_profile(void)
{
    json_t *p = json_pack(
        "{s:s, s:i, s:s, s:[s], s:f, s:f, s:i, s:n, s:[{s:s, s:[{s:i, s:s, s:f, s:f, s:f, s:i}, {s:i, s:f}],"
        " s:[{s:s, s:i, s:i, s:f}]}], s:[], s:{s:f}}",
        "format", "footprint-profile", "version", 1, "program", "x.py", "argv", "x.py",
        "elapsed_s", 1.5, "cpu_s", 1.25, "exit_code", 0, "memory",
        "files", "path", "/tmp/x.py",
        "lines", "line", 3, "source", "y = f(x)", "cpu_python_s", 0.5, "cpu_native_s", 0.25,
        "system_s", 0.0, "alloc_bytes", 1024,
        "line", 7, "system_s", 0.125,
        "functions", "name", "f", "line", 2, "end_line", 9, "cpu_python_s", 0.5,
        "processes", "sampling", "cpu_interval_s", 0.01);
    assert_non_null(p);
    return p;
}

static json_t *first_file(json_t *p) { return json_array_get(json_object_get(p, "files"), 0); }
static json_t *first_line(json_t *p) { return json_array_get(json_object_get(first_file(p), "lines"), 0); }
static json_t *first_func(json_t *p) { return json_array_get(json_object_get(first_file(p), "functions"), 0); }

/* fp_profile_check of P must complain, mentioning WANT; frees P. */
static void expect_bad(json_t *p, const char *want)
{
    const char *why = fp_profile_check(p);
    if (!why)
        fail_msg("a bad profile passed (expected '%s')", want);
    if (!strstr(why, want))
        fail_msg("'%s' does not mention '%s'", why, want);
    json_decref(p);
}

static void test_good_profile(void **state)
{
    (void)state;
    json_t *p = good_profile();
    assert_null(fp_profile_check(p));
    /* optional members may be absent */
    json_object_del(p, "memory");
    json_object_del(first_file(p), "functions");
    json_object_del(first_line(p), "source");
    assert_null(fp_profile_check(p));
    /* memory may be an object; integral seconds are numbers too */
    json_object_set_new(p, "memory", json_object());
    json_object_set_new(p, "elapsed_s", json_integer(2));
    json_object_set_new(first_line(p), "cpu_python_s", json_integer(1));
    assert_null(fp_profile_check(p));
    /* a profile of a program that never reached profiled code */
    json_array_clear(json_object_get(p, "files"));
    assert_null(fp_profile_check(p));
    json_decref(p);
}

static void test_not_an_object(void **state)
{
    (void)state;
    expect_bad(json_array(), "not a JSON object");
    expect_bad(json_string("footprint-profile"), "not a JSON object");
    expect_bad(json_null(), "not a JSON object");
    assert_non_null(fp_profile_check(NULL));
}

static void test_format(void **state)
{
    (void)state;
    json_t *p = good_profile();
    json_object_del(p, "format");
    expect_bad(p, "no \"format\"");
    p = good_profile();
    json_object_set_new(p, "format", json_string("scalene-profile"));
    expect_bad(p, "\"format\" is not");
    p = good_profile();
    json_object_set_new(p, "format", json_integer(1));
    expect_bad(p, "\"format\" is not");
    p = good_profile();
    json_object_set_new(p, "format", json_string("footprint-profile-x"));
    expect_bad(p, "\"format\" is not");
}

static void test_version(void **state)
{
    (void)state;
    json_t *p = good_profile();
    json_object_set_new(p, "version", json_integer(FP_PROFILE_VERSION + 1));
    expect_bad(p, "newer");
    p = good_profile();
    json_object_set_new(p, "version", json_integer(99));
    expect_bad(p, "newer");
    p = good_profile();
    json_object_set_new(p, "version", json_integer(0));
    expect_bad(p, "bad format version");
    p = good_profile();
    json_object_set_new(p, "version", json_integer(-3));
    expect_bad(p, "bad format version");
    p = good_profile();
    json_object_del(p, "version");
    expect_bad(p, "no format version");
    p = good_profile();
    json_object_set_new(p, "version", json_string("1"));
    expect_bad(p, "no format version");
    p = good_profile();
    json_object_set_new(p, "version", json_real(1.0));
    expect_bad(p, "no format version");
}

static void test_files_not_array(void **state)
{
    (void)state;
    json_t *p = good_profile();
    json_object_set_new(p, "files", json_object());
    expect_bad(p, "no list of files");
    p = good_profile();
    json_object_del(p, "files");
    expect_bad(p, "no list of files");
    p = good_profile();
    json_object_set_new(p, "files", json_null());
    expect_bad(p, "no list of files");
}

static void test_times(void **state)
{
    (void)state;
    json_t *p = good_profile();
    json_object_del(p, "elapsed_s");
    expect_bad(p, "no elapsed or CPU time");
    p = good_profile();
    json_object_set_new(p, "cpu_s", json_string("1.0"));
    expect_bad(p, "no elapsed or CPU time");
}

static void test_file_entries(void **state)
{
    (void)state;
    json_t *p = good_profile();
    json_array_append_new(json_object_get(p, "files"), json_string("/tmp/y.py"));
    expect_bad(p, "no path");
    p = good_profile();
    json_object_del(first_file(p), "path");
    expect_bad(p, "no path");
    p = good_profile();
    json_object_set_new(first_file(p), "path", json_integer(1));
    expect_bad(p, "no path");
    p = good_profile();
    json_object_del(first_file(p), "lines");
    expect_bad(p, "no list of lines");
    p = good_profile();
    json_object_set_new(first_file(p), "lines", json_object());
    expect_bad(p, "no list of lines");
    p = good_profile();
    json_object_set_new(first_file(p), "functions", json_object());
    expect_bad(p, "no list of lines");
}

static void test_line_entries(void **state)
{
    (void)state;
    json_t *p = good_profile();
    json_object_del(first_line(p), "line");
    expect_bad(p, "no line number");
    p = good_profile();
    json_object_set_new(first_line(p), "line", json_string("3"));
    expect_bad(p, "no line number");
    p = good_profile();
    json_object_set_new(first_line(p), "line", json_real(3.0));
    expect_bad(p, "no line number");
    p = good_profile();
    json_array_append_new(json_object_get(first_file(p), "lines"), json_integer(9));
    expect_bad(p, "no line number");
    p = good_profile();
    json_object_set_new(first_line(p), "source", json_integer(0));
    expect_bad(p, "source is not text");
}

static void test_figures_must_be_numbers(void **state)
{
    (void)state;
    const char *names[] = {"cpu_python_s", "cpu_native_s", "system_s", "gpu_s", "alloc_bytes",
                           "alloc_python_bytes", "free_bytes", "peak_bytes", "copy_bytes"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *p = good_profile();
        json_object_set_new(first_line(p), names[i], json_string("0.5"));
        expect_bad(p, "not a number");
        p = good_profile();
        json_object_set_new(first_func(p), names[i], json_null());
        expect_bad(p, "not a number");
    }
}

static void test_function_entries(void **state)
{
    (void)state;
    json_t *p = good_profile();
    json_object_del(first_func(p), "name");
    expect_bad(p, "function entry has no name");
    p = good_profile();
    json_object_set_new(first_func(p), "name", json_integer(5));
    expect_bad(p, "function entry has no name");
    p = good_profile();
    json_array_append_new(json_object_get(first_file(p), "functions"), json_string("g"));
    expect_bad(p, "function entry has no name");
}

static void test_memory_member(void **state)
{
    (void)state;
    json_t *p = good_profile();
    json_object_set_new(p, "memory", json_integer(5));
    expect_bad(p, "memory");
    p = good_profile();
    json_object_set_new(p, "memory", json_array());
    expect_bad(p, "memory");
}

/* Runs fp_profile_load on PATH with stderr captured into ERR. */
static json_t *load_capture(const char *path, char *err, size_t n)
{
    tu_capture_t c = tu_stderr_begin();
    json_t *p = fp_profile_load(path);
    tu_stderr_end(&c, err, n);
    return p;
}

/* Loading PATH must fail with one line naming PATH and mentioning WANT. */
static void expect_load_error(const char *path, const char *want)
{
    char err[2048];
    json_t *p = load_capture(path, err, sizeof err);
    if (p) {
        json_decref(p);
        fail_msg("loading '%s' succeeded (expected '%s')", path, want);
    }
    if (strncmp(err, "footprint: cannot read profile '", 32) != 0 || !strstr(err, path))
        fail_msg("message does not name the file: '%s'", err);
    size_t len = strlen(err);
    assert_true(len > 0 && err[len - 1] == '\n');
    assert_null(memchr(err, '\n', len - 1));
    if (!strstr(err, want))
        fail_msg("'%s' does not mention '%s'", err, want);
}

static char *dump_good(void)
{
    json_t *p = good_profile();
    char *text = json_dumps(p, JSON_INDENT(1));
    json_decref(p);
    assert_non_null(text);
    return text;
}

static void test_load_good(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *text = dump_good();
    char *path = tu_write_str(dir, "good.json", text);
    char err[512];
    json_t *p = load_capture(path, err, sizeof err);
    assert_non_null(p);
    assert_string_equal(err, "");
    assert_string_equal(json_string_value(json_object_get(p, "program")), "x.py");
    json_decref(p);
    free(path);
    free(text);
    tu_rmtree(dir);
    free(dir);
}

static void test_load_bad_files(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *text = dump_good();
    size_t len = strlen(text);

    char *empty = tu_write(dir, "empty.json", "", 0);
    expect_load_error(empty, "empty");
    char *cut = tu_write(dir, "cut.json", text, len / 2);
    expect_load_error(cut, "cut short");
    char *cut1 = tu_write(dir, "cut1.json", text, len - 1);
    expect_load_error(cut1, "cut short");
    char *prose = tu_write_str(dir, "prose.json", "this is a text file, not a profile at all\n");
    expect_load_error(prose, "not JSON");
    char *trailing = tu_write_str(dir, "trailing.json", "{\"format\": \"footprint-profile\"} garbage\n");
    expect_load_error(trailing, "not JSON");
    char *array = tu_write_str(dir, "array.json", "[1, 2, 3]\n");
    expect_load_error(array, "not a footprint profile");
    char *dup = tu_write_str(dir, "dup.json", "{\"format\": \"footprint-profile\", \"format\": \"x\"}");
    expect_load_error(dup, "not JSON");
    expect_load_error(dir, "directory");
    char *missing = NULL;
    assert_true(asprintf(&missing, "%s/no-such-profile.json", dir) > 0);
    expect_load_error(missing, "No such file");
    /* valid JSON, valid profile shape but newer: says so */
    json_t *p = good_profile();
    json_object_set_new(p, "version", json_integer(2));
    char *newer_text = json_dumps(p, 0);
    json_decref(p);
    char *newer = tu_write_str(dir, "newer.json", newer_text);
    expect_load_error(newer, "newer");

    free(empty), free(cut), free(cut1), free(prose), free(trailing), free(array), free(dup);
    free(missing), free(newer), free(newer_text), free(text);
    tu_rmtree(dir);
    free(dir);
}

static void test_load_unreadable(void **state)
{
    (void)state;
    if (geteuid() == 0)
        skip(); /* root reads everything */
    char *dir = tu_mkdtemp();
    char *text = dump_good();
    char *path = tu_write_str(dir, "secret.json", text);
    assert_int_equal(chmod(path, 0), 0);
    expect_load_error(path, "cannot read profile");
    free(path);
    free(text);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_profile),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_files_not_array),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_file_entries),
        cmocka_unit_test(test_line_entries),
        cmocka_unit_test(test_figures_must_be_numbers),
        cmocka_unit_test(test_function_entries),
        cmocka_unit_test(test_memory_member),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_bad_files),
        cmocka_unit_test(test_load_unreadable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
