/* leaks.h: likely leaks, from the allocations still live at the end.
 *
 * Every sampled allocation is kept in the interposer's table until it is
 * freed, with the time it was made. At the end, a line is a likely leak
 * when (1) most of what it allocated is still live, (2) that live memory
 * was allocated steadily across a large part of the run, up to its end,
 * not in one burst, and (3) the line was not simply running all that time
 * (building one big structure in one long statement is not a leak), with
 * enough samples to tell. So a model or data set loaded once, a cache that
 * fills and then stops growing, and churn (made and freed) say nothing. */
#ifndef FP_LEAKS_H
#define FP_LEAKS_H

#include "../common/jsonw.h"

/* Writes the "leaks" member of a fragment (an empty array when leak
 * detection is off or memory is not profiled). */
struct fp_agent;
void fp_leaks_write(const struct fp_agent *a, fp_jsonw_t *w);

#endif
