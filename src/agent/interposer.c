/* interposer.c: finding the allocation interposer (see interposer.h). */
#include "interposer.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

#include "../common/alloc_api.h"
#include "../common/check.h"

void fp_interposer_load(fp_interposer_t *ip)
{
    if (ip->tried)
        return;
    ip->tried = true;
    if (dlsym(RTLD_DEFAULT, FP_ALLOC_ATTACH))
        return; /* preloaded */
    const char *path = getenv("FOOTPRINT_INTERPOSER");
    if (path && *path)
        ip->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

void *fp_interposer_sym(const fp_interposer_t *ip, const char *name)
{
    FP_ASSERT(ip->tried); /* loaded at start */
    return dlsym(ip->handle ? ip->handle : RTLD_DEFAULT, name);
}

bool fp_interposer_loaded_here(const fp_interposer_t *ip)
{
    return ip->handle != NULL;
}

int fp_interposer_patch(const fp_interposer_t *ip)
{
    if (!fp_interposer_loaded_here(ip))
        return 0;
    int (*patch)(void) = (int (*)(void))dlsym(ip->handle, FP_ALLOC_PATCH);
    return patch && patch() >= 0 ? 0 : -1;
}

void fp_interposer_unpatch(const fp_interposer_t *ip)
{
    if (!fp_interposer_loaded_here(ip))
        return;
    int (*unpatch)(void) = (int (*)(void))dlsym(ip->handle, FP_ALLOC_UNPATCH);
    if (unpatch)
        unpatch();
}
