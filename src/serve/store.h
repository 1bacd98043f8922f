/* store.h: what the service keeps: tokens, budgets, submissions and their
 * artifacts (queue.h has the jobs' side). Everything is in the database,
 * so workers on other hosts need nothing but its address. */
#ifndef FP_STORE_H
#define FP_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "db.h"

long long fp_store_now_ms(void);

/* Adds a token for NAME with ROLE; the token (shown once) into OUT (48
 * bytes). 0 or -1. */
int fp_store_token_add(fp_db_t *db, const char *name, const char *role, char *out);
/* Looks TOKEN up: 0 and its NAME (64 bytes) and ROLE (16 bytes), or -1. */
int fp_store_token_find(fp_db_t *db, const char *token, char *name, char *role);

int fp_store_budget_put(fp_db_t *db, const char *name, const char *body);
/* The budget's TOML text (caller frees), or NULL. */
char *fp_store_budget_get(fp_db_t *db, const char *name);
/* [{"name":..., "body":...}], new. */
json_t *fp_store_budget_list(fp_db_t *db);

typedef struct fp_store_new {
    const char *submitter, *key; /* key: the client's idempotency key, or NULL */
    const char *filename;
    const void *content;
    size_t len;
    const char *budget, *budget_body, *python;
} fp_store_new_t;

/* Queues a submission; its id, or the id of the one made earlier with the
 * same submitter and key (*EXISTED set). -1 on failure. */
long long fp_store_submit(fp_db_t *db, const fp_store_new_t *s, bool *existed);

/* A submission as JSON (new), or NULL when there is none. */
json_t *fp_store_get(fp_db_t *db, long long id);
/* Submissions, newest first: SUBMITTER and STATE filter when not NULL. */
json_t *fp_store_list(fp_db_t *db, const char *submitter, const char *state, int limit);
/* Cancels a submission: a queued one at once, a running one at its
 * worker's next heartbeat. 0, 1 when it had already finished, -1. */
int fp_store_cancel(fp_db_t *db, long long id);

/* An artifact ("profile", "report", "stdout", "stderr", "check"): 0 and
 * the bytes (caller frees), or -1. */
int fp_store_artifact_get(fp_db_t *db, long long id, const char *kind, char **body, size_t *len);
int fp_store_artifact_put(fp_db_t *db, long long id, const char *kind, const void *body, size_t len);
/* Drops the artifacts of submissions finished before BEFORE_MS; verdicts
 * and figures stay. The number dropped, or -1. */
int fp_store_prune(fp_db_t *db, long long before_ms);

#endif
