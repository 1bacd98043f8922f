/* memory.c: the memory profile (see memory.h). */
#include "memory.h"

#include "agent.h"

void fp_memory_write(fp_jsonw_t *w)
{
    fp_jsonw_key(w, "memory");
    fp_jsonw_null(w);
}
