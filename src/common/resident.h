/* resident.h: how much of a mapping is in RAM (mincore), for footprint's
 * own share of the program's memory. Allocates nothing. */
#ifndef FP_RESIDENT_H
#define FP_RESIDENT_H

#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

/* Resident bytes of the LEN bytes at BASE (page-aligned). *UNKNOWN gets
 * the bytes that could not be checked (mincore failed there: from that
 * page on); callers decide what to count them as. */
static inline size_t fp_resident_bytes(const void *base, size_t len, size_t *unknown)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = (len + page - 1) / page, resident = 0;
    unsigned char vec[1024];
    *unknown = 0;
    for (size_t first = 0; first < pages; first += sizeof vec) {
        size_t n = pages - first < sizeof vec ? pages - first : sizeof vec;
        if (mincore((char *)base + first * page, n * page, vec) != 0) {
            *unknown = (pages - first) * page;
            break;
        }
        for (size_t i = 0; i < n; i++)
            resident += vec[i] & 1;
    }
    return resident * page;
}

#endif
