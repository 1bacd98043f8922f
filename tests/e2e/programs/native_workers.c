/* native_workers.c: a native library that works on threads of its own
 * beside its caller, as OpenMP and BLAS do. native_workers.py loads it
 * with ctypes; the test compiles it (cc -shared -fPIC -pthread). */
#include <pthread.h>
#include <stddef.h>
#include <time.h>

typedef int (*ensure_fn)(void);
typedef void (*release_fn)(int);
typedef void *(*save_fn)(void);
typedef void (*restore_fn)(void *);

/* PyGILState_Ensure and friends, when the workers are to borrow a Python
 * thread state, as Cython's parallel code does; else all NULL. */
struct python_api {
    ensure_fn ensure;
    release_fn release;
    save_fn save;
    restore_fn restore;
};

struct job {
    double seconds;
    const struct python_api *api;
    double waited; /* the worker's time waiting for a CPU */
};

static volatile unsigned long sink;

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spins SECONDS of the calling thread's CPU time; returns how long it
 * was kept off a CPU it wanted meanwhile (waiting for one, or a virtual
 * machine's host running something else), which a profile counts with
 * the work: it never blocks. Reading a thread's CPU clock is a system
 * call: a read every 10,000 additions made 10-20% of the spin the
 * kernel's on a VM (getrusage), which the profile rightly puts in
 * system_s, so the native time the test judges was 0.8-0.9 s of 1 s and
 * about one run in ten fell under its bound. A read every million
 * additions (about a millisecond) leaves the kernel 1-4%. */
static double spin(double seconds)
{
    double wall = wall_s(), cpu = thread_cpu_s(), end = cpu + seconds;
    double now = cpu;
    while (now < end) {
        for (int i = 0; i < 1000000; i++)
            sink += (unsigned long)i;
        now = thread_cpu_s();
    }
    return (wall_s() - wall) - (now - cpu);
}

static void *worker(void *arg)
{
    struct job *job = arg;
    if (!job->api) {
        job->waited = spin(job->seconds);
        return NULL;
    }
    int gil = job->api->ensure();
    void *state = job->api->save(); /* it holds a thread state, but not the GIL */
    job->waited = spin(job->seconds);
    job->api->restore(state);
    job->api->release(gil);
    return NULL;
}

/* Spins SECONDS of CPU on each of NTHREADS threads of its own (at most 8)
 * and on the caller's, then waits for them: a parallel region. Returns
 * the threads started; *WAITED gets the time all of them were kept off a
 * CPU they wanted. */
int parallel_spin(double seconds, int nthreads, ensure_fn ensure, release_fn release, save_fn save,
                  restore_fn restore, double *waited)
{
    struct python_api api = {ensure, release, save, restore};
    struct job jobs[8];
    pthread_t threads[8];
    int started = 0;
    for (; started < nthreads && started < 8; started++) {
        jobs[started] = (struct job){seconds, ensure ? &api : NULL, 0};
        if (pthread_create(&threads[started], NULL, worker, &jobs[started]) != 0)
            break;
    }
    *waited = spin(seconds);
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        *waited += jobs[i].waited;
    }
    return started;
}
