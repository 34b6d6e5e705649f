import Dispatch

/// Runs blocking system work (container creation, mounts, netlink) off the
/// Swift concurrency pool, so a slow kernel call never stalls other pods.
public enum Blocking {
    static let queue = DispatchQueue(label: "kubelet.blocking", attributes: .concurrent)

    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
        }
    }
}
