/* imports.c: the profile's `imports` table (see imports.h).
 *
 * The table file has one line per module, tab-separated: name, parent,
 * own seconds, own bytes, total seconds, total bytes, line, file; "-"
 * stands for none. Paths are bytes, made valid UTF-8 here. */
#include "imports.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/utf8.h"
#include "textfmt.h"
#include "util.h"

enum { FIELDS = 8 };

static bool is_none(const char *s) { return strcmp(s, "-") == 0; }

static json_t *str_or_null(const char *s)
{
    if (is_none(s))
        return json_null();
    char *clean = fp_utf8_sanitize(s, strlen(s));
    json_t *j = clean ? json_string(clean) : json_null();
    free(clean);
    return j;
}

/* A number field (>= 0) into *OUT, null for "-"; -1 when malformed. */
static int number(const char *s, bool integer, json_t **out)
{
    if (is_none(s)) {
        *out = json_null();
        return 0;
    }
    char *end;
    errno = 0;
    long long i = integer ? strtoll(s, &end, 10) : 0;
    double d = integer ? (double)i : strtod(s, &end);
    if (errno || *end || end == s || d < 0)
        return -1;
    *out = integer ? json_integer((json_int_t)i) : json_real(d);
    return 0;
}

static int split(char *line, char *field[FIELDS])
{
    int n = 0;
    for (char *save = NULL, *f = strtok_r(line, "\t", &save); f; f = strtok_r(NULL, "\t", &save)) {
        if (n == FIELDS)
            return -1;
        field[n++] = f;
    }
    return n == FIELDS ? 0 : -1;
}

json_t *fp_imports_parse_line(const char *text, size_t n)
{
    char *line = fp_xcalloc(n + 1, 1);
    memcpy(line, text, n);
    char *f[FIELDS];
    json_t *e = NULL, *v[5] = {NULL};
    if (split(line, f) != 0 || is_none(f[0]) || number(f[2], false, &v[0]) || number(f[3], true, &v[1]) ||
        number(f[4], false, &v[2]) || number(f[5], true, &v[3]) || number(f[6], true, &v[4]) ||
        json_is_null(v[0]) || json_is_null(v[2]))
        goto done;
    e = json_object();
    json_object_set_new(e, "name", str_or_null(f[0]));
    json_object_set(e, "time_s", v[0]);
    json_object_set(e, "alloc_bytes", v[1]);
    json_object_set(e, "total_time_s", v[2]);
    json_object_set(e, "total_alloc_bytes", v[3]);
    json_object_set_new(e, "parent", str_or_null(f[1]));
    json_object_set_new(e, "file", str_or_null(f[7]));
    json_object_set(e, "line", json_integer_value(v[4]) > 0 ? v[4] : json_null());
done:
    for (int i = 0; i < 5; i++)
        json_decref(v[i]);
    free(line);
    return e;
}

json_t *fp_imports_read(const char *run_dir, pid_t pid)
{
    json_t *out = json_array();
    char *path = fp_xasprintf("%s/imports.%ld.tsv", run_dir, (long)pid);
    size_t len;
    char *text = fp_read_file(path, &len);
    free(path);
    for (char *p = text; p && p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        if (!nl) /* cut short: the process died while writing */
            break;
        json_t *e = fp_imports_parse_line(p, (size_t)(nl - p));
        if (e)
            json_array_append_new(out, e);
        p = nl + 1;
    }
    free(text);
    return out;
}

static int by_total_time_desc(const void *a, const void *b)
{
    double x = json_number_value(json_object_get(*(json_t *const *)a, "total_time_s"));
    double y = json_number_value(json_object_get(*(json_t *const *)b, "total_time_s"));
    return (x < y) - (x > y);
}

void fp_imports_report(FILE *out, json_t *profile, bool color, int max)
{
    json_t *imports = json_object_get(profile, "imports");
    size_t n = 0, i;
    json_t *e, **top = fp_xcalloc(json_array_size(imports) + 1, sizeof *top);
    json_array_foreach(imports, i, e)
        if (json_is_null(json_object_get(e, "parent")))
            top[n++] = e;
    if (n > 0) {
        qsort(top, n, sizeof *top, by_total_time_desc);
        fprintf(out, "\n%sImports%s (the program's own, with what they imported)\n%s     time    alloc  "
                     "module%s\n", color ? "\033[1m" : "", color ? "\033[0m" : "", color ? "\033[2m" : "",
                color ? "\033[0m" : "");
    }
    for (i = 0; i < n && (int)i < max; i++) {
        char t[16], b[16];
        fp_fmt_time(t, sizeof t, json_number_value(json_object_get(top[i], "total_time_s")));
        json_t *bytes = json_object_get(top[i], "total_alloc_bytes");
        if (json_is_null(bytes))
            snprintf(b, sizeof b, "-");
        else
            fp_fmt_bytes(b, sizeof b, json_number_value(bytes));
        fprintf(out, " %8s %8s  ", t, b);
        fp_put_clipped(out, json_string_value(json_object_get(top[i], "name")), 60);
        fputc('\n', out);
    }
    if (n > (size_t)max)
        fprintf(out, "  ... and %zu more\n", n - (size_t)max);
    free(top);
}
