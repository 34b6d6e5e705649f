#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// A Linux namespace type, with its OCI name, its /proc/PID/ns name and clone flag.
public enum NamespaceKind: String, Codable, Sendable, CaseIterable, Comparable {
    case user
    case ipc
    case uts
    case network
    case pid
    case cgroup
    case time
    case mount

    /// The order in which namespaces are joined: user first (it grants the
    /// capabilities the other joins need), mount last (joining it changes the
    /// root under which the other namespace paths were resolved).
    public static let joinOrder: [NamespaceKind] = [.user, .ipc, .uts, .network, .pid, .cgroup, .time, .mount]

    public static func < (lhs: NamespaceKind, rhs: NamespaceKind) -> Bool {
        joinOrder.firstIndex(of: lhs)! < joinOrder.firstIndex(of: rhs)!
    }

    /// The file name under /proc/PID/ns.
    public var procName: String {
        switch self {
        case .user: return "user"
        case .ipc: return "ipc"
        case .uts: return "uts"
        case .network: return "net"
        case .pid: return "pid"
        case .cgroup: return "cgroup"
        case .time: return "time"
        case .mount: return "mnt"
        }
    }

    /// The CLONE_NEW* flag.
    public var cloneFlag: Int32 {
        switch self {
        // linux/sched.h; glibc hides these without _GNU_SOURCE.
        case .user: return 0x1000_0000
        case .ipc: return 0x0800_0000
        case .uts: return 0x0400_0000
        case .network: return 0x4000_0000
        case .pid: return 0x2000_0000
        case .cgroup: return 0x0200_0000
        case .time: return 0x0000_0080
        case .mount: return 0x0002_0000
        }
    }

    /// Whether the running kernel offers this namespace type.
    public var isSupportedByKernel: Bool {
        FileIO.exists("/proc/self/ns/\(procName)")
    }
}
