/* state.c: the one instance of the interposer's state (see state.h). */
#include "state.h"

/* The lock's initializer is all zeros (glibc), so this stays in .bss:
 * the library file does not carry the arenas and filter. */
fp_state_t fp_state = {.gotpatch.lock = PTHREAD_MUTEX_INITIALIZER};
