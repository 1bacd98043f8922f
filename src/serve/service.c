/* service.c: dispatch of the service's commands (see service.h). */
#include "service.h"

#include <string.h>

#include "serve.h"
#include "submit.h"
#include "worker.h"

bool fp_service_is_command(const char *arg)
{
    return strcmp(arg, "serve") == 0 || strcmp(arg, "worker") == 0 || strcmp(arg, "submit") == 0;
}

int fp_service_main(int argc, char **argv)
{
    if (strcmp(argv[1], "serve") == 0)
        return fp_serve_main(argc, argv);
    if (strcmp(argv[1], "worker") == 0)
        return fp_worker_main(argc, argv);
    return fp_submit_main(argc, argv);
}
