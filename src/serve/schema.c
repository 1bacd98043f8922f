/* schema.c: the migrations, oldest first. A migration is never edited once
 * released: a change is a new one at the end. */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const migrations[] = {
    /* 1: tokens, budgets, submissions (each its own job), artifacts, the fair queue's turns */
    "CREATE TABLE tokens (id @ID@, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
    "  created BIGINT NOT NULL);"
    "CREATE TABLE budgets (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated BIGINT NOT NULL);"
    "CREATE TABLE submissions (id @ID@, submitter TEXT NOT NULL, idem_key TEXT, filename TEXT NOT NULL,"
    "  content @BLOB@ NOT NULL, budget TEXT NOT NULL, budget_body TEXT NOT NULL, python TEXT NOT NULL,"
    "  created BIGINT NOT NULL, state TEXT NOT NULL, cancel INTEGER NOT NULL DEFAULT 0, verdict TEXT,"
    "  criteria TEXT, peak_bytes BIGINT, elapsed_s DOUBLE PRECISION, cpu_s DOUBLE PRECISION, exit_code INTEGER,"
    "  attempts INTEGER NOT NULL DEFAULT 0, lease TEXT, lease_until BIGINT, worker TEXT, started BIGINT,"
    "  finished BIGINT, UNIQUE (submitter, idem_key));"
    "CREATE INDEX submissions_queue ON submissions (state, submitter, id);"
    "CREATE TABLE artifacts (submission BIGINT NOT NULL, kind TEXT NOT NULL, body @BLOB@ NOT NULL,"
    "  PRIMARY KEY (submission, kind));"
    "CREATE TABLE turns (submitter TEXT PRIMARY KEY, served BIGINT NOT NULL);",
};

int fp_schema_version(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

static int current(fp_db_t *db)
{
    fp_dbres_t r;
    if (fp_db_exec(db, "SELECT value FROM meta WHERE key = 'schema_version'", NULL, 0, &r) != 0)
        return -1;
    int v = r.nrows ? (int)fp_db_cell_int(&r, 0, 0) : 0;
    fp_db_res_free(&r);
    return v;
}

/* Applies migration V (1-based) when the database is still below it. */
static int step(fp_db_t *db, int v, char *err, size_t errlen)
{
    if (fp_db_begin(db) != 0)
        goto fail;
    if (fp_db_is_postgres(db) && fp_db_exec(db, "SELECT pg_advisory_xact_lock(7016)", NULL, 0, NULL) != 0)
        goto fail_tx;
    int have = current(db);
    if (have < 0)
        goto fail_tx;
    if (have < v) {
        char buf[24];
        fp_dbarg_t a = fp_db_int(buf, v);
        if (fp_db_exec(db, migrations[v - 1], NULL, 0, NULL) != 0 ||
            fp_db_exec(db, "DELETE FROM meta WHERE key = 'schema_version'", NULL, 0, NULL) != 0 ||
            fp_db_exec(db, "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", &a, 1, NULL) != 0)
            goto fail_tx;
    }
    if (fp_db_commit(db) != 0)
        goto fail;
    return 0;
fail_tx:
    fp_db_rollback(db);
fail:
    snprintf(err, errlen, "cannot bring the database to schema %d: %s", v, fp_db_error(db));
    return -1;
}

int fp_schema_migrate(fp_db_t *db, char *err, size_t errlen)
{
    if (fp_db_exec(db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", NULL, 0,
                   NULL) != 0 && fp_db_exec(db, "SELECT 1 FROM meta", NULL, 0, NULL) != 0) {
        snprintf(err, errlen, "cannot set up the database: %s", fp_db_error(db));
        return -1;
    }
    int have = current(db);
    if (have > fp_schema_version()) {
        snprintf(err, errlen, "the database has schema %d, newer than this footprint's %d: upgrade footprint",
                 have, fp_schema_version());
        return -1;
    }
    for (int v = 1; v <= fp_schema_version(); v++)
        if (step(db, v, err, errlen) != 0)
            return -1;
    return 0;
}
