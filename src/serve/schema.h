/* schema.h: the service's tables, versioned; the same migrations serve
 * SQLite and PostgreSQL and are applied at start by every process. */
#ifndef FP_SCHEMA_H
#define FP_SCHEMA_H

#include <stddef.h>

#include "db.h"

/* Brings the database to the newest schema, each step in its own
 * transaction, so a server and its workers starting at once apply each
 * step once. 0, or -1 with a message in ERR. */
int fp_schema_migrate(fp_db_t *db, char *err, size_t errlen);

/* The schema version this build writes. */
int fp_schema_version(void);

#endif
