/* pyhooks.h: the pyhooks part of the interposer's state (state.h).
 *
 * Python's own allocators, as the agent found them when it installed our
 * wrappers (pyhooks.c): each wrapper passes on to these. Written by
 * fp_alloc_wrap_python and fp_alloc_wrap_arenas, with the GIL, before the
 * wrappers are installed: once per process (the agent wraps Python's
 * allocators at its first start and keeps them wrapped; wrapped again
 * they would count twice). Read by every wrapper call after, through
 * the wrapper's ctx. */
#ifndef FP_PYHOOKS_H
#define FP_PYHOOKS_H

#include "../common/alloc_api.h"

typedef struct fp_pyhooks {
    fp_pymem_allocator_t orig[FP_PYMEM_DOMAINS]; /* RAW, MEM, OBJ */
    fp_pyarena_allocator_t arenas;               /* pymalloc's arena allocator */
} fp_pyhooks_t;

#endif
