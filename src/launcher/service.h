/* service.h: the launcher's way into the validation service (footprint
 * serve|worker|submit), a binary of its own beside the agents. */
#ifndef FP_SERVICE_H
#define FP_SERVICE_H

#include <stdbool.h>

/* Whether ARG names a service command: serve, worker or submit. */
bool fp_service_is_command(const char *arg);
/* Execs the service with ARGV (ARGV[1] is the command); returns only on
 * failure, with the exit status (2) after one line on stderr. */
int fp_service_exec(char **argv);

#endif
