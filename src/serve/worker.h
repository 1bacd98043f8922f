/* worker.h: `footprint worker`: takes jobs from the queue and runs each
 * sandboxed under `footprint run`, then judges its profile with
 * `footprint check` and records the verdict. */
#ifndef FP_WORKER_H
#define FP_WORKER_H

int fp_worker_main(int argc, char **argv);

#endif
