/* archive.c: checking and unpacking submissions with libarchive (see
 * archive.h). Every entry is checked before anything is written, and
 * files are created with O_EXCL | O_NOFOLLOW under a directory we made. */
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../launcher/tomlfile.h"
#include "../launcher/util.h"

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n > t && strcmp(s + n - t, tail) == 0;
}

bool fp_archive_is_archive(const char *name)
{
    return ends_with(name, ".tar") || ends_with(name, ".tar.gz") || ends_with(name, ".tgz") ||
           ends_with(name, ".zip");
}

bool fp_archive_name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 128 || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            return false;
    return ends_with(name, ".py") || fp_archive_is_archive(name);
}

/* Whether PATH stays inside: relative, no "..", no empty tricks. */
static bool path_ok(const char *path)
{
    if (!path || !*path || path[0] == '/' || strlen(path) > 255)
        return false;
    for (const char *p = path; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && strncmp(p, "..", 2) == 0)
            return false;
        p += n + (slash ? 1 : 0);
    }
    return true;
}

static struct archive *open_mem(const void *data, size_t len)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_zip(a);
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* One entry's header: may it be unpacked? */
static int entry_ok(struct archive_entry *e, char *err, size_t errlen)
{
    const char *path = archive_entry_pathname(e);
    mode_t type = archive_entry_filetype(e);
    if (!path_ok(path)) {
        snprintf(err, errlen, "archive entry '%.100s' is outside the archive's directory", path ? path : "");
        return -1;
    }
    if (archive_entry_hardlink(e) || archive_entry_symlink(e) || (type != AE_IFREG && type != AE_IFDIR)) {
        snprintf(err, errlen, "archive entry '%.100s' is a link or a special file", path);
        return -1;
    }
    return 0;
}

/* Reads the current entry's data, counting against the archive's budget. */
static char *entry_data(struct archive *a, size_t *len, long long *total, char *err, size_t errlen)
{
    size_t cap = 8192, n = 0;
    char *buf = fp_xmalloc(cap);
    la_ssize_t r;
    while ((r = archive_read_data(a, buf + n, cap - n)) > 0) {
        n += (size_t)r;
        if ((*total += r) > FP_ARCHIVE_MAX_BYTES) {
            snprintf(err, errlen, "archive unpacks to more than %lld bytes", FP_ARCHIVE_MAX_BYTES);
            free(buf);
            return NULL;
        }
        if (n == cap)
            buf = fp_xrealloc(buf, cap *= 2);
    }
    if (r < 0) {
        snprintf(err, errlen, "archive is damaged: %s", archive_error_string(a));
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static json_t *parse_toml(const char *text, size_t len, char *err, size_t errlen)
{
    char why[256];
    json_t *t = fp_toml_parse(text, len, why, sizeof why);
    if (!t)
        snprintf(err, errlen, "footprint.toml: %s", why);
    return t;
}

/* Writes BODY to DIR/PATH (PATH checked by path_ok), making its
 * directories; never follows a link and never replaces a file. */
static int write_file(const char *dir, const char *path, const char *body, size_t n, char *err, size_t errlen)
{
    int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    char *copy = fp_xstrdup(path), *part = copy, *slash;
    int rc = -1;
    while (dfd >= 0 && (slash = strchr(part, '/'))) {
        *slash = '\0';
        if (*part && strcmp(part, ".") != 0) {
            mkdirat(dfd, part, 0700);
            int next = openat(dfd, part, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC);
            close(dfd);
            dfd = next;
        }
        part = slash + 1;
    }
    int fd = dfd >= 0 ? openat(dfd, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    if (fd >= 0 && write(fd, body, n) == (ssize_t)n)
        rc = 0;
    if (rc != 0)
        snprintf(err, errlen, "cannot unpack '%.100s': %s", path, errno == EEXIST ? "it is there twice" : strerror(errno));
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    free(copy);
    return rc;
}

/* Walks the archive; with DIR, writes each file under it. */
static int walk(const void *data, size_t len, const char *dir, json_t **toml, json_t *names, char *err,
                size_t errlen)
{
    struct archive *a = open_mem(data, len);
    if (!a) {
        snprintf(err, errlen, "not a tar or zip archive");
        return -1;
    }
    struct archive_entry *e;
    int files = 0, rc = 0, r;
    long long total = 0;
    while (rc == 0 && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        if (++files > FP_ARCHIVE_MAX_FILES) {
            snprintf(err, errlen, "archive has more than %d entries", FP_ARCHIVE_MAX_FILES);
            rc = -1;
            break;
        }
        if ((rc = entry_ok(e, err, errlen)) != 0 || archive_entry_filetype(e) == AE_IFDIR)
            continue;
        size_t n = 0;
        char *body = entry_data(a, &n, &total, err, errlen);
        const char *path = archive_entry_pathname(e);
        if (names)
            json_object_set_new(names, path, json_true());
        if (!body)
            rc = -1;
        else if (strcmp(path, "footprint.toml") == 0 && toml && !*toml && !(*toml = parse_toml(body, n, err, errlen)))
            rc = -1;
        else if (dir && write_file(dir, path, body, n, err, errlen) != 0)
            rc = -1;
        free(body);
    }
    if (rc == 0 && r != ARCHIVE_EOF) {
        snprintf(err, errlen, "archive is damaged: %s", archive_error_string(a));
        rc = -1;
    }
    archive_read_free(a);
    return rc;
}

int fp_archive_check(const void *data, size_t len, json_t **toml, char *err, size_t errlen)
{
    *toml = NULL;
    json_t *names = json_object();
    int rc = walk(data, len, NULL, toml, names, err, errlen);
    const char *entry = json_string_value(json_object_get(json_object_get(*toml, "entry"), "value"));
    if (rc == 0 && (!entry || !json_object_get(names, entry))) {
        snprintf(err, errlen, entry ? "the entry point '%.100s' is not in the archive"
                                    : "the archive has no footprint.toml naming its entry point (entry = \"main.py\")",
                 entry);
        rc = -1;
    }
    json_decref(names);
    if (rc != 0) {
        json_decref(*toml);
        *toml = NULL;
    }
    return rc;
}

/* A footprint.toml leaf's value ({"value": V, ...}). */
static json_t *leaf(json_t *toml, const char *key)
{
    return json_object_get(json_object_get(toml, key), "value");
}

/* The entry point and its arguments from footprint.toml. */
static int entry_args(json_t *toml, const char *dir, char **argv, char *err, size_t errlen)
{
    const char *entry = json_string_value(leaf(toml, "entry"));
    if (!toml || !entry || !path_ok(entry)) {
        snprintf(err, errlen, "the archive's footprint.toml names no entry point (entry = \"main.py\")");
        return -1;
    }
    char *path = fp_xasprintf("%s/%s", dir, entry);
    struct stat st;
    int there = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    if (!there) {
        snprintf(err, errlen, "the entry point '%.100s' is not in the archive", entry);
        return -1;
    }
    int n = 0;
    argv[n++] = fp_xstrdup(entry);
    json_t *args = leaf(toml, "args"), *v;
    size_t i;
    json_array_foreach(args, i, v) {
        if (n > FP_ARCHIVE_MAX_ARGS || !json_is_string(v)) {
            snprintf(err, errlen, "footprint.toml: args must be at most %d strings", FP_ARCHIVE_MAX_ARGS);
            return -1;
        }
        argv[n++] = fp_xstrdup(json_string_value(v));
    }
    argv[n] = NULL;
    return 0;
}

int fp_archive_unpack(const char *name, const void *data, size_t len, const char *dir, char **argv, char *err,
                      size_t errlen)
{
    argv[0] = NULL;
    if (!fp_archive_name_ok(name)) {
        snprintf(err, errlen, "'%.100s' is not a script (.py) or an archive (.tar, .tar.gz, .tgz, .zip)", name);
        return -1;
    }
    if (!fp_archive_is_archive(name)) {
        argv[0] = fp_xstrdup(name);
        argv[1] = NULL;
        return write_file(dir, name, data, len, err, errlen);
    }
    json_t *toml = NULL;
    int rc = walk(data, len, dir, &toml, NULL, err, errlen);
    if (rc == 0)
        rc = entry_args(toml, dir, argv, err, errlen);
    json_decref(toml);
    return rc;
}

void fp_archive_free_args(char **argv)
{
    for (int i = 0; argv[i]; i++)
        free(argv[i]), argv[i] = NULL;
}
