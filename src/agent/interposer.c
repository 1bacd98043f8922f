/* interposer.c: finding the allocation interposer (see interposer.h). */
#include "interposer.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

#include "../common/alloc_api.h"

/* Process-wide, like the library it names: loaded once, never closed
 * (allocations made through it may be freed at any later time). Written
 * with the GIL, at a start. */
static struct {
    bool tried;
    void *handle; /* dlopen'ed here; NULL when preloaded or absent */
} here;

static void *load(void)
{
    if (here.tried)
        return here.handle;
    here.tried = true;
    if (dlsym(RTLD_DEFAULT, FP_ALLOC_ATTACH))
        return NULL; /* preloaded */
    const char *path = getenv("FOOTPRINT_INTERPOSER");
    if (path && *path)
        here.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    return here.handle;
}

void *fp_interposer_sym(const char *name)
{
    void *handle = load();
    return dlsym(handle ? handle : RTLD_DEFAULT, name);
}

bool fp_interposer_loaded_here(void)
{
    return load() != NULL;
}

int fp_interposer_patch(void)
{
    if (!fp_interposer_loaded_here())
        return 0;
    int (*patch)(void) = (int (*)(void))dlsym(here.handle, FP_ALLOC_PATCH);
    return patch && patch() >= 0 ? 0 : -1;
}

void fp_interposer_unpatch(void)
{
    if (!fp_interposer_loaded_here())
        return;
    int (*unpatch)(void) = (int (*)(void))dlsym(here.handle, FP_ALLOC_UNPATCH);
    if (unpatch)
        unpatch();
}
