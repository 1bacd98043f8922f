/* queue.c: claiming, renewing and finishing jobs (see queue.h). */
#include "queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../launcher/util.h"
#include "store.h"
#include "token.h"

void fp_job_free(fp_job_t *job)
{
    free(job->filename);
    free(job->content);
    free(job->budget_body);
    free(job->python);
    memset(job, 0, sizeof *job);
}

/* Inside a transaction: cancelled jobs whose worker is gone end cancelled,
 * jobs out of attempts fail, the rest go back to the queue. */
static int reap(fp_db_t *db, int max_attempts)
{
    char now[24], max[24];
    long long t = fp_store_now_ms();
    fp_dbarg_t a[] = {fp_db_int(now, t), fp_db_int(now, t)};
    fp_dbarg_t b[] = {fp_db_int(now, t), fp_db_int(now, t), fp_db_int(max, max_attempts)};
    if (fp_db_exec(db,
                   "UPDATE submissions SET state = 'done', verdict = 'cancelled', finished = ?, lease = NULL"
                   " WHERE state = 'running' AND lease_until < ? AND cancel = 1",
                   a, 2, NULL) != 0 ||
        fp_db_exec(db,
                   "UPDATE submissions SET state = 'done', verdict = 'failed: infrastructure', finished = ?,"
                   " lease = NULL WHERE state = 'running' AND lease_until < ? AND attempts >= ?",
                   b, 3, NULL) != 0 ||
        fp_db_exec(db,
                   "UPDATE submissions SET state = 'queued', lease = NULL, worker = NULL"
                   " WHERE state = 'running' AND lease_until < ?",
                   a, 1, NULL) != 0)
        return -1;
    return 0;
}

int fp_queue_reap(fp_db_t *db, int max_attempts)
{
    if (fp_db_begin(db) != 0)
        return -1;
    if (reap(db, max_attempts) != 0) {
        fp_db_rollback(db);
        return -1;
    }
    return fp_db_commit(db);
}

/* Inside a transaction: the next job's id (fair order), 0 for none, -1. */
static long long next_id(fp_db_t *db)
{
    fp_dbres_t r;
    if (fp_db_exec(db,
                   "SELECT id FROM submissions s WHERE state = 'queued' ORDER BY"
                   " COALESCE((SELECT served FROM turns t WHERE t.submitter = s.submitter), 0), id"
                   " LIMIT 1 @LOCK@",
                   NULL, 0, &r) != 0)
        return -1;
    long long id = r.nrows ? fp_db_cell_int(&r, 0, 0) : 0;
    fp_db_res_free(&r);
    return id;
}

/* Inside a transaction: marks job ID running under a new lease, and its
 * submitter as the one served last. */
static int take(fp_db_t *db, long long id, const char *worker, long long lease_ms, fp_job_t *job)
{
    char ids[24], until[24], now[24];
    long long t = fp_store_now_ms();
    if (fp_token_random_hex(job->lease, 16) != 0)
        return -1;
    fp_dbarg_t a[] = {fp_db_text(job->lease), fp_db_int(until, t + lease_ms), fp_db_text(worker),
                      fp_db_int(now, t), fp_db_int(ids, id)};
    fp_dbres_t r;
    if (fp_db_exec(db,
                   "UPDATE submissions SET state = 'running', attempts = attempts + 1, lease = ?, lease_until = ?,"
                   " worker = ?, started = ? WHERE id = ? RETURNING submitter, attempts, filename, content,"
                   " budget_body, python",
                   a, 5, &r) != 0 || r.nrows != 1) {
        fp_db_res_free(&r);
        return -1;
    }
    job->id = id;
    job->attempt = (int)fp_db_cell_int(&r, 0, 1);
    job->filename = fp_xstrdup(fp_db_cell(&r, 0, 2));
    job->len = r.len[3];
    job->content = r.v[3];
    r.v[3] = NULL;
    job->budget_body = fp_xstrdup(fp_db_cell(&r, 0, 4));
    job->python = fp_xstrdup(fp_db_cell(&r, 0, 5));
    fp_dbarg_t s = fp_db_text(fp_db_cell(&r, 0, 0));
    int rc = fp_db_exec(db,
                        "INSERT INTO turns (submitter, served) VALUES (?, (SELECT COALESCE(MAX(served), 0) + 1"
                        " FROM turns)) ON CONFLICT (submitter) DO UPDATE SET served = excluded.served",
                        &s, 1, NULL);
    fp_db_res_free(&r);
    return rc;
}

int fp_queue_claim(fp_db_t *db, const char *worker, long long lease_ms, int max_attempts, fp_job_t *job)
{
    memset(job, 0, sizeof *job);
    if (fp_db_begin(db) != 0)
        return -1;
    long long id = reap(db, max_attempts) == 0 ? next_id(db) : -1;
    if (id > 0 && take(db, id, worker, lease_ms, job) != 0)
        id = -1;
    if (id < 0 || fp_db_commit(db) != 0) {
        fp_db_rollback(db);
        fp_job_free(job);
        return -1;
    }
    return id > 0;
}

int fp_queue_heartbeat(fp_db_t *db, const fp_job_t *job, long long lease_ms)
{
    char until[24], ids[24];
    fp_dbarg_t a[] = {fp_db_int(until, fp_store_now_ms() + lease_ms), fp_db_int(ids, job->id),
                      fp_db_text(job->lease)};
    fp_dbres_t r;
    if (fp_db_exec(db,
                   "UPDATE submissions SET lease_until = ? WHERE id = ? AND lease = ? AND state = 'running'"
                   " RETURNING cancel",
                   a, 3, &r) != 0)
        return -1;
    int rc = r.nrows == 0 ? FP_QUEUE_LOST : fp_db_cell_int(&r, 0, 0) ? FP_QUEUE_CANCELLED : FP_QUEUE_HELD;
    fp_db_res_free(&r);
    return rc;
}

/* The profile's figures for the list: peak, elapsed, CPU, exit status. */
static void figures(const json_t *p, char bufs[4][32], fp_dbarg_t *a)
{
    json_t *mem = json_object_get(p, "memory");
    json_t *peak = json_object_get(mem, "peak_bytes");
    json_t *el = json_object_get(p, "elapsed_s"), *cpu = json_object_get(p, "cpu_s");
    json_t *code = json_object_get(p, "exit_code");
    a[0] = json_is_integer(peak) ? fp_db_int(bufs[0], json_integer_value(peak)) : fp_db_text(NULL);
    snprintf(bufs[1], 32, "%.6f", json_number_value(el));
    snprintf(bufs[2], 32, "%.6f", json_number_value(cpu));
    a[1] = json_is_number(el) ? fp_db_text(bufs[1]) : fp_db_text(NULL);
    a[2] = json_is_number(cpu) ? fp_db_text(bufs[2]) : fp_db_text(NULL);
    a[3] = json_is_integer(code) ? fp_db_int(bufs[3], json_integer_value(code)) : fp_db_text(NULL);
}

static int record(fp_db_t *db, const fp_job_t *job, const fp_queue_result_t *res)
{
    char bufs[4][32], now[24], ids[24];
    char *crit = res->criteria ? json_dumps(res->criteria, JSON_COMPACT) : NULL;
    fp_dbarg_t a[10];
    a[0] = fp_db_text(res->verdict);
    a[1] = fp_db_text(crit);
    figures(res->profile, bufs, a + 2);
    a[6] = fp_db_int(now, fp_store_now_ms());
    a[7] = fp_db_int(ids, job->id);
    a[8] = fp_db_text(job->lease);
    fp_dbres_t r;
    int rc = fp_db_exec(db,
                        "UPDATE submissions SET state = 'done', verdict = ?, criteria = ?, peak_bytes = ?,"
                        " elapsed_s = ?, cpu_s = ?, exit_code = ?, finished = ?, lease = NULL"
                        " WHERE id = ? AND lease = ? AND state = 'running' RETURNING id",
                        a, 9, &r);
    free(crit);
    if (rc != 0)
        return -1;
    rc = r.nrows == 1 ? 0 : 1;
    fp_db_res_free(&r);
    for (int i = 0; rc == 0 && i < res->nartifacts; i++)
        if (fp_store_artifact_put(db, job->id, res->artifacts[i].kind, res->artifacts[i].body,
                                  res->artifacts[i].len) != 0)
            rc = -1;
    return rc;
}

int fp_queue_finish(fp_db_t *db, const fp_job_t *job, const fp_queue_result_t *res)
{
    if (fp_db_begin(db) != 0)
        return -1;
    int rc = record(db, job, res);
    if (rc != 0) {
        fp_db_rollback(db);
        return rc;
    }
    return fp_db_commit(db) == 0 ? 0 : -1;
}

int fp_queue_release(fp_db_t *db, const fp_job_t *job)
{
    char ids[24];
    fp_dbarg_t a[] = {fp_db_int(ids, job->id), fp_db_text(job->lease)};
    return fp_db_exec(db,
                      "UPDATE submissions SET state = 'queued', attempts = attempts - 1, lease = NULL, worker = NULL"
                      " WHERE id = ? AND lease = ? AND state = 'running'",
                      a, 2, NULL);
}
