/* archive.h: a submission unpacked into its job's directory.
 *
 * A submission is a script (NAME.py) or a tar (.tar, .tar.gz, .tgz) or zip
 * (.zip) with a footprint.toml naming its entry point and arguments:
 *
 *     entry = "train.py"
 *     args = ["--epochs", "2"]
 *     budget = "small"        # read by the server: the budget it is judged on
 *
 * Archives are read with libarchive. An entry whose path is absolute or
 * has a ".." part, a link or a device, more than FP_ARCHIVE_MAX_FILES
 * entries, or more than FP_ARCHIVE_MAX_BYTES unpacked, refuses the whole
 * archive; nothing is ever written outside the directory given. */
#ifndef FP_ARCHIVE_H
#define FP_ARCHIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum { FP_ARCHIVE_MAX_ARGS = 64, FP_ARCHIVE_MAX_FILES = 256 };
#define FP_ARCHIVE_MAX_BYTES (64LL << 20)

/* Whether NAME is an upload name the service takes: a plain file name
 * (letters, digits, . _ -) ending in .py, .tar, .tar.gz, .tgz or .zip. */
bool fp_archive_name_ok(const char *name);
bool fp_archive_is_archive(const char *name);

/* Checks an archive without writing anything: 0, or -1 and why in ERR.
 * Its footprint.toml as JSON into *TOML (new; NULL when it has none). */
int fp_archive_check(const void *data, size_t len, json_t **toml, char *err, size_t errlen);

/* Unpacks the upload NAME (DATA, LEN bytes) into DIR and sets ARGV (at
 * least FP_ARCHIVE_MAX_ARGS + 2 slots; fp_archive_free_args) to the entry
 * point and its arguments, relative to DIR. 0, or -1 and why in ERR. */
int fp_archive_unpack(const char *name, const void *data, size_t len, const char *dir, char **argv, char *err,
                      size_t errlen);
void fp_archive_free_args(char **argv);

#endif
