import LinuxSystem

/// Keeps the kubelet's heap from holding memory it no longer uses.
///
/// Starting a burst of pods makes many short-lived buffers (pod JSON, runtime
/// state files, netlink replies) on every busy thread. With glibc's defaults
/// each thread gets an arena of its own and buffers of hundreds of kilobytes
/// are carved from the heap, and once the burst is over the heap keeps the
/// pages: at 100 pods it held about 30 MB for 5 MB in use. So the kubelet
/// uses one arena (its threads mostly wait; measured, no slower to start
/// pods), gives buffers of 64 KiB and more their own mappings (returned
/// when freed), and calls `malloc_trim` every five seconds (well under a
/// millisecond each).
public enum HeapTrimmer {
    /// Tunes glibc's allocator. Call before the first threads start.
    public static func configure() {
        Heap.tune(arenas: 1, mmapThreshold: 64 << 10, trimThreshold: 256 << 10)
    }

    /// Returns free heap pages to the kernel every `interval` until cancelled.
    public static func run(every interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            Heap.trim()
        }
    }
}
