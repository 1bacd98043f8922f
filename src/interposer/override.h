/* override.h: the interposer's own definitions of the libc names it
 * replaces (override.c), by hidden names. From inside the library the
 * exported names would resolve to whichever definition comes first in
 * the lookup order (libc's, when the interposer is loaded with dlopen);
 * these always mean ours. gotpatch.c points relocation slots at them. */
#ifndef FP_OVERRIDE_H
#define FP_OVERRIDE_H

#include <stddef.h>
#include <sys/types.h>

void *fp_override_malloc(size_t n);
void *fp_override_calloc(size_t nelem, size_t elsize);
void *fp_override_realloc(void *old, size_t n);
void fp_override_free(void *p);
int fp_override_posix_memalign(void **out, size_t align, size_t n);
void *fp_override_aligned_alloc(size_t align, size_t n);
void *fp_override_memalign(size_t align, size_t n);
void *fp_override_valloc(size_t n);
void *fp_override_pvalloc(size_t n);
void *fp_override_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int fp_override_munmap(void *addr, size_t len);
void *fp_override_memcpy(void *dst, const void *src, size_t n);
void *fp_override_memmove(void *dst, const void *src, size_t n);
void *fp_override_memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen);
void *fp_override_memmove_chk(void *dst, const void *src, size_t n, size_t dstlen);

#endif
