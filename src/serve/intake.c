/* intake.c: checking and queueing an upload (see intake.h). */
#include "intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "store.h"

static const char *python_of(const fp_config_t *cfg, const char *p)
{
    if (!p || !*p)
        return cfg->pythons[0];
    for (int i = 0; i < cfg->npythons; i++)
        if (strcmp(p, cfg->pythons[i]) == 0)
            return p;
    return NULL;
}

static int fail(int *status, int code, char *err, size_t errlen, const char *msg)
{
    *status = code;
    snprintf(err, errlen, "%s", msg);
    return -1;
}

long long fp_intake_submit(fp_db_t *db, const fp_config_t *cfg, const fp_intake_t *in, bool *existed, int *status,
                           char *err, size_t errlen)
{
    *existed = false;
    if (!fp_archive_name_ok(in->filename))
        return fail(status, 400, err, errlen,
                    "the file name must be a plain name ending in .py, .tar, .tar.gz, .tgz or .zip");
    if (in->len == 0)
        return fail(status, 400, err, errlen, "the upload is empty");
    if (in->key && (strlen(in->key) > 128 || !*in->key))
        return fail(status, 400, err, errlen, "Idempotency-Key must be 1 to 128 characters");
    json_t *toml = NULL;
    if (fp_archive_is_archive(in->filename) && fp_archive_check(in->data, in->len, &toml, err, errlen) != 0) {
        *status = 400;
        return -1;
    }
    const char *budget = in->budget && *in->budget ? in->budget
                         : json_string_value(json_object_get(json_object_get(toml, "budget"), "value"));
    if (!budget)
        budget = "default";
    const char *python = python_of(cfg, in->python);
    char *body = fp_store_budget_get(db, budget);
    long long id = -1;
    *status = 400;
    if (!body)
        snprintf(err, errlen, "no budget named '%.100s' (GET /api/v1/budgets lists them)", budget);
    else if (!python)
        snprintf(err, errlen, "'%.100s' is not one of the service's interpreters", in->python);
    else {
        fp_store_new_t s = {in->submitter, in->key, in->filename, in->data, in->len, budget, body, python};
        id = fp_store_submit(db, &s, existed);
        if (id < 0) {
            *status = 500;
            snprintf(err, errlen, "%s", fp_db_error(db));
        }
    }
    free(body);
    json_decref(toml);
    return id;
}
