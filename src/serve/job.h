/* job.h: one job, start to verdict: its directory, the sandboxed run,
 * the judging by `footprint check`, the verdict and the artifacts. */
#ifndef FP_JOB_H
#define FP_JOB_H

#include <sys/types.h>

#include "db.h"
#include "queue.h"
#include "sandbox.h"

typedef struct fp_job_env {
    fp_db_t *db;
    const char *self;        /* the footprint launcher (absolute) */
    const char *libdir;      /* its lib/footprint (agents, the service) */
    const char *data;        /* the worker's data directory */
    fp_sandbox_limits_t limits;
    uid_t uid;               /* the uid jobs run as when the worker is root */
    long long lease_ms;
    volatile int *stopping;  /* set by SIGTERM: give the job back */
} fp_job_env_t;

/* Runs JOB to its verdict and records it (when the lease is still ours).
 * 0, or -1 on an infrastructure failure (the job is given back). */
int fp_job_run(const fp_job_env_t *env, fp_job_t *job);

#endif
