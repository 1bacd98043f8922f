/* test_utf8.c: fp_utf8_seq_len and fp_utf8_sanitize (src/common/utf8.c).
 *
 * Profiles must be valid JSON whatever bytes a program's files and argv
 * hold; these pin down which sequences count as valid UTF-8 (RFC 3629:
 * no overlongs, no surrogates, nothing past U+10FFFF) and that each
 * invalid byte becomes U+FFFD without touching its neighbours. */
#include "testutil.h"

#include "../../src/common/utf8.h"

#define FFFD "\xEF\xBF\xBD"

/* seq_len of the bytes of LIT, copied to an exact-size buffer so that an
 * over-read past N shows under ASan. */
static size_t seq(const char *bytes, size_t n)
{
    unsigned char *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    memcpy(buf, bytes, n);
    size_t r = fp_utf8_seq_len(buf, n);
    free(buf);
    return r;
}
#define SEQ(lit) seq(lit, sizeof(lit) - 1)

static void test_valid_lengths(void **state)
{
    (void)state;
    assert_int_equal(SEQ("A"), 1);
    assert_int_equal(SEQ("\x7F"), 1);
    assert_int_equal(seq("\0", 1), 1);
    assert_int_equal(SEQ("\xC2\x80"), 2);         /* U+0080, smallest 2-byte */
    assert_int_equal(SEQ("\xC3\xA9"), 2);         /* é */
    assert_int_equal(SEQ("\xDF\xBF"), 2);         /* U+07FF */
    assert_int_equal(SEQ("\xE0\xA0\x80"), 3);     /* U+0800, smallest 3-byte */
    assert_int_equal(SEQ("\xE2\x82\xAC"), 3);     /* € */
    assert_int_equal(SEQ("\xED\x9F\xBF"), 3);     /* U+D7FF, just below the surrogates */
    assert_int_equal(SEQ("\xEE\x80\x80"), 3);     /* U+E000, just above them */
    assert_int_equal(SEQ("\xEF\xBF\xBF"), 3);     /* U+FFFF */
    assert_int_equal(SEQ("\xF0\x90\x80\x80"), 4); /* U+10000, smallest 4-byte */
    assert_int_equal(SEQ("\xF0\x9F\x98\x80"), 4); /* 😀 */
    assert_int_equal(SEQ("\xF4\x8F\xBF\xBF"), 4); /* U+10FFFF, the last one */
}

static void test_only_first_sequence_counts(void **state)
{
    (void)state;
    assert_int_equal(SEQ("ab"), 1);
    assert_int_equal(SEQ("\xC3\xA9z"), 2);
    assert_int_equal(SEQ("\xE2\x82\xAC\xE2\x82\xAC"), 3);
}

static void test_overlong(void **state)
{
    (void)state;
    assert_int_equal(SEQ("\xC0\x80"), 0);         /* NUL in two bytes */
    assert_int_equal(SEQ("\xC0\xAF"), 0);         /* '/' in two bytes */
    assert_int_equal(SEQ("\xC1\xBF"), 0);
    assert_int_equal(SEQ("\xE0\x80\x80"), 0);
    assert_int_equal(SEQ("\xE0\x9F\xBF"), 0);     /* U+07FF in three bytes */
    assert_int_equal(SEQ("\xF0\x80\x80\x80"), 0);
    assert_int_equal(SEQ("\xF0\x8F\xBF\xBF"), 0); /* U+FFFF in four bytes */
}

static void test_surrogates_and_range(void **state)
{
    (void)state;
    assert_int_equal(SEQ("\xED\xA0\x80"), 0); /* U+D800 */
    assert_int_equal(SEQ("\xED\xAD\xBF"), 0); /* U+DB7F */
    assert_int_equal(SEQ("\xED\xB0\x80"), 0); /* U+DC00 */
    assert_int_equal(SEQ("\xED\xBF\xBF"), 0); /* U+DFFF */
    assert_int_equal(SEQ("\xF4\x90\x80\x80"), 0); /* U+110000 */
    assert_int_equal(SEQ("\xF5\x80\x80\x80"), 0);
    assert_int_equal(SEQ("\xF7\xBF\xBF\xBF"), 0);
    assert_int_equal(SEQ("\xF8\x88\x80\x80\x80"), 0); /* old 5-byte form */
    assert_int_equal(SEQ("\xFC\x84\x80\x80\x80\x80"), 0);
    assert_int_equal(SEQ("\xFE"), 0);
    assert_int_equal(SEQ("\xFF"), 0);
}

static void test_truncated(void **state)
{
    (void)state;
    assert_int_equal(SEQ("\xC3"), 0);
    assert_int_equal(SEQ("\xE2\x82"), 0);
    assert_int_equal(SEQ("\xF0\x9F\x98"), 0);
    /* N shorter than the buffer: the bytes past it do not count */
    assert_int_equal(fp_utf8_seq_len((const unsigned char *)"\xE2\x82\xAC", 2), 0);
    assert_int_equal(fp_utf8_seq_len((const unsigned char *)"\xF0\x9F\x98\x80", 3), 0);
    assert_int_equal(fp_utf8_seq_len((const unsigned char *)"\xC3\xA9", 1), 0);
    /* a lead byte followed by something that is not a continuation */
    assert_int_equal(SEQ("\xC3("), 0);
    assert_int_equal(SEQ("\xE2\x82("), 0);
    assert_int_equal(SEQ("\xE2(\xAC"), 0);
    assert_int_equal(SEQ("\xF0\x9F\x98("), 0);
    assert_int_equal(SEQ("\xC3\xC3\xA9"), 0);
}

static void test_stray_continuation(void **state)
{
    (void)state;
    assert_int_equal(SEQ("\x80"), 0);
    assert_int_equal(SEQ("\xBF"), 0);
    assert_int_equal(SEQ("\x80\x80"), 0);
}

/* fp_utf8_sanitize of N bytes must give exactly WANT. */
static void check_sanitize(const char *in, size_t n, const char *want)
{
    char *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    memcpy(buf, in, n);
    char *out = fp_utf8_sanitize(buf, n);
    free(buf);
    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
}
#define SAN(lit, want) check_sanitize(lit, sizeof(lit) - 1, want)

static void test_sanitize_valid_unchanged(void **state)
{
    (void)state;
    SAN("", "");
    SAN("plain ascii, with\ttabs\nand newlines", "plain ascii, with\ttabs\nand newlines");
    SAN("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    SAN("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF");
}

static void test_sanitize_invalid(void **state)
{
    (void)state;
    SAN("a\x80z", "a" FFFD "z");
    SAN("\xFF", FFFD);
    SAN("a\xFF\xFEz", "a" FFFD FFFD "z");
    SAN("\xC0\x80", FFFD FFFD);                /* overlong: both bytes */
    SAN("x\xED\xA0\x80y", "x" FFFD FFFD FFFD "y"); /* surrogate */
    SAN("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD);
    /* a good sequence right after a bad byte survives */
    SAN("\x80\xC3\xA9", FFFD "\xC3\xA9");
    SAN("\xC3\xC3\xA9", FFFD "\xC3\xA9");
    SAN("\xE2\x82\xE2\x82\xAC", FFFD FFFD "\xE2\x82\xAC");
}

static void test_sanitize_truncated_end(void **state)
{
    (void)state;
    SAN("ok\xE2\x82", "ok" FFFD FFFD);
    SAN("ok\xF0\x9F\x98", "ok" FFFD FFFD FFFD);
    SAN("ok\xC3", "ok" FFFD);
    /* N shorter than the buffer cuts a sequence in two */
    check_sanitize("\xE2\x82\xAC", 2, FFFD FFFD);
    check_sanitize("abc\xC3\xA9", 4, "abc" FFFD);
}

static void test_sanitize_worst_case_growth(void **state)
{
    (void)state;
    /* every byte invalid: three bytes out for each one in */
    size_t n = 4096;
    char *in = malloc(n);
    assert_non_null(in);
    memset(in, 0xFF, n);
    char *out = fp_utf8_sanitize(in, n);
    assert_non_null(out);
    assert_int_equal(strlen(out), 3 * n);
    for (size_t i = 0; i < n; i++)
        assert_memory_equal(out + 3 * i, FFFD, 3);
    free(out);
    free(in);
}

static void test_sanitize_embedded_nul(void **state)
{
    (void)state;
    char *out = fp_utf8_sanitize("a\0b", 3);
    assert_non_null(out);
    assert_memory_equal(out, "a\0b", 4);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_lengths),
        cmocka_unit_test(test_only_first_sequence_counts),
        cmocka_unit_test(test_overlong),
        cmocka_unit_test(test_surrogates_and_range),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_stray_continuation),
        cmocka_unit_test(test_sanitize_valid_unchanged),
        cmocka_unit_test(test_sanitize_invalid),
        cmocka_unit_test(test_sanitize_truncated_end),
        cmocka_unit_test(test_sanitize_worst_case_growth),
        cmocka_unit_test(test_sanitize_embedded_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
