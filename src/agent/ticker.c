/* ticker.c: the sampler thread (see ticker.h). */
#include <Python.h>

#include "ticker.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"
#include "cpu.h"
#include "fragment.h"
#include "objmap.h"
#include "frames.h"
#include "gpu.h"
#include "guard.h"
#include "memory.h"
#include "ownfd.h"
#include "steal.h"

#include "../common/check.h"
#include "../common/xorshift.h"

enum {
    MIN_CHARGE_NS = 30000000,       /* take the GIL once a thread has 30 ms to charge:
                                       taking it is an extra GIL switch for the program */
    SNAPSHOT_NS = 1000000000,       /* write a snapshot every second... */
    FIRST_SNAPSHOT_NS = 250000000,  /* ...and a first one soon after start */
    RESCAN_TICKS = 10,              /* rescan threads at least this often */
    MAX_STATUS_READS = 8,           /* per tick: a status file costs ~15 us (steal.h) */
};

static uint64_t jitter(fp_ticker_t *ticker, uint64_t mean)
{
    if (!ticker->rng)
        ticker->rng = 0x2545F4914F6CDD1DULL;
    return mean / 2 + fp_xorshift64(&ticker->rng) % (mean ? mean : 1);
}

/* Threads in the process now, from /proc/self/stat (field 20). */
static long count_threads(fp_ticker_t *ticker)
{
    char buf[1024];
    ssize_t n = pread(ticker->stat.fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p)
        return -1;
    int field = 2;
    for (; *p && field < 20; p++)
        if (*p == ' ')
            field++;
    return strtol(p, NULL, 10);
}

static int slot_of(const fp_cpu_t *cpu, int tid)
{
    for (int i = 0; i < FP_MAX_THREADS; i++)
        if (atomic_load(&cpu->threads[i].tid) == tid)
            return i;
    return -1;
}

/* Lists /proc/self/task with getdents64 into a stack buffer: opendir()
 * would allocate from the program's heap. */
/* A thread's last wait, before it ended, goes to the line it was last
 * seen on; then the CPU sampler lets it go. */
static void drop_thread(fp_ticker_t *ticker, int slot)
{
    FP_ASSERT(slot >= 0 && slot < FP_MAX_THREADS);
    fp_cpu_t *cpu = &ticker->agent->cpu;
    fp_offcpu_t *o = &ticker->offcpu[slot];
    if (o->gap.pending_off_ns > 0)
        fp_cpu_charge_offcpu_at(cpu, fp_cpu_last_line(cpu, slot), (uint64_t)o->gap.pending_off_ns);
    fp_cpu_remove_thread(cpu, slot, o->last_sched.run_ns);
}

static void scan_threads(fp_ticker_t *ticker)
{
    fp_cpu_t *cpu = &ticker->agent->cpu;
    for (int i = 0; i < FP_MAX_THREADS; i++)
        ticker->offcpu[i].seen = false;
    int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[8192];
    long n;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            off += d->d_reclen;
            int tid = atoi(d->d_name);
            if (tid <= 0 || tid == ticker->tid)
                continue;
            int slot = slot_of(cpu, tid);
            if (slot < 0)
                slot = fp_ticker_add_thread(ticker, tid, true);
            if (slot >= 0)
                ticker->offcpu[slot].seen = true;
        }
    }
    close(fd);
    for (int i = 0; i < FP_MAX_THREADS; i++)
        if (atomic_load(&cpu->threads[i].tid) != 0 && !ticker->offcpu[i].seen)
            drop_thread(ticker, i);
}

/* Takes a reading of the machine's steal time once a window has passed. */
static void measure_steal(fp_ticker_t *ticker, uint64_t now)
{
    if (ticker->procstat.fd < 0 || !fp_steal_due(&ticker->steal, now))
        return;
    char buf[512]; /* the first line is all that is needed */
    ssize_t n = pread(ticker->procstat.fd, buf, sizeof buf, 0);
    uint64_t total, steal;
    if (n <= 0)
        ticker->lost_fds = true;
    else if (fp_steal_parse(buf, (size_t)n, &total, &steal))
        fp_steal_update(&ticker->steal, total, steal, now);
}

/* Adds the off-CPU time each thread spent since the last tick to its
 * pending total, less what the host took (fp_steal_split). The wall clock is read right after each
 * thread's counters, and a deficit is carried to the next tick rather
 * than dropped, so read skew cancels out. Returns true when some thread
 * has enough to be worth the GIL. */
static bool measure_offcpu(fp_ticker_t *ticker)
{
    fp_cpu_t *cpu = &ticker->agent->cpu;
    bool worth = false;
    int reads = 0;
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &cpu->threads[i];
        fp_offcpu_t *o = &ticker->offcpu[i];
        fp_schedstat_t now_sched;
        if (atomic_load(&t->tid) == 0)
            continue;
        if (!fp_cpu_read_schedstat(t->sched.fd, &now_sched)) {
            ticker->lost_fds = true; /* closed by the program, or the thread is gone */
            continue;
        }
        uint64_t now = fp_clock_ns(CLOCK_MONOTONIC);
        int64_t wall = (int64_t)(now - o->last_wall_ns);
        uint64_t ran = now_sched.run_ns - o->last_sched.run_ns;
        int64_t gap = wall - (int64_t)(ran + (now_sched.wait_ns - o->last_sched.wait_ns));
        fp_tick_t seen = {.gap = gap, .ran = ran, .stayed = ran > 0 && now_sched.runs == o->last_sched.runs};
        if (reads < MAX_STATUS_READS && fp_steal_wants_voluntary(&o->gap, &seen)) {
            seen.has_voluntary = fp_cpu_read_voluntary(atomic_load(&t->tid), &seen.voluntary);
            reads++;
        }
        uint64_t stolen = fp_steal_split(&ticker->steal, &o->gap, &seen);
        if (stolen) /* the CPU sampler's to charge, with the thread's next sample */
            atomic_fetch_add_explicit(&t->stolen_ns, stolen, memory_order_relaxed);
        o->last_wall_ns = now;
        o->last_sched = now_sched;
        if (o->gap.pending_off_ns > 0 && o->blocked_line && now_sched.run_ns == o->blocked_run_ns) {
            /* it has not run since it was seen on that line: it is still there */
            fp_cpu_charge_offcpu_at(cpu, (fp_where_t){o->blocked_line, o->blocked_stack},
                                    (uint64_t)o->gap.pending_off_ns);
            o->gap.pending_off_ns = 0;
        }
        if (o->gap.pending_off_ns >= MIN_CHARGE_NS || fp_cpu_runs_unsampled(cpu, i, &o->last_sched))
            worth = true;
    }
    return worth;
}

#if PY_VERSION_HEX < 0x030B0000
/* Before 3.11 a thread state does not record its kernel thread id. The
 * threading module knows it for the threads it started: look the thread
 * state's ident up there. Returns 0 when unknown. */
static int native_id_of(PyThreadState *ts)
{
    PyObject *modules = PyImport_GetModuleDict();
    PyObject *threading = modules ? PyDict_GetItemString(modules, "threading") : NULL;
    PyObject *active = threading ? PyObject_GetAttrString(threading, "_active") : NULL;
    PyObject *ident = PyLong_FromUnsignedLong(ts->thread_id);
    PyObject *thread = active && ident && PyDict_Check(active) ? PyDict_GetItem(active, ident) : NULL;
    PyObject *native = thread ? PyObject_GetAttrString(thread, "native_id") : NULL;
    int tid = native && PyLong_Check(native) ? (int)PyLong_AsLong(native) : 0;
    Py_XDECREF(native);
    Py_XDECREF(ident);
    Py_XDECREF(active);
    PyErr_Clear();
    return tid;
}
#endif

/* The thread state of the thread in slot T, if Python knows the thread.
 * Called with the GIL held, so the list of thread states is stable. */
static PyThreadState *state_of(fp_ticker_t *ticker, fp_thread_t *t)
{
    (void)ticker; /* before 3.11: its own thread state is not looked up */
    int tid = atomic_load(&t->tid);
    PyThreadState *seen = atomic_load(&t->tstate);
    PyInterpreterState *interp = PyInterpreterState_Main();
    for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts; ts = PyThreadState_Next(ts))
        if (ts == seen)
            return ts;
    for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts; ts = PyThreadState_Next(ts)) {
#if PY_VERSION_HEX >= 0x030B0000
        if ((int)ts->native_thread_id == tid)
            return ts;
#else
        if (ts != ticker->tstate && native_id_of(ts) == tid) {
            atomic_store(&t->tstate, ts);
            return ts;
        }
#endif
    }
    return NULL;
}

/* With the GIL: charge pending off-CPU time to the lines the threads are
 * blocked on. A thread that has ended since gets it on the line it was
 * last seen on. A thread that Python does not know (a native helper
 * thread) has no line: its waiting is not the program's. A thread that
 * runs but cannot be sampled gets its CPU time charged here too. */
static void charge_offcpu(fp_ticker_t *ticker)
{
    fp_cpu_t *cpu = &ticker->agent->cpu;
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &cpu->threads[i];
        fp_offcpu_t *o = &ticker->offcpu[i];
        if (atomic_load(&t->tid) != 0 && atomic_load(&t->unsampled))
            fp_cpu_charge_unsampled(cpu, i, &o->last_sched, state_of(ticker, t));
        if (atomic_load(&t->tid) == 0 || o->gap.pending_off_ns <= 0)
            continue;
        PyThreadState *ts = state_of(ticker, t);
        if (ts != ticker->tstate) {
            fp_where_t at = fp_cpu_charge_offcpu(cpu, i, ts, (uint64_t)o->gap.pending_off_ns);
            o->blocked_line = at.line;
            o->blocked_stack = at.stack;
            o->blocked_run_ns = o->last_sched.run_ns;
        }
        o->gap.pending_off_ns = 0;
    }
}

/* Takes the GIL. The thread gets its thread state the first time, not at
 * start, so that a program's start-up does not make way for it. */
static void take_gil(fp_ticker_t *ticker)
{
    if (ticker->tstate) {
        PyEval_RestoreThread(ticker->tstate);
        return;
    }
    ticker->gil_state = PyGILState_Ensure();
    ticker->tstate = PyThreadState_Get();
}

static bool any_pending(fp_ticker_t *ticker)
{
    for (int i = 0; i < FP_MAX_THREADS; i++)
        if (atomic_load(&ticker->agent->cpu.threads[i].tid) != 0 && ticker->offcpu[i].gap.pending_off_ns > 0)
            return true;
    return false;
}

/* A new wake-up pipe, the old one's ends closed where still ours. */
static bool open_wake_pipe(fp_ticker_t *ticker)
{
    fp_ownfd_close(&ticker->wake_r);
    fp_ownfd_close(&ticker->wake_w);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
        return false;
    fp_ownfd_adopt(&ticker->wake_r, fds[0]);
    fp_ownfd_adopt(&ticker->wake_w, fds[1]);
    return ticker->wake_r.fd >= 0 && ticker->wake_w.fd >= 0;
}

/* The program closed descriptors (a daemon closes every one it did not
 * open). First every one no longer ours is forgotten, then they are all
 * opened again: a reopened one must not take the number of another one
 * of ours not yet found lost, and then be read as that one. */
/* The CPU sampler's schedstat files, opened again: off-CPU time counts
 * from there. */
static void reopen_schedstats(fp_ticker_t *ticker)
{
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_offcpu_t *o = &ticker->offcpu[i];
        fp_schedstat_t now;
        uint64_t wall = fp_clock_ns(CLOCK_MONOTONIC);
        if (!fp_cpu_reopen_schedstat(&ticker->agent->cpu, i, &now))
            continue;
        o->last_wall_ns = wall;
        o->last_sched = now;
        o->gap.undecided_ns = 0;
    }
}

static void recover_descriptors(fp_ticker_t *ticker)
{
    fp_agent_t *a = ticker->agent;
    fp_ownfd_t *own[] = {&ticker->wake_r, &ticker->wake_w, &ticker->stat, &ticker->procstat};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!fp_ownfd_ok(own[i]))
            fp_ownfd_forget(own[i]);
    fp_memory_forget_lost_fds(&a->memory);
    fp_cpu_forget_lost_fds(&a->cpu);
    if (ticker->stat.fd < 0)
        fp_ownfd_open(&ticker->stat, "/proc/self/stat");
    if (ticker->procstat.fd < 0)
        fp_ownfd_open(&ticker->procstat, "/proc/stat");
    if (ticker->wake_r.fd < 0 || ticker->wake_w.fd < 0)
        open_wake_pipe(ticker);
    fp_memory_reopen_fds(&a->memory);
    reopen_schedstats(ticker);
    ticker->lost_fds = false;
}

static void tick(fp_ticker_t *ticker)
{
    fp_agent_t *a = ticker->agent;
    /* the wake-up pipe goes first when the program closes all of them */
    if (ticker->lost_fds || !fp_ownfd_ok(&ticker->wake_r))
        recover_descriptors(ticker);
    uint64_t now = fp_clock_ns(CLOCK_MONOTONIC);
    long nthreads = count_threads(ticker);
    if (!atomic_load(&ticker->paused) && (nthreads != ticker->last_nthreads || ticker->ticks % RESCAN_TICKS == 0)) {
        scan_threads(ticker);
        ticker->last_nthreads = nthreads;
    }
    ticker->ticks++;
    fp_objmap_refresh(&a->objmap);
    fp_memory_tick(&a->memory);
    measure_steal(ticker, now);
    /* code the signal handler met first (codeq.h); without the GIL: a
     * thread may hold it for seconds in native code, and samples wait */
    fp_frames_classify_pending(&a->frames);
    if (measure_offcpu(ticker)) {
        take_gil(ticker);
        charge_offcpu(ticker);
        PyEval_SaveThread();
    }
    fp_gpu_tick(&a->gpu); /* after the off-CPU charge: it tells where blocked threads are */
    /* without the GIL: a snapshot must not stop the program's threads */
    if (now >= ticker->next_snapshot_ns && !atomic_load(&ticker->stop)) {
        fp_fragment_write(a, false);
        ticker->next_snapshot_ns = fp_clock_ns(CLOCK_MONOTONIC) + SNAPSHOT_NS;
    }
}

/* Wakes the sampler thread, through the pipe while it is still ours (it
 * also wakes within a tick without it). Async-signal-safe. */
static void wake(fp_ticker_t *ticker)
{
    if (fp_ownfd_ok(&ticker->wake_w)) {
        char one = 1;
        ssize_t ignored = write(ticker->wake_w.fd, &one, 1);
        (void)ignored;
    }
}

/* Whether the sampler thread was woken: a pipe that is no longer ours
 * (closed, its number reused) does not wake it; the next tick makes a
 * new one. */
static bool woken(fp_ticker_t *ticker, const struct pollfd *pfd, int polled)
{
    return polled > 0 && !(pfd->revents & POLLNVAL) && fp_ownfd_ok(&ticker->wake_r);
}

bool fp_ticker_request_fatal(fp_ticker_t *ticker, int sig)
{
    if (!ticker->running || atomic_load(&ticker->stop))
        return false;
    int expected = 0;
    if (atomic_compare_exchange_strong(&ticker->fatal, &expected, sig))
        wake(ticker);
    return true;
}

/* A deadly signal arrived: the agent's stop path writes the final
 * fragment without the GIL (the program may hold it forever) and ends the
 * process as the signal would; when the program is already stopping the
 * agent (it is exiting, and is waiting for this thread to end), that stop
 * writes it and re-raises. */
static void *run(void *arg)
{
    fp_ticker_t *ticker = arg;
    ticker->tid = (int)syscall(SYS_gettid);
    fp_guard_enter(&ticker->agent->guard); /* nothing this thread does is the program's */
    ticker->tstate = NULL;
    ticker->next_snapshot_ns = fp_clock_ns(CLOCK_MONOTONIC) + FIRST_SNAPSHOT_NS;
    uint64_t mean = (uint64_t)(ticker->agent->config.interval_s * 1e9);
    while (!atomic_load(&ticker->stop)) {
        uint64_t ns = jitter(ticker, mean);
        struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
        struct pollfd pfd = {ticker->wake_r.fd, POLLIN, 0};
        int polled = ppoll(&pfd, 1, &ts, NULL);
        if (atomic_load(&ticker->fatal) && !ticker->finish(atomic_load(&ticker->fatal)))
            break;
        if (woken(ticker, &pfd, polled) || atomic_load(&ticker->stop))
            break;
        tick(ticker);
    }
    /* a last measurement, so that the final wait is not lost */
    measure_offcpu(ticker);
    atomic_store(&ticker->cpu_ns, fp_clock_ns(CLOCK_THREAD_CPUTIME_ID));
    if (!any_pending(ticker) && !ticker->tstate)
        return NULL;
    take_gil(ticker);
    charge_offcpu(ticker);
    PyGILState_Release(ticker->gil_state);
    ticker->tstate = NULL;
    return NULL;
}

void fp_ticker_init(fp_ticker_t *ticker, fp_agent_t *agent, fp_ticker_finish_fn finish)
{
    memset(ticker, 0, sizeof *ticker);
    ticker->agent = agent;
    ticker->finish = finish;
    ticker->wake_r = ticker->wake_w = ticker->stat = ticker->procstat = FP_OWNFD_NONE;
}

int fp_ticker_add_thread(fp_ticker_t *ticker, int tid, bool new_thread)
{
    fp_schedstat_t first;
    uint64_t wall;
    int slot = fp_cpu_add_thread(&ticker->agent->cpu, tid, new_thread, &first, &wall);
    if (slot >= 0)
        ticker->offcpu[slot] = (fp_offcpu_t){.last_wall_ns = wall, .last_sched = first};
    return slot;
}

void fp_ticker_drop_threads(fp_ticker_t *ticker)
{
    for (int i = 0; i < FP_MAX_THREADS; i++)
        if (atomic_load(&ticker->agent->cpu.threads[i].tid) != 0)
            drop_thread(ticker, i);
}

int fp_ticker_start(fp_ticker_t *ticker)
{
    fp_ownfd_open(&ticker->stat, "/proc/self/stat");
    fp_ownfd_open(&ticker->procstat, "/proc/stat");
    ticker->steal = (fp_steal_t){0};
    if (!open_wake_pipe(ticker))
        return -1;
    ticker->lost_fds = false;
    atomic_store(&ticker->stop, false);
    ticker->last_nthreads = -1;
    ticker->ticks = 0;
    /* the agent's thread must not inherit a signal mask that hides our
     * sample signal from the program's threads: block everything in it */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&ticker->thread, NULL, run, ticker);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    ticker->running = rc == 0;
    return rc == 0 ? 0 : -1;
}

void fp_ticker_stop(fp_ticker_t *ticker)
{
    if (!ticker->running)
        return;
    atomic_store(&ticker->stop, true);
    wake(ticker);
    Py_BEGIN_ALLOW_THREADS
    pthread_join(ticker->thread, NULL);
    Py_END_ALLOW_THREADS
    ticker->running = false;
    fp_ownfd_close(&ticker->wake_r);
    fp_ownfd_close(&ticker->wake_w);
    fp_ownfd_close(&ticker->stat);
    fp_ownfd_close(&ticker->procstat);
}

void fp_ticker_pause_threads(fp_ticker_t *ticker, bool pause)
{
    atomic_store(&ticker->paused, pause);
    ticker->last_nthreads = -1; /* rescan when resumed */
}

void fp_ticker_forget(fp_ticker_t *ticker)
{
    fp_cpu_forget_all(&ticker->agent->cpu);
    memset(ticker->offcpu, 0, sizeof ticker->offcpu);
    ticker->running = false;
    fp_ownfd_close(&ticker->wake_r);
    fp_ownfd_close(&ticker->wake_w);
    fp_ownfd_close(&ticker->stat);
    fp_ownfd_close(&ticker->procstat);
    ticker->tstate = NULL;
}
