/* test_filter.c: fp_filter_profiled (src/agent/filter.c).
 *
 * Which files are profiled: the program's own tree minus libraries by
 * default, everything with --profile-all, --include adding and --exclude
 * removing files (include wins). Each test sets the fields of one filter
 * directly; paths are passed in exact-size heap buffers with no
 * NUL after them, as the agent's frame code passes them. */
#include "testutil.h"

#include "../../src/agent/filter.h"

static fp_filter_t fp_filter;

static int reset(void **state)
{
    (void)state;
    memset(&fp_filter, 0, sizeof fp_filter);
    return 0;
}

static void program_dir(const char *dir)
{
    snprintf(fp_filter.program_dir, sizeof fp_filter.program_dir, "%s", dir);
}

static void include(const char *glob) { fp_filter.include[fp_filter.ninclude++] = (char *)glob; }
static void exclude(const char *glob) { fp_filter.exclude[fp_filter.nexclude++] = (char *)glob; }
static void library(const char *prefix) { fp_filter.library[fp_filter.nlibrary++] = (char *)prefix; }

static bool profiled(const char *path)
{
    size_t n = strlen(path);
    char *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    memcpy(buf, path, n);
    bool r = fp_filter_profiled(&fp_filter, buf, n);
    free(buf);
    return r;
}

static void test_program_tree(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    assert_true(profiled("/home/u/proj/main.py"));
    assert_true(profiled("/home/u/proj/pkg/sub/mod.py"));
    assert_false(profiled("/home/u/other.py"));
    assert_false(profiled("/home/u/proj2/main.py")); /* a sibling sharing the prefix */
    assert_false(profiled("/home/u/projmain.py"));
    assert_false(profiled("/usr/lib/python3.11/os.py"));
    /* the same with a trailing slash on the directory */
    program_dir("/home/u/proj/");
    assert_true(profiled("/home/u/proj/main.py"));
    assert_false(profiled("/home/u/proj2/main.py"));
}

static void test_root_program_dir(void **state)
{
    (void)state;
    program_dir("/");
    assert_true(profiled("/app.py"));
    assert_true(profiled("/srv/app/x.py"));
    assert_false(profiled("/srv/venv/lib/python3.11/site-packages/x.py"));
}

static void test_not_files(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    fp_filter.profile_all = true;
    include("*");
    assert_false(profiled(""));
    assert_false(profiled("<frozen importlib._bootstrap>"));
    assert_false(profiled("<string>"));
    assert_false(profiled("<stdin>"));
    assert_false(profiled("relative/path.py"));
}

static void test_no_program_dir(void **state)
{
    (void)state;
    /* nothing set: nothing is the program's */
    assert_false(profiled("/home/u/proj/main.py"));
    include("main.py");
    assert_true(profiled("/home/u/proj/main.py"));
}

static void test_libraries_left_out(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    library("/home/u/proj/.venv/lib/python3.11/");
    assert_false(profiled("/home/u/proj/.venv/lib/python3.11/site-packages/numpy/core.py"));
    assert_false(profiled("/home/u/proj/.venv/lib/python3.11/os.py"));
    assert_false(profiled("/home/u/proj/vendor/site-packages/x.py"));
    assert_false(profiled("/home/u/proj/deb/dist-packages/x.py"));
    assert_true(profiled("/home/u/proj/.venv/lib/python3.110/x.py"));
    assert_true(profiled("/home/u/proj/my-site-packages/x.py"));
    assert_true(profiled("/home/u/proj/app.py"));
}

static void test_add_library(void **state)
{
    (void)state;
    program_dir("/opt");
    fp_filter_add_library(&fp_filter, "/opt/py/lib/python3.12"); /* gets its trailing '/' */
    fp_filter_add_library(&fp_filter, "/opt/boot/");
    fp_filter_add_library(&fp_filter, "");                     /* ignored */
    assert_int_equal(fp_filter.nlibrary, 2);
    assert_string_equal(fp_filter.library[0], "/opt/py/lib/python3.12/");
    assert_string_equal(fp_filter.library[1], "/opt/boot/");
    assert_false(profiled("/opt/py/lib/python3.12/json/__init__.py"));
    assert_false(profiled("/opt/boot/sitecustomize.py"));
    assert_true(profiled("/opt/py/lib/python3.12x/a.py"));
    assert_true(profiled("/opt/app.py"));
    for (int i = 0; i < fp_filter.nlibrary; i++)
        free(fp_filter.library[i]);
}

static void test_profile_all(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    library("/usr/lib/python3.11/");
    fp_filter.profile_all = true;
    assert_true(profiled("/usr/lib/python3.11/os.py"));
    assert_true(profiled("/usr/lib/python3/dist-packages/x.py"));
    assert_true(profiled("/elsewhere/a.py"));
    assert_true(profiled("/home/u/proj/main.py"));
    /* --exclude still applies */
    exclude("*/json/*");
    assert_false(profiled("/usr/lib/python3.11/json/decoder.py"));
    assert_true(profiled("/usr/lib/python3.11/os.py"));
}

static void test_include(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    include("*/site-packages/requests/*");
    include("helper.py");
    /* a library the user asked for */
    assert_true(profiled("/venv/lib/python3.11/site-packages/requests/api.py"));
    assert_false(profiled("/venv/lib/python3.11/site-packages/urllib3/api.py"));
    /* a pattern without '/' matches the file name, anywhere */
    assert_true(profiled("/far/away/helper.py"));
    assert_false(profiled("/far/away/helper.py.bak"));
    assert_false(profiled("/far/helper.py/x.py"));
    assert_true(profiled("/home/u/proj/main.py"));
}

static void test_exclude(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    exclude("test_*.py");
    exclude("*/generated/*");
    assert_false(profiled("/home/u/proj/test_main.py"));
    assert_false(profiled("/home/u/proj/tests/test_io.py"));
    assert_true(profiled("/home/u/proj/tests/helpers.py"));
    assert_true(profiled("/home/u/proj/test_dir/x.py")); /* the name, not a directory */
    assert_false(profiled("/home/u/proj/generated/pb2.py"));
    assert_true(profiled("/home/u/proj/main.py"));
}

static void test_include_wins(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    include("keep_*.py");
    exclude("*.py");
    assert_true(profiled("/home/u/proj/keep_me.py"));
    assert_true(profiled("/elsewhere/keep_me.py"));
    assert_false(profiled("/home/u/proj/other.py"));
}

static void test_len_shorter_than_buffer(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    exclude("*.pyc");
    const char path[] = "/home/u/proj/a.pycXYZ";
    assert_false(fp_filter_profiled(&fp_filter, path, strlen(path) - 3));
    assert_true(fp_filter_profiled(&fp_filter, path, strlen(path) - 4)); /* "/home/u/proj/a.py" */
    assert_false(fp_filter_profiled(&fp_filter, path, 0));
    /* cut inside the program directory's name */
    assert_false(fp_filter_profiled(&fp_filter, path, 8));
}

static void test_path_is_program_dir(void **state)
{
    (void)state;
    program_dir("/home/u/proj");
    assert_false(profiled("/home/u/proj"));
    char buf[] = "/home/u/proj/";
    assert_false(fp_filter_profiled(&fp_filter, buf, strlen(buf) - 1)); /* the byte after it is '/' */
}

static void test_set_patterns(void **state)
{
    (void)state;
    char *dest[FP_FILTER_MAX_PATTERNS];
    int n = fp_filter_set_patterns(dest, "a*.py\n\n*/tests/*\nlast");
    assert_int_equal(n, 3);
    assert_string_equal(dest[0], "a*.py");
    assert_string_equal(dest[1], "*/tests/*");
    assert_string_equal(dest[2], "last");
    for (int i = 0; i < n; i++)
        free(dest[i]);
    assert_int_equal(fp_filter_set_patterns(dest, NULL), 0);
    assert_int_equal(fp_filter_set_patterns(dest, ""), 0);
    assert_int_equal(fp_filter_set_patterns(dest, "\n\n"), 0);
    /* at most FP_FILTER_MAX_PATTERNS kept */
    char many[4 * (FP_FILTER_MAX_PATTERNS + 5) + 1] = "";
    for (int i = 0; i < FP_FILTER_MAX_PATTERNS + 5; i++)
        strcat(many, "p*\n");
    n = fp_filter_set_patterns(dest, many);
    assert_int_equal(n, FP_FILTER_MAX_PATTERNS);
    for (int i = 0; i < n; i++)
        free(dest[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_program_tree, reset),
        cmocka_unit_test_setup(test_root_program_dir, reset),
        cmocka_unit_test_setup(test_not_files, reset),
        cmocka_unit_test_setup(test_no_program_dir, reset),
        cmocka_unit_test_setup(test_libraries_left_out, reset),
        cmocka_unit_test_setup(test_add_library, reset),
        cmocka_unit_test_setup(test_profile_all, reset),
        cmocka_unit_test_setup(test_include, reset),
        cmocka_unit_test_setup(test_exclude, reset),
        cmocka_unit_test_setup(test_include_wins, reset),
        cmocka_unit_test_setup(test_len_shorter_than_buffer, reset),
        cmocka_unit_test_setup(test_path_is_program_dir, reset),
        cmocka_unit_test_setup(test_set_patterns, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
