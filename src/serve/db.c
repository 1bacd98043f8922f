/* db.c: the two database backends behind db.h: SQLite (the embedded
 * default, WAL mode) and PostgreSQL (libpq, for workers on many hosts). */
#include "db.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../launcher/util.h"

struct fp_db {
    sqlite3 *lite;
    PGconn *pg;
    char err[512];
};

fp_dbarg_t fp_db_text(const char *s)
{
    return (fp_dbarg_t){s, s ? strlen(s) : 0, false};
}

fp_dbarg_t fp_db_int(char *buf, long long v)
{
    snprintf(buf, 24, "%lld", v);
    return fp_db_text(buf);
}

fp_dbarg_t fp_db_blob(const void *p, size_t len)
{
    return (fp_dbarg_t){p ? p : "", len, true};
}

bool fp_db_is_postgres(const fp_db_t *db)
{
    return db->pg != NULL;
}

const char *fp_db_error(const fp_db_t *db)
{
    return db->err;
}

/* SQL with the markers filled in for this backend, and, for PostgreSQL,
 * `?` numbered as $1, $2, ... (no query of ours has a `?` in a string). */
static char *dialect(const fp_db_t *db, const char *sql)
{
    static const char *const marks[][3] = {
        {"@ID@", "INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY"},
        {"@BLOB@", "BLOB", "BYTEA"},
        {"@LOCK@", "", "FOR UPDATE SKIP LOCKED"},
    };
    size_t cap = strlen(sql) * 2 + 64, n = 0;
    char *out = fp_xmalloc(cap);
    int param = 0;
    for (const char *s = sql; *s;) {
        const char *rep = NULL;
        size_t skip = 0;
        for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++)
            if (strncmp(s, marks[m][0], strlen(marks[m][0])) == 0) {
                rep = marks[m][db->pg ? 2 : 1];
                skip = strlen(marks[m][0]);
            }
        char num[16], one[2] = {*s, 0};
        if (!rep && *s == '?' && db->pg) {
            snprintf(num, sizeof num, "$%d", ++param);
            rep = num;
            skip = 1;
        }
        if (!rep) {
            rep = one;
            skip = 1;
        }
        size_t rl = strlen(rep);
        if (n + rl + 1 > cap)
            out = fp_xrealloc(out, cap = (n + rl + 1) * 2);
        memcpy(out + n, rep, rl);
        n += rl;
        s += skip;
    }
    out[n] = '\0';
    return out;
}

static void res_init(fp_dbres_t *res, int nrows, int ncols)
{
    res->nrows = nrows;
    res->ncols = ncols;
    size_t cells = (size_t)nrows * (size_t)ncols;
    res->v = fp_xcalloc(cells ? cells : 1, sizeof *res->v);
    res->len = fp_xcalloc(cells ? cells : 1, sizeof *res->len);
}

static void res_set(fp_dbres_t *res, int row, int col, const void *p, size_t len)
{
    size_t i = (size_t)row * (size_t)res->ncols + (size_t)col;
    if (!p)
        return;
    res->v[i] = fp_xmalloc(len + 1);
    memcpy(res->v[i], p, len);
    res->v[i][len] = '\0';
    res->len[i] = len;
}

void fp_db_res_free(fp_dbres_t *res)
{
    if (!res || !res->v)
        return;
    for (int i = 0; i < res->nrows * res->ncols; i++)
        free(res->v[i]);
    free(res->v);
    free(res->len);
    res->v = NULL;
    res->len = NULL;
    res->nrows = 0;
}

const char *fp_db_cell(const fp_dbres_t *res, int row, int col)
{
    if (row >= res->nrows || col >= res->ncols)
        return NULL;
    return res->v[(size_t)row * (size_t)res->ncols + (size_t)col];
}

long long fp_db_cell_int(const fp_dbres_t *res, int row, int col)
{
    const char *s = fp_db_cell(res, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

/* ---- SQLite ---- */

static int lite_fail(fp_db_t *db, const char *what)
{
    snprintf(db->err, sizeof db->err, "%s: %s", what, sqlite3_errmsg(db->lite));
    int ext = sqlite3_extended_errcode(db->lite);
    return ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ? -2 : -1;
}

/* A statement's rows, grown as they come. */
static int lite_rows(fp_db_t *db, sqlite3_stmt *st, fp_dbres_t *res)
{
    int ncols = sqlite3_column_count(st), cap = 16, n = 0, rc;
    fp_dbres_t tmp;
    res_init(&tmp, cap, ncols);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!res)
            continue;
        if (n == cap) {
            tmp.v = fp_xrealloc(tmp.v, (size_t)cap * 2 * (size_t)ncols * sizeof *tmp.v);
            tmp.len = fp_xrealloc(tmp.len, (size_t)cap * 2 * (size_t)ncols * sizeof *tmp.len);
            memset(tmp.v + (size_t)cap * (size_t)ncols, 0, (size_t)cap * (size_t)ncols * sizeof *tmp.v);
            cap *= 2;
        }
        for (int c = 0; c < ncols; c++) {
            const void *p = sqlite3_column_type(st, c) == SQLITE_NULL ? NULL : sqlite3_column_blob(st, c);
            size_t len = (size_t)sqlite3_column_bytes(st, c);
            res_set(&tmp, n, c, p ? p : (sqlite3_column_type(st, c) == SQLITE_NULL ? NULL : ""), len);
        }
        n++;
    }
    tmp.nrows = n;
    if (rc != SQLITE_DONE) {
        fp_db_res_free(&tmp);
        return lite_fail(db, "query");
    }
    if (res)
        *res = tmp;
    else
        fp_db_res_free(&tmp);
    return 0;
}

static int lite_exec(fp_db_t *db, const char *sql, const fp_dbarg_t *args, int n, fp_dbres_t *res)
{
    sqlite3_stmt *st = NULL;
    const char *tail = sql;
    int rc = 0;
    /* several statements (a migration) run one after another; arguments go to the first */
    while (rc == 0 && tail && *tail) {
        if (sqlite3_prepare_v2(db->lite, tail, -1, &st, &tail) != SQLITE_OK)
            return lite_fail(db, "prepare");
        if (!st)
            break;
        for (int i = 0; i < n && i < sqlite3_bind_parameter_count(st); i++) {
            if (!args[i].p)
                sqlite3_bind_null(st, i + 1);
            else if (args[i].blob)
                sqlite3_bind_blob(st, i + 1, args[i].p, (int)args[i].len, SQLITE_TRANSIENT);
            else
                sqlite3_bind_text(st, i + 1, args[i].p, (int)args[i].len, SQLITE_TRANSIENT);
        }
        rc = lite_rows(db, st, res);
        sqlite3_finalize(st);
        n = 0;
    }
    return rc;
}

static fp_db_t *lite_open(fp_db_t *db, const char *path, char *err, size_t errlen)
{
    if (sqlite3_open_v2(path, &db->lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open database '%s': %s", path, sqlite3_errmsg(db->lite));
        fp_db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->lite, 10000);
    if (lite_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL, 0,
                  NULL) != 0) {
        snprintf(err, errlen, "cannot open database '%s': %s", path, db->err);
        fp_db_close(db);
        return NULL;
    }
    return db;
}

/* ---- PostgreSQL ---- */

static int pg_exec(fp_db_t *db, const char *sql, const fp_dbarg_t *args, int n, fp_dbres_t *res)
{
    const char *vals[32];
    int lens[32], fmts[32];
    if (n > 32)
        n = 32;
    for (int i = 0; i < n; i++) {
        vals[i] = args[i].p;
        lens[i] = (int)args[i].len;
        fmts[i] = args[i].blob ? 1 : 0;
    }
    /* without arguments, PQexec, which takes several statements (a migration) */
    PGresult *r = n == 0 ? PQexec(db->pg, sql) : PQexecParams(db->pg, sql, n, NULL, vals, lens, fmts, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        snprintf(db->err, sizeof db->err, "%s", PQresultErrorMessage(r));
        db->err[strcspn(db->err, "\n")] = '\0';
        PQclear(r);
        return state && strcmp(state, "23505") == 0 ? -2 : -1;
    }
    if (res) {
        res_init(res, PQntuples(r), PQnfields(r));
        for (int row = 0; row < res->nrows; row++)
            for (int c = 0; c < res->ncols; c++) {
                if (PQgetisnull(r, row, c))
                    continue;
                const char *v = PQgetvalue(r, row, c);
                if (PQftype(r, c) == 17) { /* bytea comes back escaped */
                    size_t len = 0;
                    unsigned char *raw = PQunescapeBytea((const unsigned char *)v, &len);
                    res_set(res, row, c, raw, len);
                    PQfreemem(raw);
                } else {
                    res_set(res, row, c, v, (size_t)PQgetlength(r, row, c));
                }
            }
    }
    PQclear(r);
    return 0;
}

static fp_db_t *pg_open(fp_db_t *db, const char *url, char *err, size_t errlen)
{
    db->pg = PQconnectdb(url);
    if (PQstatus(db->pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to the database: %s", PQerrorMessage(db->pg));
        err[strcspn(err, "\n")] = '\0';
        fp_db_close(db);
        return NULL;
    }
    PGresult *r = PQexec(db->pg, "SET client_min_messages = warning");
    PQclear(r);
    return db;
}

/* ---- both ---- */

fp_db_t *fp_db_open(const char *url, char *err, size_t errlen)
{
    fp_db_t *db = fp_xcalloc(1, sizeof *db);
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return pg_open(db, url, err, errlen);
    if (strncmp(url, "sqlite://", 9) == 0)
        url += 9;
    return lite_open(db, url, err, errlen);
}

void fp_db_close(fp_db_t *db)
{
    if (!db)
        return;
    if (db->lite)
        sqlite3_close(db->lite);
    if (db->pg)
        PQfinish(db->pg);
    free(db);
}

int fp_db_exec(fp_db_t *db, const char *sql, const fp_dbarg_t *args, int n, fp_dbres_t *res)
{
    if (res)
        memset(res, 0, sizeof *res);
    char *q = dialect(db, sql);
    int rc = db->pg ? pg_exec(db, q, args, n, res) : lite_exec(db, q, args, n, res);
    free(q);
    return rc;
}

int fp_db_begin(fp_db_t *db)
{
    /* SQLite: take the write lock now, so two claims never both read the same queued job */
    return fp_db_exec(db, db->pg ? "BEGIN" : "BEGIN IMMEDIATE", NULL, 0, NULL);
}

int fp_db_commit(fp_db_t *db)
{
    return fp_db_exec(db, "COMMIT", NULL, 0, NULL);
}

void fp_db_rollback(fp_db_t *db)
{
    char keep[sizeof db->err];
    memcpy(keep, db->err, sizeof keep);
    fp_db_exec(db, "ROLLBACK", NULL, 0, NULL);
    memcpy(db->err, keep, sizeof keep);
}
