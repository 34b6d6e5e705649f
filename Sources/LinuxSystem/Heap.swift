import CRuntimeShims

/// glibc's allocator (`<malloc.h>` is not part of Swift's Glibc module).
public enum Heap {
    /// mallopt(M_ARENA_MAX, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD); 0 leaves a
    /// setting alone. Returns whether every setting was taken.
    @discardableResult
    public static func tune(arenas: Int32, mmapThreshold: Int32, trimThreshold: Int32) -> Bool {
        swr_malloc_tune(arenas, mmapThreshold, trimThreshold) == 1
    }

    /// malloc_trim(0): returns free heap pages to the kernel. Returns whether any were.
    @discardableResult
    public static func trim() -> Bool {
        swr_malloc_trim() == 1
    }
}
