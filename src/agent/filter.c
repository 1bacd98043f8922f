/* filter.c: the profiled-files rule (see filter.h). */
#include "filter.h"

#include <stdlib.h>
#include <string.h>

#include "../common/glob.h"

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

void fp_filter_add_library(fp_filter_t *f, const char *dir)
{
    size_t len = strlen(dir);
    if (len == 0 || f->nlibrary >= FP_FILTER_MAX_PREFIXES)
        return;
    char *copy = malloc(len + 2);
    if (!copy)
        return;
    memcpy(copy, dir, len);
    if (copy[len - 1] != '/')
        copy[len++] = '/';
    copy[len] = '\0';
    f->library[f->nlibrary++] = copy;
}

void fp_filter_clear(fp_filter_t *f)
{
    for (int i = 0; i < f->ninclude; i++)
        free(f->include[i]);
    for (int i = 0; i < f->nexclude; i++)
        free(f->exclude[i]);
    for (int i = 0; i < f->nlibrary; i++)
        free(f->library[i]);
    memset(f, 0, sizeof *f);
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

static bool is_library(const fp_filter_t *f, const char *path, size_t len)
{
    if (contains(path, len, "/site-packages/") || contains(path, len, "/dist-packages/"))
        return true;
    for (int i = 0; i < f->nlibrary; i++)
        if (has_prefix(path, len, f->library[i]))
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

static bool in_program_tree(const fp_filter_t *f, const char *path, size_t len)
{
    return under(f->program_dir, path, len) || under(f->program_dir_given, path, len);
}

bool fp_filter_profiled(const fp_filter_t *f, const char *path, size_t len)
{
    if (len == 0 || path[0] != '/')
        return false; /* "<frozen ...>", "<string>", "<stdin>" */
    for (int i = 0; i < f->ninclude; i++)
        if (fp_glob_match_path(f->include[i], path, len))
            return true;
    for (int i = 0; i < f->nexclude; i++)
        if (fp_glob_match_path(f->exclude[i], path, len))
            return false;
    if (f->profile_all)
        return true;
    return !is_library(f, path, len) && in_program_tree(f, path, len);
}
