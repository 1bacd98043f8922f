/* sandbox.h: running one job's command inside bubblewrap.
 *
 * The command sees the system read-only (/usr, /etc without the shadow
 * files), its own empty /tmp (a small tmpfs), its job directory at /job
 * (the only place it can write), no network (an empty network namespace),
 * its own pid namespace (everything it starts dies with it), and an
 * unprivileged uid. rlimits bound CPU time, file size, processes and open
 * files; the caller's watch bounds wall-clock time, the process tree's
 * resident memory and the job directory's size, killing the whole tree
 * past any of them. stdout and stderr are kept up to a cap. */
#ifndef FP_SANDBOX_H
#define FP_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct fp_sandbox_limits {
    long long mem_bytes;     /* resident memory of the whole tree */
    long long disk_bytes;    /* the job directory's size */
    long long output_bytes;  /* stdout and stderr each keep this much */
    long long file_bytes;    /* RLIMIT_FSIZE */
    long long tmp_bytes;     /* the /tmp tmpfs */
    int wall_s, cpu_s, nproc, nofile;
} fp_sandbox_limits_t;

/* The defaults: 1 GB memory, 256 MB disk, 1 MB output, 5 min. */
void fp_sandbox_defaults(fp_sandbox_limits_t *l);

typedef struct fp_sandbox_job {
    const char *dir;             /* the host's job directory, mounted at /job */
    const char *cwd;             /* the working directory inside (default /job) */
    char *const *argv;           /* the command, paths as the sandbox sees them */
    const char *ro_paths[8];     /* more host paths to mount read-only (the footprint install) */
    int nro;
    uid_t uid;                   /* the host uid to run as when the worker is root */
    /* Called about once a second; non-zero stops the job (killed). */
    int (*tick)(void *ctx);
    void *ctx;
} fp_sandbox_job_t;

typedef enum fp_sandbox_end {
    FP_SANDBOX_EXITED,
    FP_SANDBOX_OVER_MEMORY,
    FP_SANDBOX_OVER_TIME,
    FP_SANDBOX_OVER_DISK,
    FP_SANDBOX_STOPPED, /* the tick asked */
} fp_sandbox_end_t;

typedef struct fp_sandbox_outcome {
    fp_sandbox_end_t end;
    int exit_code;             /* as a shell reports it */
    long long peak_rss;        /* the tree's largest resident memory seen */
    char *out, *err;           /* the first output_bytes of each (caller frees) */
    size_t outlen, errlen;
    long long out_dropped, err_dropped;
} fp_sandbox_outcome_t;

/* Whether bubblewrap can make its namespaces here and run a job in a
 * directory under WHERE as UID: 0, or -1 with the reason in WHY. */
int fp_sandbox_check(const char *where, uid_t uid, char *why, size_t whylen);

/* Runs JOB under L; the outcome into O. 0, or -1 when it could not start. */
int fp_sandbox_run(const fp_sandbox_job_t *job, const fp_sandbox_limits_t *l, fp_sandbox_outcome_t *o);

/* Removes DIR and everything under it (links not followed). */
void fp_sandbox_rmtree(const char *dir);
/* The size of everything under DIR, in bytes on disk. */
long long fp_sandbox_du(const char *dir);

#endif
