/* chartpage.c: the page of charts (see chartpage.h).
 *
 * The template, src/launcher/html/charts.html, has markers for the title,
 * the stylesheet, the chart library, the script and the data; the build
 * embeds the files as byte arrays (chart_assets.c, made by the Makefile
 * with xxd, the library from web/node_modules). */
#include "chartpage.h"
#include "html.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

extern const unsigned char fp_chart_charts_html[], fp_chart_charts_css[], fp_chart_charts_js[], fp_chart_chart_js[];
extern const unsigned int fp_chart_charts_html_len, fp_chart_charts_css_len, fp_chart_charts_js_len,
    fp_chart_chart_js_len;

static bool is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(name, want, len) == 0;
}

static void put_marker(FILE *out, const char *name, size_t len, const char *title, const char *data)
{
    if (is(name, len, "CSS"))
        fwrite(fp_chart_charts_css, 1, fp_chart_charts_css_len, out);
    else if (is(name, len, "CHARTJS"))
        fwrite(fp_chart_chart_js, 1, fp_chart_chart_js_len, out);
    else if (is(name, len, "JS"))
        fwrite(fp_chart_charts_js, 1, fp_chart_charts_js_len, out);
    else if (is(name, len, "TITLE"))
        fp_html_put_text(out, title);
    else if (is(name, len, "DATA"))
        fp_html_put_json_for_script(out, data);
    else
        fprintf(out, "@@%.*s@@", (int)len, name);
}

static void put_page(FILE *out, const char *title, const char *data)
{
    const char *t = (const char *)fp_chart_charts_html, *end = t + fp_chart_charts_html_len;
    while (t < end) {
        const char *m = memmem(t, (size_t)(end - t), "@@", 2);
        const char *close = m ? memmem(m + 2, (size_t)(end - m - 2), "@@", 2) : NULL;
        if (!close) {
            fwrite(t, 1, (size_t)(end - t), out);
            return;
        }
        fwrite(t, 1, (size_t)(m - t), out);
        put_marker(out, m + 2, (size_t)(close - m - 2), title, data);
        t = close + 2;
    }
}

int fp_chartpage_write(json_t *data, const char *title, const char *path)
{
    char *text = json_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(10)), *page = NULL;
    size_t len = 0;
    FILE *mem = text ? open_memstream(&page, &len) : NULL;
    if (mem) {
        put_page(mem, title, text);
        fclose(mem);
    }
    free(text);
    char *tmp = fp_xasprintf("%s.tmp%ld", path, (long)getpid());
    FILE *f = page ? fopen(tmp, "w") : NULL;
    int rc = f && fwrite(page, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fp_error("cannot write '%s': %s", path, page ? strerror(errno) : "out of memory");
        unlink(tmp);
    }
    free(tmp);
    free(page);
    return rc;
}
