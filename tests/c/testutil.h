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

#include <fcntl.h>
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

/* Sends stderr to a file until tu_stderr_end, which puts what was
 * written (NUL-terminated, at most N-1 bytes) in BUF. Code under test
 * prints its user messages there; cmocka's own failure messages must not
 * land in the file, so assert only after tu_stderr_end. The file is
 * $FP_CTEST_CAPTURE when set (mk/ctest.mk sets it, and shows the file
 * when a test dies: a sanitizer report printed during a capture is
 * there), else an anonymous temporary file. */
typedef struct tu_capture {
    int fd;
    int saved_fd;
} tu_capture_t;

static inline tu_capture_t tu_stderr_begin(void)
{
    tu_capture_t c;
    const char *path = getenv("FP_CTEST_CAPTURE");
    fflush(stderr);
    if (path && *path) {
        c.fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    } else {
        FILE *tmp = tmpfile();
        assert_non_null(tmp);
        c.fd = dup(fileno(tmp));
        fclose(tmp);
    }
    assert_true(c.fd >= 0);
    c.saved_fd = dup(2);
    assert_true(c.saved_fd >= 0);
    assert_true(dup2(c.fd, 2) == 2);
    return c;
}

static inline void tu_stderr_end(tu_capture_t *c, char *buf, size_t n)
{
    fflush(stderr);
    dup2(c->saved_fd, 2);
    close(c->saved_fd);
    ssize_t got = pread(c->fd, buf, n - 1, 0);
    buf[got > 0 ? (size_t)got : 0] = '\0';
    if (ftruncate(c->fd, 0) != 0) {
        /* harmless: mk/ctest.mk shows the file only when a test dies */
    }
    close(c->fd);
}

#endif
