/* config.c: the shared options of serve and worker (see config.h). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../launcher/budget.h"
#include "../launcher/util.h"

const char fp_config_help[] =
    "  --db URL              the database: a SQLite file (default state.sqlite) or\n"
    "                        postgresql://user@host:port/name\n"
    "  --data DIR            where jobs are unpacked and run (default footprint-data)\n"
    "  --python PATH         an interpreter submissions may choose (repeatable; the\n"
    "                        first is the default; default /usr/bin/python3)\n"
    "  --max-memory SIZE     a job's resident memory cap (default 1GB)\n"
    "  --max-disk SIZE       a job's disk cap (default 256MB)\n"
    "  --max-output SIZE     stdout and stderr kept per job (default 1MB each)\n"
    "  --max-wall TIME       a job's wall-clock limit (default 5min)\n"
    "  --max-cpu TIME        a job's CPU time limit (default 5min)\n"
    "  --max-procs N         processes and threads a job may have (default 256)\n"
    "  --lease TIME          a job's lease, renewed every second (default 15s)\n"
    "  --attempts N          runs of a job whose worker died before it fails (default 3)\n";

void fp_config_defaults(fp_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->db = "state.sqlite";
    c->data = "footprint-data";
    c->listen = "127.0.0.1:8700";
    c->workers = 1;
    c->max_upload = 16LL << 20;
    c->lease_s = 15;
    c->attempts = 3;
    c->retention_days = 30;
    fp_sandbox_defaults(&c->limits);
}

static int size_opt(const char *opt, const char *v, long long *out)
{
    double b;
    if (fp_budget_parse_size(v, &b) != 0 || b < 1) {
        fp_error("%s: '%s' is not a size (512MB, 1GB)", opt, v);
        return -1;
    }
    *out = (long long)b;
    return 1;
}

static int time_opt(const char *opt, const char *v, int *out)
{
    double s;
    if (fp_budget_parse_time(v, &s) != 0 || s < 1) {
        fp_error("%s: '%s' is not a time of a second or more (30s, 5min)", opt, v);
        return -1;
    }
    *out = (int)s;
    return 1;
}

static int int_opt(const char *opt, const char *v, int lo, int hi, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) {
        fp_error("%s: '%s' is not a number from %d to %d", opt, v, lo, hi);
        return -1;
    }
    *out = (int)n;
    return 1;
}

int fp_config_option(fp_config_t *c, int argc, char **argv, int *i)
{
    static const char *const valued[] = {"--db", "--data", "--python", "--max-memory", "--max-disk",
                                         "--max-output", "--max-wall", "--max-cpu", "--max-procs", "--lease",
                                         "--attempts"};
    const char *o = argv[*i];
    bool ours = false;
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
        ours |= strcmp(o, valued[k]) == 0;
    if (!ours)
        return 0;
    if (*i + 1 >= argc) {
        fp_error("%s needs a value", o);
        return -1;
    }
    const char *v = argv[++*i];
    if (strcmp(o, "--db") == 0)
        return c->db = v, 1;
    if (strcmp(o, "--data") == 0)
        return c->data = v, 1;
    if (strcmp(o, "--python") == 0) {
        if (c->npythons == FP_CONFIG_MAX_PYTHONS || v[0] != '/') {
            fp_error("--python: give at most %d interpreters, each an absolute path", FP_CONFIG_MAX_PYTHONS);
            return -1;
        }
        return c->pythons[c->npythons++] = v, 1;
    }
    if (strcmp(o, "--max-memory") == 0)
        return size_opt(o, v, &c->limits.mem_bytes);
    if (strcmp(o, "--max-disk") == 0)
        return size_opt(o, v, &c->limits.disk_bytes);
    if (strcmp(o, "--max-output") == 0)
        return size_opt(o, v, &c->limits.output_bytes);
    if (strcmp(o, "--max-wall") == 0)
        return time_opt(o, v, &c->limits.wall_s);
    if (strcmp(o, "--max-cpu") == 0)
        return time_opt(o, v, &c->limits.cpu_s);
    if (strcmp(o, "--max-procs") == 0)
        return int_opt(o, v, 8, 100000, &c->limits.nproc);
    if (strcmp(o, "--lease") == 0)
        return time_opt(o, v, &c->lease_s);
    return int_opt(o, v, 1, 100, &c->attempts);
}

void fp_config_worker_args(const fp_config_t *c, char **argv, int *n, char *buf, int buflen)
{
    int used = 0;
#define ARG(s) (argv[(*n)++] = (char *)(s))
#define NUM(fmt, v)                                                                                                \
    do {                                                                                                           \
        int w = snprintf(buf + used, (size_t)(buflen - used), fmt, v);                                             \
        ARG(buf + used);                                                                                           \
        used += w + 1;                                                                                             \
    } while (0)
    ARG("--db"), ARG(c->db), ARG("--data"), ARG(c->data);
    for (int i = 0; i < c->npythons; i++)
        ARG("--python"), ARG(c->pythons[i]);
    ARG("--max-memory"); NUM("%lldB", c->limits.mem_bytes);
    ARG("--max-disk"); NUM("%lldB", c->limits.disk_bytes);
    ARG("--max-output"); NUM("%lldB", c->limits.output_bytes);
    ARG("--max-wall"); NUM("%ds", c->limits.wall_s);
    ARG("--max-cpu"); NUM("%ds", c->limits.cpu_s);
    ARG("--max-procs"); NUM("%d", c->limits.nproc);
    ARG("--lease"); NUM("%ds", c->lease_s);
    ARG("--attempts"); NUM("%d", c->attempts);
#undef ARG
#undef NUM
}

void fp_config_start(fp_config_t *c, void (*on_term)(int))
{
    if (c->npythons == 0)
        c->pythons[c->npythons++] = "/usr/bin/python3";
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
