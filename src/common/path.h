/* path.h: lexical path normalization, safe in signal handlers. */
#ifndef FP_PATH_H
#define FP_PATH_H

#include <stddef.h>

/* Rewrites the absolute path P (LEN bytes, not NUL-terminated) in place
 * without "//", "/./" and "dir/../", as the file system would read it
 * were there no symbolic links. Returns the new length. */
size_t fp_path_normalize(char *p, size_t len);

#endif
