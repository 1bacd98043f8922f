/* fragment_format.h: the contract between the agent and the launcher.
 *
 * Every profiled process leaves RUN_DIR/PID-START.json (START: its start
 * time in ns since the epoch, which tells apart the images of one pid
 * across exec), written by the agent (src/agent/fragment.c, memory.c,
 * leaks.c) and read by the launcher (src/launcher/merge.c, figures.c).
 * Both sides take the names, the order of a line's figures, the ranges
 * and the sampling constants from here, so that they cannot drift apart.
 * A fragment is one JSON object:
 *
 *   footprint_fragment  FP_FRAGMENT_VERSION
 *   final               true for the process's last word, false for a snapshot
 *   pid, parent_pid, argv, python {executable, version}
 *   start_unix_s, elapsed_s, cpu_s
 *   sampling            {cpu_interval_s, alloc_mean_bytes (memory only),
 *                       native_stacks (true, only when on)}: what the agent
 *                       actually used; the profile's "sampling"
 *   unattributed        {cpu_python_s, cpu_native_s, system_s}: time no line took
 *   dropped_samples
 *   memory              null (--cpu-only), or the profile's "memory" object
 *   gpu                 (only when NVML found a device: src/agent/gpu.c) the
 *                       profile's "gpu" object for this process, and "lines":
 *                       [[path, line, the FP_FRAG_GPU_FIGURES figures]]
 *   leaks               (final fragments) [{path, line, leaked_bytes, ...}]
 *   files               [{path, functions: null | [[name, first, last]],
 *                         lines: [[line, the FP_FRAG_FIGURES figures,
 *                                 optional memory history]]}]
 *   stacks              (unless --no-stacks; src/agent/stacks.c, src/launcher/stackmerge.c)
 *                       {list: [[[frame numbers, outermost first], cpu_python_s,
 *                                cpu_native_s, system_s, alloc_bytes, peak_bytes,
 *                                truncated 0|1]],
 *                        frames: [[path, line]], or for a native frame
 *                                (--native-stacks, src/agent/native.c)
 *                                [object path, 0, address in the object's
 *                                file, exported symbol or null],
 *                        dropped: {samples, cpu_python_s, cpu_native_s, system_s,
 *                                  alloc_bytes}}
 *
 * This header is plain C: no Python, no jansson. */
#ifndef FP_FRAGMENT_FORMAT_H
#define FP_FRAGMENT_FORMAT_H

enum { FP_FRAGMENT_VERSION = 1 };

/* RUN_DIR/PID-START.json; writers use a dot-name first and rename it. */
#define FP_FRAGMENT_NAME "%d-%llu.json"

/* Top-level keys. */
#define FP_FRAG_FORMAT "footprint_fragment"
#define FP_FRAG_FINAL "final"
#define FP_FRAG_PID "pid"
#define FP_FRAG_PARENT_PID "parent_pid"
#define FP_FRAG_ARGV "argv"
#define FP_FRAG_PYTHON "python"
#define FP_FRAG_START_UNIX_S "start_unix_s"
#define FP_FRAG_ELAPSED_S "elapsed_s"
#define FP_FRAG_CPU_S "cpu_s"
#define FP_FRAG_SAMPLING "sampling"
#define FP_FRAG_UNATTRIBUTED "unattributed"
#define FP_FRAG_DROPPED "dropped_samples"
#define FP_FRAG_MEMORY "memory"
#define FP_FRAG_LEAKS "leaks"
#define FP_FRAG_FILES "files"
#define FP_FRAG_STACKS "stacks"

/* In "gpu" (read by src/launcher/gpumerge.c and merge.c). */
#define FP_FRAG_GPU "gpu"
#define FP_FRAG_GPU_DEVICES "devices"
#define FP_FRAG_GPU_INDEX "index"
#define FP_FRAG_GPU_NAME "name"
#define FP_FRAG_GPU_TOTAL_BYTES "total_bytes"
#define FP_FRAG_GPU_USED "used"
#define FP_FRAG_GPU_SOURCES "sources"            /* {utilization, memory}: "process", "device" or null */
#define FP_FRAG_GPU_SRC_UTILIZATION "utilization"
#define FP_FRAG_GPU_SRC_MEMORY "memory"
#define FP_FRAG_GPU_PEAK_BYTES "peak_bytes"
#define FP_FRAG_GPU_PEAK_TIME_S "peak_time_s"
#define FP_FRAG_GPU_TIMELINE "timeline"          /* [[t_s, bytes], ...] from the process's start */
#define FP_FRAG_GPU_UNATTRIBUTED_S "unattributed_s"
#define FP_FRAG_GPU_NOTES "notes"
#define FP_FRAG_GPU_LINES "lines"

/* A line of "gpu": [path, line number, then these figures in this order]. */
typedef enum fp_frag_gpu_figure {
    FP_FRAG_GPU_BUSY,     /* seconds of GPU time */
    FP_FRAG_GPU_ALLOC,    /* bytes the GPU memory grew while the line ran */
    FP_FRAG_GPU_PEAK,     /* bytes of that still held at the process's GPU peak */
    FP_FRAG_GPU_FIGURES   /* how many */
} fp_frag_gpu_figure_t;

/* In "sampling". */
#define FP_FRAG_CPU_INTERVAL_S "cpu_interval_s"
#define FP_FRAG_ALLOC_MEAN_BYTES "alloc_mean_bytes"
#define FP_FRAG_NATIVE_STACKS "native_stacks"

/* In "unattributed" (the profile's names). */
#define FP_FRAG_CPU_PYTHON_S "cpu_python_s"
#define FP_FRAG_CPU_NATIVE_S "cpu_native_s"
#define FP_FRAG_OFFCPU_S "system_s"

/* In each of "files". */
#define FP_FRAG_PATH "path"
#define FP_FRAG_FUNCTIONS "functions"
#define FP_FRAG_LINES "lines"

/* A line: [line number, then these figures in this order, then, when the
 * line held memory, its live bytes over time (an array)]. */
typedef enum fp_frag_figure {
    FP_FRAG_CPU_PYTHON,   /* seconds */
    FP_FRAG_CPU_NATIVE,   /* seconds */
    FP_FRAG_OFFCPU,       /* seconds: waiting off a CPU (the profile's system_s) */
    FP_FRAG_ALLOC,        /* bytes, and so on */
    FP_FRAG_ALLOC_PYTHON,
    FP_FRAG_FREE,
    FP_FRAG_PEAK,
    FP_FRAG_COPY,
    FP_FRAG_FIGURES       /* how many */
} fp_frag_figure_t;

/* Options the launcher passes in FOOTPRINT_* variables, their defaults
 * and ranges (the launcher refuses values outside them; the agent falls
 * back to the default). */
#define FP_INTERVAL_DEFAULT_S 0.01
#define FP_INTERVAL_MIN_S 0.0005
#define FP_INTERVAL_MAX_S 10.0
/* Mean bytes between allocation samples: a line's figure of B bytes has
 * a standard error of about sqrt(B * mean), 1.5% of 70 MB. */
#define FP_ALLOC_SAMPLE_DEFAULT 16384
#define FP_ALLOC_SAMPLE_MAX (1ULL << 40)

/* Copies are sampled with a mean this many times the allocations' (they
 * need less precision, and are many more). */
enum { FP_COPY_MEAN_FACTOR = 4 };
/* A block of at least this many times the mean is always sampled, with
 * its own size as its weight (track.c's weight_of). */
enum { FP_ALLOC_EXACT_FACTOR = 32 };

#endif
