/* guard.c: the agent's view of the interposer's reentrancy guard. */
#include "guard.h"

#include <dlfcn.h>
#include <stddef.h>

static void (*enter_fn)(void);
static void (*leave_fn)(void);

void fp_guard_init(void)
{
    enter_fn = (void (*)(void))dlsym(RTLD_DEFAULT, "fp_alloc_guard_enter");
    leave_fn = (void (*)(void))dlsym(RTLD_DEFAULT, "fp_alloc_guard_leave");
    if (!enter_fn || !leave_fn)
        enter_fn = leave_fn = NULL;
}

void fp_guard_enter(void)
{
    if (enter_fn)
        enter_fn();
}

void fp_guard_leave(void)
{
    if (leave_fn)
        leave_fn();
}
