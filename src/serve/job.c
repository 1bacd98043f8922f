/* job.c: one job from its directory to its recorded verdict (see job.h).
 *
 * The verdict is `footprint check`'s on the job's profile, with the
 * budget the submission chose: this module runs check and reads its
 * verdict lines; it judges nothing itself but what check cannot see (the
 * sandbox's limits, a missing profile, the exit status). */
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../launcher/util.h"
#include "archive.h"

typedef struct job_ctx {
    const fp_job_env_t *env;
    const fp_job_t *job;
    int state; /* FP_QUEUE_HELD, _LOST or _CANCELLED */
} job_ctx;

/* Once a second while the job runs: renew the lease; stop when it was
 * lost or cancelled, or the worker is stopping. */
static int tick(void *p)
{
    job_ctx *c = p;
    int rc = fp_queue_heartbeat(c->env->db, c->job, c->env->lease_ms);
    if (rc > 0)
        c->state = rc;
    return rc > 0 || *c->env->stopping;
}

static uid_t chown_uid;
static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    lchown(path, chown_uid, (gid_t)chown_uid);
    return 0;
}

/* Runs ARGV (outside the sandbox: only check, on a file) and keeps its stdout. */
static int capture(char *const *argv, char **out, size_t *len)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    size_t cap = 4096, n = 0;
    char *buf = fp_xmalloc(cap);
    ssize_t r;
    while ((r = read(p[0], buf + n, cap - n - 1)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0 && (n += (size_t)r) + 1 >= cap)
            buf = fp_xrealloc(buf, cap *= 2);
    close(p[0]);
    buf[n] = '\0';
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    *out = buf;
    *len = n;
    return pid < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* check's verdict lines ("ok    run: peak 154MB <= 250MB (-38.4%)") as criteria. */
static json_t *criteria_of(const char *text)
{
    static const char *const marks[][2] = {{"ok  ", "ok"}, {"near", "near"}, {"FAIL", "fail"}, {"skip", "skip"}};
    json_t *list = json_array();
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        for (size_t m = 0; m < 4; m++) {
            const char *colon = memchr(line, ':', n);
            if (n > 6 && strncmp(line, marks[m][0], 4) == 0 && line[4] == ' ' && line[5] == ' ' && colon) {
                json_t *c = json_pack("{s:s, s:s%, s:s%}", "status", marks[m][1], "target", line + 6,
                                      (size_t)(colon - line - 6), "text", colon + 2,
                                      colon + 2 <= line + n ? (size_t)(line + n - colon - 2) : (size_t)0);
                if (c)
                    json_array_append_new(list, c);
            }
        }
        line = end ? end + 1 : NULL;
    }
    return list;
}

typedef struct verdict {
    char text[512];
    json_t *criteria;
    json_t *profile;
    char *check_out;
    size_t check_len;
} verdict;

static void add_criterion(json_t *list, const char *status, const char *target, const char *text)
{
    json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "status", status, "target", target, "text", text));
}

/* The sandbox's own limits: a kill is a rejection check never sees. */
static bool sandbox_verdict(const fp_sandbox_outcome_t *o, const fp_sandbox_limits_t *l, verdict *v)
{
    char text[256];
    switch (o->end) {
    case FP_SANDBOX_OVER_MEMORY:
        snprintf(text, sizeof text, "resident memory over the cap of %lld bytes: killed", l->mem_bytes);
        snprintf(v->text, sizeof v->text, "rejected: over memory cap");
        break;
    case FP_SANDBOX_OVER_TIME:
        snprintf(text, sizeof text, "still running after the limit of %ds: killed", l->wall_s);
        snprintf(v->text, sizeof v->text, "rejected: over time limit");
        break;
    case FP_SANDBOX_OVER_DISK:
        snprintf(text, sizeof text, "wrote more than the disk cap of %lld bytes: killed", l->disk_bytes);
        snprintf(v->text, sizeof v->text, "rejected: over disk cap");
        break;
    default:
        return false;
    }
    add_criterion(v->criteria, "fail", "sandbox", text);
    return true;
}

/* Judges the profile at PATH with BUDGET (a TOML file) through check. */
static void judge(const fp_job_env_t *env, const char *path, const char *budget, int exit_code, verdict *v)
{
    char *argv[] = {(char *)env->self, "check", "--budget", (char *)budget, (char *)path, NULL};
    int rc = capture(argv, &v->check_out, &v->check_len);
    json_t *crit = criteria_of(v->check_out);
    json_array_extend(v->criteria, crit);
    json_decref(crit);
    char text[64];
    snprintf(text, sizeof text, "exit status %d (must be 0)", exit_code);
    add_criterion(v->criteria, exit_code == 0 ? "ok" : "fail", "run", text);
    if (rc == 2 || rc < 0) {
        snprintf(v->text, sizeof v->text, "error: the budget could not be judged on the profile");
        return;
    }
    size_t i;
    json_t *c;
    json_array_foreach(v->criteria, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "status")), "fail") == 0) {
            snprintf(v->text, sizeof v->text, "rejected: %s: %s", json_string_value(json_object_get(c, "target")),
                     json_string_value(json_object_get(c, "text")));
            return;
        }
    }
    snprintf(v->text, sizeof v->text, "accepted");
}

/* The profile the run left, if it is one (a hostile program may have
 * written anything there). */
static json_t *read_profile(const char *dir)
{
    char *path = fp_xasprintf("%s/out/profile.json", dir);
    json_t *p = json_load_file(path, 0, NULL);
    free(path);
    if (p && (!json_is_object(p) || !json_is_string(json_object_get(p, "format")))) {
        json_decref(p);
        p = NULL;
    }
    return p;
}

static void decide(const fp_job_env_t *env, const char *dir, const fp_sandbox_outcome_t *o, verdict *v)
{
    v->criteria = json_array();
    if (sandbox_verdict(o, &env->limits, v))
        return;
    v->profile = read_profile(dir);
    if (!v->profile) {
        char text[128];
        snprintf(text, sizeof text, "no profile: the run ended with exit status %d", o->exit_code);
        add_criterion(v->criteria, "fail", "run", text);
        snprintf(v->text, sizeof v->text, "rejected: %s", text);
        return;
    }
    char *path = fp_xasprintf("%s/out/profile.json", dir);
    char *budget = fp_xasprintf("%s.budget.toml", dir);
    json_t *code = json_object_get(v->profile, "exit_code");
    judge(env, path, budget, json_is_integer(code) ? (int)json_integer_value(code) : o->exit_code, v);
    free(path);
    free(budget);
}

static void add_artifact(fp_queue_result_t *r, const char *kind, const char *body, size_t len)
{
    if (!body)
        return;
    r->artifacts[r->nartifacts].kind = kind;
    r->artifacts[r->nartifacts].body = body;
    r->artifacts[r->nartifacts++].len = len;
}

static void record(const fp_job_env_t *env, const fp_job_t *job, const char *dir, const fp_sandbox_outcome_t *o,
                   const verdict *v)
{
    size_t plen = 0, hlen = 0;
    char *ppath = fp_xasprintf("%s/out/profile.json", dir), *hpath = fp_xasprintf("%s/out/report.html", dir);
    char *profile = v->profile ? fp_read_file(ppath, &plen) : NULL;
    char *report = v->profile ? fp_read_file(hpath, &hlen) : NULL;
    fp_queue_result_t r = {.verdict = v->text, .criteria = v->criteria, .profile = v->profile};
    add_artifact(&r, "profile", profile, plen);
    add_artifact(&r, "report", report, hlen);
    add_artifact(&r, "stdout", o->out, o->outlen);
    add_artifact(&r, "stderr", o->err, o->errlen);
    add_artifact(&r, "check", v->check_out, v->check_len);
    if (fp_queue_finish(env->db, job, &r) < 0)
        fp_error("worker: cannot record job %lld: %s", job->id, fp_db_error(env->db));
    free(profile);
    free(report);
    free(ppath);
    free(hpath);
}

/* The job's directory: the submission unpacked under src/, out/ for the
 * profile; the budget beside it, out of the job's reach. */
static char *prepare(const fp_job_env_t *env, const fp_job_t *job, char **argv, char *err, size_t errlen)
{
    char *dir = fp_xasprintf("%s/jobs/%lld-%d-%.8s", env->data, job->id, job->attempt, job->lease);
    char *src = fp_xasprintf("%s/src", dir), *out = fp_xasprintf("%s/out", dir);
    char *budget = fp_xasprintf("%s.budget.toml", dir);
    int rc = -1;
    fp_sandbox_rmtree(dir);
    if (mkdir(dir, 0700) != 0 || mkdir(src, 0700) != 0 || mkdir(out, 0700) != 0) {
        snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
        goto done;
    }
    FILE *f = fopen(budget, "w");
    if (!f || fputs(job->budget_body, f) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", budget);
        goto done;
    }
    if (fp_archive_unpack(job->filename, job->content, job->len, src, argv, err, errlen) != 0) {
        rc = 1;
        goto done;
    }
    chown_uid = env->uid;
    if (geteuid() == 0)
        nftw(dir, chown_one, 16, FTW_PHYS);
    rc = 0;
done:
    free(src);
    free(out);
    free(budget);
    if (rc < 0) {
        free(dir);
        return NULL;
    }
    if (rc > 0)
        dir[0] = '\0'; /* the submission itself is bad: a verdict, not a retry */
    return dir;
}

static void cleanup(const char *dir)
{
    char *budget = fp_xasprintf("%s.budget.toml", dir);
    unlink(budget);
    free(budget);
    fp_sandbox_rmtree(dir);
}

static void bad_submission(const fp_job_env_t *env, const fp_job_t *job, const char *why)
{
    verdict v = {.criteria = json_array()};
    snprintf(v.text, sizeof v.text, "rejected: %.400s", why);
    add_criterion(v.criteria, "fail", "submission", why);
    fp_queue_result_t r = {.verdict = v.text, .criteria = v.criteria};
    fp_queue_finish(env->db, job, &r);
    json_decref(v.criteria);
}

/* The command inside the sandbox: footprint run on the entry point. */
static void command(const fp_job_env_t *env, const fp_job_t *job, char **prog, char **argv)
{
    int n = 0;
    const char *head[] = {env->self, "run", "--quiet", "--json", "/job/out/profile.json", "--html",
                          "/job/out/report.html", "--python", job->python};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        argv[n++] = (char *)head[i];
    for (int i = 0; prog[i] && n < FP_ARCHIVE_MAX_ARGS + 10; i++)
        argv[n++] = prog[i];
    argv[n] = NULL;
}

int fp_job_run(const fp_job_env_t *env, fp_job_t *job)
{
    char err[512] = "", *prog[FP_ARCHIVE_MAX_ARGS + 2] = {NULL};
    char *dir = prepare(env, job, prog, err, sizeof err);
    if (!dir) {
        fp_error("worker: job %lld: %s", job->id, err);
        fp_queue_release(env->db, job);
        return -1;
    }
    if (!dir[0]) {
        bad_submission(env, job, err);
        free(dir);
        fp_archive_free_args(prog);
        return 0;
    }
    char *argv[FP_ARCHIVE_MAX_ARGS + 12];
    command(env, job, prog, argv);
    char *prefix = fp_dirname(env->self); /* build/, with lib/footprint in it; or under /usr */
    job_ctx ctx = {env, job, FP_QUEUE_HELD};
    fp_sandbox_job_t sj = {.dir = dir, .cwd = "/job/src", .argv = argv, .ro_paths = {prefix, env->libdir}, .nro = 2,
                           .uid = env->uid, .tick = tick, .ctx = &ctx};
    fp_sandbox_outcome_t o;
    verdict v = {.criteria = NULL};
    int rc = fp_sandbox_run(&sj, &env->limits, &o);
    if (rc == 0 && ctx.state == FP_QUEUE_HELD && !*env->stopping) {
        decide(env, dir, &o, &v);
        record(env, job, dir, &o, &v);
    } else if (ctx.state == FP_QUEUE_HELD) { /* stopping, or the sandbox would not start */
        fp_queue_release(env->db, job);
    } else if (rc == 0 && ctx.state == FP_QUEUE_CANCELLED) {
        fp_queue_result_t r = {.verdict = "cancelled"};
        fp_queue_finish(env->db, job, &r);
    }
    json_decref(v.criteria);
    json_decref(v.profile);
    free(v.check_out);
    free(o.out);
    free(o.err);
    cleanup(dir);
    free(dir);
    free(prefix);
    fp_archive_free_args(prog);
    return rc;
}
