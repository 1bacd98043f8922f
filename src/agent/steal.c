/* steal.c: CPU time a virtual machine's host took from it (see steal.h). */
#include "steal.h"

enum { MAX_RATIO_Q16 = 4 << 16 }; /* at most 80% of the time stolen: beyond, a reading is suspect */

bool fp_steal_parse(const char *buf, size_t n, uint64_t *total, uint64_t *steal)
{
    if (n < 4 || buf[0] != 'c' || buf[1] != 'p' || buf[2] != 'u' || buf[3] != ' ')
        return false;
    uint64_t v[8] = {0};
    int k = -1; /* the field being read */
    bool in_number = false;
    for (size_t i = 4; i < n && buf[i] != '\n'; i++) {
        bool digit = buf[i] >= '0' && buf[i] <= '9';
        if (digit && !in_number && ++k == 8)
            break;
        if (digit)
            v[k] = v[k] * 10 + (uint64_t)(buf[i] - '0');
        in_number = digit;
    }
    if (k < 7)
        return false; /* a kernel without the steal field, or a short read */
    *total = 0;
    for (int i = 0; i < 8; i++)
        *total += v[i];
    *steal = v[7];
    return true;
}

bool fp_steal_due(const fp_steal_t *s, uint64_t now_ns)
{
    return !s->started || now_ns - s->at_ns >= FP_STEAL_WINDOW_NS;
}

bool fp_steal_update(fp_steal_t *s, uint64_t total, uint64_t steal, uint64_t now_ns)
{
    if (!fp_steal_due(s, now_ns))
        return false;
    if (s->started && total >= s->total && steal >= s->steal && total - s->total >= steal - s->steal) {
        uint64_t stolen = steal - s->steal, kept = (total - s->total) - stolen;
        uint64_t r = kept ? (stolen << 16) / kept : (stolen ? MAX_RATIO_Q16 : 0);
        s->ratio_q16 = (uint32_t)(r > MAX_RATIO_Q16 ? MAX_RATIO_Q16 : r);
    }
    s->started = true;
    s->total = total;
    s->steal = steal;
    s->at_ns = now_ns;
    return true;
}

uint64_t fp_steal_share(const fp_steal_t *s, uint64_t run_ns)
{
    /* below 2^44 ns (4.9 hours) the product fits in 64 bits; a tick is far shorter */
    if (run_ns >= (uint64_t)1 << 44)
        return 0;
    return (run_ns * s->ratio_q16) >> 16;
}

uint64_t fp_steal_split(const fp_steal_t *s, fp_gap_t *g, int64_t gap, uint64_t ran, bool stayed)
{
    uint64_t stolen = 0;
    if (stayed) {
        if (g->undecided_ns > 0) { /* it was still on its CPU when the last tick ended */
            stolen = (uint64_t)g->undecided_ns;
            g->undecided_ns = 0;
        }
        g->undecided_ns += gap;
        return stolen;
    }
    g->pending_off_ns += g->undecided_ns + gap;
    g->undecided_ns = 0;
    if (g->pending_off_ns > 0 && ran > 0) {
        stolen = fp_steal_share(s, ran);
        if (stolen > (uint64_t)g->pending_off_ns)
            stolen = (uint64_t)g->pending_off_ns;
        g->pending_off_ns -= (int64_t)stolen;
    }
    return stolen;
}
