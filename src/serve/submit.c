/* submit.c: `footprint submit --server URL --token T [--budget NAME] path`
 * (libcurl): uploads, waits for the verdict, prints it with its criteria,
 * and exits 0 accepted, 1 rejected, 2 error. One idempotency key per
 * invocation, so a POST retried after a lost answer makes one submission. */
#include "submit.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../launcher/util.h"
#include "token.h"

enum { EXIT_REJECTED = 1, EXIT_USAGE = 2, TRIES = 5 };

typedef struct opts {
    const char *server, *token, *budget, *python, *path;
    bool no_wait;
    int timeout_s;
} opts;

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    buf *b = ctx;
    b->p = fp_xrealloc(b->p, b->n + size * n + 1);
    memcpy(b->p + b->n, p, size * n);
    b->n += size * n;
    b->p[b->n] = '\0';
    return size * n;
}

static void usage(void)
{
    puts("usage: footprint submit --server URL --token TOKEN [options] path\n"
         "\n"
         "Submits a script (.py) or an archive (.tar, .tar.gz, .tgz, .zip with a\n"
         "footprint.toml) to a footprint serve, waits for its verdict and prints it.\n"
         "Exit status: 0 accepted, 1 rejected, 2 error.\n"
         "\n"
         "options:\n"
         "  --server URL      the service (e.g. http://127.0.0.1:8700)\n"
         "  --token TOKEN     your token (footprint serve token add); or FOOTPRINT_TOKEN\n"
         "  --budget NAME     the budget to be judged on (default: the service's)\n"
         "  --python PATH     one of the service's interpreters\n"
         "  --no-wait         print the submission's id and return\n"
         "  --timeout SECONDS give up waiting after this long (default 3600)");
}

static int parse(opts *o, int argc, char **argv)
{
    *o = (opts){.token = getenv("FOOTPRINT_TOKEN"), .timeout_s = 3600};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--server") == 0   ? &o->server
                            : strcmp(a, "--token") == 0  ? &o->token
                            : strcmp(a, "--budget") == 0 ? &o->budget
                            : strcmp(a, "--python") == 0 ? &o->python
                                                         : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            exit(0);
        } else if (strcmp(a, "--no-wait") == 0) {
            o->no_wait = true;
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            o->timeout_s = atoi(argv[++i]);
        } else if (slot && i + 1 < argc) {
            *slot = argv[++i];
        } else if (a[0] != '-' && !o->path) {
            o->path = a;
        } else {
            fp_error("submit: unexpected '%s' (see footprint submit --help)", a);
            return -1;
        }
    }
    if (!o->server || !o->token || !o->path) {
        fp_error("submit: give --server URL, --token TOKEN and a path");
        return -1;
    }
    return 0;
}

/* One request: its status (0 when the server could not be reached), the body into OUT. */
static long request(const opts *o, const char *method, const char *url, const char *body, size_t len,
                    const char *key, buf *out)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char *auth = fp_xasprintf("Authorization: Bearer %s", o->token);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/octet-stream");
    char *k = key ? fp_xasprintf("Idempotency-Key: %s", key) : NULL;
    if (k)
        h = curl_slist_append(h, k);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    long status = 0;
    free(out->p);
    *out = (buf){NULL, 0};
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(auth);
    free(k);
    return status;
}

static const char *error_of(const buf *b)
{
    static char msg[512];
    json_t *j = b->p ? json_loads(b->p, 0, NULL) : NULL;
    snprintf(msg, sizeof msg, "%s", json_string_value(json_object_get(j, "error")) ?: "no answer");
    json_decref(j);
    return msg;
}

static char *escape(const char *s)
{
    CURL *c = curl_easy_init();
    char *e = curl_easy_escape(c, s, 0), *out = fp_xstrdup(e);
    curl_free(e);
    curl_easy_cleanup(c);
    return out;
}

/* Uploads the file; the new submission's id, or -1. Retried (same key)
 * while the server cannot be reached. */
static long long upload(const opts *o, const char *data, size_t len)
{
    const char *slash = strrchr(o->path, '/');
    char *name = escape(slash ? slash + 1 : o->path), key[40];
    char *budget = o->budget ? escape(o->budget) : NULL, *python = o->python ? escape(o->python) : NULL;
    char *url = fp_xasprintf("%s/api/v1/submissions?filename=%s%s%s%s%s", o->server, name, budget ? "&budget=" : "",
                             budget ? budget : "", python ? "&python=" : "", python ? python : "");
    fp_token_random_hex(key, 16);
    buf b = {NULL, 0};
    long status = 0;
    for (int t = 0; t < TRIES && (status == 0 || status >= 500); t++) {
        if (t)
            sleep(1);
        status = request(o, "POST", url, data, len, key, &b);
    }
    long long id = -1;
    json_t *j = b.p ? json_loads(b.p, 0, NULL) : NULL;
    if (status == 200 || status == 201)
        id = json_integer_value(json_object_get(j, "id"));
    else
        fp_error("submit: %s: %s", o->server, status ? error_of(&b) : "cannot reach the server");
    json_decref(j);
    free(b.p);
    free(url);
    free(name);
    free(budget);
    free(python);
    return id;
}

static void print_verdict(json_t *s)
{
    printf("submission %lld: %s\n", (long long)json_integer_value(json_object_get(s, "id")),
           json_string_value(json_object_get(s, "verdict")));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(s, "criteria"), i, c) {
        const char *st = json_string_value(json_object_get(c, "status"));
        printf("%-4s  %s: %s\n", strcmp(st, "ok") == 0 ? "ok" : strcmp(st, "fail") == 0 ? "FAIL" : st,
               json_string_value(json_object_get(c, "target")), json_string_value(json_object_get(c, "text")));
    }
}

/* Polls the submission until it is done: 0 accepted, 1 rejected, 2 otherwise. */
static int wait_verdict(const opts *o, long long id)
{
    char *url = fp_xasprintf("%s/api/v1/submissions/%lld", o->server, id);
    buf b = {NULL, 0};
    int rc = EXIT_USAGE;
    time_t end = time(NULL) + o->timeout_s;
    while (time(NULL) < end) {
        long status = request(o, "GET", url, NULL, 0, NULL, &b);
        json_t *j = status == 200 ? json_loads(b.p, 0, NULL) : NULL;
        const char *state = json_string_value(json_object_get(j, "state"));
        if (state && strcmp(state, "done") == 0) {
            print_verdict(j);
            const char *v = json_string_value(json_object_get(j, "verdict"));
            rc = strcmp(v, "accepted") == 0 ? 0 : strncmp(v, "rejected", 8) == 0 ? EXIT_REJECTED : EXIT_USAGE;
            json_decref(j);
            break;
        }
        json_decref(j);
        if (status != 200 && status != 0 && status < 500) {
            fp_error("submit: %s", error_of(&b));
            break;
        }
        usleep(300000);
    }
    if (time(NULL) >= end)
        fp_error("submit: no verdict for submission %lld after %ds", id, o->timeout_s);
    free(b.p);
    free(url);
    return rc;
}

int fp_submit_main(int argc, char **argv)
{
    opts o;
    if (parse(&o, argc, argv) != 0)
        return EXIT_USAGE;
    size_t len;
    char *data = fp_read_file(o.path, &len);
    if (!data) {
        fp_error("submit: cannot read '%s'", o.path);
        return EXIT_USAGE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    long long id = upload(&o, data, len);
    free(data);
    int rc = EXIT_USAGE;
    if (id > 0 && o.no_wait) {
        printf("%lld\n", id);
        rc = 0;
    } else if (id > 0) {
        rc = wait_verdict(&o, id);
    }
    curl_global_cleanup();
    return rc;
}
