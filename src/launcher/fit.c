/* fit.c: power-law fits (see fit.h). */
#include "fit.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

double fp_fit_t95(int dof)
{
    static const double t[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074,  2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (dof < 1)
        return INFINITY;
    if (dof < (int)(sizeof t / sizeof t[0]))
        return t[dof];
    return dof < 60 ? 2.000 : dof < 120 ? 1.980 : 1.960;
}

/* Distinct sizes among the usable points of GROUP. */
static int distinct_sizes(const fp_fit_point_t *pts, size_t n, int group)
{
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (pts[i].group != group || pts[i].y <= 0 || pts[i].x <= 0)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = pts[j].group == group && pts[j].y > 0 && pts[j].x == pts[i].x;
        count += !seen;
    }
    return count;
}

static bool usable(const fp_fit_t *f, const fp_fit_point_t *p, const int *sizes)
{
    (void)f;
    return p->x > 0 && p->y > 0 && sizes[p->group] >= FP_FIT_MIN_SIZES;
}

/* Group means of log x and log y over the usable points. */
static void group_means(fp_fit_t *f, const fp_fit_point_t *pts, size_t n, const int *sizes)
{
    for (size_t i = 0; i < n; i++) {
        if (!usable(f, &pts[i], sizes))
            continue;
        int g = pts[i].group;
        f->mean_lx[g] += log(pts[i].x);
        f->mean_ly[g] += log(pts[i].y);
        f->count[g]++;
        f->n++;
    }
    for (int g = 0; g < f->ngroups; g++) {
        if (f->count[g] == 0)
            continue;
        f->mean_lx[g] /= f->count[g];
        f->mean_ly[g] /= f->count[g];
        f->groups++;
        if (sizes[g] > f->sizes)
            f->sizes = sizes[g];
    }
}

/* The slope, R^2 and residual error, the groups' means known. */
static void slope(fp_fit_t *f, const fp_fit_point_t *pts, size_t n, const int *sizes)
{
    double sxy = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(f, &pts[i], sizes))
            continue;
        double dx = log(pts[i].x) - f->mean_lx[pts[i].group], dy = log(pts[i].y) - f->mean_ly[pts[i].group];
        f->sxx += dx * dx, sxy += dx * dy, syy += dy * dy;
    }
    f->k = sxy / f->sxx;
    double ss_res = syy - f->k * sxy;
    if (ss_res < 0)
        ss_res = 0;
    f->r2 = syy > 0 ? 1 - ss_res / syy : 1;
    f->dof = f->n - f->groups - 1;
    f->s = f->dof > 0 ? sqrt(ss_res / f->dof) : 0;
}

int fp_fit_power(fp_fit_t *fit, const fp_fit_point_t *pts, size_t n, int ngroups)
{
    *fit = (fp_fit_t){.ngroups = ngroups};
    int *sizes = fp_xcalloc((size_t)ngroups + 1, sizeof *sizes);
    bool any = false;
    for (int g = 0; g < ngroups; g++) {
        sizes[g] = distinct_sizes(pts, n, g);
        any |= sizes[g] >= FP_FIT_MIN_SIZES;
    }
    if (!any) {
        free(sizes);
        return -1;
    }
    fit->mean_lx = fp_xcalloc((size_t)ngroups, sizeof *fit->mean_lx);
    fit->mean_ly = fp_xcalloc((size_t)ngroups, sizeof *fit->mean_ly);
    fit->count = fp_xcalloc((size_t)ngroups, sizeof *fit->count);
    group_means(fit, pts, n, sizes);
    slope(fit, pts, n, sizes);
    free(sizes);
    return 0;
}

void fp_fit_free(fp_fit_t *fit)
{
    free(fit->mean_lx);
    free(fit->mean_ly);
    free(fit->count);
    *fit = (fp_fit_t){0};
}

int fp_fit_predict(const fp_fit_t *fit, int group, double x, double *y, double *lo, double *hi)
{
    if (group < 0 || group >= fit->ngroups || fit->count[group] == 0 || fit->dof < 1 || x <= 0)
        return -1;
    double dx = log(x) - fit->mean_lx[group];
    double ly = fit->mean_ly[group] + fit->k * dx;
    /* the standard error of one new observation at x: the scatter, the
     * group's mean and the slope's own uncertainty */
    double se = fit->s * sqrt(1 + 1.0 / fit->count[group] + dx * dx / fit->sxx);
    double half = fp_fit_t95(fit->dof) * se;
    *y = exp(ly);
    *lo = exp(ly - half);
    *hi = exp(ly + half);
    return 0;
}

bool fp_fit_superlinear(const fp_fit_t *fit) { return fit->k > 1.1; }
