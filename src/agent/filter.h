/* filter.h: which source files are profiled.
 *
 * Default: files under the program's own directory tree, but not the
 * standard library, site-packages or footprint's own files. --profile-all
 * takes every real file; --include globs add files, --exclude globs remove
 * them (include wins). The decision is made once per path and cached in the
 * sites table, so it may be slowish, but it must be async-signal-safe. */
#ifndef FP_FILTER_H
#define FP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

enum { FP_FILTER_MAX_PATTERNS = 32, FP_FILTER_MAX_PREFIXES = 16 };

typedef struct fp_filter {
    char program_dir[4096];        /* the script's directory, symbolic links resolved... */
    char program_dir_given[4096];  /* ...and as given (the main script's own file name) */
    char cwd[4096];
    bool profile_all;
    int ninclude, nexclude, nlibrary;
    char *include[FP_FILTER_MAX_PATTERNS];
    char *exclude[FP_FILTER_MAX_PATTERNS];
    char *library[FP_FILTER_MAX_PREFIXES]; /* directory prefixes, with a trailing '/' */
} fp_filter_t;

/* The agent's filter (fp_agent_t.filter) is set up by agent.c at start,
 * before sampling starts, and is read-only while sampling. */

/* Splits a newline-separated list of globs into DEST (strdup'd, owned by
 * the filter for the life of the process). Returns the count kept. */
int fp_filter_set_patterns(char **dest, const char *list);
/* Adds a library directory prefix (e.g. sys.prefix + "/lib/python3.11"),
 * copied (owned by F). */
void fp_filter_add_library(fp_filter_t *f, const char *dir);
/* Frees what F owns and empties it, for a new start. */
void fp_filter_clear(fp_filter_t *f);

/* True when the absolute PATH should be profiled. Async-signal-safe. */
bool fp_filter_profiled(const fp_filter_t *f, const char *path, size_t len);

#endif
