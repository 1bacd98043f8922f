/* proc.c: running helper commands (see proc.h). */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static pid_t spawn(char *const argv[], int out_fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 2);
        dup2(out_fd, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int fp_proc_capture(char *const argv[], char **out, int timeout_ms)
{
    *out = NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = spawn(argv, fds[1]);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *buf = fp_xmalloc(cap);
    long deadline = now_ms() + timeout_ms;
    bool timed_out = false;
    for (;;) {
        struct pollfd p = {fds[0], POLLIN, 0};
        long left = deadline - now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) == 0) {
            timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (n + 1 >= cap)
            buf = fp_xrealloc(buf, cap *= 2);
        ssize_t got = read(fds[0], buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    *out = buf;
    if (timed_out || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}
