/* serve.h: `footprint serve`: the validation service on one machine (the
 * HTTP API and pages, and N local workers), and `footprint serve token
 * add`. */
#ifndef FP_SERVE_H
#define FP_SERVE_H

int fp_serve_main(int argc, char **argv);

#endif
