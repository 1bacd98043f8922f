/* profile.c: loading and checking saved profiles (see profile.h). */
#include "profile.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "figures.h"
#include "stackset.h"
#include "util.h"

static const char *check_figures(json_t *o)
{
    for (int k = 0; k < FP_FIG_COUNT; k++) {
        json_t *v = json_object_get(o, fp_fig_names[k]);
        if (v && !json_is_number(v))
            return "a figure is not a number";
    }
    return NULL;
}

static const char *check_file(json_t *f)
{
    if (!json_is_object(f) || !json_is_string(json_object_get(f, "path")))
        return "a file entry has no path";
    json_t *lines = json_object_get(f, "lines"), *funcs = json_object_get(f, "functions");
    if (!json_is_array(lines) || (funcs && !json_is_array(funcs)))
        return "a file entry has no list of lines";
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        if (!json_is_object(l) || !json_is_integer(json_object_get(l, "line")))
            return "a line entry has no line number";
        json_t *src = json_object_get(l, "source");
        if (src && !json_is_string(src))
            return "a line's source is not text";
        const char *bad = check_figures(l);
        if (bad)
            return bad;
    }
    json_array_foreach(funcs, i, l) {
        if (!json_is_object(l) || !json_is_string(json_object_get(l, "name")))
            return "a function entry has no name";
        const char *bad = check_figures(l);
        if (bad)
            return bad;
    }
    return NULL;
}

const char *fp_profile_check(json_t *p)
{
    if (!json_is_object(p))
        return "not a footprint profile (not a JSON object)";
    json_t *format = json_object_get(p, "format");
    if (!format)
        return "not a footprint profile (no \"format\" field)";
    if (!json_is_string(format) || strcmp(json_string_value(format), "footprint-profile") != 0)
        return "not a footprint profile (its \"format\" is not \"footprint-profile\")";
    json_t *version = json_object_get(p, "version");
    if (!json_is_integer(version))
        return "not a footprint profile (no format version)";
    if (json_integer_value(version) > FP_PROFILE_VERSION)
        return "made by a newer footprint (format version too new; this one reads version 1)";
    if (json_integer_value(version) < 1)
        return "not a footprint profile (bad format version)";
    if (!json_is_array(json_object_get(p, "files")))
        return "damaged profile (no list of files)";
    if (!json_is_number(json_object_get(p, "elapsed_s")) || !json_is_number(json_object_get(p, "cpu_s")))
        return "damaged profile (no elapsed or CPU time)";
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(p, "files"), i, f) {
        const char *bad = check_file(f);
        if (bad)
            return bad;
    }
    json_t *mem = json_object_get(p, "memory");
    if (mem && !json_is_null(mem) && !json_is_object(mem))
        return "damaged profile (memory is neither null nor an object)";
    return fp_stackset_check(p);
}

json_t *fp_profile_load(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fp_error("cannot read profile '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        fp_error("cannot read profile '%s': it is a directory", path);
        return NULL;
    }
    json_error_t err;
    json_t *p = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!p) {
        bool truncated = err.position >= (int)st.st_size || strstr(err.text, "premature end");
        if (st.st_size == 0)
            fp_error("cannot read profile '%s': the file is empty", path);
        else if (truncated)
            fp_error("cannot read profile '%s': the file is cut short (truncated JSON)", path);
        else
            fp_error("cannot read profile '%s': not JSON (line %d: %s)", path, err.line, err.text);
        return NULL;
    }
    const char *bad = fp_profile_check(p);
    if (bad) {
        fp_error("cannot read profile '%s': %s", path, bad);
        json_decref(p);
        return NULL;
    }
    return p;
}
