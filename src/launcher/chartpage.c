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

static void put_page(FILE *out, const char *title, const char *data)
{
    const fp_html_marker_t markers[] = {
        {.name = "CSS", .raw = fp_chart_charts_css, .raw_len = fp_chart_charts_css_len},
        {.name = "CHARTJS", .raw = fp_chart_chart_js, .raw_len = fp_chart_chart_js_len},
        {.name = "JS", .raw = fp_chart_charts_js, .raw_len = fp_chart_charts_js_len},
        {.name = "TITLE", .text = title},
        {.name = "DATA", .json = data},
    };
    fp_html_fill(out, fp_chart_charts_html, fp_chart_charts_html_len, markers, sizeof markers / sizeof *markers);
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
