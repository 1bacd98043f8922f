/* html.h: the HTML report.
 *
 * One self-contained page: the stylesheet, the script and the profile's
 * figures all inline, nothing loaded from anywhere when it is opened
 * (a Content-Security-Policy says so), so it works from file:// and can
 * be mailed around. The page is drawn by its script from a compact copy
 * of the profile; program text (paths, source lines, names) is data,
 * never markup. */
#ifndef FP_HTML_H
#define FP_HTML_H

#include <jansson.h>
#include <stdio.h>

/* Writes the report of PROFILE (a profile that fp_profile_check accepts;
 * borrowed, not changed) to PATH, replacing it. Returns 0, or -1 after
 * printing "footprint: cannot write --html 'PATH': REASON"; on failure
 * no partial file is left at PATH. Not for signal handlers. */
int fp_html_write(json_t *profile, const char *path);

/* Writes S as HTML text (quotes escaped too, so it also fits an attribute). */
void fp_html_put_text(FILE *out, const char *s);
/* Writes the JSON text S so that it is safe inside a <script> element. */
void fp_html_put_json_for_script(FILE *out, const char *s);

/* What a page template's marker @@NAME@@ becomes: RAW (RAW_LEN bytes, an
 * embedded asset, as it is), else TEXT escaped as HTML text, else JSON
 * escaped for a <script> element. */
typedef struct {
    const char *name;
    const unsigned char *raw;
    size_t raw_len;
    const char *text;
    const char *json;
} fp_html_marker_t;

/* Writes the template TMPL (LEN bytes) to OUT with its markers replaced
 * by MARKERS[0..N); text between @@s that names no marker stays. */
void fp_html_fill(FILE *out, const unsigned char *tmpl, size_t len, const fp_html_marker_t *markers, size_t n);

#endif
