/* web.h: the service's web pages: server-rendered, a session cookie set by
 * a login form, forms protected from cross-site requests. */
#ifndef FP_WEB_H
#define FP_WEB_H

#include <microhttpd.h>

#include "config.h"
#include "db.h"
#include "http.h"

/* The token the request's session cookie carries, or NULL. */
const char *fp_web_session_token(struct MHD_Connection *c);

/* Answers a request for a page (any URL outside /api/). */
enum MHD_Result fp_web_route(fp_db_t *db, const fp_config_t *cfg, struct MHD_Connection *c, const char *url,
                             const char *method, const fp_http_body_t *b);

#endif
