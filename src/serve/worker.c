/* worker.c: `footprint worker` (see worker.h): its options, the check that
 * the sandbox works, and the loop that claims and runs jobs. */
#include "worker.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../launcher/util.h"
#include "config.h"
#include "db.h"
#include "job.h"
#include "queue.h"
#include "schema.h"

enum { EXIT_USAGE = 2 };

static volatile int stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

static void usage(void)
{
    printf("usage: footprint worker [options]\n"
           "\n"
           "Takes jobs from the service's queue and runs each sandboxed under\n"
           "footprint run, then judges its profile with footprint check.\n"
           "Run one per host (or more) against a shared PostgreSQL database.\n"
           "\n"
           "options:\n%s",
           fp_config_help);
}

/* A uid of our own for the jobs (when we are root): NPROC counts per uid,
 * so each worker's jobs get a limit of their own. */
static uid_t job_uid(void)
{
    return (uid_t)(200000 + getpid() % 100000);
}

static int parse(fp_config_t *c, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            exit(0);
        }
        int rc = fp_config_option(c, argc, argv, &i);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            fp_error("worker: unknown option '%s' (see footprint worker --help)", argv[i]);
            return -1;
        }
    }
    return 0;
}

/* The data directory, made if missing; its absolute path (new). */
static char *data_dir(const char *dir)
{
    mkdir(dir, 0711); /* the jobs' uid must pass through to its own directory */
    char *real = realpath(dir, NULL);
    if (!real) {
        fp_error("worker: cannot use data directory '%s': %s", dir, strerror(errno));
        return NULL;
    }
    char *jobs = fp_xasprintf("%s/jobs", real);
    mkdir(jobs, 0711);
    chmod(real, 0711);
    chmod(jobs, 0711);
    free(jobs);
    return real;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int loop(fp_job_env_t *env, const char *name, int attempts)
{
    while (!stopping) {
        fp_job_t job;
        int got = fp_queue_claim(env->db, name, env->lease_ms, attempts, &job);
        if (got < 0)
            fp_error("worker %s: cannot take a job: %s", name, fp_db_error(env->db));
        if (got <= 0) {
            sleep_ms(got < 0 ? 1000 : 200);
            continue;
        }
        fp_job_run(env, &job);
        fp_job_free(&job);
    }
    return 0;
}

static int start(fp_config_t *c)
{
    char why[1024], libdir[PATH_MAX];
    const char *self = getenv("FOOTPRINT_LAUNCHER"); /* set by the launcher, which execs us */
    ssize_t n = readlink("/proc/self/exe", libdir, sizeof libdir - 1);
    if (!self || self[0] != '/' || n <= 0)
        return fp_error("worker: run it as `footprint worker`"), EXIT_USAGE;
    libdir[n] = '\0';
    *strrchr(libdir, '/') = '\0';
    uid_t uid = geteuid() == 0 ? job_uid() : geteuid();
    char *data = data_dir(c->data);
    if (!data)
        return EXIT_USAGE;
    char *jobs = fp_xasprintf("%s/jobs", data);
    int ok = fp_sandbox_check(jobs, uid, why, sizeof why);
    free(jobs);
    if (ok != 0) {
        fp_error("worker: %s: refusing to run jobs unsandboxed", why);
        free(data);
        return EXIT_USAGE;
    }
    fp_db_t *db = fp_db_open(c->db, why, sizeof why);
    if (!db || fp_schema_migrate(db, why, sizeof why) != 0) {
        fp_error("worker: %s", why);
        fp_db_close(db);
        free(data);
        return EXIT_USAGE;
    }
    char host[64] = "", name[128];
    gethostname(host, sizeof host - 1);
    snprintf(name, sizeof name, "%s:%d", host, (int)getpid());
    fp_job_env_t env = {.db = db, .self = self, .libdir = libdir, .data = data, .limits = c->limits, .uid = uid,
                        .lease_ms = c->lease_s * 1000LL, .stopping = &stopping};
    int rc = loop(&env, name, c->attempts);
    free(data);
    fp_db_close(db);
    return rc;
}

int fp_worker_main(int argc, char **argv)
{
    fp_config_t c;
    fp_config_defaults(&c);
    if (parse(&c, argc, argv) != 0)
        return EXIT_USAGE;
    fp_config_start(&c, on_term);
    return start(&c);
}
