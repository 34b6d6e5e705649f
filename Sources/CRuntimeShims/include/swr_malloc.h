// glibc's malloc tuning: <malloc.h> is not part of Swift's Glibc module.
#ifndef SWR_MALLOC_H
#define SWR_MALLOC_H
/// mallopt(M_ARENA_MAX, arenas), mallopt(M_MMAP_THRESHOLD, mmap_threshold)
/// and mallopt(M_TRIM_THRESHOLD, trim_threshold); a value of 0 leaves that
/// setting alone. Returns 1 when every setting was taken, 0 otherwise.
int swr_malloc_tune(int arenas, int mmap_threshold, int trim_threshold);
/// malloc_trim(0): returns free heap pages to the kernel. Returns 1 if any were released.
int swr_malloc_trim(void);
#endif
