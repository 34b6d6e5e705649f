#if canImport(Glibc)
import Glibc
#endif

/// The kernel refused a netlink message: its errno, the message that failed
/// and, when the kernel said more (extended ack), its explanation.
public struct NetlinkError: Error, CustomStringConvertible, Sendable, Equatable {
    public var errno: Int32
    /// ``NetlinkMessage/summary`` of the message that failed.
    public var operation: String
    /// The kernel's extended-ack text, if any.
    public var detail: String?

    public init(errno: Int32, operation: String, detail: String? = nil) {
        self.errno = errno
        self.operation = operation
        self.detail = detail
    }

    public var description: String {
        "\(operation): \(NetlinkError.describe(errno))" + (detail.map { " (\($0))" } ?? "")
    }

    static func describe(_ code: Int32) -> String {
        switch code {
        case EPERM: return "operation not permitted"
        case ENOENT: return "no such object"
        case EBUSY: return "busy"
        case EEXIST: return "already exists"
        case ENODEV: return "no such device"
        case EINVAL: return "invalid argument"
        case EPROTONOSUPPORT: return "protocol not supported (is the kernel module loaded?)"
        case EOPNOTSUPP: return "operation not supported"
        default: return "errno \(code)"
        }
    }
}
