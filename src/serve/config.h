/* config.h: the options `footprint serve` and `footprint worker` share,
 * and their parsing. A server passes its own on to the workers it starts. */
#ifndef FP_CONFIG_H
#define FP_CONFIG_H

#include <stdbool.h>

#include "sandbox.h"

enum { FP_CONFIG_MAX_PYTHONS = 8 };

typedef struct fp_config {
    const char *db;            /* --db: a SQLite file or postgresql://... */
    const char *data;          /* --data: where jobs unpack (made if missing) */
    const char *listen;        /* --listen HOST:PORT (serve) */
    const char *budget_file;   /* --budget: the default budget (serve) */
    const char *pythons[FP_CONFIG_MAX_PYTHONS]; /* --python, repeatable: the interpreters offered */
    int npythons;
    int workers;               /* --workers N (serve) */
    bool demo;                 /* --demo (serve) */
    long long max_upload;      /* --max-upload SIZE (serve) */
    int lease_s, attempts;     /* --lease SECONDS, --attempts N */
    int retention_days;        /* --retention DAYS: artifacts kept this long */
    fp_sandbox_limits_t limits; /* --max-memory, --max-disk, --max-output, --max-wall, --max-cpu, --max-procs */
} fp_config_t;

void fp_config_defaults(fp_config_t *c);

/* Takes the option at ARGV[*I] (and its value) if it is a shared one:
 * 1 taken, 0 not ours, -1 bad (reported on stderr). */
int fp_config_option(fp_config_t *c, int argc, char **argv, int *i);

/* The shared options as arguments for a worker (into ARGV from index *N;
 * the strings live in C or BUF, BUFLEN bytes). */
void fp_config_worker_args(const fp_config_t *c, char **argv, int *n, char *buf, int buflen);

/* What a service process does once its options are parsed: /usr/bin/python3
 * when no --python was given, ON_TERM for SIGTERM and SIGINT, and SIGPIPE
 * ignored (a client that hangs up is no reason to die). */
void fp_config_start(fp_config_t *c, void (*on_term)(int));

/* The help lines for the shared options. */
extern const char fp_config_help[];

#endif
