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
};

static volatile unsigned long sink;

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spins SECONDS of the calling thread's CPU time. */
static void spin(double seconds)
{
    double end = thread_cpu_s() + seconds;
    while (thread_cpu_s() < end)
        for (int i = 0; i < 10000; i++)
            sink += (unsigned long)i;
}

static void *worker(void *arg)
{
    const struct job *job = arg;
    if (!job->api) {
        spin(job->seconds);
        return NULL;
    }
    int gil = job->api->ensure();
    void *state = job->api->save(); /* it holds a thread state, but not the GIL */
    spin(job->seconds);
    job->api->restore(state);
    job->api->release(gil);
    return NULL;
}

/* Spins SECONDS of CPU on each of NTHREADS threads of its own (at most 8)
 * and on the caller's, then waits for them: a parallel region. */
int parallel_spin(double seconds, int nthreads, ensure_fn ensure, release_fn release, save_fn save,
                  restore_fn restore)
{
    struct python_api api = {ensure, release, save, restore};
    struct job job = {seconds, ensure ? &api : NULL};
    pthread_t threads[8];
    int started = 0;
    for (; started < nthreads && started < 8; started++)
        if (pthread_create(&threads[started], NULL, worker, &job) != 0)
            break;
    spin(seconds);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    return started;
}
