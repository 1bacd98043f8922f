/* store.c: tokens, budgets, submissions and artifacts in the database. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../launcher/util.h"
#include "token.h"

long long fp_store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fp_store_token_add(fp_db_t *db, const char *name, const char *role, char *out)
{
    char hash[65], now[24];
    if (fp_token_new(out) != 0)
        return -1;
    fp_token_hash(out, hash);
    fp_dbarg_t a[] = {fp_db_text(name), fp_db_text(role), fp_db_text(hash), fp_db_int(now, fp_store_now_ms())};
    return fp_db_exec(db, "INSERT INTO tokens (name, role, hash, created) VALUES (?, ?, ?, ?)", a, 4, NULL) == 0 ? 0
                                                                                                             : -1;
}

int fp_store_token_find(fp_db_t *db, const char *token, char *name, char *role)
{
    char hash[65];
    fp_dbres_t r;
    fp_token_hash(token, hash);
    fp_dbarg_t a = fp_db_text(hash);
    if (fp_db_exec(db, "SELECT name, role FROM tokens WHERE hash = ?", &a, 1, &r) != 0)
        return -1;
    int rc = -1;
    if (r.nrows == 1) {
        snprintf(name, 64, "%s", fp_db_cell(&r, 0, 0));
        snprintf(role, 16, "%s", fp_db_cell(&r, 0, 1));
        rc = 0;
    }
    fp_db_res_free(&r);
    return rc;
}

int fp_store_budget_put(fp_db_t *db, const char *name, const char *body)
{
    char now[24];
    fp_dbarg_t a[] = {fp_db_text(name), fp_db_text(body), fp_db_int(now, fp_store_now_ms())};
    if (fp_db_begin(db) != 0)
        return -1;
    if (fp_db_exec(db, "DELETE FROM budgets WHERE name = ?", a, 1, NULL) != 0 ||
        fp_db_exec(db, "INSERT INTO budgets (name, body, updated) VALUES (?, ?, ?)", a, 3, NULL) != 0) {
        fp_db_rollback(db);
        return -1;
    }
    return fp_db_commit(db);
}

char *fp_store_budget_get(fp_db_t *db, const char *name)
{
    fp_dbres_t r;
    fp_dbarg_t a = fp_db_text(name);
    if (fp_db_exec(db, "SELECT body FROM budgets WHERE name = ?", &a, 1, &r) != 0)
        return NULL;
    char *body = r.nrows ? fp_xstrdup(fp_db_cell(&r, 0, 0)) : NULL;
    fp_db_res_free(&r);
    return body;
}

json_t *fp_store_budget_list(fp_db_t *db)
{
    fp_dbres_t r;
    json_t *list = json_array();
    if (fp_db_exec(db, "SELECT name, body FROM budgets ORDER BY name", NULL, 0, &r) != 0)
        return list;
    for (int i = 0; i < r.nrows; i++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "name", fp_db_cell(&r, i, 0), "body",
                                              fp_db_cell(&r, i, 1)));
    fp_db_res_free(&r);
    return list;
}

static long long find_key(fp_db_t *db, const char *submitter, const char *key)
{
    fp_dbres_t r;
    fp_dbarg_t a[] = {fp_db_text(submitter), fp_db_text(key)};
    if (fp_db_exec(db, "SELECT id FROM submissions WHERE submitter = ? AND idem_key = ?", a, 2, &r) != 0)
        return -1;
    long long id = r.nrows ? fp_db_cell_int(&r, 0, 0) : 0;
    fp_db_res_free(&r);
    return id;
}

long long fp_store_submit(fp_db_t *db, const fp_store_new_t *s, bool *existed)
{
    *existed = false;
    long long id = s->key ? find_key(db, s->submitter, s->key) : 0;
    if (id != 0) {
        *existed = id > 0;
        return id;
    }
    char now[24];
    fp_dbarg_t a[] = {fp_db_text(s->submitter), fp_db_text(s->key),         fp_db_text(s->filename),
                      fp_db_blob(s->content, s->len), fp_db_text(s->budget), fp_db_text(s->budget_body),
                      fp_db_text(s->python),          fp_db_int(now, fp_store_now_ms())};
    fp_dbres_t r;
    int rc = fp_db_exec(db,
                        "INSERT INTO submissions (submitter, idem_key, filename, content, budget, budget_body,"
                        " python, created, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued') RETURNING id",
                        a, 8, &r);
    if (rc == -2 && s->key) { /* the same key raced in from a retry: that one stands */
        *existed = true;
        return find_key(db, s->submitter, s->key);
    }
    if (rc != 0)
        return -1;
    id = r.nrows ? fp_db_cell_int(&r, 0, 0) : -1;
    fp_db_res_free(&r);
    return id;
}

#define SUBMISSION_COLUMNS                                                                                   \
    "id, submitter, filename, budget, python, created, state, verdict, criteria, peak_bytes, elapsed_s,"     \
    " cpu_s, exit_code, attempts, started, finished, cancel"

static json_t *num_or_null(const char *s, bool real)
{
    if (!s)
        return json_null();
    return real ? json_real(strtod(s, NULL)) : json_integer(strtoll(s, NULL, 10));
}

static json_t *row_json(const fp_dbres_t *r, int i)
{
    const char *criteria = fp_db_cell(r, i, 8);
    json_t *crit = criteria ? json_loads(criteria, 0, NULL) : NULL;
    const char *verdict = fp_db_cell(r, i, 7);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:b}",
                     "id", (json_int_t)fp_db_cell_int(r, i, 0), "submitter", fp_db_cell(r, i, 1), "filename",
                     fp_db_cell(r, i, 2), "budget", fp_db_cell(r, i, 3), "python", fp_db_cell(r, i, 4),
                     "created_ms", num_or_null(fp_db_cell(r, i, 5), false), "state", fp_db_cell(r, i, 6),
                     "verdict", verdict ? json_string(verdict) : json_null(), "criteria",
                     crit ? crit : json_null(), "peak_bytes", num_or_null(fp_db_cell(r, i, 9), false),
                     "elapsed_s", num_or_null(fp_db_cell(r, i, 10), true), "cpu_s",
                     num_or_null(fp_db_cell(r, i, 11), true), "exit_code",
                     num_or_null(fp_db_cell(r, i, 12), false), "attempts", (json_int_t)fp_db_cell_int(r, i, 13),
                     "started_ms", num_or_null(fp_db_cell(r, i, 14), false), "finished_ms",
                     num_or_null(fp_db_cell(r, i, 15), false), "cancel_requested",
                     fp_db_cell_int(r, i, 16) != 0);
}

json_t *fp_store_get(fp_db_t *db, long long id)
{
    char buf[24];
    fp_dbarg_t a = fp_db_int(buf, id);
    fp_dbres_t r;
    if (fp_db_exec(db, "SELECT " SUBMISSION_COLUMNS " FROM submissions WHERE id = ?", &a, 1, &r) != 0)
        return NULL;
    json_t *j = r.nrows ? row_json(&r, 0) : NULL;
    fp_db_res_free(&r);
    return j;
}

json_t *fp_store_list(fp_db_t *db, const char *submitter, const char *state, int limit)
{
    char buf[24];
    fp_dbarg_t a[] = {fp_db_text(submitter), fp_db_text(submitter), fp_db_text(state), fp_db_text(state),
                      fp_db_int(buf, limit)};
    fp_dbres_t r;
    json_t *list = json_array();
    if (fp_db_exec(db,
                   "SELECT " SUBMISSION_COLUMNS " FROM submissions WHERE (CAST(? AS TEXT) IS NULL OR submitter = ?)"
                   " AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY id DESC LIMIT ?",
                   a, 5, &r) != 0) {
        json_decref(list);
        return NULL;
    }
    for (int i = 0; i < r.nrows; i++)
        json_array_append_new(list, row_json(&r, i));
    fp_db_res_free(&r);
    return list;
}

int fp_store_cancel(fp_db_t *db, long long id)
{
    char buf[24], now[24];
    fp_dbarg_t a[] = {fp_db_int(now, fp_store_now_ms()), fp_db_int(buf, id)};
    fp_dbres_t r;
    if (fp_db_exec(db,
                   "UPDATE submissions SET state = 'done', verdict = 'cancelled', finished = ?"
                   " WHERE id = ? AND state = 'queued' RETURNING id",
                   a, 2, &r) != 0)
        return -1;
    int n = r.nrows;
    fp_db_res_free(&r);
    if (n)
        return 0;
    if (fp_db_exec(db, "UPDATE submissions SET cancel = 1 WHERE id = ? AND state = 'running' RETURNING id", a + 1,
                   1, &r) != 0)
        return -1;
    n = r.nrows;
    fp_db_res_free(&r);
    return n ? 0 : 1;
}

int fp_store_artifact_get(fp_db_t *db, long long id, const char *kind, char **body, size_t *len)
{
    char buf[24];
    fp_dbarg_t a[] = {fp_db_int(buf, id), fp_db_text(kind)};
    fp_dbres_t r;
    if (fp_db_exec(db, "SELECT body FROM artifacts WHERE submission = ? AND kind = ?", a, 2, &r) != 0)
        return -1;
    int rc = -1;
    if (r.nrows && r.v[0]) {
        *body = r.v[0];
        *len = r.len[0];
        r.v[0] = NULL;
        rc = 0;
    }
    fp_db_res_free(&r);
    return rc;
}

int fp_store_artifact_put(fp_db_t *db, long long id, const char *kind, const void *body, size_t len)
{
    char buf[24];
    fp_dbarg_t a[] = {fp_db_int(buf, id), fp_db_text(kind), fp_db_blob(body, len)};
    fp_db_exec(db, "DELETE FROM artifacts WHERE submission = ? AND kind = ?", a, 2, NULL);
    return fp_db_exec(db, "INSERT INTO artifacts (submission, kind, body) VALUES (?, ?, ?)", a, 3, NULL);
}

int fp_store_prune(fp_db_t *db, long long before_ms)
{
    char buf[24];
    fp_dbarg_t a = fp_db_int(buf, before_ms);
    fp_dbres_t r;
    if (fp_db_exec(db,
                   "DELETE FROM artifacts WHERE submission IN (SELECT id FROM submissions WHERE state = 'done'"
                   " AND finished < ?) RETURNING submission",
                   &a, 1, &r) != 0)
        return -1;
    int n = r.nrows;
    fp_db_res_free(&r);
    return n;
}
