/* codeq.h: code objects the CPU sample handler met but did not classify.
 *
 * Classifying a code object seen for the first time (is its file
 * profiled?) means encoding its file name, normalizing the path, matching
 * globs and interning it: unbounded work that does not belong in a signal
 * handler. So on a miss in the code cache the handler only records the
 * code object's address and its co_filename pointer here, treats the frame
 * as unprofiled for that one sample, and the sampler thread classifies it
 * within a tick (frames.h: fp_frames_classify_pending), after which the
 * handler finds it in the cache.
 *
 * The queue is a small open-addressed set, so a code object met by many
 * samples before it is classified takes one slot. Pushing is lock-free and
 * async-signal-safe; a full queue drops the code object (counted), which
 * the next sample that meets it pushes again. */
#ifndef FP_CODEQ_H
#define FP_CODEQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum { FP_CODEQ_SLOTS = 1024 };

/* A slot is free while code is 0. A pusher claims it by setting code,
 * then publishes filename; the drainer takes a slot only once filename is
 * set, and frees it by clearing filename, then code. */
typedef struct fp_codeq_slot {
    _Atomic uintptr_t code;
    _Atomic uintptr_t filename;
} fp_codeq_slot_t;

/* The set (fp_frames_t.codeq): pushed by signal handlers on any thread,
 * drained by the sampler thread. All zeros is empty. */
typedef struct fp_codeq {
    fp_codeq_slot_t slots[FP_CODEQ_SLOTS];
    _Atomic uint32_t waiting;   /* slots claimed and not yet drained */
    _Atomic uint64_t dropped;   /* pushes that found no free slot */
} fp_codeq_t;

/* Records CODE (whose co_filename was FILENAME when the handler read it)
 * for classification. Async-signal-safe, lock-free. */
void fp_codeq_push(fp_codeq_t *q, uintptr_t code, uintptr_t filename);

/* Whether any code object waits. */
bool fp_codeq_any(const fp_codeq_t *q);

/* Calls FN(CTX, code, filename) for every waiting code object and empties
 * its slot. Only the sampler thread calls it. */
void fp_codeq_drain(fp_codeq_t *q, void (*fn)(void *ctx, uintptr_t code, uintptr_t filename), void *ctx);

/* Code objects dropped because the set was full. */
uint64_t fp_codeq_dropped(const fp_codeq_t *q);

#endif
