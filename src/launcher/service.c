/* service.c: exec of footprint-service (see service.h). The service links
 * an HTTP server, two database clients and more; keeping it out of the
 * launcher keeps `footprint run`'s start as fast as it was. */
#include "service.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interp.h"
#include "util.h"

bool fp_service_is_command(const char *arg)
{
    return strcmp(arg, "serve") == 0 || strcmp(arg, "worker") == 0 || strcmp(arg, "submit") == 0;
}

int fp_service_exec(char **argv)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *libdir = fp_interp_libdir();
    if (n <= 0 || !libdir) {
        fp_error("cannot find footprint's own files (lib/footprint beside the binary)");
        free(libdir);
        return 2;
    }
    self[n] = '\0';
    setenv("FOOTPRINT_LAUNCHER", self, 1);
    char *service = fp_xasprintf("%s/footprint-service", libdir);
    execv(service, argv);
    fp_error("cannot run the service '%s': %s", service, strerror(errno));
    free(service);
    free(libdir);
    return 2;
}
