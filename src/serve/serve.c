/* serve.c: `footprint serve` (see serve.h): options, the database, the
 * default budget, the HTTP side, the local workers (restarted if they
 * die), housekeeping (expired leases, old artifacts), and `token add`. */
#include "serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../launcher/budget.h"
#include "../launcher/util.h"
#include "api.h"
#include "config.h"
#include "db.h"
#include "queue.h"
#include "schema.h"
#include "store.h"
#include "token.h"

enum { EXIT_USAGE = 2, MAX_WORKERS = 64 };

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

static void usage(void)
{
    printf("usage: footprint serve [options]\n"
           "       footprint serve token add NAME --role submitter|reviewer|admin [--db URL]\n"
           "\n"
           "The validation service: accepts programs (a script, or a tar or zip with a\n"
           "footprint.toml) over HTTP, runs each sandboxed under footprint run, and\n"
           "judges it with footprint check against the budget it chose.\n"
           "\n"
           "options:\n"
           "  --listen HOST:PORT    the address to answer on (default 127.0.0.1:8700)\n"
           "  --workers N           local workers (default 1; 0 for none)\n"
           "  --budget FILE         the default budget, in footprint check's format\n"
           "  --max-upload SIZE     the largest upload taken (default 16MB)\n"
           "  --retention DAYS      artifacts are dropped this long after the verdict (default 30)\n"
           "  --demo                add a sample budget, an admin token and a sample submission\n"
           "%s",
           fp_config_help);
}

static int parse(fp_config_t *c, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        int rc = fp_config_option(c, argc, argv, &i);
        if (rc < 0)
            return -1;
        if (rc > 0)
            continue;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage();
            exit(0);
        }
        if (strcmp(o, "--demo") == 0) {
            c->demo = true;
            continue;
        }
        static const char *const valued[] = {"--listen", "--workers", "--budget", "--max-upload", "--retention"};
        bool known = false;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            known |= strcmp(o, valued[k]) == 0;
        if (!known) {
            fp_error("serve: unknown option '%s' (see footprint serve --help)", o);
            return -1;
        }
        if (i + 1 >= argc) {
            fp_error("%s needs a value", o);
            return -1;
        }
        const char *v = argv[++i];
        char *end;
        double size;
        if (strcmp(o, "--listen") == 0) {
            c->listen = v;
        } else if (strcmp(o, "--budget") == 0) {
            c->budget_file = v;
        } else if (strcmp(o, "--max-upload") == 0) {
            if (fp_budget_parse_size(v, &size) != 0 || size < 1)
                return fp_error("--max-upload: '%s' is not a size (16MB)", v), -1;
            c->max_upload = (long long)size;
        } else {
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 0 || n > (strcmp(o, "--workers") == 0 ? MAX_WORKERS : 100000))
                return fp_error("%s: '%s' is not a number in range", o, v), -1;
            if (strcmp(o, "--workers") == 0)
                c->workers = (int)n;
            else
                c->retention_days = (int)n;
        }
    }
    return 0;
}

static fp_db_t *open_db(const char *url)
{
    char err[1024];
    fp_db_t *db = fp_db_open(url, err, sizeof err);
    if (!db || fp_schema_migrate(db, err, sizeof err) != 0) {
        fp_error("serve: %s", err);
        fp_db_close(db);
        return NULL;
    }
    return db;
}

/* ---- token add ---- */

static int token_add(int argc, char **argv)
{
    const char *name = NULL, *role = NULL, *url = "state.sqlite";
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
            role = argv[++i];
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            url = argv[++i];
        else if (argv[i][0] != '-' && !name)
            name = argv[i];
        else
            return fp_error("serve token add: unexpected '%s'", argv[i]), EXIT_USAGE;
    }
    if (!name || !*name || strlen(name) > 63)
        return fp_error("serve token add: give a NAME (1 to 63 characters)"), EXIT_USAGE;
    if (!fp_token_role_valid(role))
        return fp_error("serve token add: --role must be submitter, reviewer or admin"), EXIT_USAGE;
    fp_db_t *db = open_db(url);
    if (!db)
        return EXIT_USAGE;
    char token[48];
    int rc = fp_store_token_add(db, name, role, token);
    if (rc == 0)
        printf("%s\n", token);
    else
        fp_error("serve token add: %s", fp_db_error(db));
    fp_db_close(db);
    return rc == 0 ? 0 : EXIT_USAGE;
}

/* ---- budgets and the demo ---- */

static const char default_budget[] = "# the service's default budget: the whole run's peak and a clean exit\n"
                                     "[run]\nmax_peak = \"1GB\"\n";

static int set_budgets(fp_db_t *db, const fp_config_t *c)
{
    if (c->budget_file) {
        fp_budget_list_t l = {0};
        int ok = fp_budget_load_file(&l, c->budget_file) == 0;
        fp_budget_free(&l);
        size_t len;
        char *text = ok ? fp_read_file(c->budget_file, &len) : NULL;
        if (!text)
            return -1;
        int rc = fp_store_budget_put(db, "default", text);
        free(text);
        return rc;
    }
    char *have = fp_store_budget_get(db, "default");
    int rc = have ? 0 : fp_store_budget_put(db, "default", default_budget);
    free(have);
    return rc;
}

static const char demo_budget[] = "# the demo's budget: a small model must stay small\n"
                                  "[run]\nmax_peak = \"200MB\"\nmax_time = \"60s\"\nno_leaks = true\n";
static const char demo_script[] = "# a small model: fits a line to noisy points\n"
                                  "import random\n\n"
                                  "def fit(points):\n"
                                  "    n = len(points)\n"
                                  "    mx = sum(x for x, _ in points) / n\n"
                                  "    my = sum(y for _, y in points) / n\n"
                                  "    sxy = sum((x - mx) * (y - my) for x, y in points)\n"
                                  "    sxx = sum((x - mx) ** 2 for x, _ in points)\n"
                                  "    return sxy / sxx, my - sxy / sxx * mx\n\n"
                                  "points = [(x, 3 * x + 1 + random.random()) for x in range(200000)]\n"
                                  "print('slope %.2f, intercept %.2f' % fit(points))\n";

static int demo(fp_db_t *db, const fp_config_t *c)
{
    char token[48];
    if (fp_store_budget_put(db, "demo", demo_budget) != 0 || fp_store_token_add(db, "demo", "admin", token) != 0)
        return -1;
    fp_store_new_t s = {"demo", NULL, "demo_model.py", demo_script, strlen(demo_script), "demo", demo_budget,
                        c->pythons[0]};
    bool existed;
    if (fp_store_submit(db, &s, &existed) < 0)
        return -1;
    fprintf(stderr, "footprint serve: demo: budget 'demo', a sample submission, and an admin token:\n%s\n", token);
    return 0;
}

/* ---- workers ---- */

static pid_t spawn_worker(const fp_config_t *c)
{
    char *argv[64], buf[512];
    int n = 0;
    argv[n++] = "footprint";
    argv[n++] = "worker";
    fp_config_worker_args(c, argv, &n, buf, sizeof buf);
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    return pid;
}

static void stop_workers(pid_t *pids, int n)
{
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGTERM);
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            waitpid(pids[i], NULL, 0);
}

/* Restarts any worker that died; a worker that exits 2 at once (it cannot
 * sandbox) stops the server: running on without workers would be a lie. */
static int tend(pid_t *pids, int n, const fp_config_t *c)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (int i = 0; i < n; i++)
            if (pids[i] == pid) {
                if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_USAGE)
                    return -1;
                pids[i] = stopping ? 0 : spawn_worker(c);
            }
    return 0;
}

static int run(fp_config_t *c)
{
    fp_db_t *db = open_db(c->db), *house = db ? open_db(c->db) : NULL;
    if (!house || set_budgets(db, c) != 0 || (c->demo && demo(db, c) != 0)) {
        fp_error("serve: cannot set up the database");
        fp_db_close(db);
        fp_db_close(house);
        return EXIT_USAGE;
    }
    /* before the API answers: nothing past its retention is served */
    fp_store_prune(house, fp_store_now_ms() - c->retention_days * 86400000LL);
    char err[512];
    fp_api_t *api = fp_api_start(db, c, err, sizeof err);
    if (!api) {
        fp_error("serve: %s", err);
        fp_db_close(db);
        fp_db_close(house);
        return EXIT_USAGE;
    }
    fprintf(stderr, "footprint serve: listening on http://%s (database %s, %d worker%s)\n", c->listen, c->db,
            c->workers, c->workers == 1 ? "" : "s");
    pid_t pids[MAX_WORKERS] = {0};
    for (int i = 0; i < c->workers; i++)
        pids[i] = spawn_worker(c);
    int rc = 0;
    for (long tick = 0; !stopping; tick++) {
        sleep(1);
        if (tend(pids, c->workers, c) != 0) {
            fp_error("serve: a worker cannot run jobs here (see its message): stopping");
            rc = EXIT_USAGE;
            break;
        }
        if (tick % 5 == 0)
            fp_queue_reap(house, c->attempts);
        if (tick % 3600 == 3599)
            fp_store_prune(house, fp_store_now_ms() - c->retention_days * 86400000LL);
    }
    stop_workers(pids, c->workers);
    fp_api_stop(api);
    fp_db_close(db);
    fp_db_close(house);
    return rc;
}

int fp_serve_main(int argc, char **argv)
{
    if (argc > 3 && strcmp(argv[2], "token") == 0 && strcmp(argv[3], "add") == 0)
        return token_add(argc, argv);
    fp_config_t c;
    fp_config_defaults(&c);
    if (parse(&c, argc, argv) != 0)
        return EXIT_USAGE;
    fp_config_start(&c, on_term);
    return run(&c);
}
