/* util.h: small helpers shared by the launcher's modules. */
#ifndef FP_UTIL_H
#define FP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Prints "footprint: MESSAGE" on stderr. */
void fp_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that cannot fail quietly: on exhaustion it reports and exits. */
void *fp_xmalloc(size_t n);
void *fp_xcalloc(size_t n, size_t size);
void *fp_xrealloc(void *p, size_t n);
char *fp_xstrdup(const char *s);
/* A new string: the printf of FMT. */
char *fp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file; returns a NUL-terminated buffer (caller frees) and
 * its length in *LEN, or NULL (errno set). */
char *fp_read_file(const char *path, size_t *len);

/* The directory part of PATH (a new string; "." when it has none). */
char *fp_dirname(const char *path);

#endif
