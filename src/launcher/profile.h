/* profile.h: reading a saved profile.
 *
 * `footprint view` and later `diff` and `check` read profiles through
 * here. A file that is not JSON, is cut short, is not a footprint profile,
 * or comes from a newer format gets a one-line explanation, never a
 * crash; renderers may then rely on the members they read having the
 * right JSON types. */
#ifndef FP_PROFILE_H
#define FP_PROFILE_H

#include <jansson.h>

enum { FP_PROFILE_VERSION = 1 };

/* Loads and checks PATH. Returns the profile (new reference), or NULL
 * after printing "footprint: cannot read profile 'PATH': REASON". */
json_t *fp_profile_load(const char *path);

/* Checks a profile document; returns NULL when it is fine, else a static
 * string saying what is wrong. */
const char *fp_profile_check(json_t *p);

#endif
