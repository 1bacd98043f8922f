/* test_imports.c: reading the boot module's import table
 * (src/launcher/imports.c).
 *
 * The table is written by Python at exit; a line cut short, a field that
 * is not a number or a missing one must drop that line, never crash or
 * put a wrong type in the profile. */
#include "testutil.h"

#include <jansson.h>

#include "../../src/launcher/imports.h"

static json_t *parse(const char *s) { return fp_imports_parse_line(s, strlen(s)); }

static void test_full_line(void **state)
{
    (void)state;
    json_t *e = parse("numpy.linalg\tnumpy\t0.25\t1000\t0.5\t3000\t12\t/x/numpy/__init__.py");
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "name")), "numpy.linalg");
    assert_string_equal(json_string_value(json_object_get(e, "parent")), "numpy");
    assert_true(json_real_value(json_object_get(e, "time_s")) == 0.25);
    assert_int_equal(json_integer_value(json_object_get(e, "alloc_bytes")), 1000);
    assert_true(json_real_value(json_object_get(e, "total_time_s")) == 0.5);
    assert_int_equal(json_integer_value(json_object_get(e, "total_alloc_bytes")), 3000);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 12);
    assert_string_equal(json_string_value(json_object_get(e, "file")), "/x/numpy/__init__.py");
    json_decref(e);
}

static void test_nones(void **state)
{
    (void)state;
    json_t *e = parse("json\t-\t0.001\t-\t0.002\t-\t-\t-");
    assert_non_null(e);
    const char *nulls[] = {"parent", "alloc_bytes", "total_alloc_bytes", "file", "line"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        assert_true(json_is_null(json_object_get(e, nulls[i])));
    json_decref(e);
}

static void test_bad_lines(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "json\t-\t0.001\t-\t0.002\t-\t-",               /* a field short */
        "json\t-\t0.001\t-\t0.002\t-\t-\t-\textra",      /* one too many */
        "json\t-\tfast\t-\t0.002\t-\t-\t-",              /* not a number */
        "json\t-\t0.001\t12kB\t0.002\t-\t-\t-",          /* not an integer */
        "json\t-\t-1\t-\t0.002\t-\t-\t-",                /* negative */
        "-\t-\t0.001\t-\t0.002\t-\t-\t-",                /* no name */
        "json\t-\t-\t-\t0.002\t-\t-\t-",                 /* no time */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *e = parse(bad[i]);
        if (e)
            fail_msg("accepted bad line %zu", i);
    }
}

static void test_read_file(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *path = NULL;
    assert_true(asprintf(&path, "%s/imports.42.tsv", dir) > 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* an invalid UTF-8 path, a bad line, then a line cut short */
    fputs("a\t-\t0.1\t10\t0.2\t20\t1\t/p/\xff.py\nbad\nb\ta\t0.1\t10\t0.1\t10\t3\t/p/a.py\nc\t-\t0.1", f);
    fclose(f);
    json_t *list = fp_imports_read(dir, 42);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "file")), "/p/\xef\xbf\xbd.py");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "name")), "b");
    json_decref(list);
    list = fp_imports_read(dir, 43); /* no table: an empty list */
    assert_true(json_is_array(list) && json_array_size(list) == 0);
    json_decref(list);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_line),
        cmocka_unit_test(test_nones),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
