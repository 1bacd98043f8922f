/* test_glob.c: fp_glob_match and fp_glob_match_path (src/common/glob.c).
 *
 * The patterns are the user's --include/--exclude globs, matched from a
 * signal handler against paths that are not NUL-terminated, so besides
 * the syntax these check that no byte past LEN is ever read: texts are
 * copied into heap buffers of exactly LEN bytes, which ASan guards. */
#include "testutil.h"

#include "../../src/common/glob.h"

/* TEXT copied into a buffer of exactly strlen(TEXT) bytes, no NUL. */
static bool match_exact(bool (*fn)(const char *, const char *, size_t), const char *pattern,
                        const char *text)
{
    size_t n = strlen(text);
    char *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    memcpy(buf, text, n);
    bool r = fn(pattern, buf, n);
    free(buf);
    return r;
}

static bool m(const char *pattern, const char *text) { return match_exact(fp_glob_match, pattern, text); }
static bool mp(const char *pattern, const char *text) { return match_exact(fp_glob_match_path, pattern, text); }

static void test_literal(void **state)
{
    (void)state;
    assert_true(m("abc", "abc"));
    assert_false(m("abc", "abd"));
    assert_false(m("abc", "ab"));
    assert_false(m("abc", "abcd"));
    assert_true(m("", ""));
    assert_false(m("", "a"));
    assert_false(m("a", ""));
}

static void test_star(void **state)
{
    (void)state;
    assert_true(m("*", ""));
    assert_true(m("*", "anything at all"));
    assert_true(m("*.py", "x.py"));
    assert_true(m("*.py", ".py"));
    assert_false(m("*.py", "x.pyc"));
    assert_false(m("*.py", "x.p"));
    assert_true(m("a*b", "ab"));
    assert_true(m("a*b", "aXXXb"));
    assert_false(m("a*b", "aXXXc"));
    assert_true(m("a**b", "a123b"));
    assert_true(m("*a*b*", "xxaxxbxx"));
    assert_false(m("*a*b*", "xxbxxaxx"));
    /* backtracking: the first 'a' is not the one that ends the match */
    assert_true(m("*ab", "aab"));
    assert_true(m("*aab", "aaaab"));
    assert_true(m("a*", "a"));
    assert_false(m("a*", "ba"));
}

static void test_star_crosses_slash(void **state)
{
    (void)state;
    assert_true(m("/home/*.py", "/home/u/deep/x.py"));
    assert_true(m("*/tests/*", "/src/pkg/tests/test_a.py"));
    assert_false(m("*/tests/*", "/src/pkg/testsuite/a.py"));
    assert_true(m("/a*z", "/a/b/c/z"));
}

static void test_question(void **state)
{
    (void)state;
    assert_true(m("a?c", "abc"));
    assert_true(m("a?c", "a/c"));
    assert_false(m("a?c", "ac"));
    assert_false(m("a?c", "abbc"));
    assert_true(m("???", "xyz"));
    assert_false(m("???", "xy"));
    assert_false(m("?", ""));
}

static void test_class(void **state)
{
    (void)state;
    assert_true(m("[abc]x", "ax"));
    assert_true(m("[abc]x", "cx"));
    assert_false(m("[abc]x", "dx"));
    assert_false(m("[abc]", ""));
    assert_true(m("x[.]py", "x.py"));
    /* ']' first in a class is a member, not its end */
    assert_true(m("[]]", "]"));
    assert_true(m("[]a]", "a"));
    assert_false(m("[]a]", "b"));
    /* a class stands for exactly one character */
    assert_false(m("[ab]", "ab"));
}

static void test_negated_class(void **state)
{
    (void)state;
    assert_true(m("[!abc]x", "dx"));
    assert_false(m("[!abc]x", "ax"));
    assert_true(m("[^abc]x", "dx"));
    assert_false(m("[^abc]x", "bx"));
    assert_true(m("[!]]", "a"));
    assert_false(m("[!]]", "]"));
    assert_false(m("[!a]", ""));
}

static void test_range(void **state)
{
    (void)state;
    assert_true(m("[a-c]", "a"));
    assert_true(m("[a-c]", "b"));
    assert_true(m("[a-c]", "c"));
    assert_false(m("[a-c]", "d"));
    assert_false(m("[a-c]", "B"));
    assert_true(m("v[0-9][0-9]", "v42"));
    assert_false(m("v[0-9][0-9]", "v4x"));
    assert_true(m("[a-cx-z]", "y"));
    assert_false(m("[a-cx-z]", "m"));
    assert_false(m("[!0-9]", "5"));
    assert_true(m("[!0-9]", "x"));
    /* a '-' last in the class is a literal */
    assert_true(m("[a-]", "-"));
    assert_true(m("[a-]", "a"));
    assert_false(m("[a-]", "b"));
}

static void test_escape(void **state)
{
    (void)state;
    assert_true(m("\\*", "*"));
    assert_false(m("\\*", "a"));
    assert_false(m("\\*", ""));
    assert_true(m("a\\?", "a?"));
    assert_false(m("a\\?", "ab"));
    assert_true(m("\\[a]", "[a]"));
    assert_false(m("\\[a]", "a"));
    assert_true(m("\\\\", "\\"));
    assert_true(m("x\\yz", "xyz"));
    /* a trailing backslash escapes nothing: it is itself */
    assert_true(m("a\\", "a\\"));
    assert_false(m("a\\", "a"));
}

static void test_unterminated_class(void **state)
{
    (void)state;
    /* no closing ']': the '[' is a literal and the rest follows */
    assert_true(m("[abc", "[abc"));
    assert_false(m("[abc", "a"));
    assert_false(m("[abc", "abc"));
    assert_true(m("x[", "x["));
    assert_false(m("x[", "x"));
    assert_true(m("*[", "abc["));
    assert_true(m("[!", "[!"));
    assert_true(m("[a-", "[a-"));
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    const char text[] = "abcdef";
    assert_true(fp_glob_match("abc", text, 3));
    assert_true(fp_glob_match("abc*", text, 3));
    assert_true(fp_glob_match("a?c", text, 3));
    assert_false(fp_glob_match("abcd", text, 3));
    assert_false(fp_glob_match("*d", text, 3));
    assert_false(fp_glob_match("abc?", text, 3));
    assert_true(fp_glob_match("", text, 0));
    assert_true(fp_glob_match("*", text, 0));
    assert_false(fp_glob_match("?", text, 0));
    assert_true(fp_glob_match("*.py", "/x/a.pyc", 7));
    /* the same through exact-size buffers (ASan sees an over-read) */
    assert_true(m("*[xyz]", "abcz"));
    assert_false(m("*[xyz]", "abcd"));
    assert_true(m("*\\*", "ab*"));
}

static void test_path_basename(void **state)
{
    (void)state;
    /* no '/' in the pattern: only the last component is matched */
    assert_true(mp("test_*.py", "/src/tests/test_x.py"));
    assert_false(mp("test_*.py", "/src/test_dir/x.py"));
    assert_true(mp("x.py", "x.py"));
    assert_true(mp("x.py", "/x.py"));
    assert_false(mp("x.py", "/a/bx.py"));
    assert_false(mp("*.py", "/a/b.py/c"));
    assert_true(mp("*", "/a/b/c.py"));
    assert_false(mp("a*", "/a/b.py"));
    assert_true(mp("[!_]*.py", "/pkg/mod.py"));
    assert_false(mp("[!_]*.py", "/pkg/_private.py"));
}

static void test_path_with_slash(void **state)
{
    (void)state;
    /* a '/' in the pattern: the whole path is matched */
    assert_true(mp("*/tests/*", "/src/tests/test_x.py"));
    assert_false(mp("tests/*", "/src/tests/test_x.py"));
    assert_true(mp("/src/*", "/src/a/b/c.py"));
    assert_false(mp("/src/*", "/other/src/a.py"));
}

static void test_path_not_nul_terminated(void **state)
{
    (void)state;
    const char text[] = "/a/b.py/c.txt";
    assert_true(fp_glob_match_path("b.py", text, 7));
    assert_true(fp_glob_match_path("*.py", text, 7));
    assert_false(fp_glob_match_path("c.txt", text, 7));
    assert_true(fp_glob_match_path("/a/*", text, 7));
    assert_true(fp_glob_match_path("*", text, 3)); /* "/a/": empty last component */
    assert_false(fp_glob_match_path("?", text, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal),
        cmocka_unit_test(test_star),
        cmocka_unit_test(test_star_crosses_slash),
        cmocka_unit_test(test_question),
        cmocka_unit_test(test_class),
        cmocka_unit_test(test_negated_class),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_unterminated_class),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_path_basename),
        cmocka_unit_test(test_path_with_slash),
        cmocka_unit_test(test_path_not_nul_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
