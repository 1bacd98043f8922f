/* report.h: the terminal report.
 *
 * Rendered from a profile (the JSON document, never the agent), so that
 * `footprint view` prints exactly what the run printed. Fits 80 columns;
 * colour only when asked for. */
#ifndef FP_REPORT_H
#define FP_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct fp_report_opts {
    bool color;
    bool reduced;   /* only lines over FP_REPORT_REDUCED_SHARE of a total */
    int width;      /* columns, at least 80 */
} fp_report_opts_t;

#define FP_REPORT_SHARE 0.005        /* lines shown: at least 0.5% of a total */
#define FP_REPORT_REDUCED_SHARE 0.05 /* with --reduced: at least 5% */

/* Writes the report of PROFILE to OUT. */
void fp_report_print(FILE *out, json_t *profile, const fp_report_opts_t *opts);

/* Whether to colour a report going to FD: a terminal, NO_COLOR unset, and
 * not turned off by the user. */
bool fp_report_want_color(int fd, bool no_color_flag);

#endif
