/* native_known.c: native functions that do known work, for
 * native_known.py (--native-stacks): spin_native burns CPU in an inner
 * function of its own (static, so only .symtab and the debug information
 * name it), hold_blocks allocates blocks and keeps them. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static unsigned long burn_cpu(double seconds)
{
    volatile unsigned long x = 1;
    double end = thread_seconds() + seconds;
    while (thread_seconds() < end)
        for (int i = 0; i < 200000; i++) /* arithmetic between clock reads: few samples in the vDSO */
            x = x * 6364136223846793005UL + 1442695040888963407UL;
    return x;
}

unsigned long spin_native(double seconds) { return burn_cpu(seconds); }

static void *held[1 << 16];
static int nheld;

/* Allocates N blocks of SIZE bytes, touches them and keeps them. */
__attribute__((noinline)) int hold_blocks(int n, size_t size)
{
    for (int i = 0; i < n && nheld < (int)(sizeof held / sizeof held[0]); i++) {
        held[nheld] = malloc(size);
        if (!held[nheld])
            return -1;
        memset(held[nheld++], 1, size);
    }
    return nheld;
}
