/* web.c: the service's web pages (see web.h). */
#include "web.h"

#include <string.h>

const char *fp_web_session_token(struct MHD_Connection *c)
{
    return MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "fp_session");
}

enum MHD_Result fp_web_route(fp_db_t *db, const fp_config_t *cfg, struct MHD_Connection *c, const char *url,
                             const char *method, const fp_http_body_t *b)
{
    (void)db, (void)cfg, (void)url, (void)method, (void)b;
    static char msg[] = "{\"error\":\"no such page\"}";
    return fp_http_send(c, 404, "application/json", msg, strlen(msg), false);
}
