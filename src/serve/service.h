/* service.h: the launcher's way into the validation service's commands. */
#ifndef FP_SERVICE_H
#define FP_SERVICE_H

#include <stdbool.h>

/* Whether ARG names a service command: serve, worker or submit. */
bool fp_service_is_command(const char *arg);
/* Runs it (ARGV[1] is the command); the exit status. */
int fp_service_main(int argc, char **argv);

#endif
