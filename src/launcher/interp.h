/* interp.h: finding the interpreter and the agent built for it.
 *
 * The interpreter is --python, or python3 on PATH. footprint asks it who
 * it is by running the bundled probe.py with -I -S (a few milliseconds),
 * checks that it is CPython 3.9 to 3.13, and finds the agent built for
 * that interpreter under LIBDIR/agents/KEY. */
#ifndef FP_INTERP_H
#define FP_INTERP_H

typedef struct fp_interp {
    char *path;        /* what footprint will execute (resolved on PATH) */
    int major, minor, micro;
    char *key;         /* names its agent directory */
    char *agent_dir;   /* LIBDIR/agents/KEY */
} fp_interp_t;

/* The directory of footprint's support files (boot module, probe, agents,
 * interposer): next to the binary (build tree) or ../lib/footprint
 * (installed). Returns a new string or NULL. */
char *fp_interp_libdir(void);

/* Fills IN for NAME (a path, or a command looked up on PATH). On failure
 * prints one line that says what is wrong and how to fix it; returns -1. */
int fp_interp_find(fp_interp_t *in, const char *name, const char *libdir);

/* 0 when Python can import MODULE's top-level package as the program
 * would see it (PYTHONPATH and the working directory included); else
 * prints "no such module" and returns -1. */
int fp_interp_check_module(const fp_interp_t *in, const char *module);

#endif
