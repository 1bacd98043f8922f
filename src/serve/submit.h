/* submit.h: `footprint submit`: the service's command-line client. */
#ifndef FP_SUBMIT_H
#define FP_SUBMIT_H

int fp_submit_main(int argc, char **argv);

#endif
