/* chartpage.h: the page of charts that `sweep` and `compare` write.
 *
 * One self-contained HTML file under the same rules as the report page
 * (html.h): the stylesheet, the script, the chart library (Chart.js,
 * installed from npm by tools/install-deps and embedded at build time)
 * and the data all inline, nothing loaded when it is opened (a
 * Content-Security-Policy says so). The data is the summary document
 * itself (sweep.json, or compare's), whose "format" tells the script what
 * to draw; program text in it is shown as text, never markup. */
#ifndef FP_CHARTPAGE_H
#define FP_CHARTPAGE_H

#include <jansson.h>

/* Writes the page of DATA (borrowed) titled TITLE to PATH, replacing it;
 * no partial file is left on failure. Returns 0, or -1 after printing
 * "footprint: cannot write 'PATH': REASON". */
int fp_chartpage_write(json_t *data, const char *title, const char *path);

#endif
