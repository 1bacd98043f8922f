/* fit.h: power laws fitted to a sweep's figures.
 *
 * A figure y that grows as a power of a size x, y = c * x^k, is a line in
 * log-log space. Configurations that share the values of every other
 * parameter form a group with its own constant c; the exponent k is
 * common to all groups (least squares on log y against log x, each group
 * centred on its own means). The fit quality is R^2 of that regression
 * within the groups. A prediction at a new size comes with a 95%
 * interval (Student's t on the residuals, in log space, so it is a
 * factor). Pure arithmetic, no I/O. */
#ifndef FP_FIT_H
#define FP_FIT_H

#include <stdbool.h>
#include <stddef.h>

/* Fewer distinct sizes than this and nothing is fitted. */
enum { FP_FIT_MIN_SIZES = 3 };

typedef struct fp_fit_point {
    double x;  /* the size, > 0 */
    double y;  /* the figure, > 0 (points with y <= 0 are left out) */
    int group; /* 0 .. ngroups-1 */
} fp_fit_point_t;

typedef struct fp_fit {
    double k;        /* the exponent */
    double r2;       /* within-group R^2, 1 when the points lie on the line */
    double s;        /* residual standard error of log y */
    int n;           /* points used */
    int groups;      /* groups with points */
    int sizes;       /* most distinct sizes in one group */
    int dof;         /* degrees of freedom of the residuals */
    /* per group, for predictions: mean log x, mean log y, count */
    double *mean_lx, *mean_ly;
    int *count;
    int ngroups;
    double sxx;      /* sum of squared centred log x */
} fp_fit_t;

/* Fits the N points (NGROUPS groups). Returns 0 and fills FIT (free it
 * with fp_fit_free), or -1 when no group has FP_FIT_MIN_SIZES distinct
 * sizes with positive figures (FIT is then empty and needs no free). */
int fp_fit_power(fp_fit_t *fit, const fp_fit_point_t *pts, size_t n, int ngroups);

void fp_fit_free(fp_fit_t *fit);

/* The figure at size X for GROUP: *Y, and the 95% interval [*LO, *HI].
 * Returns -1 when GROUP has no points or the fit has no residual degree
 * of freedom left (then nothing is set). */
int fp_fit_predict(const fp_fit_t *fit, int group, double x, double *y, double *lo, double *hi);

/* Whether the exponent says the figure grows faster than the size: k
 * above 1.1 (10% over linear, well above the noise of a good fit). */
bool fp_fit_superlinear(const fp_fit_t *fit);

/* The two-sided 95% quantile of Student's t with DOF degrees of freedom. */
double fp_fit_t95(int dof);

#endif
