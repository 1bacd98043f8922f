/* tomlfile.h: reading a TOML file into a JSON tree.
 *
 * Budget files are TOML; Debian has no C library for it, so a small C++
 * shim (tomlfile.cpp) reads them with toml++ and hands back jansson
 * values, which the rest of the launcher already works with. */
#ifndef FP_TOMLFILE_H
#define FP_TOMLFILE_H

#include <jansson.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses TEXT (LEN bytes, the contents of a TOML document) into a tree:
 * every TOML table becomes a JSON object of its keys, and every other
 * value becomes {"value": V, "line": L, "column": C}, V its JSON form
 * (strings, integers, reals, booleans, arrays; dates and times as strings;
 * a non-finite real as null) and L, C where it was written, from 1.
 * Returns the tree (new reference), or NULL with ERR (ERRLEN bytes) set
 * to one line: "line L, column C: what is wrong". Never throws. */
json_t *fp_toml_parse(const char *text, size_t len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
