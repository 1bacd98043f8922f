/* sandbox.c: bubblewrap around a job, and the watch that holds its
 * wall-clock, memory and disk limits (see sandbox.h). cgroup v2's
 * memory.max would hold memory in the kernel; where it cannot be set
 * (cgroup v1 machines, unprivileged workers) the watch is what holds it,
 * so it is what runs everywhere. */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../launcher/util.h"

enum { MAX_ARGS = 96, MAX_TREE = 4096, TICK_MS = 100 };

void fp_sandbox_defaults(fp_sandbox_limits_t *l)
{
    *l = (fp_sandbox_limits_t){.mem_bytes = 1LL << 30, .disk_bytes = 256LL << 20, .output_bytes = 1LL << 20,
                               .file_bytes = 128LL << 20, .tmp_bytes = 64LL << 20, .wall_s = 300, .cpu_s = 300,
                               .nproc = 256, .nofile = 256};
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the command line ---- */

typedef struct argv_b {
    char *v[MAX_ARGS + 1];
    int n;
    char sizes[2][24];
} argv_b;

static void add(argv_b *a, const char *s)
{
    if (a->n < MAX_ARGS)
        a->v[a->n++] = (char *)s;
    a->v[a->n] = NULL;
}

static void add_ro(argv_b *a, const char *path)
{
    add(a, "--ro-bind-try");
    add(a, path);
    add(a, path);
}

/* bwrap's options: the system read-only, /usr-merged links, no secrets. */
static void bwrap_args(argv_b *a, const fp_sandbox_job_t *job, const fp_sandbox_limits_t *l)
{
    static const char *const links[][2] = {{"usr/bin", "/bin"}, {"usr/sbin", "/sbin"}, {"usr/lib", "/lib"},
                                           {"usr/lib64", "/lib64"}};
    add(a, "bwrap");
    add(a, "--unshare-all");   /* user, ipc, pid, net, uts, cgroup: no network at all */
    add(a, "--die-with-parent");
    add(a, "--new-session");
    add(a, "--uid");
    add(a, "65534");
    add(a, "--gid");
    add(a, "65534");
    add(a, "--hostname");
    add(a, "sandbox");
    add(a, "--clearenv");
    add(a, "--ro-bind");
    add(a, "/usr");
    add(a, "/usr");
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        struct stat st;
        if (lstat(links[i][1], &st) == 0 && S_ISLNK(st.st_mode)) {
            add(a, "--symlink");
            add(a, links[i][0]);
            add(a, links[i][1]);
        } else {
            add_ro(a, links[i][1]);
        }
    }
    add(a, "--ro-bind");
    add(a, "/etc");
    add(a, "/etc");
    static const char *const secrets[] = {"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (access(secrets[i], F_OK) == 0) {
            add(a, "--ro-bind");
            add(a, "/dev/null");
            add(a, secrets[i]);
        }
    add(a, "--proc");
    add(a, "/proc");
    add(a, "--dev");
    add(a, "/dev");
    snprintf(a->sizes[0], sizeof a->sizes[0], "%lld", l->tmp_bytes);
    add(a, "--size");
    add(a, a->sizes[0]);
    add(a, "--tmpfs");
    add(a, "/tmp");
    /* after the empty /tmp, so that footprint and the interpreters stay
     * visible when they live under /tmp (a checkout in a temporary folder) */
    for (int i = 0; i < job->nro; i++)
        add_ro(a, job->ro_paths[i]);
    add(a, "--bind");
    add(a, job->dir);
    add(a, "/job");
    add(a, "--chdir");
    add(a, job->cwd ? job->cwd : "/job");
    static const char *const env[][2] = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", "/job"},
                                         {"TMPDIR", "/tmp"}, {"LANG", "C.UTF-8"}};
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        add(a, "--setenv");
        add(a, env[i][0]);
        add(a, env[i][1]);
    }
    add(a, "--");
    for (char *const *p = job->argv; *p; p++)
        add(a, *p);
}

/* ---- the child: limits, identity, then bwrap ---- */

static void limit(int what, rlim_t v)
{
    struct rlimit r = {v, v};
    setrlimit(what, &r);
}

static void become(uid_t uid)
{
    if (geteuid() != 0)
        return;
    if (setgroups(0, NULL) != 0 || setgid((gid_t)uid) != 0 || setuid(uid) != 0) {
        fprintf(stderr, "footprint worker: cannot become uid %u: %s\n", (unsigned)uid, strerror(errno));
        _exit(126);
    }
}

static void child(const argv_b *a, const fp_sandbox_job_t *job, const fp_sandbox_limits_t *l, int out, int err)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    limit(RLIMIT_CPU, (rlim_t)l->cpu_s);
    limit(RLIMIT_FSIZE, (rlim_t)l->file_bytes);
    limit(RLIMIT_NOFILE, (rlim_t)l->nofile);
    limit(RLIMIT_CORE, 0);
    become(job->uid);
    limit(RLIMIT_NPROC, (rlim_t)l->nproc); /* counted per uid: set once we are the job's */
    closefrom(3);
    execvp("bwrap", a->v);
    fprintf(stderr, "footprint worker: cannot run bwrap: %s\n", strerror(errno));
    _exit(127);
}

/* ---- the watch ---- */

static pid_t parent_of(pid_t pid, long long *rss)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *close_paren = strrchr(buf, ')');
    int ppid = -1;
    long long pages = 0;
    /* after "(comm)": state ppid ... field 24 is rss in pages */
    if (close_paren && sscanf(close_paren + 2,
                              "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %*u %*u %lld",
                              &ppid, &pages) == 2)
        *rss = pages * sysconf(_SC_PAGESIZE);
    return ppid;
}

/* The processes under ROOT (ROOT included) into TREE; their resident memory. */
static long long tree(pid_t root, pid_t *tree, int *n)
{
    static pid_t pids[MAX_TREE], ppids[MAX_TREE];
    static long long rss[MAX_TREE];
    int all = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) && all < MAX_TREE) {
        pid_t p = (pid_t)atoi(e->d_name);
        if (p <= 0)
            continue;
        rss[all] = 0;
        ppids[all] = parent_of(p, &rss[all]);
        pids[all++] = p;
    }
    if (d)
        closedir(d);
    long long total = 0;
    *n = 0;
    tree[(*n)++] = root;
    for (int k = 0; k < *n; k++) /* breadth first: each found process adds its children */
        for (int i = 0; i < all; i++) {
            if (ppids[i] == tree[k] && *n < MAX_TREE)
                tree[(*n)++] = pids[i];
            if (pids[i] == tree[k])
                total += rss[i];
        }
    return total;
}

static void kill_tree(pid_t root)
{
    static pid_t t[MAX_TREE];
    int n = 0;
    tree(root, t, &n);
    for (int i = n - 1; i >= 0; i--)
        kill(t[i], SIGKILL);
}

static long long du_total;
static int du_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)path, (void)flag, (void)f;
    du_total += (long long)st->st_blocks * 512;
    return 0;
}

long long fp_sandbox_du(const char *dir)
{
    du_total = 0;
    nftw(dir, du_one, 16, FTW_PHYS);
    return du_total;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)f;
    if (flag == FTW_DP)
        chmod(path, 0700), rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Makes every directory under DIR writable by us first (a job may have
 * taken the write bit off its own directories). */
static int open_up(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)f;
    if (flag == FTW_D && !(st->st_mode & S_IWUSR))
        chmod(path, 0700);
    return 0;
}

void fp_sandbox_rmtree(const char *dir)
{
    nftw(dir, open_up, 16, FTW_PHYS);
    nftw(dir, rm_one, 16, FTW_PHYS | FTW_DEPTH);
}

typedef struct capture {
    int fd;
    char *buf;
    size_t len;
    long long dropped;
} capture;

static void drain(capture *c, long long cap)
{
    char tmp[65536];
    ssize_t n = -1;
    while (c->fd >= 0 && (n = read(c->fd, tmp, sizeof tmp)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                close(c->fd), c->fd = -1;
            return;
        }
        size_t keep = (long long)c->len >= cap ? 0 : (size_t)(cap - (long long)c->len);
        if (keep > (size_t)n)
            keep = (size_t)n;
        memcpy(c->buf + c->len, tmp, keep);
        c->len += keep;
        c->dropped += n - (ssize_t)keep;
    }
    if (n == 0 && c->fd >= 0)
        close(c->fd), c->fd = -1;
}

/* One look at the job: a limit it broke, or -1. */
static int over(pid_t pid, const fp_sandbox_job_t *job, const fp_sandbox_limits_t *l, double start,
                fp_sandbox_outcome_t *o, int ticks)
{
    static pid_t t[MAX_TREE];
    int n = 0;
    long long rss = tree(pid, t, &n);
    if (rss > o->peak_rss)
        o->peak_rss = rss;
    if (rss > l->mem_bytes)
        return FP_SANDBOX_OVER_MEMORY;
    if (now_s() - start > l->wall_s)
        return FP_SANDBOX_OVER_TIME;
    if (ticks % 5 == 0 && fp_sandbox_du(job->dir) > l->disk_bytes)
        return FP_SANDBOX_OVER_DISK;
    if (ticks % (1000 / TICK_MS) == 0 && job->tick && job->tick(job->ctx) != 0)
        return FP_SANDBOX_STOPPED;
    return -1;
}

static void watch(pid_t pid, capture *c, const fp_sandbox_job_t *job, const fp_sandbox_limits_t *l,
                  fp_sandbox_outcome_t *o)
{
    double start = now_s();
    int status = 0, ticks = 0, why = -1;
    for (;;) {
        struct pollfd p[2] = {{c[0].fd, POLLIN, 0}, {c[1].fd, POLLIN, 0}};
        poll(p, 2, TICK_MS);
        drain(&c[0], l->output_bytes);
        drain(&c[1], l->output_bytes);
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (why < 0 && (why = over(pid, job, l, start, o, ++ticks)) >= 0)
            kill_tree(pid);
    }
    drain(&c[0], l->output_bytes);
    drain(&c[1], l->output_bytes);
    o->end = why < 0 ? FP_SANDBOX_EXITED : (fp_sandbox_end_t)why;
    o->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int fp_sandbox_run(const fp_sandbox_job_t *job, const fp_sandbox_limits_t *l, fp_sandbox_outcome_t *o)
{
    memset(o, 0, sizeof *o);
    argv_b a = {.n = 0};
    bwrap_args(&a, job, l);
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]), close(out[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0)
        child(&a, job, l, out[1], err[1]);
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]), close(err[0]);
        return -1;
    }
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    capture c[2] = {{out[0], fp_xmalloc((size_t)l->output_bytes + 1), 0, 0},
                    {err[0], fp_xmalloc((size_t)l->output_bytes + 1), 0, 0}};
    watch(pid, c, job, l, o);
    for (int i = 0; i < 2; i++)
        if (c[i].fd >= 0)
            close(c[i].fd);
    o->out = c[0].buf, o->outlen = c[0].len, o->out_dropped = c[0].dropped;
    o->err = c[1].buf, o->errlen = c[1].len, o->err_dropped = c[1].dropped;
    return 0;
}

int fp_sandbox_check(const char *where, uid_t uid, char *why, size_t whylen)
{
    char *dir = fp_xasprintf("%s/sandbox-check-XXXXXX", where);
    if (!mkdtemp(dir)) {
        snprintf(why, whylen, "cannot make a directory in %s: %s", where, strerror(errno));
        free(dir);
        return -1;
    }
    if (geteuid() == 0 && chown(dir, uid, (gid_t)uid) != 0) {
        snprintf(why, whylen, "cannot give %s to uid %u: %s", dir, (unsigned)uid, strerror(errno));
        rmdir(dir);
        free(dir);
        return -1;
    }
    char *argv[] = {"/bin/sh", "-c", "echo ok > /job/ok", NULL};
    fp_sandbox_job_t job = {.dir = dir, .argv = argv, .uid = uid};
    fp_sandbox_limits_t l;
    fp_sandbox_defaults(&l);
    l.wall_s = 30;
    fp_sandbox_outcome_t o;
    int rc = fp_sandbox_run(&job, &l, &o);
    char *path = fp_xasprintf("%s/ok", dir);
    bool made = access(path, F_OK) == 0;
    if (rc != 0 || o.exit_code != 0 || !made) {
        snprintf(why, whylen, "bubblewrap cannot run a job in %s as uid %u (%.*s)", where, (unsigned)uid,
                 (int)(o.errlen && o.err[o.errlen - 1] == '\n' ? o.errlen - 1 : o.errlen), o.err ? o.err : "");
        rc = -1;
    }
    free(o.out);
    free(o.err);
    free(path);
    fp_sandbox_rmtree(dir);
    free(dir);
    return rc;
}
