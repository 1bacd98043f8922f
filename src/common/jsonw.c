/* jsonw.c: streaming JSON writer (see jsonw.h). */
#include "jsonw.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void fp_jsonw_init(fp_jsonw_t *w, int fd)
{
    w->fd = fd;
    w->failed = false;
    w->need_comma = false;
    w->used = 0;
}

static void flush(fp_jsonw_t *w)
{
    size_t off = 0;
    while (!w->failed && off < w->used) {
        ssize_t n = write(w->fd, w->buf + off, w->used - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            w->failed = true;
        else
            off += (size_t)n;
    }
    w->used = 0;
}

static void put(fp_jsonw_t *w, const char *s, size_t n)
{
    while (n > 0 && !w->failed) {
        size_t room = sizeof w->buf - w->used;
        size_t k = n < room ? n : room;
        memcpy(w->buf + w->used, s, k);
        w->used += k;
        s += k;
        n -= k;
        if (w->used == sizeof w->buf)
            flush(w);
    }
}

static void put_char(fp_jsonw_t *w, char c) { put(w, &c, 1); }

int fp_jsonw_finish(fp_jsonw_t *w)
{
    flush(w);
    return w->failed ? -1 : 0;
}

/* Every value is preceded by a comma unless it opens its container or
 * follows a key. */
static void value_start(fp_jsonw_t *w)
{
    if (w->need_comma)
        put_char(w, ',');
    w->need_comma = true;
}

void fp_jsonw_begin_object(fp_jsonw_t *w)
{
    value_start(w);
    put_char(w, '{');
    w->need_comma = false;
}

void fp_jsonw_end_object(fp_jsonw_t *w)
{
    put_char(w, '}');
    w->need_comma = true;
}

void fp_jsonw_begin_array(fp_jsonw_t *w)
{
    value_start(w);
    put_char(w, '[');
    w->need_comma = false;
}

void fp_jsonw_end_array(fp_jsonw_t *w)
{
    put_char(w, ']');
    w->need_comma = true;
}

static void raw_string(fp_jsonw_t *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    put_char(w, '"');
    size_t run = 0; /* start of the bytes not yet written, copied in one go */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t k = fp_utf8_seq_len((const unsigned char *)s + i, n - i);
            if (k) {
                i += k;
                continue;
            }
            put(w, s + run, i - run); /* invalid UTF-8: U+FFFD instead */
            put(w, "\xEF\xBF\xBD", 3);
            run = ++i;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        put(w, s + run, i - run);
        run = ++i;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            put(w, esc, 2);
        } else if (c == '\n') {
            put(w, "\\n", 2);
        } else if (c == '\t') {
            put(w, "\\t", 2);
        } else {
            put(w, esc, 6);
        }
    }
    put(w, s + run, n - run);
    put_char(w, '"');
}

void fp_jsonw_key(fp_jsonw_t *w, const char *key)
{
    value_start(w);
    raw_string(w, key, strlen(key));
    put_char(w, ':');
    w->need_comma = false;
}

void fp_jsonw_string_n(fp_jsonw_t *w, const char *s, size_t n)
{
    value_start(w);
    raw_string(w, s, n);
}

void fp_jsonw_string(fp_jsonw_t *w, const char *s) { fp_jsonw_string_n(w, s, strlen(s)); }

void fp_jsonw_int(fp_jsonw_t *w, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    value_start(w);
    put(w, tmp, (size_t)n);
}

void fp_jsonw_uint(fp_jsonw_t *w, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    value_start(w);
    put(w, tmp, (size_t)n);
}

void fp_jsonw_double(fp_jsonw_t *w, double v)
{
    char tmp[40];
    if (!isfinite(v))
        v = 0;
    int n = snprintf(tmp, sizeof tmp, "%.15g", v);
    value_start(w);
    put(w, tmp, (size_t)n);
}

void fp_jsonw_bool(fp_jsonw_t *w, bool v)
{
    value_start(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void fp_jsonw_null(fp_jsonw_t *w)
{
    value_start(w);
    put(w, "null", 4);
}
