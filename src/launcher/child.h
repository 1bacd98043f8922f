/* child.h: running the program.
 *
 * The program runs as footprint's child with its own arguments, stdin,
 * stdout, stderr and working directory, plus the environment that loads
 * the agent. footprint forwards the signals meant for the program and
 * returns its exit status the way a shell reports it. */
#ifndef FP_CHILD_H
#define FP_CHILD_H

#include <sys/types.h>

typedef struct fp_child {
    char **argv;     /* what is executed, argv[0] the interpreter */
    char **envp;     /* the program's environment */
    pid_t pid;
    int status;      /* raw waitpid status once it ended */
    double elapsed_s;
} fp_child_t;

/* Adds or replaces NAME=VALUE in the NULL-terminated *ENVP (reallocated). */
void fp_env_set(char ***envp, const char *name, const char *value);
/* A copy of the current environment, to be changed with fp_env_set. */
char **fp_env_copy(void);

/* Starts the program and waits for it, forwarding signals. Returns 0, or
 * -1 when it could not be started (message printed). */
int fp_child_run(fp_child_t *c);

/* The exit status a shell would report: the code, or 128+N for signal N. */
int fp_child_exit_code(const fp_child_t *c);

#endif
