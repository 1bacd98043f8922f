/* nvmlabi.h: the part of NVIDIA's NVML interface footprint uses.
 *
 * footprint never links NVML and needs no CUDA toolkit to build: the agent
 * opens libnvidia-ml.so.1 with dlopen and looks each function up by name
 * (gpu.c). These are the types and constants of that C ABI, as NVML's
 * documentation gives them, written here so that no NVIDIA header is
 * needed. The tests' fake NVML (tests/gpu/fake_nvml.c) builds against the
 * same declarations. Only stable layouts are used: the running-process
 * list is read through the _v2 entry (pid, memory, two instance ids) or
 * the original one (pid, memory), never _v3, whose layout changed between
 * driver releases. */
#ifndef FP_NVMLABI_H
#define FP_NVMLABI_H

typedef int fp_nvml_return_t;
typedef struct fp_nvml_device *fp_nvml_device_t;

enum {
    FP_NVML_SUCCESS = 0,
    FP_NVML_ERROR_UNINITIALIZED = 1,
    FP_NVML_ERROR_NOT_SUPPORTED = 3,
    FP_NVML_ERROR_NO_PERMISSION = 4,
    FP_NVML_ERROR_NOT_FOUND = 6,
    FP_NVML_ERROR_INSUFFICIENT_SIZE = 7,
    FP_NVML_ERROR_DRIVER_NOT_LOADED = 9,
    FP_NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    FP_NVML_ERROR_GPU_IS_LOST = 15,
    FP_NVML_ERROR_UNKNOWN = 999,
};

enum { FP_NVML_NAME_LEN = 96 };

/* usedGpuMemory when the driver cannot say (no permission, WDDM) */
#define FP_NVML_VALUE_NOT_AVAILABLE (~0ULL)

typedef struct fp_nvml_memory {
    unsigned long long total, free, used;
} fp_nvml_memory_t;

typedef struct fp_nvml_utilization {
    unsigned int gpu, memory;  /* percent over the driver's last sample period */
} fp_nvml_utilization_t;

/* nvmlProcessUtilizationSample_t: one process's share of one sample period */
typedef struct fp_nvml_proc_sample {
    unsigned int pid;
    unsigned long long timestamp_us;  /* CPU time of day, microseconds */
    unsigned int sm_util, mem_util, enc_util, dec_util;
} fp_nvml_proc_sample_t;

/* nvmlProcessInfo_v1_t and nvmlProcessInfo_v2_t */
typedef struct fp_nvml_proc_v1 {
    unsigned int pid;
    unsigned long long used_bytes;
} fp_nvml_proc_v1_t;

typedef struct fp_nvml_proc_v2 {
    unsigned int pid;
    unsigned long long used_bytes;
    unsigned int gpu_instance, compute_instance;
} fp_nvml_proc_v2_t;

#endif
