/* api.c: the JSON API v1 on libmicrohttpd (see api.h): the request's
 * body, the caller's token, the routes, the answers. */
#include "api.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../launcher/budget.h"
#include "../launcher/tomlfile.h"
#include "../launcher/util.h"
#include "archive.h"
#include "http.h"
#include "intake.h"
#include "store.h"
#include "token.h"
#include "web.h"

struct fp_api {
    struct MHD_Daemon *daemon;
    fp_db_t *db;
    const fp_config_t *cfg;
};

/* ---- answers ---- */

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return fp_http_send(c, status, "application/json", text, strlen(text), true);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return send_json(c, status, json_pack("{s:s}", "error", msg));
}

/* ---- who is asking ---- */

/* The caller from "Authorization: Bearer T" or the session cookie:
 * 0 with NAME and ROLE, or -1. */
static int caller(fp_api_t *api, struct MHD_Connection *c, const char *method, char *name, char *role)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *token = NULL;
    if (auth && strncmp(auth, "Bearer ", 7) == 0)
        token = auth + 7;
    if (!token && strcmp(method, "GET") == 0) /* a page's script reads; changes need the token or a form's CSRF */
        token = fp_web_session_token(c);
    if (!token || strlen(token) > 128)
        return -1;
    return fp_store_token_find(api->db, token, name, role);
}

/* ---- routes ---- */

static enum MHD_Result health(fp_api_t *api, struct MHD_Connection *c)
{
    fp_dbres_t r;
    if (fp_db_exec(api->db, "SELECT state, COUNT(*) FROM submissions GROUP BY state", NULL, 0, &r) != 0)
        return send_json(c, 503, json_pack("{s:s, s:s}", "status", "unavailable", "error", fp_db_error(api->db)));
    json_t *j = json_pack("{s:s, s:i, s:i, s:i}", "status", "ok", "queued", 0, "running", 0, "done", 0);
    for (int i = 0; i < r.nrows; i++)
        json_object_set_new(j, fp_db_cell(&r, i, 0), json_integer(fp_db_cell_int(&r, i, 1)));
    fp_db_res_free(&r);
    return send_json(c, 200, j);
}

/* The submission ID if CALLER may see it (a submitter sees their own). */
static json_t *visible(fp_api_t *api, long long id, const char *name, const char *role)
{
    json_t *s = fp_store_get(api->db, id);
    if (s && !fp_token_sees_all(role) && strcmp(json_string_value(json_object_get(s, "submitter")), name) != 0) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

static enum MHD_Result list(fp_api_t *api, struct MHD_Connection *c, const char *name, const char *role)
{
    const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    const char *who = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "submitter");
    const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    int limit = lim ? atoi(lim) : 100;
    if (limit < 1 || limit > 1000)
        return send_error(c, 400, "limit must be from 1 to 1000");
    if (!fp_token_sees_all(role))
        who = name;
    json_t *l = fp_store_list(api->db, who, state, limit);
    if (!l)
        return send_error(c, 500, fp_db_error(api->db));
    return send_json(c, 200, json_pack("{s:o}", "submissions", l));
}

static enum MHD_Result submit(fp_api_t *api, struct MHD_Connection *c, const fp_http_body_t *b, const char *name)
{
    fp_intake_t in = {.submitter = name, .data = b->data, .len = b->len,
                      .filename = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filename"),
                      .budget = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "budget"),
                      .python = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "python"),
                      .key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key")};
    char err[512], url[64];
    bool existed;
    int status;
    if (!in.filename)
        return send_error(c, 400, "give filename= (a plain name ending in .py, .tar, .tar.gz, .tgz or .zip)");
    long long id = fp_intake_submit(api->db, api->cfg, &in, &existed, &status, err, sizeof err);
    if (id < 0)
        return send_error(c, (unsigned)status, err);
    snprintf(url, sizeof url, "/api/v1/submissions/%lld", id);
    return send_json(c, existed ? 200 : 201,
                     json_pack("{s:I, s:b, s:s}", "id", (json_int_t)id, "existed", existed, "url", url));
}

static const char *artifact_type(const char *kind)
{
    if (strcmp(kind, "profile") == 0)
        return "application/json";
    if (strcmp(kind, "report") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(kind, "stdout") == 0 || strcmp(kind, "stderr") == 0 || strcmp(kind, "check") == 0)
        return "text/plain; charset=utf-8";
    return NULL;
}

static enum MHD_Result one(fp_api_t *api, struct MHD_Connection *c, const char *method, long long id,
                           const char *what, const char *name, const char *role)
{
    json_t *s = visible(api, id, name, role);
    if (!s)
        return send_error(c, 404, "no such submission");
    if (!*what && strcmp(method, "GET") == 0)
        return send_json(c, 200, s);
    json_decref(s);
    if (strcmp(what, "/cancel") == 0 && strcmp(method, "POST") == 0) {
        int rc = fp_store_cancel(api->db, id);
        if (rc < 0)
            return send_error(c, 500, fp_db_error(api->db));
        return rc == 1 ? send_error(c, 409, "the submission has already finished")
                       : send_json(c, 202, json_pack("{s:I, s:b}", "id", (json_int_t)id, "cancelled", true));
    }
    const char *type = what[0] == '/' ? artifact_type(what + 1) : NULL;
    if (!type || strcmp(method, "GET") != 0)
        return send_error(c, 404, "no such route (see docs/serve.md)");
    char *body;
    size_t len;
    if (fp_store_artifact_get(api->db, id, what + 1, &body, &len) != 0)
        return send_error(c, 404, "no such artifact (not run yet, or pruned)");
    return fp_http_send(c, 200, type, body, len, true);
}

static enum MHD_Result budgets(fp_api_t *api, struct MHD_Connection *c, const char *method, const char *bname,
                               const fp_http_body_t *b, const char *role)
{
    if (!*bname && strcmp(method, "GET") == 0)
        return send_json(c, 200, json_pack("{s:o}", "budgets", fp_store_budget_list(api->db)));
    if (!*bname || strcmp(method, "PUT") != 0)
        return send_error(c, 404, "no such route (see docs/serve.md)");
    if (strcmp(role, "admin") != 0)
        return send_error(c, 403, "only an admin manages budgets");
    char err[256];
    json_t *doc = fp_toml_parse(b->data ? b->data : "", b->len, err, sizeof err);
    fp_budget_list_t l = {0};
    int ok = doc && fp_budget_from_toml(&l, doc, bname) == 0;
    fp_budget_free(&l);
    json_decref(doc);
    if (!ok || strlen(bname) > 64 || memchr(b->data, 0, b->len))
        return send_error(c, 400, "not a budget file in footprint check's format (see README.md, \"Budgets\")");
    char *text = fp_xasprintf("%.*s", (int)b->len, b->data);
    int rc = fp_store_budget_put(api->db, bname, text);
    free(text);
    return rc == 0 ? send_json(c, 200, json_pack("{s:s}", "name", bname)) : send_error(c, 500, fp_db_error(api->db));
}

static enum MHD_Result tokens(fp_api_t *api, struct MHD_Connection *c, const fp_http_body_t *b, const char *role)
{
    if (strcmp(role, "admin") != 0)
        return send_error(c, 403, "only an admin manages tokens");
    json_error_t je;
    json_t *j = b->len ? json_loadb(b->data, b->len, 0, &je) : NULL;
    const char *tname = json_string_value(json_object_get(j, "name"));
    const char *trole = json_string_value(json_object_get(j, "role"));
    char token[48];
    enum MHD_Result rc;
    if (!j)
        rc = send_error(c, 400, "the body is not JSON: {\"name\": ..., \"role\": ...}");
    else if (!tname || !*tname || strlen(tname) > 63 || !fp_token_role_valid(trole))
        rc = send_error(c, 400, "give a name (1 to 63 characters) and a role: submitter, reviewer or admin");
    else if (fp_store_token_add(api->db, tname, trole, token) != 0)
        rc = send_error(c, 500, fp_db_error(api->db));
    else
        rc = send_json(c, 201, json_pack("{s:s, s:s, s:s}", "name", tname, "role", trole, "token", token));
    json_decref(j);
    return rc;
}

static enum MHD_Result route(fp_api_t *api, struct MHD_Connection *c, const char *url, const char *method,
                             const fp_http_body_t *b)
{
    if (strcmp(url, "/api/v1/health") == 0)
        return health(api, c);
    if (strncmp(url, "/api/", 5) != 0)
        return fp_web_route(api->db, api->cfg, c, url, method, b);
    if (b->too_big)
        return send_error(c, 413, "the upload is larger than the service takes");
    char name[64], role[16];
    if (caller(api, c, method, name, role) != 0)
        return send_error(c, 401, "a valid token is needed: Authorization: Bearer TOKEN");
    long long id;
    int used = 0;
    if (strcmp(url, "/api/v1/submissions") == 0)
        return strcmp(method, "POST") == 0 ? submit(api, c, b, name) : list(api, c, name, role);
    if (sscanf(url, "/api/v1/submissions/%lld%n", &id, &used) == 1 && id > 0)
        return one(api, c, method, id, url + used, name, role);
    if (strncmp(url, "/api/v1/budgets", 15) == 0 && (url[15] == '\0' || url[15] == '/'))
        return budgets(api, c, method, url[15] ? url + 16 : "", b, role);
    if (strcmp(url, "/api/v1/tokens") == 0 && strcmp(method, "POST") == 0)
        return tokens(api, c, b, role);
    return send_error(c, 404, "no such route (see docs/serve.md)");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    fp_api_t *api = cls;
    int more = fp_http_body(c, api->cfg->max_upload, upload, upload_size, con_cls);
    if (more)
        return MHD_YES;
    return route(api, c, url, method, *con_cls);
}

fp_api_t *fp_api_start(fp_db_t *db, const fp_config_t *cfg, char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    char host[64];
    unsigned port = 0;
    if (sscanf(cfg->listen, "%63[^:]:%u", host, &port) != 2 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "--listen '%s' is not HOST:PORT (an IPv4 address, e.g. 127.0.0.1:8700)", cfg->listen);
        return NULL;
    }
    sa.sin_port = htons((uint16_t)port);
    fp_api_t *api = fp_xcalloc(1, sizeof *api);
    api->db = db;
    api->cfg = cfg;
    api->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL,
                                   NULL, on_request, api, MHD_OPTION_SOCK_ADDR, &sa,
                                   MHD_OPTION_NOTIFY_COMPLETED, fp_http_done, NULL,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
                                   (unsigned)256, MHD_OPTION_END);
    if (!api->daemon) {
        snprintf(err, errlen, "cannot listen on %s (in use, or not an address of this host)", cfg->listen);
        free(api);
        return NULL;
    }
    return api;
}

void fp_api_stop(fp_api_t *api)
{
    if (!api)
        return;
    MHD_stop_daemon(api->daemon);
    free(api);
}
