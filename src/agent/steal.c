/* steal.c: CPU time a virtual machine's host took from it (see steal.h). */
#include "steal.h"

enum {
    MAX_RATIO_Q16 = 4 << 16,       /* at most 80% of the time stolen: beyond, a reading is suspect */
    WORTH_A_READING_NS = 1000000,  /* a smaller gap is read skew as often as not */
};

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

bool fp_steal_wants_voluntary(const fp_gap_t *g, const fp_tick_t *t)
{
    return t->ran > 0 && !t->stayed && g->undecided_ns + t->gap > WORTH_A_READING_NS;
}

uint64_t fp_steal_split(const fp_steal_t *s, fp_gap_t *g, const fp_tick_t *t)
{
    if (t->stayed) {
        uint64_t stolen = 0;
        if (g->undecided_ns > 0) { /* it was still on its CPU when the last tick ended */
            stolen = (uint64_t)g->undecided_ns;
            g->undecided_ns = 0;
        }
        g->undecided_ns += t->gap;
        return stolen;
    }
    int64_t gap = g->undecided_ns + t->gap;
    g->undecided_ns = 0;
    if (t->has_voluntary) {
        /* reading VOLUNTARY means it ran this tick: unless it blocked since, it is runnable now */
        bool calm = g->voluntary_known && t->voluntary == g->voluntary;
        bool was_runnable = g->runnable;
        g->voluntary = t->voluntary;
        g->voluntary_known = true;
        g->runnable = calm;
        if (calm && was_runnable) {
            /* a deficit carried from read skew is made up first */
            g->pending_off_ns += gap;
            if (gap <= 0 || g->pending_off_ns <= 0)
                return 0;
            uint64_t stolen = (uint64_t)(gap < g->pending_off_ns ? gap : g->pending_off_ns);
            g->pending_off_ns -= (int64_t)stolen;
            return stolen;
        }
    }
    g->pending_off_ns += gap;
    uint64_t stolen = 0;
    if (g->pending_off_ns > 0 && t->ran > 0) {
        stolen = fp_steal_share(s, t->ran);
        if (stolen > (uint64_t)g->pending_off_ns)
            stolen = (uint64_t)g->pending_off_ns;
        g->pending_off_ns -= (int64_t)stolen;
    }
    return stolen;
}
