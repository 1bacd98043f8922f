/* gotpatch.h: the interposer without LD_PRELOAD.
 *
 * A program that footprint did not start (a notebook kernel, a script
 * that calls footprint.start()) has no preloaded interposer. The agent
 * then loads libfootprint_alloc.so with dlopen (RTLD_LOCAL: its libc
 * names do not join the global scope) and calls fp_alloc_patch: every
 * loaded object's relocation slots (GOT/PLT: JUMP_SLOT and GLOB_DAT) for
 * the functions the interposer covers (override.c) are pointed at the
 * interposer's own definitions, and objects loaded with dlopen while
 * patched are patched as they come (dlopen itself is one of the names).
 * fp_alloc_unpatch puts every slot back. memray's in-process tracker does
 * the same. A dlopen of a bare name through the patched slot keeps its
 * caller's DT_RPATH/DT_RUNPATH directories (dlopen would otherwise search
 * those of the interposer, which has none).
 *
 * Left alone: the interposer itself, the dynamic loader and the vDSO.
 * Blocks made before the patch and freed while patched were never
 * sampled, so their frees are a filter miss; blocks made while patched
 * and freed after it go straight to libc, and their samples are
 * forgotten at the next attach (track.c).
 *
 * Both calls take a mutex and may allocate nothing; they must not be
 * called from an allocation hook or a signal handler. */
#ifndef FP_GOTPATCH_H
#define FP_GOTPATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fp_gotpatch_object fp_gotpatch_object_t; /* gotpatch.c */
typedef struct fp_gotpatch_slot fp_gotpatch_slot_t;

/* The patcher's part of the interposer's state (state.h). Every field is
 * written under `lock`, by fp_alloc_patch, fp_alloc_unpatch and a dlopen
 * through a patched slot. `objects` and `slots` are mapped at the first
 * patch and kept; unpatching empties them (nobjects, nslots) for the next
 * start. `own_base` and `page` are found at the first patch. */
typedef struct fp_gotpatch {
    pthread_mutex_t lock;
    bool active;                   /* patched: objects dlopen loads are patched too */
    fp_gotpatch_object_t *objects; /* the objects patched, nobjects of them */
    fp_gotpatch_slot_t *slots;     /* their slots' old values, nslots of them */
    uint32_t nobjects, nslots;
    uintptr_t own_base;            /* the interposer's load address: left alone */
    size_t page;
} fp_gotpatch_t;

/* Patches every loaded object now, and those dlopen loads until
 * fp_alloc_unpatch. Returns the number of slots patched, or -1 when this
 * platform's relocations are not supported or the interposer's functions
 * cannot be resolved. Calling it while patched only patches objects
 * loaded since. */
int fp_alloc_patch(void);

/* Restores every slot still holding the interposer's function, in the
 * objects still loaded; returns how many. */
int fp_alloc_unpatch(void);

#endif
