/* fragment.c: writing RUN_DIR/PID-START.json (see fragment.h). */
#include "fragment.h"

#include <time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/fragment_format.h"
#include "../common/jsonw.h"
#include "agent.h"
#include "gpu.h"
#include "guard.h"
#include "leaks.h"
#include "memory.h"
#include "ownfd.h"

/* One writer at a time: the sampler thread writes its snapshots without
 * the GIL, while a thread that calls os._exit or exec writes the last
 * fragment with it. A spin lock, not a mutex: a forked child resets it. */
static void lock_writer(fp_fragment_t *f)
{
    int free_ = 0;
    while (!atomic_compare_exchange_weak(&f->writing, &free_, 1)) {
        free_ = 0;
        nanosleep(&(struct timespec){0, 200000}, NULL);
    }
}

static void unlock_writer(fp_fragment_t *f) { atomic_store(&f->writing, 0); }

void fp_fragment_reset(fp_fragment_t *f) { atomic_store(&f->final_written, false); }

void fp_fragment_after_fork(fp_fragment_t *f) { atomic_store(&f->writing, 0); }

static double secs(uint64_t ns) { return (double)ns / 1e9; }

/* A figure as written: a counter that ever went below zero (a bug) is
 * written as 0 rather than as a number no JSON reader takes. */
static uint64_t figure(uint64_t v) { return v > (uint64_t)INT64_MAX ? 0 : v; }

static void write_process(const fp_agent_t *a, fp_jsonw_t *w)
{
    const fp_sites_t *s = &a->sites;
    const fp_procinfo_t *p = &a->proc;
    fp_jsonw_key(w, FP_FRAG_PID);
    fp_jsonw_int(w, a->pid);
    fp_jsonw_key(w, FP_FRAG_PARENT_PID);
    fp_jsonw_int(w, a->parent_pid);
    fp_jsonw_key(w, FP_FRAG_ARGV);
    fp_jsonw_begin_array(w);
    for (int i = 0; i < p->argc; i++)
        fp_jsonw_string(w, fp_sites_str(s, p->argv[i]));
    fp_jsonw_end_array(w);
    fp_jsonw_key(w, FP_FRAG_PYTHON);
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, "executable");
    fp_jsonw_string(w, fp_sites_str(s, p->executable));
    fp_jsonw_key(w, "version");
    fp_jsonw_string(w, fp_sites_str(s, p->version));
    fp_jsonw_end_object(w);
    uint64_t end = a->end_mono_ns ? a->end_mono_ns : fp_clock_ns(CLOCK_MONOTONIC);
    fp_jsonw_key(w, FP_FRAG_START_UNIX_S);
    fp_jsonw_double(w, secs(a->start_wall_ns));
    fp_jsonw_key(w, FP_FRAG_ELAPSED_S);
    fp_jsonw_double(w, secs(end - a->start_mono_ns));
    uint64_t cpu = fp_process_cpu_ns() - a->cpu_at_start_ns;
    uint64_t own = atomic_load(&a->ticker.cpu_ns);
    fp_jsonw_key(w, FP_FRAG_CPU_S);
    fp_jsonw_double(w, secs(cpu > own ? cpu - own : 0));
}

static void write_sampling(const fp_agent_t *a, fp_jsonw_t *w)
{
    /* what the agent used, not what it was asked: the profile says this */
    fp_jsonw_key(w, FP_FRAG_SAMPLING);
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, FP_FRAG_CPU_INTERVAL_S);
    fp_jsonw_double(w, a->config.interval_s);
    if (a->config.memory) {
        fp_jsonw_key(w, FP_FRAG_ALLOC_MEAN_BYTES);
        fp_jsonw_uint(w, a->config.alloc_mean_bytes);
    }
    if (fp_native_on(&a->native)) {
        fp_jsonw_key(w, FP_FRAG_NATIVE_STACKS);
        fp_jsonw_bool(w, true);
    }
    fp_jsonw_end_object(w);
    fp_jsonw_key(w, FP_FRAG_UNATTRIBUTED);
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, FP_FRAG_CPU_PYTHON_S);
    fp_jsonw_double(w, secs(atomic_load(&a->unattributed.cpu_python_ns)));
    fp_jsonw_key(w, FP_FRAG_CPU_NATIVE_S);
    fp_jsonw_double(w, secs(atomic_load(&a->unattributed.cpu_native_ns)));
    fp_jsonw_key(w, FP_FRAG_OFFCPU_S);
    fp_jsonw_double(w, secs(atomic_load(&a->unattributed.offcpu_ns)));
    fp_jsonw_end_object(w);
    fp_jsonw_key(w, FP_FRAG_DROPPED);
    fp_jsonw_uint(w, atomic_load(&a->sites.dropped));
}

static bool line_is_empty(const fp_line_t *l)
{
    return !atomic_load(&l->cpu_python_ns) && !atomic_load(&l->cpu_native_ns) &&
           !atomic_load(&l->offcpu_ns) && !atomic_load(&l->alloc_bytes) &&
           !atomic_load(&l->free_bytes) && !atomic_load(&l->copy_bytes) &&
           !atomic_load(&l->peak_bytes);
}

/* [line, the FP_FRAG_FIGURES figures in their order, and, when the line
 * held memory, its live bytes over time] */
static void write_line(const fp_agent_t *a, fp_jsonw_t *w, const fp_line_t *l)
{
    _Static_assert(FP_FRAG_FIGURES == 8 && FP_FRAG_OFFCPU == 2 && FP_FRAG_COPY == 7, "the order written here");
    fp_jsonw_begin_array(w);
    fp_jsonw_uint(w, l->line);
    fp_jsonw_double(w, secs(atomic_load(&l->cpu_python_ns)));
    fp_jsonw_double(w, secs(atomic_load(&l->cpu_native_ns)));
    fp_jsonw_double(w, secs(atomic_load(&l->offcpu_ns)));
    fp_jsonw_uint(w, figure(atomic_load(&l->alloc_bytes)));
    fp_jsonw_uint(w, figure(atomic_load(&l->alloc_python_bytes)));
    fp_jsonw_uint(w, figure(atomic_load(&l->free_bytes)));
    int64_t peak = atomic_load(&l->peak_bytes);
    fp_jsonw_uint(w, peak > 0 ? (uint64_t)peak : 0);
    fp_jsonw_uint(w, figure(atomic_load(&l->copy_bytes)));
    fp_memory_write_history(&a->memory, w, l);
    fp_jsonw_end_array(w);
}

static int by_file_then_line(const void *a, const void *b)
{
    const fp_line_t *x = *(fp_line_t *const *)a, *y = *(fp_line_t *const *)b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static void write_file(const fp_agent_t *a, fp_jsonw_t *w, const fp_file_t *f, fp_line_t **lines, size_t n)
{
    const fp_sites_t *s = &a->sites;
    fp_jsonw_begin_object(w);
    fp_jsonw_key(w, FP_FRAG_PATH);
    fp_jsonw_string_n(w, fp_sites_str(s, f->path), f->path_len);
    /* null: the functions were not read (the process ended before it could
     * run Python code again); the launcher reads them then */
    fp_jsonw_key(w, FP_FRAG_FUNCTIONS);
    const fp_span_t *spans = atomic_load(&f->spans);
    if (!spans) {
        fp_jsonw_null(w);
    } else {
        fp_jsonw_begin_array(w);
        for (uint32_t i = 0; i < f->nspans; i++) {
            fp_jsonw_begin_array(w);
            fp_jsonw_string(w, fp_sites_str(s, spans[i].name));
            fp_jsonw_uint(w, spans[i].first);
            fp_jsonw_uint(w, spans[i].last);
            fp_jsonw_end_array(w);
        }
        fp_jsonw_end_array(w);
    }
    fp_jsonw_key(w, FP_FRAG_LINES);
    fp_jsonw_begin_array(w);
    for (size_t i = 0; i < n; i++)
        write_line(a, w, lines[i]);
    fp_jsonw_end_array(w);
    fp_jsonw_end_object(w);
}

static void write_files(const fp_agent_t *a, fp_jsonw_t *w)
{
    const fp_sites_t *s = &a->sites;
    uint32_t n = atomic_load(&s->nlines);
    if (n > FP_MAX_LINES)
        n = FP_MAX_LINES;
    fp_line_t **order = malloc(sizeof(fp_line_t *) * (n ? n : 1));
    size_t kept = 0;
    for (uint32_t i = 0; order && i < n; i++)
        if (!line_is_empty(&s->lines[i]))
            order[kept++] = &s->lines[i];
    if (order)
        qsort(order, kept, sizeof *order, by_file_then_line);
    fp_jsonw_key(w, FP_FRAG_FILES);
    fp_jsonw_begin_array(w);
    for (size_t i = 0; i < kept;) {
        size_t j = i;
        while (j < kept && order[j]->file == order[i]->file)
            j++;
        write_file(a, w, &s->files[order[i]->file], order + i, j - i);
        i = j;
    }
    fp_jsonw_end_array(w);
    free(order);
}

static int write_fragment(fp_agent_t *a, bool final, bool mark_final)
{
    fp_fragment_t *fr = &a->fragment;
    if (atomic_load(&fr->final_written) || !a->started)
        return -1;
    lock_writer(fr);
    if (atomic_load(&fr->final_written)) { /* written while this thread waited */
        unlock_writer(fr);
        return -1;
    }
    fp_guard_enter(&a->guard);
    char tmp[4200], path[4200];
    unsigned long long start = (unsigned long long)a->start_wall_ns;
    /* the thread's id in the temporary name: two writers never share it */
    snprintf(tmp, sizeof tmp, "%s/.%d-%llu.%ld.tmp", a->config.run_dir, (int)getpid(), start,
             (long)syscall(SYS_gettid));
    snprintf(path, sizeof path, "%s/" FP_FRAGMENT_NAME, a->config.run_dir, (int)getpid(), start);
    int rc = -1;
    int fd = fp_ownfd_open_anyway(&a->spares, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        fp_jsonw_t *w = malloc(sizeof *w);
        if (w) {
            fp_jsonw_init(w, fd);
            fp_jsonw_begin_object(w);
            fp_jsonw_key(w, FP_FRAG_FORMAT);
            fp_jsonw_int(w, FP_FRAGMENT_VERSION);
            fp_jsonw_key(w, FP_FRAG_FINAL);
            fp_jsonw_bool(w, final);
            write_process(a, w);
            write_sampling(a, w);
            fp_memory_write(&a->memory, w);
            fp_gpu_write(&a->gpu, w);
            if (final)
                fp_leaks_write(a, w); /* judged on the whole run only */
            write_files(a, w);
            fp_stacks_write(&a->stacks, w, &a->sites);
            fp_jsonw_end_object(w);
            rc = fp_jsonw_finish(w);
            free(w);
        }
        if (close(fd) != 0)
            rc = -1;
        if (rc == 0)
            rc = rename(tmp, path);
        if (rc != 0)
            unlink(tmp);
    }
    if (!final)
        fp_ownfd_reserve(&a->spares); /* again, if the spares were used */
    if (rc == 0 && mark_final)
        atomic_store(&fr->final_written, true);
    fp_guard_leave(&a->guard);
    unlock_writer(fr);
    return rc;
}

int fp_fragment_write(fp_agent_t *a, bool final) { return write_fragment(a, final, final); }

int fp_fragment_write_before_exec(fp_agent_t *a) { return write_fragment(a, true, false); }
