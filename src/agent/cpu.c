/* cpu.c: per-thread CPU timers and the sample signal handler (see cpu.h). */
#include "cpu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "agent.h"
#include "frames.h"
#include "guard.h"
#include "objmap.h"

fp_thread_t fp_threads[FP_MAX_THREADS];

static int sample_signal = -1;

/* The kernel's CPU clock id of thread TID (glibc's MAKE_THREAD_CPUCLOCK):
 * lets one thread arm a timer on another thread's CPU time. */
static clockid_t thread_cpu_clock(int tid)
{
    return (clockid_t)(((unsigned)~tid << 3) | 6);
}

static uint64_t next_interval_ns(fp_thread_t *t)
{
    /* xorshift64: cheap, signal-safe randomness to avoid aliasing with
     * periodic work in the program */
    uint64_t x = t->rng ? t->rng : 0x9E3779B97F4A7C15ULL ^ (uint64_t)atomic_load(&t->tid);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    t->rng = x;
    double mean = fp_agent.config.interval_s * 1e9;
    double u = (double)(x >> 11) / (double)(1ULL << 53);
    return (uint64_t)(mean * (0.5 + u));
}

static void arm(fp_thread_t *t)
{
    uint64_t ns = next_interval_ns(t);
    struct itimerspec its = {{0, 0}, {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)}};
    timer_settime(t->timer, 0, &its, NULL);
}

/* libunwind checks addresses it is unsure of by writing them to a pipe
 * of its own, and reopens the pipe when a read from it fails. If the
 * program closed every descriptor and opened files since, those numbers
 * are the program's files: libunwind would read from them, write to them
 * or close them. So the pipe is found when libunwind opens it, and the
 * unwinder is no longer used once it has changed. */
static fp_ownfd_t unwinder_pipe[2] = {{-1, 0, 0}, {-1, 0, 0}};
static _Atomic bool unwinder_off;

static bool listed(const int *fds, int n, int fd)
{
    for (int i = 0; i < n; i++)
        if (fds[i] == fd)
            return true;
    return false;
}

void fp_cpu_warm_up_unwinder(void)
{
    enum { MAX_FDS = 1024 };
    static int before[MAX_FDS], after[MAX_FDS];
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
            fp_ownfd_watch(&unwinder_pipe[found], after[i]);
        found++;
    }
    if (found > 2) /* not sure which are libunwind's */
        unwinder_pipe[0] = unwinder_pipe[1] = FP_OWNFD_NONE;
}

/* Whether libunwind may run: its pipe is still its own. Signal-safe. */
static bool unwinder_usable(void)
{
    if (atomic_load_explicit(&unwinder_off, memory_order_relaxed))
        return false;
    for (int i = 0; i < 2; i++)
        if (unwinder_pipe[i].fd >= 0 && !fp_ownfd_ok(&unwinder_pipe[i])) {
            atomic_store(&unwinder_off, true);
            return false;
        }
    return true;
}

/* Decides, for an instruction in a system library, whose behalf it ran
 * on: walks the interrupted stack to the first frame outside the system
 * libraries. libunwind's local unwinder is async-signal-safe. */
static fp_code_kind_t caller_kind(ucontext_t *uc)
{
    unw_cursor_t cursor;
    if (!unwinder_usable())
        return FP_KIND_PYTHON;
    if (unw_init_local2(&cursor, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) < 0)
        return FP_KIND_PYTHON;
    for (int depth = 0; depth < 24 && unw_step(&cursor) > 0; depth++) {
        unw_word_t ip;
        if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0)
            break;
        fp_code_kind_t k = fp_objmap_kind((uintptr_t)ip - 1);
        if (k != FP_KIND_SYSTEM)
            return k == FP_KIND_UNKNOWN ? FP_KIND_NATIVE : k;
    }
    /* only system code on the stack: the interpreter's own libc calls are
     * by far the most common case */
    return FP_KIND_PYTHON;
}

typedef enum { TIME_PYTHON, TIME_NATIVE, TIME_SYSTEM } time_kind_t;

static time_kind_t classify(ucontext_t *uc)
{
    uintptr_t ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (fp_objmap_after_syscall(ip))
        return TIME_SYSTEM; /* the timer expired while the thread was in the kernel */
    fp_code_kind_t k = fp_objmap_kind(ip);
    if (k == FP_KIND_SYSTEM)
        k = caller_kind(uc);
    return k == FP_KIND_PYTHON ? TIME_PYTHON : TIME_NATIVE;
}

static void charge(fp_line_t *line, time_kind_t kind, uint64_t ns)
{
    if (line) {
        _Atomic uint64_t *c = kind == TIME_PYTHON   ? &line->cpu_python_ns
                              : kind == TIME_NATIVE ? &line->cpu_native_ns
                                                    : &line->system_ns;
        atomic_fetch_add_explicit(c, ns, memory_order_relaxed);
        return;
    }
    _Atomic uint64_t *c = kind == TIME_PYTHON   ? &fp_agent.other.cpu_python_ns
                          : kind == TIME_NATIVE ? &fp_agent.other.cpu_native_ns
                                                : &fp_agent.other.system_ns;
    atomic_fetch_add_explicit(c, ns, memory_order_relaxed);
}

/* Reads a schedstat file (time on the CPU, time waiting for one, times
 * put on a CPU) with a pread on FD: async-signal-safe. */
bool fp_cpu_read_schedstat(int fd, fp_schedstat_t *out)
{
    char buf[96];
    ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0)
        return false;
    uint64_t v[3] = {0, 0, 0};
    int k = 0;
    for (ssize_t i = 0; i < n && k < 3; i++) {
        if (buf[i] >= '0' && buf[i] <= '9')
            v[k] = v[k] * 10 + (uint64_t)(buf[i] - '0');
        else if (buf[i] == ' ')
            k++;
    }
    *out = (fp_schedstat_t){.run_ns = v[0], .wait_ns = v[1], .runs = v[2]};
    return true;
}

/* Reads thread TID's status file into BUF (SIZE bytes) and returns the
 * value of field KEY (as "\nName:"), blanks skipped, or NULL. */
static const char *status_field(int tid, const char *key, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    const char *p = strstr(buf, key);
    if (!p)
        return NULL;
    for (p += strlen(key); *p == ' ' || *p == '\t'; p++)
        ;
    return p;
}

bool fp_cpu_read_voluntary(int tid, uint64_t *out)
{
    char buf[4096];
    const char *p = status_field(tid, "\nvoluntary_ctxt_switches:", buf, sizeof buf);
    if (!p || *p < '0' || *p > '9')
        return false;
    *out = strtoull(p, NULL, 10);
    return true;
}

/* Time the thread waited for a CPU since its last sample. */
static uint64_t runqueue_wait(fp_thread_t *t)
{
    fp_schedstat_t now;
    if (!fp_cpu_read_schedstat(t->sched.fd, &now))
        return 0;
    uint64_t before = atomic_exchange_explicit(&t->last_runq_ns, now.wait_ns, memory_order_relaxed);
    return now.wait_ns > before ? now.wait_ns - before : 0;
}

/* A thread that runs no Python code (an OpenMP or BLAS worker, a C
 * library's thread) has no line of its own. Such workers mostly run for
 * the Python line that called into native code and works beside them, so
 * their CPU time goes to the line last seen running native code, if that
 * was lately; else (a thread of its own while the program runs Python) to
 * no line. */
enum {
    NATIVE_CALLER_FRESH_NS = 100000000,
    NEW_THREAD_MAX_CPU_NS = 100000000, /* more, and a thread found late is likely older than the profile */
    MAX_HELD_NS = 100000000,           /* a worker's time held for a caller to show up */
};
static _Atomic(fp_line_t *) native_caller;
static _Atomic uint64_t native_caller_at_ns;

static fp_line_t *line_for_native_thread(uint64_t now)
{
    uint64_t at = atomic_load_explicit(&native_caller_at_ns, memory_order_relaxed);
    if ((int64_t)(now - at) > NATIVE_CALLER_FRESH_NS)
        return NULL;
    return atomic_load_explicit(&native_caller, memory_order_relaxed);
}

/* A worker often runs a moment before its caller's first sample shows
 * which line called it: its time waits (up to MAX_HELD_NS) for that line.
 * Returns false when USED is held back; when LINE is known, what was
 * held is charged to it too. Beyond the bound, the oldest goes to no line. */
static void release_held(fp_thread_t *t, fp_line_t *line)
{
    for (int k = 0; k < 3; k++)
        charge(line, (time_kind_t)k, t->held_ns[k]);
    memset(t->held_ns, 0, sizeof t->held_ns);
}

static bool hold_for_caller(fp_thread_t *t, fp_line_t *line, time_kind_t kind, uint64_t used)
{
    uint64_t held = t->held_ns[0] + t->held_ns[1] + t->held_ns[2];
    if (line || held + used > MAX_HELD_NS) {
        release_held(t, line);
        return true;
    }
    t->held_ns[kind] += used;
    return false;
}

static void on_sample(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    int saved_errno = errno;
    int slot = si->si_value.sival_int;
    if (si->si_code != SI_TIMER || slot < 0 || slot >= FP_MAX_THREADS)
        goto done;
    fp_thread_t *t = &fp_threads[slot];
    if (!atomic_load_explicit(&fp_agent.sampling, memory_order_acquire) ||
        atomic_load(&t->tid) != (int)syscall(SYS_gettid))
        goto done;
    fp_guard_enter(); /* libunwind may map memory: not the program's */
    uint64_t now = fp_clock_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t before = atomic_exchange_explicit(&t->last_cpu_ns, now, memory_order_relaxed);
    uint64_t used = (now > before ? now - before : 0) + runqueue_wait(t) +
                    atomic_exchange_explicit(&t->stolen_ns, 0, memory_order_relaxed);
    PyThreadState *ts = fp_frames_this_thread();
    atomic_store_explicit(&t->tstate, ts, memory_order_relaxed);
    fp_line_t *line = fp_frames_site_async(&fp_agent.sites, ts);
    time_kind_t kind = classify(ucv);
    uint64_t wall = fp_clock_ns(CLOCK_MONOTONIC);
    /* the thread's own line: a worker's waiting is not its caller's */
    atomic_store_explicit(&t->last_line, line, memory_order_relaxed);
    int masked_kind = atomic_load_explicit(&t->last_kind, memory_order_relaxed);
    if (atomic_exchange_explicit(&t->unsampled, false, memory_order_relaxed) && masked_kind >= 0) {
        /* the first sample after the thread unblocked the signal: the time
         * is the end of its blocked stretch, charged as the sampler thread did */
        line = atomic_load_explicit(&t->last_charged, memory_order_relaxed);
        kind = (time_kind_t)masked_kind;
    } else if (!line && fp_frames_none_running(ts)) {
        line = line_for_native_thread(wall);
        if (!hold_for_caller(t, line, kind, used))
            goto charged;
    } else if (line && kind == TIME_NATIVE) {
        atomic_store_explicit(&native_caller, line, memory_order_relaxed);
        atomic_store_explicit(&native_caller_at_ns, wall, memory_order_relaxed);
    }
    charge(line, kind, used);
charged:
    atomic_store_explicit(&t->last_charged, line, memory_order_relaxed);
    atomic_store_explicit(&t->last_kind, (int)kind, memory_order_relaxed);
    arm(t);
    fp_guard_leave();
done:
    errno = saved_errno;
}

int fp_cpu_install(void)
{
    for (int sig = SIGRTMIN + 4; sig <= SIGRTMAX - 2; sig++) {
        struct sigaction old;
        if (sigaction(sig, NULL, &old) != 0 || old.sa_handler != SIG_DFL)
            continue; /* someone else's signal */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sample;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(sig, &sa, NULL) == 0) {
            sample_signal = sig;
            return 0;
        }
    }
    return -1;
}

/* Starts off-CPU accounting from now: the sampler thread reads this file
 * every tick. */
static bool open_schedstat_file(fp_ownfd_t *o, int tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
    return fp_ownfd_open(o, path);
}

static void open_schedstat(fp_thread_t *t, int tid)
{
    open_schedstat_file(&t->sched, tid);
    t->last_wall_ns = fp_clock_ns(CLOCK_MONOTONIC);
    t->last_sched = (fp_schedstat_t){0};
    if (fp_cpu_read_schedstat(t->sched.fd, &t->last_sched))
        t->last_runq_ns = t->last_sched.wait_ns;
}

void fp_cpu_forget_lost_fds(void)
{
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &fp_threads[i];
        if (atomic_load(&t->tid) != 0 && !fp_ownfd_ok(&t->sched))
            fp_ownfd_forget(&t->sched);
    }
}

void fp_cpu_reopen_fds(void)
{
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &fp_threads[i];
        int tid = atomic_load(&t->tid);
        fp_ownfd_t fd;
        if (tid == 0 || t->sched.fd >= 0 || !open_schedstat_file(&fd, tid))
            continue;
        /* the handler reads t->sched.fd: it gets the file once its baseline is set */
        t->last_wall_ns = fp_clock_ns(CLOCK_MONOTONIC);
        fp_cpu_read_schedstat(fd.fd, &t->last_sched);
        t->gap.undecided_ns = 0;
        t->sched = fd;
    }
}

int fp_cpu_add_thread(int tid, bool new_thread)
{
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &fp_threads[i];
        if (atomic_load(&t->tid) != 0)
            continue;
        memset((void *)&t->has_timer, 0, sizeof *t - offsetof(fp_thread_t, has_timer));
        t->sched = FP_OWNFD_NONE;
        atomic_store(&t->last_kind, -1);
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = sample_signal;
        sev.sigev_value.sival_int = i;
        sev._sigev_un._tid = tid;
        struct timespec cpu;
        if (clock_gettime(thread_cpu_clock(tid), &cpu) != 0)
            return -1; /* the thread is gone already */
        t->last_cpu_ns = fp_ns(&cpu);
        open_schedstat(t, tid);
        if (new_thread && t->last_cpu_ns < NEW_THREAD_MAX_CPU_NS) {
            /* its first sample takes what it did before the sampler found it */
            t->last_cpu_ns = 0;
            t->last_runq_ns = 0;
        }
        atomic_store(&t->tid, tid);
        if (sample_signal > 0 && timer_create(thread_cpu_clock(tid), &sev, &t->timer) == 0) {
            t->has_timer = true;
            arm(t);
        }
        return i;
    }
    return -1;
}

/* Charges the CPU time thread T used since its last sample where that
 * sample went: a thread that ends between two samples (or a run that
 * does) keeps the end of its work. Its time is its own clock for the
 * calling thread, else the sampler's last schedstat reading. */
static void charge_unsampled(fp_thread_t *t)
{
    int kind = atomic_load(&t->last_kind);
    if (kind < 0)
        return; /* never sampled: nothing says where its time belongs */
    uint64_t cpu = atomic_load(&t->tid) == (int)syscall(SYS_gettid) ? fp_clock_ns(CLOCK_THREAD_CPUTIME_ID)
                                                                      : t->last_sched.run_ns;
    uint64_t before = atomic_exchange(&t->last_cpu_ns, cpu);
    if (cpu > before)
        charge(atomic_load(&t->last_charged), (time_kind_t)kind, cpu - before);
}

enum {
    UNSAMPLED_AFTER_INTERVALS = 4, /* no sample for this long: is it blocking the signal? */
    MIN_UNSAMPLED_NS = 30000000,   /* less is not worth a GIL switch of the program's */
};

/* Whether thread TID blocks signal SIG (SigBlk in its status file). */
static bool blocks_signal(int tid, int sig)
{
    char buf[4096];
    const char *p = status_field(tid, "\nSigBlk:", buf, sizeof buf);
    if (!p || sig < 1 || sig > 64)
        return false;
    return (strtoull(p, NULL, 16) >> (sig - 1)) & 1;
}

bool fp_cpu_runs_unsampled(fp_thread_t *t)
{
    uint64_t late = (uint64_t)(UNSAMPLED_AFTER_INTERVALS * fp_agent.config.interval_s * 1e9);
    uint64_t sampled = atomic_load(&t->last_cpu_ns);
    if (!atomic_load(&t->unsampled) && t->last_sched.run_ns > sampled + late &&
        (!t->has_timer || blocks_signal(atomic_load(&t->tid), sample_signal)))
        atomic_store(&t->unsampled, true);
    return atomic_load(&t->unsampled) && t->last_sched.run_ns > sampled + MIN_UNSAMPLED_NS;
}

void fp_cpu_charge_unsampled(fp_thread_t *t, PyThreadState *ts)
{
    uint64_t before = atomic_load(&t->last_cpu_ns), cpu = t->last_sched.run_ns;
    /* a sample that lands meanwhile wins: the time is charged once */
    if (cpu <= before || !atomic_compare_exchange_strong(&t->last_cpu_ns, &before, cpu))
        return;
    uint64_t waited = 0, queued = atomic_load(&t->last_runq_ns);
    if (t->last_sched.wait_ns > queued &&
        atomic_compare_exchange_strong(&t->last_runq_ns, &queued, t->last_sched.wait_ns))
        waited = t->last_sched.wait_ns - queued; /* waiting for a CPU is more of the same */
    fp_line_t *line = ts ? fp_frames_site(&fp_agent.sites, ts) : NULL;
    if (!line && fp_frames_none_running(ts))
        line = line_for_native_thread(fp_clock_ns(CLOCK_MONOTONIC));
    /* the kind is not known without a sample: the thread's last, else Python */
    int kind = atomic_load(&t->last_kind);
    time_kind_t k = kind < 0 ? TIME_PYTHON : (time_kind_t)kind;
    charge(line, k, cpu - before + waited);
    atomic_store(&t->last_charged, line);
    atomic_store(&t->last_kind, (int)k);
}

void fp_cpu_remove_thread(int slot)
{
    fp_thread_t *t = &fp_threads[slot];
    fp_line_t *last = atomic_load(&t->last_line);
    if (t->gap.pending_off_ns > 0 && last) /* the thread's last wait, before it ended */
        atomic_fetch_add(&last->system_ns, (uint64_t)t->gap.pending_off_ns);
    if (t->has_timer)
        timer_delete(t->timer);
    t->has_timer = false;
    charge_unsampled(t);
    release_held(t, NULL); /* no caller showed up */
    fp_ownfd_close(&t->sched);
    atomic_store(&t->tid, 0);
}

void fp_cpu_stop_all(void)
{
    for (int i = 0; i < FP_MAX_THREADS; i++)
        if (atomic_load(&fp_threads[i].tid) != 0)
            fp_cpu_remove_thread(i);
}

void fp_cpu_discard_pending(void)
{
    if (sample_signal < 0)
        return;
    /* setting a signal to SIG_IGN discards its pending instances */
    struct sigaction ours;
    sigaction(sample_signal, NULL, &ours);
    signal(sample_signal, SIG_IGN);
    sigaction(sample_signal, &ours, NULL);
}

void fp_cpu_forget_all(void)
{
    atomic_store(&native_caller, NULL); /* the parent's lines */
    atomic_store(&native_caller_at_ns, 0);
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &fp_threads[i];
        if (atomic_load(&t->tid) != 0)
            fp_ownfd_close(&t->sched);
        t->sched = FP_OWNFD_NONE;
        t->has_timer = false;
        atomic_store(&t->tid, 0);
    }
}

fp_line_t *fp_cpu_charge_offcpu(fp_thread_t *t, PyThreadState *ts, uint64_t ns)
{
    fp_line_t *line = ts ? fp_frames_site(&fp_agent.sites, ts) : atomic_load(&t->last_line);
    if (ts)
        atomic_store(&t->last_line, line);
    if (line || ts)
        charge(line, TIME_SYSTEM, ns);
    return line;
}
