/* http.h: the parts of answering over libmicrohttpd that the API and the
 * web pages share: a request's body (size-capped) and sending an answer
 * with the service's security headers. */
#ifndef FP_HTTP_H
#define FP_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct fp_http_body {
    char *data;      /* NUL-terminated (for forms), LEN bytes before it */
    size_t len;
    bool too_big;    /* over the cap: the rest was dropped */
} fp_http_body_t;

/* Gathers the body across libmicrohttpd's calls: 1 while more is coming
 * (answer MHD_YES), 0 when *CON_CLS holds the whole body. */
int fp_http_body(struct MHD_Connection *c, long long cap, const char *upload, size_t *upload_size, void **con_cls);
/* MHD_OPTION_NOTIFY_COMPLETED: frees the body. */
void fp_http_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe);

/* Sends BODY (LEN bytes; freed when FREE) with STATUS and TYPE, and the
 * headers every answer carries (no sniffing, no caching, no framing). */
enum MHD_Result fp_http_send(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
                             bool free_it);
/* The same with a Content-Security-Policy and more headers (NAME, VALUE
 * pairs, NULL-terminated). */
enum MHD_Result fp_http_send_with(struct MHD_Connection *c, unsigned status, const char *type, char *body,
                                  size_t len, bool free_it, const char *const *headers);

#endif
