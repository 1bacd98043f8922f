/* http.c: request bodies and answers over libmicrohttpd (see http.h). */
#include "http.h"

#include <stdlib.h>
#include <string.h>

#include "../launcher/util.h"

typedef struct body_state {
    fp_http_body_t b;
    size_t cap;
    bool started;
} body_state;

int fp_http_body(struct MHD_Connection *c, long long cap, const char *upload, size_t *upload_size, void **con_cls)
{
    body_state *s = *con_cls;
    if (!s) {
        s = fp_xcalloc(1, sizeof *s);
        *con_cls = s;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoll(cl, NULL, 10) > cap)
            s->b.too_big = true;
        return 1;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (s->b.too_big || (long long)(s->b.len + n) > cap) {
            s->b.too_big = true;
            return 1;
        }
        if (s->b.len + n + 1 > s->cap)
            s->b.data = fp_xrealloc(s->b.data, s->cap = (s->b.len + n + 1) * 2);
        memcpy(s->b.data + s->b.len, upload, n);
        s->b.len += n;
        s->b.data[s->b.len] = '\0';
        return 1;
    }
    if (!s->b.data)
        s->b.data = fp_xcalloc(1, 1);
    return 0;
}

void fp_http_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    body_state *s = *con_cls;
    if (s) {
        free(s->b.data);
        free(s);
    }
    *con_cls = NULL;
}

enum MHD_Result fp_http_send_with(struct MHD_Connection *c, unsigned status, const char *type, char *body,
                                  size_t len, bool free_it, const char *const *headers)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, free_it ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    for (int i = 0; headers && headers[i]; i += 2)
        MHD_add_response_header(r, headers[i], headers[i + 1]);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

enum MHD_Result fp_http_send(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
                             bool free_it)
{
    /* an answer that is not a page of ours (a report, a log) runs nothing of the service's origin */
    static const char *const h[] = {"Content-Security-Policy",
                                    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
                                    "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
                                    "X-Frame-Options", "SAMEORIGIN", NULL};
    return fp_http_send_with(c, status, type, body, len, free_it, h);
}
