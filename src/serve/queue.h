/* queue.h: the jobs' side of the store. Each submission is one job.
 *
 * A worker claims the next job with a lease (a random token and an expiry)
 * and renews it by heartbeat while the job runs; its result counts only if
 * the lease is still its own. A job whose lease expired (its worker died)
 * goes back to the queue, up to a number of attempts, then ends as
 * "failed: infrastructure". The next job is the oldest queued one of the
 * submitter served longest ago: first in, first out per submitter,
 * round-robin across submitters. */
#ifndef FP_QUEUE_H
#define FP_QUEUE_H

#include <jansson.h>
#include <stddef.h>

#include "db.h"

typedef struct fp_job {
    long long id;
    int attempt;         /* 1 for the first run */
    char lease[33];
    char *filename;      /* the upload's name: a script, or a .tar/.tar.gz/.tgz/.zip */
    char *content;
    size_t len;
    char *budget_body;   /* the budget's TOML, as it was when submitted */
    char *python;
} fp_job_t;

void fp_job_free(fp_job_t *job);

/* Settles expired leases (requeued, or failed past MAX_ATTEMPTS). -1 on error. */
int fp_queue_reap(fp_db_t *db, int max_attempts);
/* Claims the next job for WORKER with a lease of LEASE_MS: 1 and JOB,
 * 0 when the queue is empty, -1 on error. */
int fp_queue_claim(fp_db_t *db, const char *worker, long long lease_ms, int max_attempts, fp_job_t *job);

enum { FP_QUEUE_HELD = 0, FP_QUEUE_LOST = 1, FP_QUEUE_CANCELLED = 2 };
/* Renews JOB's lease: FP_QUEUE_HELD, FP_QUEUE_LOST (no longer ours: stop),
 * FP_QUEUE_CANCELLED (stop, then finish as cancelled), -1 on error. */
int fp_queue_heartbeat(fp_db_t *db, const fp_job_t *job, long long lease_ms);

typedef struct fp_queue_result {
    const char *verdict;   /* "accepted", "rejected: ...", "cancelled", "error: ..." */
    json_t *criteria;      /* [{"target","status","text"}], or NULL */
    json_t *profile;       /* the parsed profile (for the figures), or NULL */
    struct {
        const char *kind;
        const char *body;
        size_t len;
    } artifacts[8];
    int nartifacts;
} fp_queue_result_t;

/* Records JOB's result and artifacts, if its lease is still ours: 0, 1 when
 * it is not (nothing written), -1 on error. */
int fp_queue_finish(fp_db_t *db, const fp_job_t *job, const fp_queue_result_t *res);

/* Gives JOB back to the queue untried (the worker is stopping). */
int fp_queue_release(fp_db_t *db, const fp_job_t *job);

#endif
