/* api.h: the HTTP side of `footprint serve`: the JSON API v1 (and the web
 * pages, web.h), on libmicrohttpd. Every route but health needs a token.
 * See docs/serve.md for the routes. */
#ifndef FP_API_H
#define FP_API_H

#include <stddef.h>

#include "config.h"
#include "db.h"

typedef struct fp_api fp_api_t;

/* Listens on CFG's address; requests are answered on one thread with DB,
 * which the caller keeps open until fp_api_stop. NULL and ERR on failure. */
fp_api_t *fp_api_start(fp_db_t *db, const fp_config_t *cfg, char *err, size_t errlen);
void fp_api_stop(fp_api_t *api);

#endif
