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

#include "../common/check.h"
#include "../common/xorshift.h"

/* The kernel's CPU clock id of thread TID (glibc's MAKE_THREAD_CPUCLOCK):
 * lets one thread arm a timer on another thread's CPU time. */
static clockid_t thread_cpu_clock(int tid)
{
    return (clockid_t)(((unsigned)~tid << 3) | 6);
}

static uint64_t next_interval_ns(const fp_cpu_t *cpu, fp_thread_t *t)
{
    /* randomized, so as not to alias with periodic work in the program */
    if (!t->rng)
        t->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)atomic_load(&t->tid);
    double mean = cpu->interval_s * 1e9;
    double u = fp_xorshift_unit(fp_xorshift64(&t->rng));
    return (uint64_t)(mean * (0.5 + u));
}

static void arm(const fp_cpu_t *cpu, fp_thread_t *t)
{
    uint64_t ns = next_interval_ns(cpu, t);
    struct itimerspec its = {{0, 0}, {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)}};
    timer_settime(t->timer, 0, &its, NULL);
}

void fp_cpu_warm_up_unwinder(fp_cpu_t *cpu) { fp_unwind_warm_up(&cpu->unwind); }

/* Decides, for an instruction in a system library, whose behalf it ran
 * on: walks the interrupted stack to the first frame outside the system
 * libraries. libunwind's local unwinder is async-signal-safe. */
static fp_code_kind_t caller_kind(fp_cpu_t *cpu, ucontext_t *uc)
{
    unw_cursor_t cursor;
    if (!fp_unwind_usable(&cpu->unwind))
        return FP_KIND_PYTHON;
    if (unw_init_local2(&cursor, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) < 0)
        return FP_KIND_PYTHON;
    for (int depth = 0; depth < 24 && unw_step(&cursor) > 0; depth++) {
        unw_word_t ip;
        if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0)
            break;
        fp_code_kind_t k = fp_objmap_kind(cpu->objmap, (uintptr_t)ip - 1);
        if (k != FP_KIND_SYSTEM)
            return k == FP_KIND_UNKNOWN ? FP_KIND_NATIVE : k;
    }
    /* only system code on the stack: the interpreter's own libc calls are
     * by far the most common case */
    return FP_KIND_PYTHON;
}

/* What a stretch of a thread's time was: running Python, running native
 * code, or (the kernel's own, and waiting off a CPU) off-CPU. */
typedef enum { TIME_PYTHON, TIME_NATIVE, TIME_OFFCPU } time_kind_t;

static time_kind_t classify(fp_cpu_t *cpu, ucontext_t *uc)
{
    uintptr_t ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (fp_objmap_after_syscall(cpu->objmap, ip))
        return TIME_OFFCPU; /* the timer expired while the thread was in the kernel */
    fp_code_kind_t k = fp_objmap_kind(cpu->objmap, ip);
    if (k == FP_KIND_SYSTEM)
        k = caller_kind(cpu, uc);
    return k == FP_KIND_PYTHON ? TIME_PYTHON : TIME_NATIVE;
}

/* Charges NS of time of KIND to a line and its stack (stacks.h), or, with
 * no line, to the time outside profiled files. */
static void charge(fp_cpu_t *cpu, fp_where_t at, time_kind_t kind, uint64_t ns)
{
    FP_ASSERT(kind >= TIME_PYTHON && kind <= TIME_OFFCPU);
    _Static_assert((int)TIME_PYTHON == FP_STACK_PYTHON && (int)TIME_NATIVE == FP_STACK_NATIVE &&
                       (int)TIME_OFFCPU == FP_STACK_OFFCPU, "time kinds");
    fp_line_t *line = at.line;
    if (line) {
        _Atomic uint64_t *c = kind == TIME_PYTHON   ? &line->cpu_python_ns
                              : kind == TIME_NATIVE ? &line->cpu_native_ns
                                                    : &line->offcpu_ns;
        atomic_fetch_add_explicit(c, ns, memory_order_relaxed);
        fp_stacks_add_time(cpu->frames->stacks, at.stack, (int)kind, ns);
        return;
    }
    fp_unattributed_t *u = cpu->unattributed;
    _Atomic uint64_t *c = kind == TIME_PYTHON   ? &u->cpu_python_ns
                          : kind == TIME_NATIVE ? &u->cpu_native_ns
                                                : &u->offcpu_ns;
    atomic_fetch_add_explicit(c, ns, memory_order_relaxed);
}

/* AT with the native frames of the interrupted code UC below its stack
 * (native.h), for a sample of native time; AT itself when there are none
 * or the table has no room for that stack. */
static fp_where_t with_native(fp_cpu_t *cpu, fp_where_t at, void *uc)
{
    uint32_t frames[FP_NATIVE_DEPTH];
    if (!at.stack || !fp_native_on(cpu->native))
        return at;
    int n = fp_native_of_signal(cpu->native, uc, frames, FP_NATIVE_DEPTH);
    fp_stack_t *s = fp_stacks_with_native(cpu->frames->stacks, at.stack, frames, n);
    return (fp_where_t){at.line, s ? s : at.stack};
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

static const fp_where_t nowhere = {NULL, NULL};

/* The line (and stack) a worker's time at NOW goes to (attrib.h). */
static fp_where_t caller_of_worker(fp_cpu_t *cpu, uint64_t now)
{
    fp_line_t *line = fp_attrib_caller_of_worker(&cpu->caller, now);
    return (fp_where_t){line, line ? atomic_load_explicit(&cpu->caller_stack, memory_order_relaxed) : NULL};
}

static fp_where_t last_charged(fp_thread_t *t)
{
    return (fp_where_t){atomic_load_explicit(&t->last_charged, memory_order_relaxed),
                        atomic_load_explicit(&t->last_charged_stack, memory_order_relaxed)};
}

static void set_last_charged(fp_thread_t *t, fp_where_t at)
{
    atomic_store_explicit(&t->last_charged_stack, at.stack, memory_order_relaxed);
    atomic_store_explicit(&t->last_charged, at.line, memory_order_relaxed);
}

static void set_last_seen(fp_thread_t *t, fp_where_t at)
{
    atomic_store_explicit(&t->last_stack, at.stack, memory_order_relaxed);
    atomic_store_explicit(&t->last_line, at.line, memory_order_relaxed);
}

/* Held time (attrib.h: a worker's, or a sample's whose code was not
 * classified yet) goes to LINE, or to none. */
static void release_held(fp_cpu_t *cpu, fp_thread_t *t, fp_where_t line)
{
    uint64_t held[FP_ATTRIB_KINDS];
    fp_attrib_release(&t->held, held);
    for (int k = 0; k < FP_ATTRIB_KINDS; k++)
        if (held[k])
            charge(cpu, line, (time_kind_t)k, held[k]);
}

/* The handler's own cost (fp_cpu_stats_t): its thread's CPU clock, read
 * again as it ends. */
static void note_handler_time(fp_cpu_stats_t *st, uint64_t started_ns)
{
    uint64_t ns = fp_clock_ns(CLOCK_THREAD_CPUTIME_ID) - started_ns;
    atomic_fetch_add_explicit(&st->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->total_ns, ns, memory_order_relaxed);
    uint64_t worst = atomic_load_explicit(&st->worst_ns, memory_order_relaxed);
    while (ns > worst && !atomic_compare_exchange_weak(&st->worst_ns, &worst, ns))
        ;
}

void fp_cpu_stats_report(const fp_cpu_t *cpu)
{
    uint64_t n = atomic_load(&cpu->stats.count);
    if (!cpu->stats.on || n == 0)
        return;
    fprintf(stderr, "footprint: handler: %llu samples, mean %.2f us, worst %.2f us\n", (unsigned long long)n,
            (double)atomic_load(&cpu->stats.total_ns) / (double)n / 1e3,
            (double)atomic_load(&cpu->stats.worst_ns) / 1e3);
}

static void on_sample(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    int saved_errno = errno;
    int slot = si->si_value.sival_int;
    fp_cpu_t *cpu = &fp_agent.cpu; /* a handler has no argument to carry it */
    if (si->si_code != SI_TIMER || slot < 0 || slot >= FP_MAX_THREADS)
        goto done;
    fp_thread_t *t = &cpu->threads[slot];
    if (!atomic_load_explicit(cpu->sampling, memory_order_acquire) ||
        atomic_load(&t->tid) != (int)syscall(SYS_gettid))
        goto done;
    fp_guard_enter(cpu->guard); /* libunwind may map memory: not the program's */
    uint64_t now = fp_clock_ns(CLOCK_THREAD_CPUTIME_ID);
    /* the hand-over (cpu.h): the exchange takes the time since the last charge */
    uint64_t before = atomic_exchange_explicit(&t->last_cpu_ns, now, memory_order_relaxed);
    uint64_t used = (now > before ? now - before : 0) + runqueue_wait(t) +
                    atomic_exchange_explicit(&t->stolen_ns, 0, memory_order_relaxed);
    PyThreadState *ts = fp_frames_this_thread();
    atomic_store_explicit(&t->tstate, ts, memory_order_relaxed);
    bool missed;
    fp_where_t line = fp_frames_where_async(cpu->frames, ts, &missed);
    time_kind_t kind = classify(cpu, ucv);
    uint64_t wall = fp_clock_ns(CLOCK_MONOTONIC);
    /* the thread's own line: a worker's waiting is not its caller's */
    set_last_seen(t, line);
    int masked_kind = atomic_load_explicit(&t->last_kind, memory_order_relaxed);
    if (atomic_exchange_explicit(&t->unsampled, false, memory_order_relaxed) && masked_kind >= 0) {
        /* the first sample after the thread unblocked the signal: the time
         * is the end of its blocked stretch, charged as the sampler thread did */
        line = last_charged(t);
        kind = (time_kind_t)masked_kind;
    } else if (!line.line && fp_frames_none_running(ts)) {
        /* a thread that runs no Python code: its caller's (attrib.h) */
        line = caller_of_worker(cpu, wall);
        bool waits = !line.line && fp_attrib_caller_pending(&cpu->caller, wall)
                         ? !fp_attrib_hold_missed(&t->held, (int)kind, used) /* the line comes within a tick */
                         : !fp_attrib_hold(&t->held, line.line != NULL, (int)kind, used);
        if (waits)
            goto charged;
    } else if (missed && !fp_attrib_hold_missed(&t->held, (int)kind, used)) {
        /* code the sampler thread has yet to classify (within a tick,
         * codeq.h): its time waits for the thread's next sample, likely
         * on the same line, rather than going to a caller's line */
        if (kind == TIME_NATIVE)
            fp_attrib_saw_native_pending(&cpu->caller, wall);
        goto charged;
    } else if (line.line && kind == TIME_NATIVE) {
        atomic_store_explicit(&cpu->caller_stack, line.stack, memory_order_relaxed);
        fp_attrib_saw_native(&cpu->caller, line.line, wall);
    }
    release_held(cpu, t, line); /* nothing, unless a sample was held before */
    charge(cpu, kind == TIME_NATIVE ? with_native(cpu, line, ucv) : line, kind, used);
charged:
    set_last_charged(t, line);
    atomic_store_explicit(&t->last_kind, (int)kind, memory_order_relaxed);
    arm(cpu, t);
    if (cpu->stats.on)
        note_handler_time(&cpu->stats, now);
    fp_guard_leave(cpu->guard);
done:
    errno = saved_errno;
}

void fp_cpu_reset(fp_cpu_t *cpu)
{
    fp_attrib_forget_caller(&cpu->caller);
    atomic_store(&cpu->caller_stack, NULL);
    memset(cpu->threads, 0, sizeof cpu->threads);
    for (int i = 0; i < FP_MAX_THREADS; i++)
        cpu->threads[i].sched = FP_OWNFD_NONE;
}

int fp_cpu_install(fp_cpu_t *cpu)
{
    if (cpu->signal > 0)
        return 0; /* installed by an earlier start: the handler stays */
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
            cpu->signal = sig;
            return 0;
        }
    }
    return -1;
}

/* The thread's schedstat file, which the handler (runqueue waits) and
 * the sampler thread (off-CPU time) read. */
static bool open_schedstat_file(fp_ownfd_t *o, int tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
    return fp_ownfd_open(o, path);
}

void fp_cpu_forget_lost_fds(fp_cpu_t *cpu)
{
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &cpu->threads[i];
        if (atomic_load(&t->tid) != 0 && !fp_ownfd_ok(&t->sched))
            fp_ownfd_forget(&t->sched);
    }
}

bool fp_cpu_reopen_schedstat(fp_cpu_t *cpu, int slot, fp_schedstat_t *now)
{
    FP_ASSERT(slot >= 0 && slot < FP_MAX_THREADS);
    fp_thread_t *t = &cpu->threads[slot];
    int tid = atomic_load(&t->tid);
    fp_ownfd_t fd;
    if (tid == 0 || t->sched.fd >= 0 || !open_schedstat_file(&fd, tid))
        return false;
    *now = (fp_schedstat_t){0};
    fp_cpu_read_schedstat(fd.fd, now);
    t->sched = fd;
    return true;
}

/* Opens the thread's schedstat and takes its first reading. */
static void open_schedstat(fp_thread_t *t, int tid, fp_schedstat_t *first, uint64_t *first_wall_ns)
{
    open_schedstat_file(&t->sched, tid);
    *first_wall_ns = fp_clock_ns(CLOCK_MONOTONIC);
    *first = (fp_schedstat_t){0};
    if (fp_cpu_read_schedstat(t->sched.fd, first))
        t->last_runq_ns = first->wait_ns;
}

int fp_cpu_add_thread(fp_cpu_t *cpu, int tid, bool new_thread, fp_schedstat_t *first, uint64_t *first_wall_ns)
{
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &cpu->threads[i];
        if (atomic_load(&t->tid) != 0)
            continue;
        /* a free slot is nobody's: it starts afresh, whatever its fields */
        *t = (fp_thread_t){.sched = FP_OWNFD_NONE};
        atomic_store(&t->last_kind, -1);
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = cpu->signal;
        sev.sigev_value.sival_int = i;
        sev._sigev_un._tid = tid;
        struct timespec used;
        if (clock_gettime(thread_cpu_clock(tid), &used) != 0)
            return -1; /* the thread is gone already */
        t->last_cpu_ns = fp_ns(&used);
        open_schedstat(t, tid, first, first_wall_ns);
        if (new_thread && fp_attrib_new_thread_counts(t->last_cpu_ns)) {
            /* its first sample takes what it did before the sampler found it */
            t->last_cpu_ns = 0;
            t->last_runq_ns = 0;
        }
        atomic_store(&t->tid, tid);
        if (cpu->signal > 0 && timer_create(thread_cpu_clock(tid), &sev, &t->timer) == 0) {
            t->has_timer = true;
            arm(cpu, t);
        }
        return i;
    }
    return -1;
}

/* Charges the CPU time thread T used since its last sample where that
 * sample went: a thread that ends between two samples (or a run that
 * does) keeps the end of its work. Its time is its own clock for the
 * calling thread, else the sampler's last schedstat reading. */
static void charge_unsampled(fp_cpu_t *cpu, fp_thread_t *t, uint64_t seen_run_ns)
{
    int kind = atomic_load(&t->last_kind);
    if (kind < 0)
        return; /* never sampled: nothing says where its time belongs */
    uint64_t now = atomic_load(&t->tid) == (int)syscall(SYS_gettid) ? fp_clock_ns(CLOCK_THREAD_CPUTIME_ID)
                                                                      : seen_run_ns;
    uint64_t before = atomic_exchange(&t->last_cpu_ns, now);
    if (now > before)
        charge(cpu, last_charged(t), (time_kind_t)kind, now - before);
}


/* Whether thread TID blocks signal SIG (SigBlk in its status file). */
static bool blocks_signal(int tid, int sig)
{
    char buf[4096];
    const char *p = status_field(tid, "\nSigBlk:", buf, sizeof buf);
    if (!p || sig < 1 || sig > 64)
        return false;
    return (strtoull(p, NULL, 16) >> (sig - 1)) & 1;
}

static fp_thread_t *slot_thread(fp_cpu_t *cpu, int slot)
{
    FP_ASSERT(slot >= 0 && slot < FP_MAX_THREADS);
    return &cpu->threads[slot];
}

bool fp_cpu_runs_unsampled(fp_cpu_t *cpu, int slot, const fp_schedstat_t *seen)
{
    fp_thread_t *t = slot_thread(cpu, slot);
    uint64_t sampled = atomic_load(&t->last_cpu_ns);
    if (!atomic_load(&t->unsampled) && fp_attrib_unsampled_suspect(seen->run_ns, sampled, cpu->interval_s) &&
        (!t->has_timer || blocks_signal(atomic_load(&t->tid), cpu->signal)))
        atomic_store(&t->unsampled, true);
    return atomic_load(&t->unsampled) && fp_attrib_unsampled_due(seen->run_ns, sampled);
}

void fp_cpu_charge_unsampled(fp_cpu_t *cpu, int slot, const fp_schedstat_t *seen, PyThreadState *ts)
{
    fp_thread_t *t = slot_thread(cpu, slot);
    uint64_t before = atomic_load(&t->last_cpu_ns), now = seen->run_ns;
    /* the hand-over (cpu.h): a sample that lands meanwhile wins, so the
     * time is charged once */
    if (now <= before)
        return;
    FP_ASSERT(atomic_load(&t->tid) != (int)syscall(SYS_gettid)); /* the handler's side is the exchange */
    if (!atomic_compare_exchange_strong(&t->last_cpu_ns, &before, now))
        return;
    FP_ASSERT(now > before);
    uint64_t waited = 0, queued = atomic_load(&t->last_runq_ns);
    if (seen->wait_ns > queued && atomic_compare_exchange_strong(&t->last_runq_ns, &queued, seen->wait_ns))
        waited = seen->wait_ns - queued; /* waiting for a CPU is more of the same */
    fp_where_t line = ts ? fp_frames_where(cpu->frames, ts) : nowhere;
    if (!line.line && fp_frames_none_running(ts))
        line = caller_of_worker(cpu, fp_clock_ns(CLOCK_MONOTONIC));
    /* the kind is not known without a sample: the thread's last, else Python */
    int kind = atomic_load(&t->last_kind);
    time_kind_t k = kind < 0 ? TIME_PYTHON : (time_kind_t)kind;
    charge(cpu, line, k, now - before + waited);
    set_last_charged(t, line);
    atomic_store(&t->last_kind, (int)k);
}

void fp_cpu_remove_thread(fp_cpu_t *cpu, int slot, uint64_t seen_run_ns)
{
    fp_thread_t *t = slot_thread(cpu, slot);
    if (t->has_timer)
        timer_delete(t->timer);
    t->has_timer = false;
    charge_unsampled(cpu, t, seen_run_ns);
    /* a worker's held time: no caller showed up; a sample's on code not yet
     * classified: where that sample was, as if its next one had come */
    release_held(cpu, t, t->held.missed ? last_charged(t) : nowhere);
    fp_ownfd_close(&t->sched);
    atomic_store(&t->tid, 0);
}

void fp_cpu_discard_pending(fp_cpu_t *cpu)
{
    if (cpu->signal <= 0)
        return;
    /* setting a signal to SIG_IGN discards its pending instances */
    struct sigaction ours;
    sigaction(cpu->signal, NULL, &ours);
    signal(cpu->signal, SIG_IGN);
    sigaction(cpu->signal, &ours, NULL);
}

void fp_cpu_forget_all(fp_cpu_t *cpu)
{
    fp_attrib_forget_caller(&cpu->caller); /* the parent's lines */
    atomic_store(&cpu->caller_stack, NULL);
    for (int i = 0; i < FP_MAX_THREADS; i++) {
        fp_thread_t *t = &cpu->threads[i];
        if (atomic_load(&t->tid) != 0)
            fp_ownfd_close(&t->sched);
        t->sched = FP_OWNFD_NONE;
        t->has_timer = false;
        atomic_store(&t->tid, 0);
    }
}

fp_where_t fp_cpu_charge_offcpu(fp_cpu_t *cpu, int slot, PyThreadState *ts, uint64_t ns)
{
    fp_thread_t *t = slot_thread(cpu, slot);
    fp_where_t line = ts ? fp_frames_where(cpu->frames, ts) : fp_cpu_last_line(cpu, slot);
    if (ts)
        set_last_seen(t, line);
    if (line.line || ts)
        charge(cpu, line, TIME_OFFCPU, ns);
    return line;
}

void fp_cpu_charge_offcpu_at(fp_cpu_t *cpu, fp_where_t at, uint64_t ns)
{
    if (at.line)
        charge(cpu, at, TIME_OFFCPU, ns);
}

fp_where_t fp_cpu_last_line(fp_cpu_t *cpu, int slot)
{
    fp_thread_t *t = slot_thread(cpu, slot);
    return (fp_where_t){atomic_load(&t->last_line), atomic_load(&t->last_stack)};
}
