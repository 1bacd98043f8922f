/* textfmt.h: formatting figures and text for an 80-column terminal.
 *
 * Shared by the report's modules. Widths count UTF-8 code points. */
#ifndef FP_TEXTFMT_H
#define FP_TEXTFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* "." for nothing, then "12ms", "1.25s", "130s". */
void fp_fmt_time(char *buf, size_t n, double seconds);
/* "." for nothing, then "512B", "12kB", "1.5MB", "312MB", "2.1GB" (powers of 1000). */
void fp_fmt_bytes(char *buf, size_t n, double bytes);
/* "." below 0.05%, else "12.3%". */
void fp_fmt_pct(char *buf, size_t n, double part, double whole);

/* Columns TEXT takes. */
int fp_text_width(const char *text);
/* At most COLS columns of TEXT, an ellipsis where it was cut; control
 * characters and tabs print as spaces. */
void fp_put_clipped(FILE *out, const char *text, int cols);
/* Like fp_put_clipped, but cuts the start (a path's file name matters most). */
void fp_put_clipped_left(FILE *out, const char *text, int cols);
/* Exactly COLS columns: clipped, or padded with spaces. */
void fp_put_padded(FILE *out, const char *text, int cols);

/* Draws VALUES (N of them, >= 0) as COLS block characters scaled to MAX,
 * each column the largest value of the values it covers. */
void fp_put_sparkline(FILE *out, const double *values, size_t n, double max, int cols);

#endif
