import LinuxSystem
/// A device node in the container's /dev.
public struct DeviceNode: Codable, Sendable, Equatable {
    public enum NodeType: String, Codable, Sendable {
        case char = "c"
        case block = "b"
        case fifo = "p"
    }

    public var path: String
    public var type: NodeType
    public var major: Int64
    public var minor: Int64
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32

    public init(path: String, type: NodeType, major: Int64, minor: Int64, mode: UInt32 = 0o666, uid: UInt32 = 0, gid: UInt32 = 0) {
        self.path = path
        self.type = type
        self.major = major
        self.minor = minor
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }

    /// The devices every container gets, as runc and Docker provide them.
    public static let defaults: [DeviceNode] = [
        DeviceNode(path: "/dev/null", type: .char, major: 1, minor: 3),
        DeviceNode(path: "/dev/zero", type: .char, major: 1, minor: 5),
        DeviceNode(path: "/dev/full", type: .char, major: 1, minor: 7),
        DeviceNode(path: "/dev/random", type: .char, major: 1, minor: 8),
        DeviceNode(path: "/dev/urandom", type: .char, major: 1, minor: 9),
        DeviceNode(path: "/dev/tty", type: .char, major: 5, minor: 0),
    ]

    /// The /dev symlinks every container gets.
    public static let defaultSymlinks: [(link: String, target: String)] = [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ]

    /// Builds the node for `linux.devices[index]`.
    public init(_ device: Spec.Device, index: Int) throws {
        let field = "linux.devices[\(index)]"
        guard let type = NodeType(rawValue: device.type == "u" ? "c" : device.type) else {
            throw RuntimeError.invalidConfig(field: "\(field).type", reason: "\"\(device.type)\" must be c, b, u or p")
        }
        guard device.path.hasPrefix("/dev/") else {
            throw RuntimeError.invalidConfig(field: "\(field).path", reason: "\"\(device.path)\" must be under /dev")
        }
        if type != .fifo {
            guard let major = device.major, let minor = device.minor, major >= 0, minor >= 0 else {
                throw RuntimeError.invalidConfig(field: field, reason: "character and block devices need major and minor numbers")
            }
            self.init(path: FileIO.cleanPath(device.path), type: type, major: major, minor: minor,
                      mode: device.fileMode ?? 0o666, uid: device.uid ?? 0, gid: device.gid ?? 0)
        } else {
            self.init(path: FileIO.cleanPath(device.path), type: type, major: 0, minor: 0,
                      mode: device.fileMode ?? 0o666, uid: device.uid ?? 0, gid: device.gid ?? 0)
        }
    }
}
