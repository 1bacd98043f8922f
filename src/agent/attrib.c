/* attrib.c: the attribution rules (see attrib.h). */
#include "attrib.h"

#include <string.h>

void fp_attrib_saw_native(fp_attrib_caller_t *c, fp_line_t *line, uint64_t now_ns)
{
    atomic_store_explicit(&c->line, line, memory_order_relaxed);
    atomic_store_explicit(&c->at_ns, now_ns, memory_order_relaxed);
}

fp_line_t *fp_attrib_caller_of_worker(fp_attrib_caller_t *c, uint64_t now_ns)
{
    uint64_t at = atomic_load_explicit(&c->at_ns, memory_order_relaxed);
    if ((int64_t)(now_ns - at) > FP_ATTRIB_CALLER_FRESH_NS)
        return NULL;
    return atomic_load_explicit(&c->line, memory_order_relaxed);
}

void fp_attrib_forget_caller(fp_attrib_caller_t *c)
{
    atomic_store(&c->line, NULL);
    atomic_store(&c->at_ns, 0);
}

bool fp_attrib_hold(fp_attrib_held_t *h, bool caller_known, int kind, uint64_t used)
{
    uint64_t held = h->ns[0] + h->ns[1] + h->ns[2];
    if (caller_known || held + used > FP_ATTRIB_MAX_HELD_NS)
        return true;
    h->ns[kind] += used;
    return false;
}

void fp_attrib_release(fp_attrib_held_t *h, uint64_t out[FP_ATTRIB_KINDS])
{
    memcpy(out, h->ns, sizeof h->ns);
    memset(h->ns, 0, sizeof h->ns);
}

bool fp_attrib_new_thread_counts(uint64_t cpu_ns) { return cpu_ns < FP_ATTRIB_NEW_THREAD_MAX_CPU_NS; }

bool fp_attrib_unsampled_suspect(uint64_t run_ns, uint64_t sampled_ns, double interval_s)
{
    uint64_t late = (uint64_t)(FP_ATTRIB_UNSAMPLED_AFTER_INTERVALS * interval_s * 1e9);
    return run_ns > sampled_ns + late;
}

bool fp_attrib_unsampled_due(uint64_t run_ns, uint64_t sampled_ns)
{
    return run_ns > sampled_ns + FP_ATTRIB_MIN_UNSAMPLED_NS;
}
