/* glob.c: allocation-free shell-style pattern matching (see glob.h). */
#include "glob.h"

#include <string.h>

/* Matches one bracket class starting at P (just after '['); stores the
 * position after ']' in *END. A class with no closing ']' matches a literal
 * '[' so that odd user patterns still mean something. */
static bool class_match(const char *p, char c, const char **end)
{
    bool negate = (*p == '!' || *p == '^');
    bool hit = false;
    const char *q = negate ? p + 1 : p;
    const char *start = q;
    while (*q && (*q != ']' || q == start)) {
        char lo = *q, hi = *q;
        if (q[1] == '-' && q[2] && q[2] != ']') {
            hi = q[2];
            q += 2;
        }
        if (lo <= c && c <= hi)
            hit = true;
        q++;
    }
    if (*q != ']') {
        *end = NULL;
        return c == '[';
    }
    *end = q + 1;
    return hit != negate;
}

bool fp_glob_match(const char *pattern, const char *text, size_t len)
{
    const char *p = pattern;
    size_t t = 0;
    const char *star_p = NULL; /* where to resume after the last '*' */
    size_t star_t = 0;

    while (t < len) {
        const char *next = NULL;
        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = p;
            star_t = t;
            continue;
        }
        if (*p == '?') {
            next = p + 1;
        } else if (*p == '[') {
            const char *end;
            if (class_match(p + 1, text[t], &end))
                next = end ? end : p + 1;
        } else if (*p == '\\' && p[1]) {
            if (p[1] == text[t])
                next = p + 2;
        } else if (*p && *p == text[t]) {
            next = p + 1;
        }
        if (next) {
            p = next;
            t++;
        } else if (star_p) {
            p = star_p;
            t = ++star_t;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

bool fp_glob_match_path(const char *pattern, const char *text, size_t len)
{
    if (strchr(pattern, '/'))
        return fp_glob_match(pattern, text, len);
    size_t base = len;
    while (base > 0 && text[base - 1] != '/')
        base--;
    return fp_glob_match(pattern, text + base, len - base);
}
