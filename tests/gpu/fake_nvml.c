/* fake_nvml.c: a stand-in for libnvidia-ml.so.1, for testing without a GPU.
 *
 * It exports the NVML functions footprint's agent looks up (src/agent/
 * gpu.c), with one device, and makes its readings up from a log that the
 * test program writes as it moves between phases. Each line of the file
 * named by $FAKE_NVML_STATE is
 *
 *     UNIX_TIME PID UTIL_PERCENT GPU_MEMORY_BYTES    from then on, PID does this
 *     UNIX_TIME lost                                 from then on, the GPU is lost
 *
 * Utilization samples are made the way the driver makes them: one per
 * process per sample period ($FAKE_NVML_PERIOD_MS, 100 by default), time
 * stamped at the period's end, with the process's mean utilization over
 * the period. $FAKE_NVML_MODE picks how much the "driver" supports:
 *   process      per-process utilization and memory (the default)
 *   device       per-process calls say NOT_SUPPORTED: device-wide only
 *   unsupported  every utilization and memory call says NOT_SUPPORTED
 *   noinit       nvmlInit fails as with no driver loaded
 * Built with -DFAKE_NVML_OLD, it lacks the newer entry points (the _v2
 * names and nvmlDeviceGetProcessUtilization), like an old driver's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/agent/nvmlabi.h"

#define EXPORT __attribute__((visibility("default")))

enum { MAX_ENTRIES = 4096, MAX_PIDS = 64 };

typedef struct entry {
    double t;
    int pid;          /* -1: the GPU is lost from T on */
    double util;
    unsigned long long mem;
} entry_t;

static entry_t entries[MAX_ENTRIES];
static int nentries;
static struct fp_nvml_device *const the_device = (struct fp_nvml_device *)0x1000;
static const unsigned long long TOTAL = 80ULL << 30, RESERVED = 300ULL << 20;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *mode(void)
{
    const char *m = getenv("FAKE_NVML_MODE");
    return m && *m ? m : "process";
}

/* Reads the log again: the program appends to it as it runs. */
static void load(void)
{
    nentries = 0;
    const char *path = getenv("FAKE_NVML_STATE");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return;
    char line[256];
    while (nentries < MAX_ENTRIES && fgets(line, sizeof line, f)) {
        entry_t e = {0};
        char word[32];
        if (sscanf(line, "%lf %31s", &e.t, word) == 2 && strcmp(word, "lost") == 0)
            e.pid = -1;
        else if (sscanf(line, "%lf %d %lf %llu", &e.t, &e.pid, &e.util, &e.mem) != 4)
            continue;
        entries[nentries++] = e;
    }
    fclose(f);
}

static int lost(double t)
{
    for (int i = 0; i < nentries; i++)
        if (entries[i].pid == -1 && entries[i].t <= t)
            return 1;
    return 0;
}

/* The last entry of PID at or before T, or NULL. */
static const entry_t *state_of(int pid, double t)
{
    const entry_t *best = NULL;
    for (int i = 0; i < nentries; i++)
        if (entries[i].pid == pid && entries[i].t <= t && (!best || entries[i].t >= best->t))
            best = &entries[i];
    return best;
}

/* PID's mean utilization (percent) over (A, B]. */
static double mean_util(int pid, double a, double b)
{
    double sum = 0, step = (b - a) / 200;
    for (int i = 0; i < 200; i++) {
        const entry_t *e = state_of(pid, a + (i + 0.5) * step);
        sum += e ? e->util : 0;
    }
    return sum / 200;
}

static int pids(int *out)
{
    int n = 0;
    for (int i = 0; i < nentries; i++) {
        int seen = entries[i].pid < 0;
        for (int k = 0; k < n && !seen; k++)
            seen = out[k] == entries[i].pid;
        if (!seen && n < MAX_PIDS)
            out[n++] = entries[i].pid;
    }
    return n;
}

static fp_nvml_return_t start(void)
{
    return strcmp(mode(), "noinit") == 0 ? FP_NVML_ERROR_DRIVER_NOT_LOADED : FP_NVML_SUCCESS;
}

static fp_nvml_return_t device_call(fp_nvml_device_t dev, int per_process)
{
    if (dev != the_device)
        return 2; /* invalid argument */
    load();
    if (lost(now_s()))
        return FP_NVML_ERROR_GPU_IS_LOST;
    if (strcmp(mode(), "unsupported") == 0 || (per_process && strcmp(mode(), "device") == 0))
        return FP_NVML_ERROR_NOT_SUPPORTED;
    return FP_NVML_SUCCESS;
}

EXPORT fp_nvml_return_t nvmlInit(void) { return start(); }
EXPORT fp_nvml_return_t nvmlShutdown(void) { return FP_NVML_SUCCESS; }
EXPORT fp_nvml_return_t nvmlDeviceGetCount(unsigned int *n)
{
    *n = 1;
    return FP_NVML_SUCCESS;
}
EXPORT fp_nvml_return_t nvmlDeviceGetHandleByIndex(unsigned int i, fp_nvml_device_t *d)
{
    if (i != 0)
        return 2;
    *d = the_device;
    return FP_NVML_SUCCESS;
}

EXPORT fp_nvml_return_t nvmlDeviceGetName(fp_nvml_device_t d, char *name, unsigned int len)
{
    if (d != the_device)
        return 2;
    snprintf(name, len, "Fake NVIDIA GPU");
    return FP_NVML_SUCCESS;
}

EXPORT fp_nvml_return_t nvmlDeviceGetMemoryInfo(fp_nvml_device_t d, fp_nvml_memory_t *m)
{
    fp_nvml_return_t rc = device_call(d, 0);
    if (rc != FP_NVML_SUCCESS)
        return rc;
    int list[MAX_PIDS], n = pids(list);
    double t = now_s();
    m->total = TOTAL;
    m->used = RESERVED;
    for (int i = 0; i < n; i++) {
        const entry_t *e = state_of(list[i], t);
        m->used += e ? e->mem : 0;
    }
    m->free = TOTAL - m->used;
    return FP_NVML_SUCCESS;
}

EXPORT fp_nvml_return_t nvmlDeviceGetUtilizationRates(fp_nvml_device_t d, fp_nvml_utilization_t *u)
{
    fp_nvml_return_t rc = device_call(d, 0);
    if (rc != FP_NVML_SUCCESS)
        return rc;
    int list[MAX_PIDS], n = pids(list);
    double t = now_s(), sum = 0;
    for (int i = 0; i < n; i++)
        sum += mean_util(list[i], t - 0.02, t);
    u->gpu = (unsigned)lround(sum > 100 ? 100 : sum);
    u->memory = 0;
    return FP_NVML_SUCCESS;
}

static fp_nvml_return_t running(fp_nvml_device_t d, unsigned int *count, void *out, int v2)
{
    fp_nvml_return_t rc = device_call(d, 1);
    if (rc != FP_NVML_SUCCESS)
        return rc;
    int list[MAX_PIDS], n = pids(list);
    unsigned k = 0;
    double t = now_s();
    for (int i = 0; i < n; i++) {
        const entry_t *e = state_of(list[i], t);
        if (!e || e->mem == 0)
            continue;
        if (k < *count && v2)
            ((fp_nvml_proc_v2_t *)out)[k] = (fp_nvml_proc_v2_t){(unsigned)e->pid, e->mem, ~0u, ~0u};
        else if (k < *count)
            ((fp_nvml_proc_v1_t *)out)[k] = (fp_nvml_proc_v1_t){(unsigned)e->pid, e->mem};
        k++;
    }
    rc = k > *count ? FP_NVML_ERROR_INSUFFICIENT_SIZE : FP_NVML_SUCCESS;
    *count = k;
    return rc;
}

EXPORT fp_nvml_return_t nvmlDeviceGetComputeRunningProcesses(fp_nvml_device_t d, unsigned int *count,
                                                             fp_nvml_proc_v1_t *out)
{
    return running(d, count, out, 0);
}

#ifndef FAKE_NVML_OLD
EXPORT fp_nvml_return_t nvmlInit_v2(void) { return start(); }
EXPORT fp_nvml_return_t nvmlDeviceGetCount_v2(unsigned int *n) { return nvmlDeviceGetCount(n); }
EXPORT fp_nvml_return_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, fp_nvml_device_t *d)
{
    return nvmlDeviceGetHandleByIndex(i, d);
}

EXPORT fp_nvml_return_t nvmlDeviceGetComputeRunningProcesses_v2(fp_nvml_device_t d, unsigned int *count,
                                                                fp_nvml_proc_v2_t *out)
{
    return running(d, count, out, 1);
}

static double period_s(void)
{
    const char *p = getenv("FAKE_NVML_PERIOD_MS");
    return (p && atof(p) > 0 ? atof(p) : 100.0) / 1000.0;
}

/* One sample per process per period ended after LAST_SEEN_US (at most the
 * last second's), stamped at the period's end. */
EXPORT fp_nvml_return_t nvmlDeviceGetProcessUtilization(fp_nvml_device_t d, fp_nvml_proc_sample_t *out,
                                                        unsigned int *count, unsigned long long last_seen_us)
{
    fp_nvml_return_t rc = device_call(d, 1);
    if (rc != FP_NVML_SUCCESS)
        return rc;
    double p = period_s(), t = now_s();
    double first = floor(t / p) * p;
    while (first - p > t - 1.0 && (first - p) * 1e6 > (double)last_seen_us)
        first -= p;
    int list[MAX_PIDS], n = pids(list);
    unsigned k = 0;
    for (double end = first; end <= t; end += p) {
        unsigned long long ts = (unsigned long long)llround(end * 1e6);
        if (ts <= last_seen_us)
            continue;
        for (int i = 0; i < n; i++) {
            if (!state_of(list[i], end))
                continue;
            if (k < *count && out)
                out[k] = (fp_nvml_proc_sample_t){(unsigned)list[i], ts, (unsigned)lround(mean_util(list[i], end - p, end)),
                                                 0, 0, 0};
            k++;
        }
    }
    rc = k == 0 ? FP_NVML_ERROR_NOT_FOUND : k > *count || !out ? FP_NVML_ERROR_INSUFFICIENT_SIZE : FP_NVML_SUCCESS;
    *count = k;
    return rc;
}
#endif
