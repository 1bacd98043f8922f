/* unwind.c: libunwind's pipe, watched (see unwind.h). */
#include "unwind.h"

#include <sys/stat.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

static bool listed(const int *fds, int n, int fd)
{
    for (int i = 0; i < n; i++)
        if (fds[i] == fd)
            return true;
    return false;
}

void fp_unwind_warm_up(fp_unwind_t *u)
{
    enum { MAX_FDS = 1024 };
    int before[MAX_FDS], after[MAX_FDS]; /* 8 kB of stack, once, at start */
    if (u->warm)
        return;
    u->warm = true;
    u->pipe[0] = u->pipe[1] = FP_OWNFD_NONE;
    atomic_store(&u->off, false);
    int nbefore = fp_ownfd_list(before, MAX_FDS);
    /* libunwind reads each object's unwind tables on first use: now,
     * rather than inside the first signal handler */
    void *frames[16];
    unw_backtrace(frames, 16);
    int nafter = fp_ownfd_list(after, MAX_FDS);
    int found = 0;
    for (int i = 0; i < nafter && nbefore >= 0; i++) {
        struct stat st;
        if (listed(before, nbefore, after[i]) || fstat(after[i], &st) != 0 || !S_ISFIFO(st.st_mode))
            continue;
        if (found < 2)
            fp_ownfd_watch(&u->pipe[found], after[i]);
        found++;
    }
    if (found > 2) /* not sure which are libunwind's */
        u->pipe[0] = u->pipe[1] = FP_OWNFD_NONE;
}

bool fp_unwind_usable(fp_unwind_t *u)
{
    if (atomic_load_explicit(&u->off, memory_order_relaxed))
        return false;
    for (int i = 0; i < 2; i++)
        if (u->pipe[i].fd >= 0 && !fp_ownfd_ok(&u->pipe[i])) {
            atomic_store(&u->off, true);
            return false;
        }
    return true;
}
