/* codeq->c: the set of code objects waiting to be classified (see codeq->h). */
#include "codeq.h"


enum { PROBES = 8 };

static uint32_t home(uintptr_t code)
{
    uint64_t x = (uint64_t)code;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (uint32_t)(x & (FP_CODEQ_SLOTS - 1));
}

void fp_codeq_push(fp_codeq_t *q, uintptr_t code, uintptr_t filename)
{
    if (!code || !filename)
        return;
    uint32_t i = home(code);
    for (int probe = 0; probe < PROBES; probe++, i = (i + 1) & (FP_CODEQ_SLOTS - 1)) {
        uintptr_t expected = 0;
        if (atomic_compare_exchange_strong(&q->slots[i].code, &expected, code)) {
            atomic_store_explicit(&q->slots[i].filename, filename, memory_order_release);
            atomic_fetch_add_explicit(&q->waiting, 1, memory_order_relaxed);
            return;
        }
        if (expected == code)
            return; /* already waiting */
    }
    atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
}

bool fp_codeq_any(const fp_codeq_t *q) { return atomic_load_explicit(&q->waiting, memory_order_relaxed) != 0; }

void fp_codeq_drain(fp_codeq_t *q, void (*fn)(void *ctx, uintptr_t code, uintptr_t filename), void *ctx)
{
    for (uint32_t i = 0; i < FP_CODEQ_SLOTS && fp_codeq_any(q); i++) {
        fp_codeq_slot_t *s = &q->slots[i];
        uintptr_t code = atomic_load_explicit(&s->code, memory_order_relaxed);
        uintptr_t filename = atomic_load_explicit(&s->filename, memory_order_acquire);
        if (!code || !filename)
            continue; /* free, or a pusher is half-way: next tick */
        fn(ctx, code, filename);
        atomic_store_explicit(&s->filename, 0, memory_order_relaxed);
        atomic_store_explicit(&s->code, 0, memory_order_release);
        atomic_fetch_sub_explicit(&q->waiting, 1, memory_order_relaxed);
    }
}

uint64_t fp_codeq_dropped(const fp_codeq_t *q) { return atomic_load(&q->dropped); }
