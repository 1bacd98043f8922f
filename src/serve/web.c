/* web.c: the service's pages (see web.h). Server-rendered HTML, every
 * program-made text escaped; one stylesheet and one script, served from
 * here, so the Content-Security-Policy allows nothing inline. Login sets
 * the token in a cookie (HttpOnly, SameSite=Strict); every form that
 * changes something carries a CSRF token derived from the session's. */
#include "web.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../launcher/util.h"
#include "intake.h"
#include "store.h"
#include "token.h"

extern const unsigned char fp_web_app_css[], fp_web_app_js[];
extern const unsigned int fp_web_app_css_len, fp_web_app_js_len;

static const char *const page_headers[] = {
    "Content-Security-Policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Frame-Options", "DENY", NULL};

/* ---- building a page ---- */

typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void add_n(sb *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap)
        b->p = fp_xrealloc(b->p, b->cap = (b->n + n + 1) * 2 + 256);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void add(sb *b, const char *s)
{
    add_n(b, s, strlen(s));
}

static void addf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(sb *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    add_n(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Text that came from a program or a user: escaped for text and attributes. */
static void esc(sb *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': add(b, "&amp;"); break;
        case '<': add(b, "&lt;"); break;
        case '>': add(b, "&gt;"); break;
        case '"': add(b, "&quot;"); break;
        case '\'': add(b, "&#39;"); break;
        default: add_n(b, s, 1);
        }
    }
}

static void esc_n(sb *b, const char *s, size_t n)
{
    char *copy = fp_xmalloc(n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!copy[i])
            copy[i] = '?';
    esc(b, copy);
    free(copy);
}

typedef struct who {
    char name[64], role[16], csrf[65];
} who;

static void head(sb *b, const char *title, const who *w)
{
    add(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    esc(b, title);
    add(b, " - footprint serve</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
           "<script src=\"/static/app.js\" defer></script></head><body><header><a href=\"/\">footprint serve</a>");
    if (w) {
        add(b, "<span>");
        esc(b, w->name);
        add(b, " (");
        esc(b, w->role);
        addf(b, ")</span><form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                "<button>Log out</button></form>",
             w->csrf);
    }
    add(b, "</header><main>");
}

static enum MHD_Result send_page(struct MHD_Connection *c, unsigned status, sb *b, const char *cookie)
{
    add(b, "</main></body></html>\n");
    const char *h[8];
    int n = 0;
    for (; page_headers[n]; n++)
        h[n] = page_headers[n];
    if (cookie) {
        h[n++] = "Set-Cookie";
        h[n++] = cookie;
    }
    h[n] = NULL;
    return fp_http_send_with(c, status, "text/html; charset=utf-8", b->p, b->n, true, h);
}

static enum MHD_Result redirect(struct MHD_Connection *c, const char *to, const char *cookie)
{
    const char *h[] = {"Location", to, cookie ? "Set-Cookie" : NULL, cookie, NULL};
    static char empty[] = "";
    return fp_http_send_with(c, 303, "text/plain", empty, 0, false, h);
}

/* ---- forms (libmicrohttpd's post processor: urlencoded and multipart) ---- */

enum { MAX_FIELDS = 8 };

typedef struct form {
    struct {
        char key[32], filename[160];
        char *data;
        size_t len;
    } f[MAX_FIELDS];
    int n;
} form;

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                const char *type, const char *enc, const char *data, uint64_t off, size_t size)
{
    (void)kind, (void)type, (void)enc, (void)off;
    form *fm = cls;
    int i = 0;
    while (i < fm->n && strcmp(fm->f[i].key, key) != 0)
        i++;
    if (i == fm->n) {
        if (fm->n == MAX_FIELDS)
            return MHD_YES;
        fm->n++;
        snprintf(fm->f[i].key, sizeof fm->f[i].key, "%s", key);
        snprintf(fm->f[i].filename, sizeof fm->f[i].filename, "%s", filename ? filename : "");
    }
    fm->f[i].data = fp_xrealloc(fm->f[i].data, fm->f[i].len + size + 1);
    memcpy(fm->f[i].data + fm->f[i].len, data, size);
    fm->f[i].len += size;
    fm->f[i].data[fm->f[i].len] = '\0';
    return MHD_YES;
}

static int form_read(struct MHD_Connection *c, const fp_http_body_t *b, form *fm)
{
    memset(fm, 0, sizeof *fm);
    struct MHD_PostProcessor *pp = MHD_create_post_processor(c, 65536, on_field, fm);
    if (!pp)
        return -1;
    enum MHD_Result rc = MHD_post_process(pp, b->data, b->len);
    MHD_destroy_post_processor(pp);
    return rc == MHD_YES ? 0 : -1;
}

static const char *field(const form *fm, const char *key)
{
    for (int i = 0; i < fm->n; i++)
        if (strcmp(fm->f[i].key, key) == 0)
            return fm->f[i].data;
    return NULL;
}

static void form_free(form *fm)
{
    for (int i = 0; i < fm->n; i++)
        free(fm->f[i].data);
}

/* ---- sessions ---- */

const char *fp_web_session_token(struct MHD_Connection *c)
{
    return MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "fp_session");
}

static void csrf_of(const char *token, char *out)
{
    char *salted = fp_xasprintf("csrf:%s", token);
    fp_token_hash(salted, out);
    free(salted);
}

static int session(fp_db_t *db, struct MHD_Connection *c, who *w)
{
    const char *token = fp_web_session_token(c);
    if (!token || strlen(token) > 128 || fp_store_token_find(db, token, w->name, w->role) != 0)
        return -1;
    csrf_of(token, w->csrf);
    return 0;
}

static bool csrf_ok(const form *fm, const who *w)
{
    const char *t = field(fm, "csrf");
    return t && strcmp(t, w->csrf) == 0;
}

/* ---- pages ---- */

static enum MHD_Result login_page(struct MHD_Connection *c, unsigned status, const char *error)
{
    sb b = {0};
    head(&b, "Log in", NULL);
    add(&b, "<section><h1>Log in</h1>");
    if (error) {
        add(&b, "<p class=\"error\">");
        esc(&b, error);
        add(&b, "</p>");
    }
    add(&b, "<form method=\"post\" action=\"/login\"><label>Token <input name=\"token\" type=\"password\" "
            "autocomplete=\"off\" size=\"50\"></label> <button>Log in</button></form>"
            "<p>A token comes from <code>footprint serve token add NAME --role submitter</code>.</p></section>");
    return send_page(c, status, &b, NULL);
}

static enum MHD_Result login(fp_db_t *db, struct MHD_Connection *c, const fp_http_body_t *b)
{
    form fm;
    char name[64], role[16];
    const char *token = form_read(c, b, &fm) == 0 ? field(&fm, "token") : NULL;
    enum MHD_Result rc;
    if (!token || strlen(token) > 128 || fp_store_token_find(db, token, name, role) != 0) {
        rc = login_page(c, 403, "That token is not one of the service's.");
    } else {
        char *cookie = fp_xasprintf("fp_session=%s; Path=/; HttpOnly; SameSite=Strict", token);
        rc = redirect(c, "/", cookie);
        free(cookie);
    }
    form_free(&fm);
    return rc;
}

static void budget_options(sb *b, fp_db_t *db)
{
    json_t *list = fp_store_budget_list(db), *x;
    size_t i;
    json_array_foreach(list, i, x) {
        const char *n = json_string_value(json_object_get(x, "name"));
        add(b, "<option");
        if (strcmp(n, "default") == 0)
            add(b, " selected");
        add(b, ">");
        esc(b, n);
        add(b, "</option>");
    }
    json_decref(list);
}

static void row(sb *b, json_t *s)
{
    const char *state = json_string_value(json_object_get(s, "state"));
    const char *verdict = json_string_value(json_object_get(s, "verdict"));
    json_t *peak = json_object_get(s, "peak_bytes"), *el = json_object_get(s, "elapsed_s");
    addf(b, "<tr><td><a href=\"/submissions/%lld\">%lld</a></td><td>",
         (long long)json_integer_value(json_object_get(s, "id")),
         (long long)json_integer_value(json_object_get(s, "id")));
    esc(b, json_string_value(json_object_get(s, "filename")));
    add(b, "</td><td>");
    esc(b, json_string_value(json_object_get(s, "submitter")));
    addf(b, "</td><td class=\"%s\">%s</td><td class=\"%s\">", state, state,
         verdict ? (strncmp(verdict, "accepted", 8) == 0 ? "accepted" : "rejected") : "");
    esc(b, verdict ? verdict : "");
    add(b, "</td>");
    if (json_is_integer(peak))
        addf(b, "<td class=\"num\">%.1f MB</td>", (double)json_integer_value(peak) / 1e6);
    else
        add(b, "<td></td>");
    if (json_is_number(el))
        addf(b, "<td class=\"num\">%.2f s</td></tr>", json_number_value(el));
    else
        add(b, "<td></td></tr>");
}

static enum MHD_Result home(fp_db_t *db, struct MHD_Connection *c, const who *w, const char *error)
{
    const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    const char *by = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "submitter");
    if (state && !*state)
        state = NULL;
    if (by && !*by)
        by = NULL;
    if (!fp_token_sees_all(w->role))
        by = w->name;
    sb b = {0};
    head(&b, "Submissions", w);
    add(&b, "<section><h1>Submit</h1>");
    if (error) {
        add(&b, "<p class=\"error\" id=\"error\">");
        esc(&b, error);
        add(&b, "</p>");
    }
    addf(&b, "<form method=\"post\" action=\"/submit\" enctype=\"multipart/form-data\" id=\"submit\">"
             "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><label>Program (.py, .tar.gz, .zip) "
             "<input type=\"file\" name=\"file\" required></label> <label>Budget <select name=\"budget\">",
         w->csrf);
    budget_options(&b, db);
    add(&b, "</select></label> <button>Submit</button></form></section><section><h1>Submissions</h1>"
            "<form method=\"get\" action=\"/\"><label>Status <select name=\"state\"><option value=\"\">any</option>"
            "<option>queued</option><option>running</option><option>done</option></select></label> ");
    if (fp_token_sees_all(w->role))
        add(&b, "<label>Submitter <input name=\"submitter\"></label> ");
    add(&b, "<button>Filter</button></form><table id=\"submissions\"><tr><th>id</th><th>program</th>"
            "<th>submitter</th><th>status</th><th>verdict</th><th>peak</th><th>time</th></tr>");
    json_t *list = fp_store_list(db, by, state, 200), *s;
    size_t i;
    json_array_foreach(list, i, s) row(&b, s);
    json_decref(list);
    add(&b, "</table></section><section><h1>Compare two submissions</h1><form method=\"get\" action=\"/compare\">"
            "<label>Submission <input name=\"a\" size=\"6\"></label> <label>with <input name=\"b\" size=\"6\">"
            "</label> <button>Compare</button></form></section>");
    return send_page(c, error ? 400 : 200, &b, NULL);
}

static enum MHD_Result submit(fp_db_t *db, const fp_config_t *cfg, struct MHD_Connection *c, const who *w,
                              const fp_http_body_t *b)
{
    form fm;
    if (b->too_big)
        return home(db, c, w, "The upload is larger than the service takes.");
    if (form_read(c, b, &fm) != 0 || !csrf_ok(&fm, w)) {
        form_free(&fm);
        return home(db, c, w, "The form had expired: submit it again.");
    }
    const char *fname = "";
    const char *data = NULL;
    size_t len = 0;
    for (int i = 0; i < fm.n; i++)
        if (strcmp(fm.f[i].key, "file") == 0)
            fname = fm.f[i].filename, data = fm.f[i].data, len = fm.f[i].len;
    fp_intake_t in = {.submitter = w->name, .filename = fname, .budget = field(&fm, "budget"), .data = data,
                      .len = len};
    char err[512];
    bool existed;
    int status;
    long long id = fp_intake_submit(db, cfg, &in, &existed, &status, err, sizeof err);
    form_free(&fm);
    if (id < 0)
        return home(db, c, w, err);
    char to[64];
    snprintf(to, sizeof to, "/submissions/%lld", id);
    return redirect(c, to, NULL);
}

static void logs(sb *b, fp_db_t *db, long long id, const char *kind)
{
    char *body;
    size_t len;
    if (fp_store_artifact_get(db, id, kind, &body, &len) != 0)
        return;
    addf(b, "<h2>%s</h2><pre id=\"%s\">", kind, kind);
    esc_n(b, body, len);
    add(b, "</pre>");
    free(body);
}

static void criteria_table(sb *b, json_t *crit)
{
    add(b, "<table id=\"criteria\"><tr><th></th><th>target</th><th>measured, limit, margin</th></tr>");
    size_t i;
    json_t *x;
    json_array_foreach(crit, i, x) {
        const char *st = json_string_value(json_object_get(x, "status"));
        addf(b, "<tr><td class=\"%s\">%s</td><td>", st, st);
        esc(b, json_string_value(json_object_get(x, "target")));
        add(b, "</td><td>");
        esc(b, json_string_value(json_object_get(x, "text")));
        add(b, "</td></tr>");
    }
    add(b, "</table>");
}

static enum MHD_Result submission(fp_db_t *db, struct MHD_Connection *c, const who *w, long long id)
{
    json_t *s = fp_store_get(db, id);
    if (s && !fp_token_sees_all(w->role) && strcmp(json_string_value(json_object_get(s, "submitter")), w->name)) {
        json_decref(s);
        s = NULL;
    }
    sb b = {0};
    if (!s) {
        head(&b, "Not found", w);
        add(&b, "<section><h1>No such submission</h1></section>");
        return send_page(c, 404, &b, NULL);
    }
    const char *state = json_string_value(json_object_get(s, "state"));
    const char *verdict = json_string_value(json_object_get(s, "verdict"));
    char title[64];
    snprintf(title, sizeof title, "Submission %lld", id);
    head(&b, title, w);
    addf(&b, "<section><h1>Submission %lld: ", id);
    esc(&b, json_string_value(json_object_get(s, "filename")));
    add(&b, "</h1><p>by ");
    esc(&b, json_string_value(json_object_get(s, "submitter")));
    add(&b, ", budget ");
    esc(&b, json_string_value(json_object_get(s, "budget")));
    addf(&b, ". Status: <span id=\"state\" class=\"%s\">%s</span></p>", state, state);
    if (strcmp(state, "done") != 0)
        addf(&b, "<p id=\"live\" data-id=\"%lld\">Waiting for the verdict…</p><form method=\"post\" "
                 "action=\"/submissions/%lld/cancel\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                 "<button>Cancel</button></form>",
             id, id, w->csrf);
    if (verdict) {
        addf(&b, "<p>Verdict: <strong id=\"verdict\" class=\"%s\">",
             strcmp(verdict, "accepted") == 0 ? "accepted" : "rejected");
        esc(&b, verdict);
        add(&b, "</strong></p>");
        criteria_table(&b, json_object_get(s, "criteria"));
    }
    add(&b, "</section>");
    char *body;
    size_t len;
    if (verdict && fp_store_artifact_get(db, id, "report", &body, &len) == 0) {
        free(body);
        addf(&b, "<section><h1>Report</h1><iframe id=\"report\" sandbox=\"allow-scripts\" "
                 "src=\"/api/v1/submissions/%lld/report\"></iframe></section>",
             id);
    }
    add(&b, "<section>");
    logs(&b, db, id, "stdout");
    logs(&b, db, id, "stderr");
    add(&b, "</section>");
    json_decref(s);
    return send_page(c, 200, &b, NULL);
}

static enum MHD_Result cancel(fp_db_t *db, struct MHD_Connection *c, const who *w, long long id,
                              const fp_http_body_t *b)
{
    form fm;
    int ok = form_read(c, b, &fm) == 0 && csrf_ok(&fm, w);
    form_free(&fm);
    json_t *s = fp_store_get(db, id);
    bool mine = s && (fp_token_sees_all(w->role) || !strcmp(json_string_value(json_object_get(s, "submitter")), w->name));
    json_decref(s);
    if (!ok || !mine) {
        sb p = {0};
        head(&p, "Refused", w);
        add(&p, "<section><h1>Refused</h1><p>The form had expired, or the submission is not yours.</p></section>");
        return send_page(c, 403, &p, NULL);
    }
    fp_store_cancel(db, id);
    char to[64];
    snprintf(to, sizeof to, "/submissions/%lld", id);
    return redirect(c, to, NULL);
}

/* ---- comparing two submissions: `footprint compare` on their profiles ---- */

/* Runs `footprint compare` on submissions A and B into DIR: its text
 * (caller frees) and DIR/compare.html, or NULL. */
static char *compare_run(fp_db_t *db, long long a, long long b, const char *dir)
{
    const char *launcher = getenv("FOOTPRINT_LAUNCHER");
    char *pa = fp_xasprintf("%s/submission-%lld.json", dir, a), *pb = fp_xasprintf("%s/submission-%lld.json", dir, b);
    char *html = fp_xasprintf("%s/compare.html", dir), *text = fp_xasprintf("%s/compare.txt", dir), *out = NULL;
    long long ids[2] = {a, b};
    const char *paths[2] = {pa, pb};
    int ok = launcher != NULL;
    for (int i = 0; ok && i < 2; i++) {
        char *body;
        size_t len;
        FILE *f = NULL;
        ok = fp_store_artifact_get(db, ids[i], "profile", &body, &len) == 0;
        if (ok) {
            f = fopen(paths[i], "w");
            ok = f && fwrite(body, 1, len, f) == len;
            free(body);
        }
        if (f)
            ok = fclose(f) == 0 && ok;
    }
    pid_t pid = ok ? fork() : -1;
    if (pid == 0) {
        int fd = open(text, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        execl(launcher, "footprint", "compare", pa, pb, "--html", html, (char *)NULL);
        _exit(127);
    }
    int status = 1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    size_t len;
    if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        out = fp_read_file(text, &len);
    free(pa), free(pb), free(html), free(text);
    return out;
}

static bool may_see(fp_db_t *db, const who *w, long long id)
{
    json_t *s = fp_store_get(db, id);
    bool ok = s && (fp_token_sees_all(w->role) || !strcmp(json_string_value(json_object_get(s, "submitter")), w->name));
    json_decref(s);
    return ok;
}

/* /compare?a=ID&b=ID (the page, with compare's text) and
 * /compare/A/B/report (compare's HTML page, framed like a report). */
static enum MHD_Result compare(fp_db_t *db, struct MHD_Connection *c, const who *w, long long a, long long b,
                               bool report)
{
    char dir[] = "/tmp/fp-compare-XXXXXX";
    sb p = {0};
    bool made = a > 0 && b > 0 && may_see(db, w, a) && may_see(db, w, b) && mkdtemp(dir);
    char *text = made ? compare_run(db, a, b, dir) : NULL;
    enum MHD_Result rc;
    if (report && text) {
        char *html = fp_xasprintf("%s/compare.html", dir);
        size_t len;
        char *body = fp_read_file(html, &len);
        free(html);
        rc = body ? fp_http_send(c, 200, "text/html; charset=utf-8", body, len, true)
                  : fp_http_send(c, 500, "text/plain", (char *)"no page", 7, false);
    } else {
        head(&p, "Compare", w);
        if (!text) {
            add(&p, "<section><h1>Cannot compare</h1><p>Give two finished submissions of yours that kept their "
                    "profiles: <code>/compare?a=ID&amp;b=ID</code>.</p></section>");
            rc = send_page(c, 404, &p, NULL);
        } else {
            addf(&p, "<section><h1>Submission %lld and submission %lld</h1><pre id=\"compare\">", a, b);
            esc(&p, text);
            addf(&p, "</pre></section><section><iframe id=\"report\" sandbox=\"allow-scripts\" "
                     "src=\"/compare/%lld/%lld/report\"></iframe></section>", a, b);
            rc = send_page(c, 200, &p, NULL);
        }
    }
    free(text);
    if (made) {
        char *f;
        f = fp_xasprintf("%s/submission-%lld.json", dir, a), unlink(f), free(f);
        f = fp_xasprintf("%s/submission-%lld.json", dir, b), unlink(f), free(f);
        f = fp_xasprintf("%s/compare.html", dir), unlink(f), free(f);
        f = fp_xasprintf("%s/compare.txt", dir), unlink(f), free(f);
        rmdir(dir);
    }
    return rc;
}

static enum MHD_Result asset(struct MHD_Connection *c, const char *type, const unsigned char *p, unsigned len)
{
    return fp_http_send_with(c, 200, type, (char *)p, len, false, page_headers);
}

enum MHD_Result fp_web_route(fp_db_t *db, const fp_config_t *cfg, struct MHD_Connection *c, const char *url,
                             const char *method, const fp_http_body_t *b)
{
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/static/app.css") == 0)
        return asset(c, "text/css", fp_web_app_css, fp_web_app_css_len);
    if (strcmp(url, "/static/app.js") == 0)
        return asset(c, "text/javascript", fp_web_app_js, fp_web_app_js_len);
    if (strcmp(url, "/login") == 0)
        return post ? login(db, c, b) : login_page(c, 200, NULL);
    who w;
    if (session(db, c, &w) != 0)
        return redirect(c, "/login", NULL);
    long long id;
    int used = 0;
    if (strcmp(url, "/") == 0 && !post)
        return home(db, c, &w, NULL);
    if (strcmp(url, "/submit") == 0 && post)
        return submit(db, cfg, c, &w, b);
    if (strcmp(url, "/logout") == 0 && post)
        return redirect(c, "/login", "fp_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    long long other;
    if (strcmp(url, "/compare") == 0 && !post) {
        const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "a");
        const char *b2 = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "b");
        return compare(db, c, &w, a ? atoll(a) : 0, b2 ? atoll(b2) : 0, false);
    }
    if (sscanf(url, "/compare/%lld/%lld/report%n", &id, &other, &used) == 2 && !url[used] && !post)
        return compare(db, c, &w, id, other, true);
    if (sscanf(url, "/submissions/%lld%n", &id, &used) == 1 && id > 0) {
        if (!url[used] && !post)
            return submission(db, c, &w, id);
        if (strcmp(url + used, "/cancel") == 0 && post)
            return cancel(db, c, &w, id, b);
    }
    sb p = {0};
    head(&p, "Not found", &w);
    add(&p, "<section><h1>No such page</h1></section>");
    return send_page(c, 404, &p, NULL);
}
