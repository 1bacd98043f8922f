/* filter.c: the profiled-files rule (see filter.h). */
#include "filter.h"

#include <stdlib.h>
#include <string.h>

#include "../common/glob.h"

fp_filter_t fp_filter;

int fp_filter_set_patterns(char **dest, const char *list)
{
    int n = 0;
    const char *p = list;
    while (p && *p && n < FP_FILTER_MAX_PATTERNS) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            char *copy = strndup(p, len);
            if (copy)
                dest[n++] = copy;
        }
        p = end ? end + 1 : NULL;
    }
    return n;
}

void fp_filter_add_library(const char *dir)
{
    size_t len = strlen(dir);
    if (len == 0 || fp_filter.nlibrary >= FP_FILTER_MAX_PREFIXES)
        return;
    char *copy = malloc(len + 2);
    if (!copy)
        return;
    memcpy(copy, dir, len);
    if (copy[len - 1] != '/')
        copy[len++] = '/';
    copy[len] = '\0';
    fp_filter.library[fp_filter.nlibrary++] = copy;
}

static bool has_prefix(const char *path, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return n <= len && memcmp(path, prefix, n) == 0;
}

static bool contains(const char *path, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(path + i, needle, n) == 0)
            return true;
    return false;
}

static bool is_library(const char *path, size_t len)
{
    if (contains(path, len, "/site-packages/") || contains(path, len, "/dist-packages/"))
        return true;
    for (int i = 0; i < fp_filter.nlibrary; i++)
        if (has_prefix(path, len, fp_filter.library[i]))
            return true;
    return false;
}

static bool under(const char *dir, const char *path, size_t len)
{
    size_t n = strlen(dir);
    if (n == 0 || n >= len || memcmp(path, dir, n) != 0)
        return false; /* the directory itself is not a file in it */
    return dir[n - 1] == '/' || path[n] == '/';
}

static bool in_program_tree(const char *path, size_t len)
{
    return under(fp_filter.program_dir, path, len) || under(fp_filter.program_dir_given, path, len);
}

bool fp_filter_profiled(const char *path, size_t len)
{
    if (len == 0 || path[0] != '/')
        return false; /* "<frozen ...>", "<string>", "<stdin>" */
    for (int i = 0; i < fp_filter.ninclude; i++)
        if (fp_glob_match_path(fp_filter.include[i], path, len))
            return true;
    for (int i = 0; i < fp_filter.nexclude; i++)
        if (fp_glob_match_path(fp_filter.exclude[i], path, len))
            return false;
    if (fp_filter.profile_all)
        return true;
    return !is_library(path, len) && in_program_tree(path, len);
}
