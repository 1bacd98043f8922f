/* db.h: the store's connection to its database, SQLite or PostgreSQL.
 *
 * The service's queries are written once, with `?` placeholders and two
 * markers a backend fills in: @ID@ (an auto-numbered primary key), @BLOB@
 * (a byte column) in the schema, and @LOCK@ (FOR UPDATE SKIP LOCKED on
 * PostgreSQL, nothing on SQLite, whose writers are serialized by BEGIN
 * IMMEDIATE) in a claim. Arguments go as text or bytes; every result cell
 * comes back as bytes with its length (NULL for SQL NULL). */
#ifndef FP_DB_H
#define FP_DB_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fp_db fp_db_t;

typedef struct fp_dbarg {
    const char *p;   /* NULL: SQL NULL */
    size_t len;
    bool blob;
} fp_dbarg_t;

/* A text argument (NULL stays NULL). */
fp_dbarg_t fp_db_text(const char *s);
/* An integer argument, kept in BUF (at least 24 bytes) until the query runs. */
fp_dbarg_t fp_db_int(char *buf, long long v);
fp_dbarg_t fp_db_blob(const void *p, size_t len);

typedef struct fp_dbres {
    int nrows, ncols;
    char **v;        /* nrows * ncols cells, each NUL-terminated, or NULL */
    size_t *len;
} fp_dbres_t;

/* Opens "postgresql://..." with libpq, anything else as a SQLite file
 * (WAL mode). NULL and a message in ERR on failure. */
fp_db_t *fp_db_open(const char *url, char *err, size_t errlen);
void fp_db_close(fp_db_t *db);
bool fp_db_is_postgres(const fp_db_t *db);

/* Runs SQL with its N arguments; rows into RES when it is not NULL (free
 * them with fp_db_res_free). 0, or -1 with the message in fp_db_error;
 * -2 when a unique constraint refused the row. */
int fp_db_exec(fp_db_t *db, const char *sql, const fp_dbarg_t *args, int n, fp_dbres_t *res);
const char *fp_db_error(const fp_db_t *db);
void fp_db_res_free(fp_dbres_t *res);
/* A cell: the text, or NULL. */
const char *fp_db_cell(const fp_dbres_t *res, int row, int col);
long long fp_db_cell_int(const fp_dbres_t *res, int row, int col);

/* A write transaction: serialized with every other writer. */
int fp_db_begin(fp_db_t *db);
int fp_db_commit(fp_db_t *db);
void fp_db_rollback(fp_db_t *db);

#endif
