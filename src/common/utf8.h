/* utf8.h: making text safe for JSON.
 *
 * Program text and paths are bytes; JSON strings must be UTF-8. Invalid
 * sequences are replaced by U+FFFD so that a profile is always valid
 * JSON, whatever the program's files hold. */
#ifndef FP_UTF8_H
#define FP_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at S (1 to 4), or 0 when the bytes
 * at S (N available) do not start one. */
size_t fp_utf8_seq_len(const unsigned char *s, size_t n);

/* Copies S (N bytes) into a new NUL-terminated string with every invalid
 * sequence replaced by U+FFFD. Returns NULL only when out of memory. */
char *fp_utf8_sanitize(const char *s, size_t n);

#endif
