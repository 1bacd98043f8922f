/* child.c: starting the program, forwarding signals, waiting (see child.h). */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

/* Signals footprint passes on to the program. */
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static volatile sig_atomic_t child_pid;

enum { DESCENDANT_WAIT_MS = 2000 };

char **fp_env_copy(void)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = fp_xcalloc(n + 1, sizeof *env);
    for (size_t i = 0; i < n; i++)
        env[i] = fp_xstrdup(environ[i]);
    return env;
}

void fp_env_set(char ***envp, const char *name, const char *value)
{
    size_t len = strlen(name), n = 0;
    char **env = *envp;
    char *entry = fp_xasprintf("%s=%s", name, value);
    for (; env[n]; n++) {
        if (strncmp(env[n], name, len) == 0 && env[n][len] == '=') {
            free(env[n]);
            env[n] = entry;
            return;
        }
    }
    env = fp_xrealloc(env, (n + 2) * sizeof *env);
    env[n] = entry;
    env[n + 1] = NULL;
    *envp = env;
}

/* A terminal's Ctrl-C or Ctrl-\ reaches the whole foreground process
 * group, the program included: passing it on too would interrupt the
 * program twice. Only signals sent to footprint alone are forwarded. */
static void forward(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    pid_t pid = (pid_t)child_pid;
    if (pid <= 0)
        return;
    bool from_terminal = (sig == SIGINT || sig == SIGQUIT || sig == SIGWINCH) && si->si_code == SI_KERNEL;
    if (!from_terminal)
        kill(pid, sig);
}

static void install_forwarding(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &sa, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* After the program ends, its descendants still running (pool workers
 * being torn down, a forkserver, daemons) get a bounded time to finish
 * and leave their last fragment. They were reparented to us (we are a
 * subreaper); the ones still running then are left to run on. */
static void wait_for_descendants(void)
{
    double deadline = now_s() + DESCENDANT_WAIT_MS / 1000.0;
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0)
            continue;
        if (pid < 0 && errno != EINTR)
            return; /* none left */
        if (now_s() >= deadline)
            return;
        usleep(5000);
    }
}

int fp_child_run(fp_child_t *c)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* An exec error must reach us: report it through a close-on-exec pipe. */
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        fp_error("cannot start the program: %s", strerror(errno));
        return -1;
    }
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(&block, forwarded[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    install_forwarding();
    double start = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
            signal(forwarded[i], SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(errpipe[0]);
        execve(c->argv[0], c->argv, c->envp);
        int err = errno;
        ssize_t ignored = write(errpipe[1], &err, sizeof err);
        (void)ignored;
        _exit(127);
    }
    close(errpipe[1]);
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(errpipe[0]);
        fp_error("cannot start the program: %s", strerror(errno));
        return -1;
    }
    c->pid = pid;
    child_pid = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    int err = 0;
    ssize_t got;
    while ((got = read(errpipe[0], &err, sizeof err)) < 0 && errno == EINTR)
        ;
    close(errpipe[0]);
    while (waitpid(pid, &c->status, 0) < 0 && errno == EINTR)
        ;
    c->elapsed_s = now_s() - start;
    child_pid = 0;
    wait_for_descendants();
    if (got == (ssize_t)sizeof err) {
        fp_error("cannot run %s: %s", c->argv[0], strerror(err));
        return -1;
    }
    return 0;
}

int fp_child_exit_code(const fp_child_t *c)
{
    if (WIFEXITED(c->status))
        return WEXITSTATUS(c->status);
    if (WIFSIGNALED(c->status))
        return 128 + WTERMSIG(c->status);
    return 1;
}
