#if canImport(Glibc)
import Glibc
#endif
import CNetlinkShims

/// Runs work inside another network namespace on the calling thread only.
///
/// setns(CLONE_NEWNET) changes the namespace of one thread, so a netlink
/// socket opened inside `body` stays bound to the target namespace after the
/// thread has switched back. `body` must not suspend (no `await`): the thread
/// returns to its own namespace before this function does.
public enum NetworkNamespace {
    /// Runs `body` with the thread in the namespace at `path` (an nsfs file,
    /// `/proc/PID/ns/net` or `/run/netns/NAME`).
    public static func run<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let target = open(path, O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw NetlinkError(errno: errno, operation: "opening network namespace \(path)") }
        defer { close(target) }
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw NetlinkError(errno: errno, operation: "opening this thread's network namespace") }
        defer { close(original) }
        guard swr_netlink_setns(target, 0x4000_0000) == 0 else {
            throw NetlinkError(errno: errno, operation: "entering network namespace \(path)")
        }
        defer {
            // Failing to return would leave a thread of the caller in the pod's namespace.
            if swr_netlink_setns(original, 0x4000_0000) != 0 { fatalError("cannot return to the original network namespace: errno \(errno)") }
        }
        return try body()
    }

    /// A netlink connection bound to the namespace at `path`.
    public static func connection(_ bus: MNLConnection.Bus, in path: String) throws -> MNLConnection {
        try run(path) { try MNLConnection(bus) }
    }
}
