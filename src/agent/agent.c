/* agent.c: the _footprint extension module: configuration, start, stop.
 *
 * The boot module (sitecustomize) imports this before the program's first
 * line and calls start(); stop() runs at exit (atexit, and os._exit through
 * the boot module's wrapper) and writes the final fragment. Configuration
 * comes from FOOTPRINT_* variables set by the launcher; without
 * FOOTPRINT_RUN_DIR the agent stays inert. */
#include <Python.h>

#include "agent.h"

#include "../common/fragment_format.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "imports.h"

fp_agent_t fp_agent;

enum { ARENA_BYTES = 256u << 20 };

uint64_t fp_clock_ns(int clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return fp_ns(&ts);
}

void fp_agent_wait_stopped(void)
{
    for (int i = 0; i < 5000 && atomic_load(&fp_agent.stopping) != FP_STOPPED; i++)
        usleep(1000);
}

uint64_t fp_process_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static void read_config(fp_config_t *c)
{
    snprintf(c->run_dir, sizeof c->run_dir, "%s", env_or("FOOTPRINT_RUN_DIR", ""));
    c->interval_s = atof(env_or("FOOTPRINT_INTERVAL", ""));
    if (!(c->interval_s >= FP_INTERVAL_MIN_S && c->interval_s <= FP_INTERVAL_MAX_S))
        c->interval_s = FP_INTERVAL_DEFAULT_S;
    c->memory = atoi(env_or("FOOTPRINT_MEMORY", "0")) != 0;
    c->follow_children = atoi(env_or("FOOTPRINT_CHILDREN", "1")) != 0;
    c->leaks = atoi(env_or("FOOTPRINT_LEAKS", "1")) != 0;
    c->stacks = atoi(env_or("FOOTPRINT_STACKS", "1")) != 0;
    c->native_stacks = c->stacks && atoi(env_or("FOOTPRINT_NATIVE_STACKS", "0")) != 0;
    c->alloc_mean_bytes = strtoull(env_or("FOOTPRINT_ALLOC_SAMPLE", ""), NULL, 10);
    if (c->alloc_mean_bytes == 0 || c->alloc_mean_bytes > FP_ALLOC_SAMPLE_MAX)
        c->alloc_mean_bytes = FP_ALLOC_SAMPLE_DEFAULT;
    c->launcher_pid = (pid_t)atoi(env_or("FOOTPRINT_LAUNCHER_PID", "0"));
}

/* Directories of the standard library: code there is not the program's. */
static void add_library_dirs(fp_filter_t *f)
{
    static const char *const attrs[] = {"prefix", "base_prefix", "exec_prefix", "base_exec_prefix"};
    char dir[4200];
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        PyObject *p = PySys_GetObject(attrs[i]); /* borrowed */
        const char *s = p && PyUnicode_Check(p) ? PyUnicode_AsUTF8(p) : NULL;
        if (!s) {
            PyErr_Clear();
            continue;
        }
        snprintf(dir, sizeof dir, "%s/lib/python%d.%d", s, PY_MAJOR_VERSION, PY_MINOR_VERSION);
        fp_filter_add_library(f, dir);
    }
    const char *boot = getenv("FOOTPRINT_BOOT_DIR");
    if (boot)
        fp_filter_add_library(f, boot);
}

static void set_up_filter(fp_filter_t *f)
{
    fp_filter_clear(f);
    snprintf(f->program_dir, sizeof f->program_dir, "%s", env_or("FOOTPRINT_PROGRAM_DIR", ""));
    snprintf(f->program_dir_given, sizeof f->program_dir_given, "%s", env_or("FOOTPRINT_PROGRAM_DIR_GIVEN", ""));
    if (!getcwd(f->cwd, sizeof f->cwd))
        f->cwd[0] = '\0';
    f->profile_all = atoi(env_or("FOOTPRINT_PROFILE_ALL", "0")) != 0;
    f->ninclude = fp_filter_set_patterns(f->include, getenv("FOOTPRINT_INCLUDE"));
    f->nexclude = fp_filter_set_patterns(f->exclude, getenv("FOOTPRINT_EXCLUDE"));
    add_library_dirs(f);
}

static uint32_t intern_obj(fp_sites_t *sites, PyObject *o)
{
    PyObject *b = o && PyUnicode_Check(o) ? PyUnicode_EncodeFSDefault(o) : NULL;
    if (!b) {
        PyErr_Clear();
        return 0;
    }
    uint32_t off = fp_sites_intern(sites, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
    return off == UINT32_MAX ? 0 : off;
}

static void record_process(fp_agent_t *a)
{
    fp_procinfo_t *p = &a->proc;
    p->executable = intern_obj(&a->sites, PySys_GetObject("executable"));
    char version[32];
    snprintf(version, sizeof version, "%d.%d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_MICRO_VERSION);
    p->version = fp_sites_intern(&a->sites, version, strlen(version));
    PyObject *argv = PySys_GetObject("argv");
    p->argc = 0;
    for (Py_ssize_t i = 0; argv && PyList_Check(argv) && i < PyList_GET_SIZE(argv) && i < FP_MAX_ARGV; i++)
        p->argv[p->argc++] = intern_obj(&a->sites, PyList_GET_ITEM(argv, i));
}

/* In a forked child the agent's thread and timers are gone (only the
 * forking thread survives). This C-level handler only forgets them; the
 * Python-level one (py_after_fork_child) starts the child's own profile
 * once the interpreter is usable again. */
static void after_fork_child(void)
{
    fp_agent_t *a = &fp_agent;
    if (!a->started)
        return;
    atomic_store(&a->sampling, false);
    fp_ticker_forget(&a->ticker);
    fp_fragment_after_fork(&a->fragment);
    a->forked = true;
}

/* Starts sampling the calling thread, and the sampler thread. */
static int start_sampling(fp_agent_t *a)
{
    atomic_store(&a->sampling, true);
    int slot = fp_ticker_add_thread(&a->ticker, (int)syscall(SYS_gettid), false);
    if (slot >= 0)
        atomic_store(&a->cpu.threads[slot].tstate, PyThreadState_Get());
    return fp_ticker_start(&a->ticker);
}

/* SIGTERM and SIGHUP end a program that has no handler for them without
 * running atexit: let the sampler thread write the final fragment first.
 * A program that installs its own handler later simply replaces ours. */
static void die_now(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_deadly_signal(int sig)
{
    int saved = errno;
    if (fp_ticker_request_fatal(&fp_agent.ticker, sig)) {
        /* the sampler thread writes the final fragment, then ends us */
    } else if (atomic_load(&fp_agent.stopping) == FP_STOPPING) {
        atomic_store(&fp_agent.deadly_pending, sig); /* stop() is writing it: it ends us after */
    } else {
        die_now(sig);
    }
    errno = saved;
}

static void catch_deadly_signals(void)
{
    static const int sigs[] = {SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_deadly_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* Links the parts to each other and empties them, for a start. */
static void link_parts(fp_agent_t *a)
{
    fp_cpu_reset(&a->cpu);
    a->cpu.frames = &a->frames;
    a->cpu.objmap = &a->objmap;
    a->cpu.guard = &a->guard;
    a->cpu.native = &a->native;
    a->cpu.unattributed = &a->unattributed;
    a->cpu.sampling = &a->sampling;
    a->cpu.interval_s = a->config.interval_s;
    fp_ticker_init(&a->ticker, a, fp_agent_finish);
    fp_memory_init(&a->memory, a);
    fp_gpu_init(&a->gpu, a);
    a->spares = FP_OWNFD_SPARES_NONE;
}

/* Empties what an earlier start in this process left, keeping the arena's
 * mapping and what is installed once per process (agent.h). */
static void reset(fp_agent_t *a)
{
    fp_arena_reset(&a->arena);
    memset((void *)&a->unattributed, 0, sizeof a->unattributed);
    memset(&a->proc, 0, sizeof a->proc);
    a->forked = false;
    a->end_mono_ns = 0;
    atomic_store(&a->deadly_pending, 0);
    fp_fragment_reset(&a->fragment);
    fp_fragment_after_fork(&a->fragment); /* no writer is left */
    a->imports = (fp_imports_t){0};
}

static int start(fp_agent_t *a, PyObject *spans_helper)
{
    read_config(&a->config);
    if (!a->config.run_dir[0])
        return 0;
    if (a->arena.base)
        reset(a); /* started and stopped before */
    else if (fp_arena_init(&a->arena, ARENA_BYTES) != 0)
        return -1;
    link_parts(a);
    if (fp_sites_init(&a->sites, &a->arena) != 0 || fp_objmap_init(&a->objmap, &a->arena) != 0 ||
        fp_stacks_init(&a->stacks, &a->arena, a->config.stacks) != 0 ||
        fp_native_init(&a->native, &a->arena, a->config.native_stacks, &a->objmap, &a->cpu.unwind) != 0)
        return -1;
    if (fp_native_on(&a->native)) {
        a->stacks.write_native = fp_native_write_frame;
        a->stacks.native_ctx = &a->native;
    }
    fp_interposer_load(&a->interposer);
    fp_guard_init(&a->guard, &a->interposer);
    set_up_filter(&a->filter);
    fp_spans_init(&a->spans, &a->sites, &a->arena, spans_helper);
    a->pid = getpid();
    a->parent_pid = getppid();
    atomic_store(&a->stopping, FP_RUNNING);
    a->start_wall_ns = fp_clock_ns(CLOCK_REALTIME);
    a->start_mono_ns = fp_clock_ns(CLOCK_MONOTONIC);
    a->cpu_at_start_ns = fp_process_cpu_ns();
    a->tables_since_ns = a->start_mono_ns;
    record_process(a);
    fp_cpu_warm_up_unwinder(&a->cpu);
    fp_frames_init(&a->frames, &a->sites, &a->filter, &a->stacks);
    if (a->config.memory && fp_memory_start(&a->memory) != 0) {
        a->config.memory = false;
        PySys_WriteStderr("footprint: memory is not profiled: the allocation interposer is not loaded "
                          "in this process\n");
    }
#if PY_VERSION_HEX >= 0x030B0000
    fp_arenaguard_install(&a->arenaguard); /* after the interposer's wrapper: it wraps that */
#endif
    a->cpu.stats = (fp_cpu_stats_t){.on = atoi(env_or("FOOTPRINT_HANDLER_STATS", "0")) != 0};
    if (fp_cpu_install(&a->cpu) != 0)
        return -1;
    a->started = true;
    if (!a->atfork)
        pthread_atfork(NULL, NULL, after_fork_child);
    a->atfork = true;
    if (start_sampling(a) != 0)
        return -1;
    catch_deadly_signals();
    fp_ownfd_reserve(&a->spares);
    return 0;
}

static PyObject *py_start(PyObject *self, PyObject *spans_helper)
{
    (void)self;
    fp_agent_t *a = &fp_agent;
    if (a->started)
        Py_RETURN_FALSE;
    if (start(a, spans_helper) != 0) {
        atomic_store(&a->sampling, false);
        fp_memory_stop(&a->memory);
        fp_ticker_drop_threads(&a->ticker);
        a->started = false;
        return PyErr_Format(PyExc_RuntimeError, "footprint: the agent could not start");
    }
    return PyBool_FromLong(a->started);
}

/* A deadly signal's end, from the sampler thread (which blocks every
 * signal, so it cannot raise() it to itself). */
static void end_by_signal(int sig)
{
    signal(sig, SIG_DFL);
    kill(getpid(), sig);
    for (;;)
        pause();
}

bool fp_agent_finish(int reason)
{
    fp_agent_t *a = &fp_agent;
    int expected = FP_RUNNING;
    if (!atomic_compare_exchange_strong(&a->stopping, &expected, FP_STOPPING)) {
        if (reason != FP_FINISH_EXIT)
            atomic_store(&a->deadly_pending, reason); /* the stop under way ends us after */
        return false;
    }
    bool exiting = reason == FP_FINISH_EXIT; /* the program's thread, with the GIL */
    atomic_store(&a->sampling, false);
    a->end_mono_ns = fp_clock_ns(CLOCK_MONOTONIC);
    fp_ownfd_release_reserve(&a->spares); /* the exit work opens files */
    fp_memory_stop(&a->memory);
    if (exiting)
        fp_ticker_stop(&a->ticker); /* releases the GIL while it waits */
    fp_ticker_drop_threads(&a->ticker);
    if (exiting)
        fp_spans_update(&a->spans); /* runs Python code */
    fp_fragment_write(a, true);
    if (exiting)
        fp_cpu_stats_report(&a->cpu); /* bench/handler_time.py */
    atomic_store(&a->stopping, FP_STOPPED);
    if (!exiting)
        end_by_signal(reason);
    int sig = atomic_exchange(&a->deadly_pending, 0);
    if (sig)
        die_now(sig);
    return true;
}

static PyObject *py_stop(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    if (!fp_agent.started)
        Py_RETURN_NONE;
    if (!fp_agent_finish(FP_FINISH_EXIT)) {
        /* the sampler thread is writing the last word (a deadly signal):
         * wait for it, or the process could end before it is written */
        Py_BEGIN_ALLOW_THREADS
        fp_agent_wait_stopped();
        Py_END_ALLOW_THREADS
        Py_RETURN_NONE;
    }
    fp_agent.started = false; /* a new start() begins a new profile */
    Py_RETURN_NONE;
}

static bool running(void) { return fp_agent.started && atomic_load(&fp_agent.stopping) == FP_RUNNING; }

/* os.fork: no thread of ours may exist while the process forks (3.12
 * warns about forking a multi-threaded process, and the child would not
 * have it anyway). */
static PyObject *py_before_fork(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    if (running())
        fp_ticker_stop(&fp_agent.ticker);
    Py_RETURN_NONE;
}

static PyObject *py_after_fork_parent(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    if (running() && fp_ticker_start(&fp_agent.ticker) != 0)
        PySys_WriteStderr("footprint: the sampler thread did not restart after fork\n");
    Py_RETURN_NONE;
}

/* The child of os.fork (multiprocessing's fork start method included)
 * starts a profile of its own: its own figures, its own fragment. */
static PyObject *py_after_fork_child(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    fp_agent_t *a = &fp_agent;
    if (!a->started || !a->forked || a->end_mono_ns)
        Py_RETURN_NONE;
    a->forked = false;
    if (!a->config.follow_children) {
        fp_memory_stop(&a->memory);
        a->started = false;
        Py_RETURN_NONE;
    }
    a->pid = getpid();
    a->parent_pid = getppid();
    a->start_wall_ns = fp_clock_ns(CLOCK_REALTIME);
    a->start_mono_ns = fp_clock_ns(CLOCK_MONOTONIC);
    a->cpu_at_start_ns = fp_process_cpu_ns();
    atomic_store(&a->ticker.cpu_ns, 0);
    memset((void *)&a->unattributed, 0, sizeof a->unattributed);
    fp_sites_reset_figures(&a->sites);
    fp_stacks_reset_figures(&a->stacks);
    fp_memory_reset(&a->memory);
    fp_fragment_reset(&a->fragment);
    if (start_sampling(a) != 0)
        PySys_WriteStderr("footprint: a forked child could not start its profile\n");
    Py_RETURN_NONE;
}

/* os.exec*: the process image is about to be replaced. Leaves a complete
 * fragment, and stops the timers, with any sample signal still pending
 * thrown away: delivered to the new image it would kill it. If the exec
 * fails, exec_failed() resumes sampling. */
static PyObject *py_before_exec(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    if (!running())
        Py_RETURN_NONE;
    fp_agent_t *a = &fp_agent;
    fp_ticker_pause_threads(&a->ticker, true);
    fp_ticker_drop_threads(&a->ticker);
    fp_cpu_discard_pending(&a->cpu);
    fp_spans_update(&a->spans);
    fp_fragment_write_before_exec(a);
    Py_RETURN_NONE;
}

static PyObject *py_exec_failed(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    if (running())
        fp_ticker_pause_threads(&fp_agent.ticker, false);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"start", py_start, METH_O, "start(function_spans) -> bool: start profiling this process"},
    {"stop", py_stop, METH_NOARGS, "stop(): stop profiling and write this process's fragment"},
    {"before_fork", py_before_fork, METH_NOARGS, "for os.register_at_fork(before=...)"},
    {"after_fork_parent", py_after_fork_parent, METH_NOARGS, "for os.register_at_fork(after_in_parent=...)"},
    {"after_fork_child", py_after_fork_child, METH_NOARGS, "for os.register_at_fork(after_in_child=...)"},
    {"before_exec", py_before_exec, METH_NOARGS, "before_exec(): the process image is about to be replaced"},
    {"exec_failed", py_exec_failed, METH_NOARGS, "exec_failed(): the exec did not happen; go on"},
    {"alloc_bytes", fp_imports_alloc_bytes, METH_NOARGS, "alloc_bytes() -> int or None: bytes allocated so far"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_footprint", "footprint's in-process agent", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__footprint(void) { return PyModule_Create(&module); }
