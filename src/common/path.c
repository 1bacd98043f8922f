/* path.c: lexical path normalization (see path.h). */
#include "path.h"

size_t fp_path_normalize(char *p, size_t len)
{
    if (len == 0 || p[0] != '/')
        return len;
    size_t out = 0; /* p[0..out) is the normalized prefix, starting with '/' */
    size_t i = 0;
    while (i < len) {
        while (i < len && p[i] == '/')
            i++;
        size_t start = i;
        while (i < len && p[i] != '/')
            i++;
        size_t n = i - start;
        if (n == 0 || (n == 1 && p[start] == '.'))
            continue;
        if (n == 2 && p[start] == '.' && p[start + 1] == '.') {
            while (out > 0 && p[out - 1] != '/')
                out--;
            if (out > 0)
                out--; /* the '/' before the dropped component */
            continue;
        }
        p[out++] = '/';
        for (size_t k = 0; k < n; k++)
            p[out++] = p[start + k];
    }
    if (out == 0)
        p[out++] = '/';
    return out;
}
