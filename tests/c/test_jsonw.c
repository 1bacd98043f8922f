/* test_jsonw.c: the streaming JSON writer (src/common/jsonw.c).
 *
 * Everything written goes to a temporary file (or a pipe) and is parsed
 * back with jansson: the fragments the agent writes with it must always
 * be valid JSON holding exactly the values given, whatever the strings
 * contain and however large the output grows past the 16 KiB buffer. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>

#include "../../src/common/jsonw.h"

#define FFFD "\xEF\xBF\xBD"

typedef struct sink {
    FILE *file;
    fp_jsonw_t *w;
} sink_t;

static sink_t open_sink(void)
{
    sink_t s = {.file = tmpfile(), .w = malloc(sizeof(fp_jsonw_t))};
    assert_non_null(s.file);
    assert_non_null(s.w);
    fp_jsonw_init(s.w, fileno(s.file));
    return s;
}

/* Finishes the writer and returns everything it wrote (caller frees). */
static char *close_sink(sink_t *s, size_t *len)
{
    assert_int_equal(fp_jsonw_finish(s->w), 0);
    free(s->w);
    off_t size = lseek(fileno(s->file), 0, SEEK_END);
    assert_true(size >= 0);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(pread(fileno(s->file), text, (size_t)size, 0), size);
    text[size] = '\0';
    fclose(s->file);
    if (len)
        *len = (size_t)size;
    return text;
}

/* Parses TEXT, failing the test (with jansson's reason) when it is not JSON. */
static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j)
        fail_msg("not JSON (%s at %d): %.200s", err.text, err.position, text);
    return j;
}

static void test_empty_containers(void **state)
{
    (void)state;
    sink_t s = open_sink();
    fp_jsonw_begin_array(s.w);
    fp_jsonw_begin_object(s.w);
    fp_jsonw_end_object(s.w);
    fp_jsonw_begin_array(s.w);
    fp_jsonw_end_array(s.w);
    fp_jsonw_end_array(s.w);
    char *text = close_sink(&s, NULL);
    assert_string_equal(text, "[{},[]]");
    free(text);
}

static void test_nothing_written(void **state)
{
    (void)state;
    sink_t s = open_sink();
    size_t len;
    char *text = close_sink(&s, &len);
    assert_int_equal(len, 0);
    free(text);
}

static void test_nested_and_commas(void **state)
{
    (void)state;
    sink_t s = open_sink();
    fp_jsonw_t *w = s.w;
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "a");
    fp_jsonw_int(w, 1);
    fp_jsonw_key(w, "b");
    fp_jsonw_begin_array(w);
    fp_jsonw_int(w, 1);
    fp_jsonw_int(w, 2);
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "c");
    fp_jsonw_null(w);
    fp_jsonw_end_object(w);
    fp_jsonw_begin_array(w);
    fp_jsonw_begin_array(w);
    fp_jsonw_end_array(w);
    fp_jsonw_end_array(w);
    fp_jsonw_end_array(w);
    fp_jsonw_key(w, "d");
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "e");
    fp_jsonw_bool(w, true);
    fp_jsonw_key(w, "f");
    fp_jsonw_bool(w, false);
    fp_jsonw_end_object(w);
    fp_jsonw_key(w, "g");
    fp_jsonw_string(w, "s");
    fp_jsonw_end_object(w);
    char *text = close_sink(&s, NULL);
    assert_string_equal(text,
                        "{\"a\":1,\"b\":[1,2,{\"c\":null},[[]]],\"d\":{\"e\":true,\"f\":false},\"g\":\"s\"}");
    json_t *j = parse(text);
    assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
    json_t *b = json_object_get(j, "b");
    assert_int_equal(json_array_size(b), 4);
    assert_int_equal(json_integer_value(json_array_get(b, 1)), 2);
    assert_true(json_is_null(json_object_get(json_array_get(b, 2), "c")));
    assert_true(json_is_true(json_object_get(json_object_get(j, "d"), "e")));
    assert_true(json_is_false(json_object_get(json_object_get(j, "d"), "f")));
    assert_string_equal(json_string_value(json_object_get(j, "g")), "s");
    json_decref(j);
    free(text);
}

/* Writes S (N bytes) as one string and returns what jansson reads back. */
static char *round_trip(const char *str, size_t n, size_t *out_len)
{
    sink_t s = open_sink();
    fp_jsonw_string_n(s.w, str, n);
    char *text = close_sink(&s, NULL);
    json_t *j = parse(text);
    assert_true(json_is_string(j));
    size_t len = json_string_length(j);
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, json_string_value(j), len + 1);
    json_decref(j);
    free(text);
    if (out_len)
        *out_len = len;
    return copy;
}

static void test_string_escapes(void **state)
{
    (void)state;
    const char *cases[] = {
        "plain",
        "say \"hi\"",
        "back\\slash \\\\ and \\n literally",
        "tab\there\nnewline\rcr",
        "\x01\x02\x1f bell\a formfeed\f backspace\b",
        "/slashes/ and DEL \x7f and unicode caf\xC3\xA9 \xF0\x9F\x98\x80",
        "",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *back = round_trip(cases[i], strlen(cases[i]), NULL);
        assert_string_equal(back, cases[i]);
        free(back);
    }
}

static void test_string_escapes_exact(void **state)
{
    (void)state;
    sink_t s = open_sink();
    fp_jsonw_begin_array(s.w);
    fp_jsonw_string(s.w, "\"\\\n\t\x01\x1f");
    fp_jsonw_end_array(s.w);
    char *text = close_sink(&s, NULL);
    assert_string_equal(text, "[\"\\\"\\\\\\n\\t\\u0001\\u001f\"]");
    free(text);
}

static void test_string_embedded_nul_and_length(void **state)
{
    (void)state;
    size_t len;
    char *back = round_trip("a\0b", 3, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(back, "a\0b", 3);
    free(back);
    /* N shorter than the buffer: the rest is not written */
    back = round_trip("abcdef", 3, &len);
    assert_string_equal(back, "abc");
    free(back);
}

static void test_string_invalid_utf8(void **state)
{
    (void)state;
    struct { const char *in; size_t n; const char *want; } cases[] = {
        {"a\xFF" "b", 3, "a" FFFD "b"},
        {"\x80", 1, FFFD},
        {"x\xC0\x80y", 4, "x" FFFD FFFD "y"},
        {"\xED\xA0\x80", 3, FFFD FFFD FFFD},
        {"end\xE2\x82", 5, "end" FFFD FFFD},
        {"\xC3\xA9\xC3", 3, "\xC3\xA9" FFFD},
        /* N cuts a valid sequence: its start is invalid on its own */
        {"\xE2\x82\xAC", 2, FFFD FFFD},
        {"\"\xFF\\", 3, "\"" FFFD "\\"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *back = round_trip(cases[i].in, cases[i].n, NULL);
        assert_string_equal(back, cases[i].want);
        free(back);
    }
}

static void test_key_escaping(void **state)
{
    (void)state;
    sink_t s = open_sink();
    fp_jsonw_begin_object(s.w);
    fp_jsonw_key(s.w, "we\"ird\\key\n");
    fp_jsonw_int(s.w, 7);
    fp_jsonw_key(s.w, "bad\xFF");
    fp_jsonw_int(s.w, 8);
    fp_jsonw_end_object(s.w);
    char *text = close_sink(&s, NULL);
    json_t *j = parse(text);
    assert_int_equal(json_integer_value(json_object_get(j, "we\"ird\\key\n")), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "bad" FFFD)), 8);
    json_decref(j);
    free(text);
}

static void test_integers(void **state)
{
    (void)state;
    sink_t s = open_sink();
    fp_jsonw_begin_array(s.w);
    fp_jsonw_int(s.w, 0);
    fp_jsonw_int(s.w, -1);
    fp_jsonw_int(s.w, INT64_MAX);
    fp_jsonw_int(s.w, INT64_MIN);
    fp_jsonw_uint(s.w, 0);
    fp_jsonw_uint(s.w, 1234567890123ULL);
    fp_jsonw_uint(s.w, UINT64_MAX);
    fp_jsonw_end_array(s.w);
    char *text = close_sink(&s, NULL);
    /* jansson cannot hold UINT64_MAX as an integer: check its text */
    assert_non_null(strstr(text, ",18446744073709551615]"));
    assert_string_equal(text, "[0,-1,9223372036854775807,-9223372036854775808,0,1234567890123,"
                              "18446744073709551615]");
    char *cut = strstr(text, ",18446744073709551615]");
    strcpy(cut, "]");
    json_t *j = parse(text);
    assert_int_equal(json_array_size(j), 6);
    assert_int_equal(json_integer_value(json_array_get(j, 0)), 0);
    assert_int_equal(json_integer_value(json_array_get(j, 1)), -1);
    assert_true(json_integer_value(json_array_get(j, 2)) == INT64_MAX);
    assert_true(json_integer_value(json_array_get(j, 3)) == INT64_MIN);
    assert_true(json_integer_value(json_array_get(j, 5)) == 1234567890123LL);
    json_decref(j);
    free(text);
}

static void test_doubles(void **state)
{
    (void)state;
    const double values[] = {0.0, 0.5, -2.25, 1e-9, 123456.789, 3.141592653589793, 1e300, 1.0, 42.0};
    const size_t n = sizeof values / sizeof values[0];
    sink_t s = open_sink();
    fp_jsonw_begin_array(s.w);
    for (size_t i = 0; i < n; i++)
        fp_jsonw_double(s.w, values[i]);
    fp_jsonw_double(s.w, NAN);
    fp_jsonw_double(s.w, INFINITY);
    fp_jsonw_double(s.w, -INFINITY);
    fp_jsonw_end_array(s.w);
    char *text = close_sink(&s, NULL);
    json_t *j = parse(text);
    assert_int_equal(json_array_size(j), n + 3);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(j, i);
        assert_true(json_is_number(v));
        double got = json_number_value(v);
        double tol = fabs(values[i]) * 1e-14;
        if (fabs(got - values[i]) > tol)
            fail_msg("double %zu: wrote %.17g, read %.17g (%s)", i, values[i], got, text);
    }
    /* JSON has no NaN or infinity: they become 0 */
    for (size_t i = n; i < n + 3; i++) {
        json_t *v = json_array_get(j, i);
        assert_true(json_is_number(v));
        assert_true(json_number_value(v) == 0.0);
    }
    json_decref(j);
    free(text);
}

static void test_large_output(void **state)
{
    (void)state;
    /* far past the 16 KiB buffer, with escapes landing on every offset */
    const int count = 20000;
    sink_t s = open_sink();
    fp_jsonw_begin_array(s.w);
    char item[64];
    for (int i = 0; i < count; i++) {
        snprintf(item, sizeof item, "item \"%d\"\t\\ caf\xC3\xA9", i);
        fp_jsonw_begin_array(s.w);
        fp_jsonw_int(s.w, i);
        fp_jsonw_string(s.w, item);
        fp_jsonw_double(s.w, i / 4.0);
        fp_jsonw_end_array(s.w);
    }
    fp_jsonw_end_array(s.w);
    size_t len;
    char *text = close_sink(&s, &len);
    assert_true(len > 20 * sizeof s.w->buf);
    json_t *j = parse(text);
    assert_int_equal(json_array_size(j), count);
    for (int i = 0; i < count; i++) {
        json_t *a = json_array_get(j, (size_t)i);
        snprintf(item, sizeof item, "item \"%d\"\t\\ caf\xC3\xA9", i);
        assert_int_equal(json_integer_value(json_array_get(a, 0)), i);
        assert_string_equal(json_string_value(json_array_get(a, 1)), item);
        assert_true(json_number_value(json_array_get(a, 2)) == i / 4.0);
    }
    json_decref(j);
    free(text);
}

static void test_one_string_larger_than_buffer(void **state)
{
    (void)state;
    size_t n = 100000;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = "ab\"\\\n\x01\xFF" "c"[i % 8];
    char *back = round_trip(big, n, NULL);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (big[i] == '\xFF') {
            assert_memory_equal(back + k, FFFD, 3);
            k += 3;
        } else {
            assert_int_equal(back[k], big[i]);
            k++;
        }
    }
    assert_int_equal(back[k], '\0');
    free(back);
    free(big);
}

static void test_through_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fp_jsonw_t *w = malloc(sizeof *w);
    assert_non_null(w);
    fp_jsonw_init(w, fds[1]);
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "pid");
    fp_jsonw_int(w, 4242);
    fp_jsonw_key(w, "argv");
    fp_jsonw_begin_array(w);
    fp_jsonw_string(w, "prog.py");
    fp_jsonw_string(w, "--flag");
    fp_jsonw_end_array(w);
    fp_jsonw_end_object(w);
    assert_int_equal(fp_jsonw_finish(w), 0);
    free(w);
    close(fds[1]);
    char buf[256];
    ssize_t got = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    assert_true(got > 0);
    buf[got] = '\0';
    json_t *j = parse(buf);
    assert_int_equal(json_integer_value(json_object_get(j, "pid")), 4242);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "argv"), 1)), "--flag");
    json_decref(j);
}

static void test_write_error_bad_fd(void **state)
{
    (void)state;
    fp_jsonw_t *w = malloc(sizeof *w);
    assert_non_null(w);
    fp_jsonw_init(w, -1);
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "x");
    fp_jsonw_int(w, 1);
    fp_jsonw_end_object(w);
    assert_int_equal(fp_jsonw_finish(w), -1);
    free(w);
}

static void test_write_error_mid_stream(void **state)
{
    (void)state;
    /* /dev/full fails every write with ENOSPC: the failure happens at the
     * first flush, long before finish, and must still be reported */
    int fd = open("/dev/full", O_WRONLY);
    if (fd < 0)
        skip();
    fp_jsonw_t *w = malloc(sizeof *w);
    assert_non_null(w);
    fp_jsonw_init(w, fd);
    fp_jsonw_begin_array(w);
    for (int i = 0; i < 10000; i++)
        fp_jsonw_string(w, "some text to fill the buffer");
    assert_true(w->failed);
    fp_jsonw_end_array(w);
    assert_int_equal(fp_jsonw_finish(w), -1);
    free(w);
    close(fd);
}

static void test_write_error_closed_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    fp_jsonw_t *w = malloc(sizeof *w);
    assert_non_null(w);
    fp_jsonw_init(w, fds[1]);
    fp_jsonw_string(w, "nobody reads this");
    int rc = fp_jsonw_finish(w);
    free(w);
    close(fds[1]);
    signal(SIGPIPE, old);
    assert_int_equal(rc, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_containers),
        cmocka_unit_test(test_nothing_written),
        cmocka_unit_test(test_nested_and_commas),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_string_escapes_exact),
        cmocka_unit_test(test_string_embedded_nul_and_length),
        cmocka_unit_test(test_string_invalid_utf8),
        cmocka_unit_test(test_key_escaping),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test(test_one_string_larger_than_buffer),
        cmocka_unit_test(test_through_pipe),
        cmocka_unit_test(test_write_error_bad_fd),
        cmocka_unit_test(test_write_error_mid_stream),
        cmocka_unit_test(test_write_error_closed_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
