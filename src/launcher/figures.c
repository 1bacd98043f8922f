/* figures.c: the figure table (see figures.h). */
#include "figures.h"

#include <math.h>

const char *const fp_fig_names[FP_FIG_COUNT] = {
    "cpu_python_s", "cpu_native_s", "system_s", "gpu_s", "alloc_bytes",
    "alloc_python_bytes", "free_bytes", "peak_bytes", "copy_bytes", "gpu_alloc_bytes", "gpu_peak_bytes",
};

const bool fp_fig_is_bytes[FP_FIG_COUNT] = {false, false, false, false, true, true, true, true, true, true, true};

const fp_fig_t fp_fig_fragment_order[FP_FIG_FRAGMENT_COUNT] = {
    [FP_FRAG_CPU_PYTHON] = FP_FIG_CPU_PYTHON, [FP_FRAG_CPU_NATIVE] = FP_FIG_CPU_NATIVE,
    [FP_FRAG_OFFCPU] = FP_FIG_SYSTEM,         [FP_FRAG_ALLOC] = FP_FIG_ALLOC,
    [FP_FRAG_ALLOC_PYTHON] = FP_FIG_ALLOC_PYTHON, [FP_FRAG_FREE] = FP_FIG_FREE,
    [FP_FRAG_PEAK] = FP_FIG_PEAK,             [FP_FRAG_COPY] = FP_FIG_COPY,
};

void fp_fig_to_json(json_t *o, const double f[FP_FIG_COUNT])
{
    for (int k = 0; k < FP_FIG_COUNT; k++) {
        double v = f[k] > 0 ? f[k] : 0;
        json_object_set_new(o, fp_fig_names[k],
                            fp_fig_is_bytes[k] ? json_integer((json_int_t)llround(v)) : json_real(v));
    }
}

void fp_fig_from_json(json_t *o, double f[FP_FIG_COUNT])
{
    for (int k = 0; k < FP_FIG_COUNT; k++)
        f[k] = json_number_value(json_object_get(o, fp_fig_names[k]));
}
