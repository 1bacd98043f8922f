/* glob.h: shell-style pattern matching on paths, safe in signal handlers.
 *
 * Used to decide which source files are profiled (--include/--exclude).
 * Unlike fnmatch(3) it never allocates and never consults the locale, so the
 * agent can call it from its CPU signal handler and allocation hooks. */
#ifndef FP_GLOB_H
#define FP_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* True when TEXT (LEN bytes, not necessarily NUL-terminated) matches
 * PATTERN (NUL-terminated). '*' matches any run of characters, '/' included;
 * '?' one character; '[abc]', '[a-z]', '[!x]' a class; '\' escapes.
 * Async-signal-safe; O(len * strlen(pattern)) worst case. */
bool fp_glob_match(const char *pattern, const char *text, size_t len);

/* Like fp_glob_match, but a pattern without '/' is matched against the
 * last path component of TEXT only, so '--exclude test_*.py' does what a
 * user expects. */
bool fp_glob_match_path(const char *pattern, const char *text, size_t len);

#endif
