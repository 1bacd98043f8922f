/* textfmt.c: terminal formatting (see textfmt.h). */
#include "textfmt.h"

#include <stdbool.h>
#include <string.h>

void fp_fmt_time(char *buf, size_t n, double s)
{
    if (s < 0.0005)
        snprintf(buf, n, ".");
    else if (s < 0.995)
        snprintf(buf, n, "%.0fms", s * 1000);
    else if (s < 99.5)
        snprintf(buf, n, "%.2fs", s);
    else
        snprintf(buf, n, "%.0fs", s);
}

void fp_fmt_bytes(char *buf, size_t n, double b)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    if (b < 0.5) {
        snprintf(buf, n, ".");
        return;
    }
    int u = 0;
    while (b >= 999.5 && u < 4) {
        b /= 1000;
        u++;
    }
    snprintf(buf, n, u > 0 && b < 9.95 ? "%.1f%s" : "%.0f%s", b, units[u]);
}

void fp_fmt_pct(char *buf, size_t n, double part, double whole)
{
    double p = whole > 0 ? part / whole * 100 : 0;
    if (p < 0.05)
        snprintf(buf, n, ".");
    else
        snprintf(buf, n, "%.1f%%", p);
}

static size_t seq_len(unsigned char c)
{
    return (c & 0x80) == 0 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
}

int fp_text_width(const char *text)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        w += (*p & 0xC0) != 0x80;
    return w;
}

void fp_put_clipped(FILE *out, const char *text, int cols)
{
    int used = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && used < cols;) {
        size_t k = seq_len(*p);
        if (used == cols - 1 && p[k] != '\0' && strnlen((const char *)p, k) == k) {
            fputs("\xE2\x80\xA6", out);
            return;
        }
        if (*p < 0x20 || *p == 0x7f)
            fputc(' ', out);
        else
            fwrite(p, 1, strnlen((const char *)p, k), out);
        used++;
        for (size_t i = 0; i < k && *p; i++)
            p++;
    }
}

void fp_put_clipped_left(FILE *out, const char *text, int cols)
{
    int total = fp_text_width(text);
    if (total <= cols) {
        fp_put_clipped(out, text, cols);
        return;
    }
    const unsigned char *p = (const unsigned char *)text;
    for (int skip = total - (cols - 1); skip > 0 && *p; p++)
        if ((p[1] & 0xC0) != 0x80)
            skip--;
    fputs("\xE2\x80\xA6", out);
    fp_put_clipped(out, (const char *)p, cols - 1);
}

void fp_put_padded(FILE *out, const char *text, int cols)
{
    fp_put_clipped(out, text, cols);
    for (int used = fp_text_width(text); used < cols; used++)
        fputc(' ', out);
}

void fp_put_sparkline(FILE *out, const double *values, size_t n, double max, int cols)
{
    static const char *const blocks[] = {" ", "\xE2\x96\x81", "\xE2\x96\x82", "\xE2\x96\x83", "\xE2\x96\x84",
                                         "\xE2\x96\x85", "\xE2\x96\x86", "\xE2\x96\x87", "\xE2\x96\x88"};
    for (int col = 0; col < cols; col++) {
        size_t lo = n * (size_t)col / (size_t)cols, hi = n * (size_t)(col + 1) / (size_t)cols;
        if (hi <= lo)
            hi = lo + 1;
        double v = 0;
        bool any = false;
        for (size_t i = lo; i < hi && i < n; i++) {
            if (values[i] > v)
                v = values[i];
            any = true;
        }
        int level = !any || max <= 0 ? 0 : (int)(v / max * 8 + 0.5);
        if (any && v > 0 && level == 0)
            level = 1;
        fputs(blocks[level > 8 ? 8 : level], out);
    }
}
