/* intake.h: taking in one upload, the same from the API and the web form:
 * its name, its archive, its budget and interpreter are checked, then it
 * is queued. */
#ifndef FP_INTAKE_H
#define FP_INTAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "db.h"

typedef struct fp_intake {
    const char *submitter, *filename, *budget, *python, *key; /* budget, python, key may be NULL */
    const void *data;
    size_t len;
} fp_intake_t;

/* Queues IN: its id (*EXISTED when the key made it before), or -1 with the
 * HTTP status to answer (400, 500) in *STATUS and why in ERR. */
long long fp_intake_submit(fp_db_t *db, const fp_config_t *cfg, const fp_intake_t *in, bool *existed, int *status,
                           char *err, size_t errlen);

#endif
