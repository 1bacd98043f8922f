/* guard.c: the agent's view of the interposer's reentrancy guard. */
#include "guard.h"
#include "interposer.h"

#include <dlfcn.h>
#include <stddef.h>

void fp_guard_init(fp_guard_t *g, const fp_interposer_t *ip)
{
    g->enter = (fp_alloc_guard_fn)fp_interposer_sym(ip, FP_ALLOC_GUARD_ENTER);
    g->leave = (fp_alloc_guard_fn)fp_interposer_sym(ip, FP_ALLOC_GUARD_LEAVE);
    if (!g->enter || !g->leave)
        g->enter = g->leave = NULL;
}

void fp_guard_enter(const fp_guard_t *g)
{
    if (g->enter)
        g->enter();
}

void fp_guard_leave(const fp_guard_t *g)
{
    if (g->leave)
        g->leave();
}
