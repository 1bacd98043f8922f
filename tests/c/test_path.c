/* test_path.c: lexical path normalization (src/common/path.c), which the
 * sample handler runs on a code object's file name before the filter
 * decides on it: two spellings of one file must be one file. */
#include "testutil.h"

#include "../../src/common/path.h"

/* Normalizes IN (given without its NUL, as frames.c passes it) and checks
 * the result and that nothing past the new length was needed. */
static void check(const char *in, const char *want)
{
    size_t n = strlen(in);
    char *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    memcpy(buf, in, n);
    size_t got = fp_path_normalize(buf, n);
    assert_true(got <= n || n == 0);
    assert_int_equal(got, strlen(want));
    assert_memory_equal(buf, want, got);
    free(buf);
}

static void test_plain_paths_stay(void **state)
{
    (void)state;
    check("/home/u/proj/a.py", "/home/u/proj/a.py");
    check("/", "/");
    check("/a", "/a");
}

static void test_doubled_slashes_and_dots_go(void **state)
{
    (void)state;
    check("//home///u/./proj/./a.py", "/home/u/proj/a.py");
    check("/home/u/proj/", "/home/u/proj");
    check("/./", "/");
    check("/a/.hidden/b.py", "/a/.hidden/b.py"); /* a dot file is a name */
    check("/a/...", "/a/...");
}

static void test_parents_drop_the_component_before(void **state)
{
    (void)state;
    check("/home/u/proj/../lib/b.py", "/home/u/lib/b.py");
    check("/home/u/proj/sub/../../x.py", "/home/u/x.py");
    check("/a/b/..", "/a");
    check("/..", "/");                 /* no parent above the root */
    check("/../../a.py", "/a.py");
    check("/a/../..", "/");
    check("/a/..b/c", "/a/..b/c");     /* "..b" is a name */
}

static void test_relative_and_empty_paths_are_left_alone(void **state)
{
    (void)state;
    check("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap>");
    check("a/../b.py", "a/../b.py");
    check("", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_paths_stay),
        cmocka_unit_test(test_doubled_slashes_and_dots_go),
        cmocka_unit_test(test_parents_drop_the_component_before),
        cmocka_unit_test(test_relative_and_empty_paths_are_left_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
