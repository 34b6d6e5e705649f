#if canImport(Glibc)
import Glibc
#endif

/// A server could not listen on its address: the address, the errno and
/// the system's words for it.
public struct BindError: Error, CustomStringConvertible, Sendable {
    public let host: String
    public let port: Int
    /// The errno of bind(2)/listen(2), 0 when the failure had none.
    public let errno: Int32
    public let reason: String

    public init(host: String, port: Int, errno: Int32, reason: String) {
        self.host = host
        self.port = port
        self.errno = errno
        self.reason = reason
    }

    /// Whether another process holds the address (EADDRINUSE).
    public var addressInUse: Bool { errno == EADDRINUSE }

    public var description: String {
        addressInUse ? "cannot listen on \(host):\(port): the address is already in use" : "cannot listen on \(host):\(port): \(reason)"
    }
}
