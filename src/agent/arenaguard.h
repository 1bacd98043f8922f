/* arenaguard.h: keeping freed frame-stack chunks mapped a little longer.
 *
 * Since 3.11 each thread's Python frames live in chunks that the
 * interpreter gets from the arena allocator. When a call returns from the
 * first frame of a chunk, the chunk is unmapped a few instructions before
 * the thread state stops pointing at that frame: a sample signal landing
 * in between would read unmapped memory. So the agent wraps the arena
 * allocator and keeps each thread's most recently freed block mapped
 * until that thread frees the next one (or ends): by then it has long
 * moved past the frame. pymalloc's own arenas go through here too, which
 * costs at most one idle arena per thread. */
#ifndef FP_ARENAGUARD_H
#define FP_ARENAGUARD_H

/* Wraps the current arena allocator. Call once, with the GIL. */
void fp_arenaguard_install(void);

#endif
