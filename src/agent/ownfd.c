/* ownfd.c: see ownfd.h. */
#include "ownfd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* The lowest number the agent's descriptors take: well above what a
 * program uses, below the limit, with room for one per thread. */
static int top_base(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 768;
    long limit = rl.rlim_cur > 65536 ? 65536 : (long)rl.rlim_cur;
    return limit >= 512 ? (int)(limit - limit / 4) : 3;
}

/* getdents64 into a stack buffer: opendir() would allocate from the
 * program's heap. */
int fp_ownfd_list(int *out, int max)
{
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -1;
    char buf[4096];
    long n;
    int count = 0;
    while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0)
        for (long off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            off += d->d_reclen;
            if (d->d_name[0] >= '0' && d->d_name[0] <= '9' && count < max)
                out[count++] = atoi(d->d_name);
        }
    close(dir);
    return count;
}

bool fp_ownfd_watch(fp_ownfd_t *o, int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        *o = FP_OWNFD_NONE;
        return false;
    }
    *o = (fp_ownfd_t){fd, st.st_dev, st.st_ino};
    return true;
}

bool fp_ownfd_adopt(fp_ownfd_t *o, int fd)
{
    if (fd < 0) {
        *o = FP_OWNFD_NONE;
        return false;
    }
    int high = fcntl(fd, F_DUPFD_CLOEXEC, top_base());
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    if (!fp_ownfd_watch(o, fd)) {
        close(fd);
        return false;
    }
    return true;
}

void fp_ownfd_reserve(fp_ownfd_spares_t *s)
{
    for (int i = 0; i < FP_OWNFD_SPARES; i++)
        if (!fp_ownfd_ok(&s->fd[i]))
            fp_ownfd_open(&s->fd[i], "/dev/null");
}

void fp_ownfd_release_reserve(fp_ownfd_spares_t *s)
{
    for (int i = 0; i < FP_OWNFD_SPARES; i++)
        fp_ownfd_close(&s->fd[i]);
}

int fp_ownfd_open_anyway(fp_ownfd_spares_t *s, const char *path, int flags, mode_t mode)
{
    int fd = open(path, flags, mode);
    if (fd >= 0 || (errno != EMFILE && errno != ENFILE))
        return fd;
    fp_ownfd_release_reserve(s);
    fd = open(path, flags, mode);
    struct rlimit rl;
    if (fd >= 0 || errno != EMFILE || getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return fd;
    struct rlimit wider = {rl.rlim_cur + FP_OWNFD_SPARES, rl.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &wider) != 0)
        return -1;
    fd = open(path, flags, mode);
    int saved = errno;
    setrlimit(RLIMIT_NOFILE, &rl);
    errno = saved;
    return fd;
}

bool fp_ownfd_open(fp_ownfd_t *o, const char *path)
{
    return fp_ownfd_adopt(o, open(path, O_RDONLY | O_CLOEXEC));
}

bool fp_ownfd_ok(const fp_ownfd_t *o)
{
    struct stat st;
    return o->fd >= 0 && fstat(o->fd, &st) == 0 && st.st_dev == o->dev && st.st_ino == o->ino;
}

void fp_ownfd_close(fp_ownfd_t *o)
{
    if (fp_ownfd_ok(o))
        close(o->fd);
    *o = FP_OWNFD_NONE;
}
