/* gpu.h: GPU time and GPU memory per line, for NVIDIA GPUs, through NVML.
 *
 * NVML is opened with dlopen (libnvidia-ml.so.1, or the file named by
 * $FOOTPRINT_NVML_LIBRARY) the first time the sampler thread ticks, and
 * never linked: with no driver or no GPU the module turns itself off and
 * costs one test per tick. Every NVML call is made on the sampler thread,
 * never in a signal handler.
 *
 * Each tick records which lines the program's threads are on (the line a
 * thread was last seen running, or the line it is blocked on, as the
 * off-CPU accounting finds it) in a short ring of recent ticks. GPU busy
 * time comes from the process's own utilization samples
 * (nvmlDeviceGetProcessUtilization), which cover a stretch of the past;
 * each sample is spread over the ticks of its stretch and charged to their
 * lines. GPU memory is the process's own entry in the running-process
 * list; growth between ticks is charged to the tick's lines. Where the
 * driver has no per-process figures, device-wide ones are used and the
 * fragment says so. */
#ifndef FP_GPU_H
#define FP_GPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/jsonw.h"
#include "nvmlabi.h"

struct fp_agent;
struct fp_gpu_tables; /* gpu.c: lines, the ring of ticks, the timeline */

enum { FP_GPU_MAX_DEVICES = 16, FP_GPU_MAX_NOTES = 8, FP_GPU_NOTE_LEN = 200 };

typedef enum { FP_GPU_SRC_NONE, FP_GPU_SRC_PROCESS, FP_GPU_SRC_DEVICE } fp_gpu_source_t;

/* One device, as the sampler thread knows it. */
typedef struct fp_gpu_device {
    fp_nvml_device_t handle;
    char name[FP_NVML_NAME_LEN];
    uint64_t total_bytes;
    uint64_t last_us;      /* newest utilization sample read (any process) */
    uint64_t period_us;    /* the driver's sample period: the shortest gap seen, 0 unknown */
    uint64_t used_bytes;   /* memory counted on it at the last tick */
    bool used;             /* this process was seen on it */
    bool lost;
} fp_gpu_device_t;

/* The NVML functions found; any may be NULL. */
typedef struct fp_gpu_nvml {
    fp_nvml_return_t (*meminfo)(fp_nvml_device_t, fp_nvml_memory_t *);
    fp_nvml_return_t (*util)(fp_nvml_device_t, fp_nvml_utilization_t *);
    fp_nvml_return_t (*procutil)(fp_nvml_device_t, fp_nvml_proc_sample_t *, unsigned int *, unsigned long long);
    fp_nvml_return_t (*procs)(fp_nvml_device_t, unsigned int *, void *);
    bool procs_v2;         /* procs fills fp_nvml_proc_v2_t, else fp_nvml_proc_v1_t */
} fp_gpu_nvml_t;

/* The GPU part of the agent (fp_agent_t.gpu). The sampler thread writes
 * it; fp_gpu_write reads the atomics and the tables, whose entries are
 * published once complete. */
typedef struct fp_gpu {
    struct fp_agent *agent;     /* link: threads, clock, arena, pid */
    void *lib;                  /* NVML, once opened: kept for the process's life */
    int state;                  /* gpu.c: not tried yet, on, or off for good */
    pid_t pid;                  /* the process the figures are of (a forked child restarts) */
    fp_gpu_nvml_t nv;
    int ndevices;
    fp_gpu_device_t dev[FP_GPU_MAX_DEVICES];
    fp_gpu_source_t util_src, mem_src;
    const char *util_why, *mem_why; /* why a figure is not per-process */
    char notes[FP_GPU_MAX_NOTES][FP_GPU_NOTE_LEN]; /* events (a GPU lost) */
    _Atomic int nnotes;
    struct fp_gpu_tables *t;    /* in the agent's arena, made once a GPU is found */
    uint64_t last_us;           /* the last tick, time of day */
    uint64_t used_bytes;        /* the process's GPU memory at the last tick */
    uint64_t baseline_bytes;    /* device-wide memory: what was in use at start */
    bool have_baseline;
    _Atomic uint64_t peak_bytes, peak_at_ns;
    uint64_t peak_us;
    _Atomic uint64_t other_ns;  /* GPU time no line was there to take */
} fp_gpu_t;

/* Links G to the agent and empties it for a new start (the library, if
 * opened before, stays open). Called with the other parts' links. */
void fp_gpu_init(fp_gpu_t *g, struct fp_agent *agent);

/* The sampler thread's periodic work: opens NVML the first time, then
 * reads it and charges lines. Sampler thread only, after the off-CPU
 * charge of the tick. */
void fp_gpu_tick(fp_gpu_t *g);

/* Writes the fragment's "gpu" member, or nothing when no GPU was found.
 * Writers are serialized (fragment.c). */
void fp_gpu_write(fp_gpu_t *g, fp_jsonw_t *w);

#endif
