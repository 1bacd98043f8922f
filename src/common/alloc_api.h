/* alloc_api.h: the contract between the allocation interposer
 * (libfootprint_alloc.so, preloaded) and the agent (_footprint).
 *
 * The interposer counts every allocation, free and copy of the process,
 * and samples them with a Poisson process on bytes. It knows nothing of
 * Python: for each sample it asks the agent where the thread is (an
 * opaque site, the agent's stack or line record) and reports the sample. The agent
 * finds these functions with dlsym at start; when they are missing (the
 * interposer is not loaded) memory is not profiled.
 *
 * Hooks run inside malloc, free and memcpy of any thread: they must not
 * allocate, lock or call back into Python. */
#ifndef FP_ALLOC_API_H
#define FP_ALLOC_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the agent provides. Every hook is optional but `site`. */
typedef struct fp_alloc_hooks {
    /* The calling thread's current line, or NULL. */
    void *(*site)(void);
    /* A sampled allocation: WEIGHT estimated bytes at SITE. */
    void (*on_alloc)(void *site, uint64_t weight, bool python);
    /* A sampled block was freed. ALLOC_SITE allocated it at ALLOC_NS
     * (CLOCK_MONOTONIC), FREE_SITE (may be NULL) freed it. NETTED: the line
     * freed its own short-lived memory, which then counts as neither
     * allocated nor freed. */
    void (*on_free)(void *alloc_site, uint64_t alloc_ns, void *free_site, uint64_t weight, bool python,
                    bool netted);
    /* A sampled copy: WEIGHT estimated bytes copied at SITE. */
    void (*on_copy)(void *site, uint64_t weight);
    /* The estimate of live bytes passed its highest value by a margin:
     * what lines hold now is what held memory at the peak. */
    void (*on_peak)(int64_t live_bytes);
    /* The site of a sampled allocation (PYTHON: one of Python's allocator
     * domains), which may say more than `site` (native frames); optional,
     * `site` stands in. */
    void *(*sample_site)(bool python);
    /* What `site` would have said where SITE (from sample_site) was taken:
     * frees compare it to net scratch memory out. Optional: SITE itself. */
    void *(*base_site)(void *site);
} fp_alloc_hooks_t;

typedef struct fp_alloc_config {
    uint64_t mean_bytes;      /* mean bytes between allocation samples */
    uint64_t copy_mean_bytes; /* mean bytes between copy samples */
    uint64_t net_window_ns;   /* a line's own frees within this time net out */
} fp_alloc_config_t;

/* Exact totals since the interposer was attached. */
typedef struct fp_alloc_stats {
    uint64_t alloc_bytes;      /* every allocation, requested sizes */
    uint64_t alloc_python_bytes;
    uint64_t copy_bytes;
    uint64_t samples;
    uint64_t dropped;          /* samples not recorded: tables full */
    int64_t live_estimate;     /* sampled estimate of bytes live now */
    int64_t peak_estimate;
    uint64_t own_bytes;        /* the interposer's own tables, resident */
} fp_alloc_stats_t;

/* The shape of CPython's PyMemAllocatorEx (stable from 3.5 to 3.13). */
typedef struct fp_pymem_allocator {
    void *ctx;
    void *(*malloc)(void *ctx, size_t size);
    void *(*calloc)(void *ctx, size_t nelem, size_t elsize);
    void *(*realloc)(void *ctx, void *ptr, size_t new_size);
    void (*free)(void *ctx, void *ptr);
} fp_pymem_allocator_t;

/* The shape of CPython's PyObjectArenaAllocator. */
typedef struct fp_pyarena_allocator {
    void *ctx;
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
} fp_pyarena_allocator_t;

enum { FP_PYMEM_DOMAINS = 3 }; /* RAW, MEM, OBJ */

/* Requests above this size leave pymalloc for the RAW domain (3.8+). */
enum { FP_PYMALLOC_THRESHOLD = 512 };

/* Functions the interposer exports, by name, for dlsym. */
typedef int (*fp_alloc_attach_fn)(const fp_alloc_hooks_t *hooks, const fp_alloc_config_t *config);
typedef void (*fp_alloc_detach_fn)(void);
typedef void (*fp_alloc_stats_fn)(fp_alloc_stats_t *out);
/* Wraps Python's allocator of DOMAIN (ORIG) so that Python allocations
 * are counted at their requested size; returns the wrapper to install.
 * PYMALLOC says whether MEM and OBJ are pymalloc (not PYTHONMALLOC=malloc). */
typedef void (*fp_alloc_wrap_python_fn)(int domain, const fp_pymem_allocator_t *orig, bool pymalloc,
                                         fp_pymem_allocator_t *wrapper);
/* Wraps pymalloc's arena allocator so its arenas are not counted again. */
typedef void (*fp_alloc_wrap_arenas_fn)(const fp_pyarena_allocator_t *orig, fp_pyarena_allocator_t *wrapper);
typedef void (*fp_alloc_guard_fn)(void);
/* Calls FN for every sampled block still allocated: its site, the bytes
 * it stands for and when it was allocated (CLOCK_MONOTONIC ns). */
typedef void (*fp_alloc_live_fn)(void *site, uint64_t weight, uint64_t t_ns, void *ctx);
typedef void (*fp_alloc_visit_live_fn)(fp_alloc_live_fn fn, void *ctx);

#define FP_ALLOC_ATTACH "fp_alloc_attach"
#define FP_ALLOC_DETACH "fp_alloc_detach"
#define FP_ALLOC_STATS "fp_alloc_stats"
#define FP_ALLOC_WRAP_PYTHON "fp_alloc_wrap_python"
#define FP_ALLOC_WRAP_ARENAS "fp_alloc_wrap_arenas"
#define FP_ALLOC_VISIT_LIVE "fp_alloc_visit_live"
#define FP_ALLOC_GUARD_ENTER "fp_alloc_guard_enter"
#define FP_ALLOC_GUARD_LEAVE "fp_alloc_guard_leave"
/* Without LD_PRELOAD (the interposer loaded with dlopen): point every
 * loaded object's relocation slots at the interposer, and back
 * (interposer/gotpatch.h); int (*)(void). */
#define FP_ALLOC_PATCH "fp_alloc_patch"
#define FP_ALLOC_UNPATCH "fp_alloc_unpatch"

#endif
