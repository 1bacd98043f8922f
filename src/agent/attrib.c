/* attrib.c: the attribution rules (see attrib.h). */
#include "attrib.h"

#include <string.h>

void fp_attrib_saw_native(fp_attrib_caller_t *c, fp_line_t *line, uint64_t now_ns)
{
    atomic_store_explicit(&c->line, line, memory_order_relaxed);
    atomic_store_explicit(&c->at_ns, now_ns, memory_order_relaxed);
}

void fp_attrib_saw_native_pending(fp_attrib_caller_t *c, uint64_t now_ns)
{
    atomic_store_explicit(&c->pending_ns, now_ns, memory_order_relaxed);
}

static bool fresh(uint64_t at_ns, uint64_t now_ns) { return (int64_t)(now_ns - at_ns) <= FP_ATTRIB_CALLER_FRESH_NS; }

bool fp_attrib_caller_pending(fp_attrib_caller_t *c, uint64_t now_ns)
{
    uint64_t pending = atomic_load_explicit(&c->pending_ns, memory_order_relaxed);
    return pending && fresh(pending, now_ns) &&
           (int64_t)(pending - atomic_load_explicit(&c->at_ns, memory_order_relaxed)) > 0;
}

fp_line_t *fp_attrib_caller_of_worker(fp_attrib_caller_t *c, uint64_t now_ns)
{
    if (!fresh(atomic_load_explicit(&c->at_ns, memory_order_relaxed), now_ns) || fp_attrib_caller_pending(c, now_ns))
        return NULL;
    return atomic_load_explicit(&c->line, memory_order_relaxed);
}

void fp_attrib_forget_caller(fp_attrib_caller_t *c)
{
    atomic_store(&c->line, NULL);
    atomic_store(&c->at_ns, 0);
    atomic_store(&c->pending_ns, 0);
}

bool fp_attrib_hold(fp_attrib_held_t *h, bool caller_known, int kind, uint64_t used)
{
    uint64_t held = h->ns[0] + h->ns[1] + h->ns[2];
    if (caller_known || held + used > FP_ATTRIB_MAX_HELD_NS)
        return true;
    h->ns[kind] += used;
    return false;
}

bool fp_attrib_hold_missed(fp_attrib_held_t *h, int kind, uint64_t used)
{
    if (h->missed >= FP_ATTRIB_MAX_MISSED_SAMPLES)
        return true;
    h->missed++;
    h->ns[kind] += used;
    return false;
}

void fp_attrib_release(fp_attrib_held_t *h, uint64_t out[FP_ATTRIB_KINDS])
{
    memcpy(out, h->ns, sizeof h->ns);
    memset(h, 0, sizeof *h);
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
