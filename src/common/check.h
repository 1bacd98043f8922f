/* check.h: invariants, checked in debug and sanitizer builds.
 *
 * FP_ASSERT(x) is assert(x) when FP_DEBUG is defined (`make SAN=1`,
 * `make DEBUG=1`) and nothing otherwise: some sit on the hottest paths
 * (the sample handler, the allocation hooks), which release builds keep
 * as fast as they were. The expression is still compiled (sizeof), so it
 * cannot rot. */
#ifndef FP_CHECK_H
#define FP_CHECK_H

#ifdef FP_DEBUG
#include <assert.h>
#define FP_ASSERT(x) assert(x)
#else
#define FP_ASSERT(x) ((void)sizeof(x))
#endif

#endif
