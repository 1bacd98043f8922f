/* leakfit.c: the verdict on a line's live memory (see leakfit.h, leaks.h). */
#include "leakfit.h"

#include <math.h>

enum {
    MIN_SAMPLES = 10,          /* fewer live samples than this: too little to tell */
    MIN_LEAK_BYTES = 1000000,  /* smaller growth is not reported */
};

#define MIN_LIVE_FRACTION 0.75 /* of what the line allocated, still live at the end */
#define MIN_SPAN 0.25          /* growth over at least this share of the run... */
#define MAX_IDLE 0.75          /* ...and still growing at the end: it stopped for at most this
                                  share of the time it grew (a cache that filled has stopped) */
#define MIN_STEADINESS 0.85    /* R^2 of live bytes against time */
#define MAX_BUSY 0.7           /* the line itself ran at most this share of its growth */

double fp_leakfit_fit(const fp_leak_sample_t *v, size_t n, double *slope)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, cum = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (double)(v[i].t_ns - v[0].t_ns) / 1e9;
        cum += (double)v[i].weight;
        sx += x, sy += cum, sxx += x * x, sxy += x * cum, syy += cum * cum;
    }
    double dn = (double)n, vx = sxx - sx * sx / dn, vy = syy - sy * sy / dn, cxy = sxy - sx * sy / dn;
    if (n == 0 || vx <= 0 || vy <= 0)
        return *slope = 0, 0;
    *slope = cxy / vx;
    return cxy * cxy / (vx * vy);
}

bool fp_leakfit_judge(const fp_leak_sample_t *v, size_t n, uint64_t made_bytes, uint64_t busy_ns,
                      uint64_t start_ns, uint64_t end_ns, fp_leak_verdict_t *out)
{
    if (n < MIN_SAMPLES || end_ns <= start_ns)
        return false;
    uint64_t live = 0;
    for (size_t i = 0; i < n; i++)
        live += v[i].weight;
    double run = (double)(end_ns - start_ns);
    double span = (double)(v[n - 1].t_ns - v[0].t_ns), idle = (double)(end_ns - v[n - 1].t_ns);
    double live_fraction = (double)live / (double)(made_bytes > live ? made_bytes : live);
    double busy = (double)busy_ns;
    double slope;
    double steadiness = fp_leakfit_fit(v, n, &slope);
    if (live < MIN_LEAK_BYTES || live_fraction < MIN_LIVE_FRACTION || span < MIN_SPAN * run ||
        idle > MAX_IDLE * span || steadiness < MIN_STEADINESS || busy > MAX_BUSY * span)
        return false;
    out->bytes = live;
    out->rate = slope;
    out->confidence = live_fraction * steadiness * (1 - exp(-(double)n / 20));
    return true;
}
