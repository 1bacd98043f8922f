/* service.c: main of footprint-service, the binary behind `footprint
 * serve|worker|submit`. The launcher execs it with FOOTPRINT_LAUNCHER set to
 * itself, which jobs run (`footprint run`) and judge with (`footprint check`). */
#include <stdio.h>
#include <string.h>

#include "serve.h"
#include "submit.h"
#include "worker.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return fp_serve_main(argc, argv);
    if (argc > 1 && strcmp(argv[1], "worker") == 0)
        return fp_worker_main(argc, argv);
    if (argc > 1 && strcmp(argv[1], "submit") == 0)
        return fp_submit_main(argc, argv);
    fputs("footprint: usage: footprint serve|worker|submit ... (see docs/serve.md)\n", stderr);
    return 2;
}
