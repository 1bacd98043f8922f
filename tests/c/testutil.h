/* testutil.h: what every C unit test includes.
 *
 * cmocka wants <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before
 * its own header; the helpers make and remove the temporary files and
 * directories the launcher tests read. Everything a helper creates lives
 * under one mkdtemp directory that the test removes. */
#ifndef FP_TESTUTIL_H
#define FP_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new temporary directory (caller frees the string, removes the tree
 * with tu_rmtree). Fails the test when it cannot be made. */
static inline char *tu_mkdtemp(void)
{
    const char *tmp = getenv("TMPDIR");
    char *path = NULL;
    assert_true(asprintf(&path, "%s/fp-ctest-XXXXXX", tmp && *tmp ? tmp : "/tmp") > 0);
    assert_non_null(mkdtemp(path));
    return path;
}

static inline int tu_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static inline void tu_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes N bytes of DATA to DIR/NAME; returns the path (caller frees). */
static inline char *tu_write(const char *dir, const char *name, const char *data, size_t n)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return path;
}

static inline char *tu_write_str(const char *dir, const char *name, const char *text)
{
    return tu_write(dir, name, text, strlen(text));
}

#endif
