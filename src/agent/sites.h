/* sites.h: where samples land.
 *
 * Three lock-free tables in the agent's arena:
 *  - files: every source path the agent has seen, with whether it is
 *    profiled (decided once per path);
 *  - code cache: code object address -> file, so the signal handler and the
 *    allocation hooks classify a frame with one hash probe;
 *  - lines: (file, line) -> the figures of that line, updated with relaxed
 *    atomic adds from any thread and from signal handlers.
 * Inserts never block: a writer that loses a race, or finds a table full,
 * drops its sample (counted in fp_sites_t.dropped). */
#ifndef FP_SITES_H
#define FP_SITES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

enum { FP_MAX_FILES = 8192, FP_MAX_LINES = 1 << 16, FP_CODE_SLOTS = 1 << 16 };

/* The figures of one source line; all counters only grow, except live. */
typedef struct fp_line {
    uint32_t file;
    uint32_t line;
    _Atomic uint64_t cpu_python_ns;
    _Atomic uint64_t cpu_native_ns;
    _Atomic uint64_t offcpu_ns;    /* waiting off a CPU (blocked), not system libraries' time */
    _Atomic uint64_t alloc_bytes;
    _Atomic uint64_t alloc_python_bytes;
    _Atomic uint64_t free_bytes;
    _Atomic uint64_t copy_bytes;
    _Atomic int64_t live_bytes;  /* sampled estimate of its bytes still live */
    _Atomic int64_t peak_bytes;  /* live_bytes when the program peaked */
    uint32_t history;            /* its memory over time: index + 1 (memory.c), 0 none */
} fp_line_t;

/* The time no profiled line took (code outside profiled files). */
typedef struct fp_unattributed {
    _Atomic uint64_t cpu_python_ns;
    _Atomic uint64_t cpu_native_ns;
    _Atomic uint64_t offcpu_ns;
} fp_unattributed_t;

/* Functions of a file, filled in later with the GIL (see agent.c). */
typedef struct fp_span {
    uint32_t name;   /* string offset */
    uint32_t first;
    uint32_t last;
} fp_span_t;

typedef struct fp_file {
    _Atomic uint64_t hash;      /* 0: free slot */
    _Atomic int state;          /* 0 being written, 1 ready */
    bool profiled;
    uint32_t path;              /* string offset */
    uint32_t path_len;
    _Atomic(fp_span_t *) spans; /* NULL until computed */
    uint32_t nspans;
} fp_file_t;

typedef struct fp_code_slot {
    _Atomic uintptr_t code;     /* 0: free slot */
    _Atomic uintptr_t fingerprint; /* its co_filename pointer, to notice reuse */
    _Atomic int32_t file_tag;   /* 0 not ready, else fp_sites_code_lookup's answer + 2: the
                                   file index + 2, or 1 for a file not profiled */
} fp_code_slot_t;

typedef struct fp_sites {
    fp_arena_t *arena;
    fp_file_t *files;           /* FP_MAX_FILES slots, open addressing */
    fp_code_slot_t *codes;      /* FP_CODE_SLOTS slots */
    _Atomic uint64_t *line_keys;   /* 2*FP_MAX_LINES slots: key or 0 */
    _Atomic uint32_t *line_index;  /* slot -> index+1 into lines, 0 not ready */
    fp_line_t *lines;
    _Atomic uint32_t nlines;
    char *strings;
    size_t strings_cap;
    _Atomic size_t strings_used;
    _Atomic uint64_t dropped;
    _Atomic uint32_t nprofiled;   /* profiled files seen so far */
} fp_sites_t;

/* Carves the tables out of ARENA. Returns 0 or -1 when the arena is small. */
int fp_sites_init(fp_sites_t *s, fp_arena_t *arena);
/* Forgets every figure but keeps files and code classifications (after fork). */
void fp_sites_reset_figures(fp_sites_t *s);

/* Copies N bytes into the string store; returns its offset or UINT32_MAX. */
uint32_t fp_sites_intern(fp_sites_t *s, const char *str, size_t n);
static inline const char *fp_sites_str(const fp_sites_t *s, uint32_t off) { return s->strings + off; }

/* Finds or adds the file PATH; CLASSIFY(CTX, PATH, LEN) decides whether
 * it is profiled when it is new. Returns the file index or -1.
 * Async-signal-safe. */
typedef bool (*fp_sites_classify_fn)(const void *ctx, const char *path, size_t len);
int fp_sites_file(fp_sites_t *s, const char *path, size_t len, fp_sites_classify_fn classify, const void *ctx);

/* Code cache. fp_sites_code_lookup returns the file index (>= 0), -1 for
 * a code object of an unprofiled file, or -2 when unknown. */
int fp_sites_code_lookup(fp_sites_t *s, uintptr_t code, uintptr_t fingerprint);
void fp_sites_code_store(fp_sites_t *s, uintptr_t code, uintptr_t fingerprint, int file);

/* Finds or adds the line; returns it or NULL (table full, lost race).
 * Async-signal-safe. */
fp_line_t *fp_sites_line(fp_sites_t *s, int file, int line);

#endif
