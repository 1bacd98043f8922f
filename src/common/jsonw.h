/* jsonw.h: a small streaming JSON writer over a file descriptor.
 *
 * The agent writes its fragments with it. The writer allocates nothing
 * itself: its buffer is inside the struct, and the caller decides where
 * that lives (fragment.c takes it from the heap inside the interposer's
 * guard, so it is not counted as the program's). Readers use jansson;
 * this only writes. */
#ifndef FP_JSONW_H
#define FP_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fp_jsonw {
    int fd;
    bool failed;      /* a write failed; later calls do nothing */
    bool need_comma;  /* the next value in this container needs a ',' */
    size_t used;
    char buf[16384];
} fp_jsonw_t;

void fp_jsonw_init(fp_jsonw_t *w, int fd);
/* Flushes the buffer; returns 0, or -1 when any write failed. */
int fp_jsonw_finish(fp_jsonw_t *w);

void fp_jsonw_begin_object(fp_jsonw_t *w);
void fp_jsonw_end_object(fp_jsonw_t *w);
void fp_jsonw_begin_array(fp_jsonw_t *w);
void fp_jsonw_end_array(fp_jsonw_t *w);
/* Writes "KEY": and leaves the writer ready for its value. */
void fp_jsonw_key(fp_jsonw_t *w, const char *key);
void fp_jsonw_string(fp_jsonw_t *w, const char *s);
void fp_jsonw_string_n(fp_jsonw_t *w, const char *s, size_t n);
void fp_jsonw_int(fp_jsonw_t *w, int64_t v);
void fp_jsonw_uint(fp_jsonw_t *w, uint64_t v);
/* Non-finite numbers are written as 0: JSON has no NaN. */
void fp_jsonw_double(fp_jsonw_t *w, double v);
void fp_jsonw_bool(fp_jsonw_t *w, bool v);
void fp_jsonw_null(fp_jsonw_t *w);

#endif
