/* rundir.c: the run's private directory (see rundir.h). */
#include "rundir.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

char *fp_rundir_create(void)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || access(tmp, W_OK | X_OK) != 0)
        tmp = "/tmp";
    char *dir = fp_xasprintf("%s/footprint-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

void fp_rundir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = fp_xasprintf("%s/%s", dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}
