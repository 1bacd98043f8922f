/* gpumerge.h: the profile's `gpu` section, from the fragments' ones.
 *
 * Each process's agent that found an NVIDIA GPU writes a "gpu" member in
 * its fragment (src/agent/gpu.c): the devices, where its figures came
 * from, its GPU memory over time and its peak, notes, and per-line GPU
 * figures. merge.c adds the per-line figures to the lines like any other;
 * this module builds the top-level section: devices once (a device is
 * used when any process used it), the processes' GPU memory summed over
 * time on the main process's clock, its peak and when it came, the
 * weakest source of each figure ("device" when any process had only
 * device-wide figures), and every note once. No fragment with a GPU
 * section: JSON null. */
#ifndef FP_GPUMERGE_H
#define FP_GPUMERGE_H

#include <jansson.h>

/* FRAGMENTS: every fragment read; MAIN: the main process's, or NULL.
 * Returns a new reference: the section, or JSON null. */
json_t *fp_gpumerge_section(json_t *fragments, json_t *main);

#endif
