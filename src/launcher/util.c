/* util.c: launcher helpers (see util.h). */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fp_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("footprint: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void *check(void *p)
{
    if (!p) {
        fp_error("out of memory");
        exit(70);
    }
    return p;
}

void *fp_xmalloc(size_t n) { return check(malloc(n ? n : 1)); }
void *fp_xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *fp_xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }
char *fp_xstrdup(const char *s) { return check(strdup(s)); }

char *fp_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        check(NULL);
    return s;
}

char *fp_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = fp_xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            buf = fp_xrealloc(buf, cap *= 2);
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *fp_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return fp_xstrdup(".");
    if (slash == path)
        return fp_xstrdup("/");
    char *d = fp_xmalloc((size_t)(slash - path) + 1);
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = '\0';
    return d;
}
