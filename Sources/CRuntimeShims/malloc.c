// Why: mallopt and malloc_trim live in <malloc.h>, which Swift's Glibc module leaves out.
#include <malloc.h>
#include "swr_malloc.h"

int swr_malloc_tune(int arenas, int mmap_threshold, int trim_threshold) {
    int ok = 1;
    if (arenas > 0) ok &= mallopt(M_ARENA_MAX, arenas);
    if (mmap_threshold > 0) ok &= mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    if (trim_threshold > 0) ok &= mallopt(M_TRIM_THRESHOLD, trim_threshold);
    return ok;
}

int swr_malloc_trim(void) { return malloc_trim(0); }
