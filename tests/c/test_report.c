/* test_report.c: fp_report_print (src/launcher/report.c).
 *
 * The report is rendered into a memory stream from small profiles built
 * here: which lines and functions pass the share threshold (0.5%, or 5%
 * with --reduced), colour only when asked, the 80-column promise of
 * report.h, and the message for a profile with nothing sampled. */
#include "testutil.h"

#include <jansson.h>

#include "../../src/launcher/report.h"

#define LONG_FUNC "a_function_with_a_very_long_qualified_name.<locals>.inner"

/* The time shares, of a total of 1.801 s (lines plus 0.5 s unattributed):
 * big 55%, long 14%, medium 2.8% (hidden by --reduced), small 0.06%
 * (always hidden). */
static json_t *profile_with_lines(void)
{
    char long_src[256];
    memset(long_src, 'a', sizeof long_src - 1);
    memcpy(long_src, "long_line = '", 13);
    long_src[sizeof long_src - 1] = '\0';
    json_t *p = json_pack(
        "{s:s, s:i, s:s, s:[s], s:f, s:f, s:i, s:{s:f}, s:n, s:[{s:i}], s:{s:f, s:f, s:f}, s:b,"
        " s:[{s:s, s:[{s:i, s:s, s:f}, {s:i, s:s, s:f, s:f}, {s:i, s:s, s:f}, {s:i, s:s, s:f}],"
        "      s:[{s:s, s:i, s:f, s:f}, {s:s, s:i, s:f}, {s:s, s:i, s:f}]},"
        "     {s:s, s:[{s:i, s:s, s:f}], s:[]}]}",
        "format", "footprint-profile", "version", 1, "program", "prog.py", "argv", "prog.py",
        "elapsed_s", 3.0, "cpu_s", 2.0, "exit_code", 0, "sampling", "cpu_interval_s", 0.01, "memory",
        "processes", "pid", 100, "unattributed", "cpu_python_s", 0.5, "cpu_native_s", 0.0, "system_s", 0.0,
        "complete", 1,
        "files", "path", "/src/app/prog.py", "lines",
        "line", 3, "source", "big_line()", "cpu_python_s", 1.0,
        "line", 5, "source", "medium_line()", "cpu_native_s", 0.025, "system_s", 0.025,
        "line", 6, "source", "small_line()", "cpu_python_s", 0.001,
        "line", 8, "source", long_src, "system_s", 0.25,
        "functions", "name", "main", "line", 2, "cpu_python_s", 1.0, "cpu_native_s", 0.05,
        "name", LONG_FUNC, "line", 7, "system_s", 0.25,
        "name", "tiny_func", "line", 6, "cpu_python_s", 0.001,
        "path", "/src/app/quiet_module.py", "lines", "line", 1, "source", "quiet_line()", "cpu_python_s",
        0.0001, "functions");
    assert_non_null(p);
    return p;
}

/* Renders P and returns the text (caller frees). */
static char *render(json_t *p, bool color, bool reduced)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    fp_report_opts_t o = {.color = color, .reduced = reduced, .width = 80};
    fp_report_print(out, p, &o);
    fclose(out);
    assert_non_null(text);
    return text;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Fails when a line of TEXT is wider than 80 columns: UTF-8 code points,
 * not counting escape sequences (ESC [ ... letter). */
static void check_width(const char *text)
{
    const char *line = text;
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            if (cols > 80)
                fail_msg("a line of %d columns: '%.*s'", cols, (int)((const char *)p - line), line);
            cols = 0;
            line = (const char *)p + 1;
        } else if (*p == 0x1b) {
            assert_int_equal(p[1], '[');
            p++;
            while (p[1] && !((p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= 'a' && p[1] <= 'z')))
                p++;
            if (p[1])
                p++;
        } else if ((*p & 0xC0) != 0x80) {
            cols++;
        }
    }
    assert_int_equal(cols, 0); /* the report ends with a newline */
}

static void test_lines_over_threshold(void **state)
{
    (void)state;
    json_t *p = profile_with_lines();
    char *text = render(p, false, false);
    assert_non_null(strstr(text, "prog.py"));
    assert_non_null(strstr(text, "big_line()"));
    assert_non_null(strstr(text, "medium_line()"));
    assert_non_null(strstr(text, "long_line = 'aaaa"));
    assert_null(strstr(text, "small_line()"));
    /* a file with no line over the threshold gets no section */
    assert_null(strstr(text, "quiet_module.py"));
    assert_null(strstr(text, "quiet_line()"));
    /* functions over the threshold, under it not */
    assert_non_null(strstr(text, "Functions"));
    assert_non_null(strstr(text, " main "));
    assert_null(strstr(text, "tiny_func"));
    assert_null(strstr(text, "no samples"));
    /* the line's figures: 1.0 s of Python is 55.5% of the 1.801 s */
    const char *big = strstr(text, "big_line()");
    const char *start = big;
    while (start > text && start[-1] != '\n')
        start--;
    char row[200];
    snprintf(row, sizeof row, "%.*s", (int)(big - start), start);
    assert_non_null(strstr(row, "     3 "));
    assert_non_null(strstr(row, "1.00s"));
    assert_non_null(strstr(row, "55.5%"));
    free(text);
    json_decref(p);
}

static void test_reduced(void **state)
{
    (void)state;
    json_t *p = profile_with_lines();
    char *full = render(p, false, false);
    char *reduced = render(p, false, true);
    assert_non_null(strstr(reduced, "big_line()"));
    assert_non_null(strstr(reduced, "long_line = 'aaaa"));
    assert_null(strstr(reduced, "medium_line()"));
    assert_null(strstr(reduced, "small_line()"));
    assert_true(count_lines(reduced) < count_lines(full));
    free(full);
    free(reduced);
    json_decref(p);
}

static void test_color(void **state)
{
    (void)state;
    json_t *p = profile_with_lines();
    char *plain = render(p, false, false);
    char *color = render(p, true, false);
    assert_null(strchr(plain, '\033'));
    assert_non_null(strstr(color, "\033["));
    assert_non_null(strstr(color, "\033[0m"));
    /* the same rows either way */
    assert_int_equal(count_lines(plain), count_lines(color));
    assert_non_null(strstr(color, "big_line()"));
    free(plain);
    free(color);
    json_decref(p);
}

static void test_80_columns(void **state)
{
    (void)state;
    json_t *p = profile_with_lines();
    for (int color = 0; color < 2; color++) {
        for (int reduced = 0; reduced < 2; reduced++) {
            char *text = render(p, color, reduced);
            check_width(text);
            free(text);
        }
    }
    /* the 255-column source line and the long function name are cut with
     * an ellipsis */
    char *text = render(p, false, false);
    assert_non_null(strstr(text, "aaa\xE2\x80\xA6\n"));
    assert_null(strstr(text, LONG_FUNC));
    assert_non_null(strstr(text, "a_function_with_a_very_\xE2\x80\xA6"));
    free(text);
    json_decref(p);
}

static void test_80_columns_multibyte_source(void **state)
{
    (void)state;
    /* 100 two-byte characters and tabs: columns are characters, not bytes */
    char src[512] = "s = '\t";
    for (int i = 0; i < 100; i++)
        strcat(src, "\xC3\xA9");
    json_t *p = profile_with_lines();
    json_t *l = json_array_get(json_object_get(json_array_get(json_object_get(p, "files"), 0), "lines"), 0);
    json_object_set_new(l, "source", json_string(src));
    char *text = render(p, false, false);
    check_width(text);
    assert_null(strchr(text, '\t'));
    assert_non_null(strstr(text, "\xC3\xA9\xE2\x80\xA6\n"));
    free(text);
    json_decref(p);
}

static void test_80_columns_long_paths(void **state)
{
    (void)state;
    const char *deep = "/home/someone/projects/a-project-with-a-long-name/src/package/subpackage/module.py";
    json_t *p = profile_with_lines();
    json_object_set_new(p, "program", json_string(deep));
    json_object_set_new(json_array_get(json_object_get(p, "files"), 0), "path", json_string(deep));
    char *text = render(p, false, false);
    check_width(text);
    free(text);
    json_decref(p);
}

static void test_80_columns_incomplete(void **state)
{
    (void)state;
    json_t *p = profile_with_lines();
    json_object_set_new(p, "complete", json_false());
    char *text = render(p, false, false);
    check_width(text);
    free(text);
    json_decref(p);
}

static void test_incomplete_says_so(void **state)
{
    (void)state;
    json_t *p = profile_with_lines();
    char *text = render(p, false, false);
    assert_null(strstr(text, "incomplete"));
    free(text);
    json_object_set_new(p, "complete", json_false());
    text = render(p, false, false);
    assert_non_null(strstr(text, "incomplete"));
    free(text);
    json_decref(p);
}

static void test_summary(void **state)
{
    (void)state;
    json_t *p = profile_with_lines();
    json_object_set_new(p, "exit_code", json_integer(3));
    char *text = render(p, false, false);
    assert_true(strncmp(text, "footprint prog.py  exit 3\n", 26) == 0);
    assert_non_null(strstr(text, "elapsed 3.00s, CPU 2.00s"));
    assert_non_null(strstr(text, "1 process;"));
    assert_non_null(strstr(text, "sampling every 10 ms"));
    assert_non_null(strstr(text, "time outside profiled files: 500ms"));
    free(text);
    json_decref(p);
}

static void test_no_files(void **state)
{
    (void)state;
    json_t *p = profile_with_lines();
    json_object_set_new(p, "files", json_array());
    json_object_set_new(p, "unattributed", json_pack("{s:f, s:f, s:f}", "cpu_python_s", 0.0, "cpu_native_s",
                                                     0.0, "system_s", 0.0));
    for (int color = 0; color < 2; color++) {
        char *text = render(p, color, false);
        assert_non_null(strstr(text, "no samples"));
        assert_null(strstr(text, "Functions"));
        check_width(text);
        free(text);
    }
    json_decref(p);
}

static void test_no_samples_in_files(void **state)
{
    (void)state;
    /* files listed but all their time outside them: nothing to show, and
     * no division by zero */
    json_t *p = profile_with_lines();
    json_t *files = json_pack("[{s:s, s:[{s:i, s:s, s:f}], s:[]}]", "path", "/src/app/prog.py", "lines", "line",
                              1, "source", "x = 1", "cpu_python_s", 0.0, "functions");
    json_object_set_new(p, "files", files);
    json_object_set_new(p, "unattributed", json_pack("{s:f, s:f, s:f}", "cpu_python_s", 0.0, "cpu_native_s",
                                                     0.0, "system_s", 0.0));
    char *text = render(p, false, false);
    assert_non_null(strstr(text, "no samples"));
    assert_null(strstr(text, "x = 1"));
    assert_null(strstr(text, "nan"));
    free(text);
    json_decref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_over_threshold),
        cmocka_unit_test(test_reduced),
        cmocka_unit_test(test_color),
        cmocka_unit_test(test_80_columns),
        cmocka_unit_test(test_80_columns_multibyte_source),
        cmocka_unit_test(test_80_columns_long_paths),
        cmocka_unit_test(test_80_columns_incomplete),
        cmocka_unit_test(test_incomplete_says_so),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_no_files),
        cmocka_unit_test(test_no_samples_in_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
