public import LinuxSystem
/// The parsed `options` of one mount: flags to set, flags to clear,
/// propagation changes applied after the mount, and the filesystem data string.
public struct MountOptions: Codable, Sendable, Equatable {
    public var flags: MountFlags = []
    public var cleared: MountFlags = []
    /// Each entry is one propagation change (`.private`, `[.shared, .recursive]`, …).
    public var propagation: [MountFlags] = []
    /// Options passed to the filesystem as the data string, in order.
    public var data: [String] = []

    public var isBind: Bool { flags.contains(.bind) }

    /// The data string, as mount(2) takes it.
    public var dataString: String { data.joined(separator: ",") }

    public init() {}

    /// Parses OCI mount options; `field` names the options for errors.
    public init(_ options: [String], field: String) throws {
        for option in options {
            if let (set, clear) = MountOptions.flagTable[option] {
                flags.formUnion(set)
                flags.subtract(clear)
                cleared.formUnion(clear)
                cleared.subtract(set)
            } else if let prop = MountOptions.propagationTable[option] {
                propagation.append(prop)
            } else if MountOptions.unsupported.contains(option) {
                throw RuntimeError.invalidConfig(field: field, reason: "mount option \"\(option)\" is not supported by this runtime")
            } else if option.hasPrefix("r"), MountOptions.flagTable[String(option.dropFirst())] != nil, !["rw", "ro", "relatime", "remount"].contains(option) {
                throw RuntimeError.invalidConfig(field: field, reason: "recursive mount attribute \"\(option)\" is not supported; use \"\(option.dropFirst())\" on a non-recursive bind or remove it")
            } else {
                data.append(option)
            }
        }
    }

    private static let flagTable: [String: (MountFlags, MountFlags)] = [
        "defaults": ([], []),
        "ro": (.readOnly, []), "rw": ([], .readOnly),
        "nosuid": (.noSUID, []), "suid": ([], .noSUID),
        "nodev": (.noDev, []), "dev": ([], .noDev),
        "noexec": (.noExec, []), "exec": ([], .noExec),
        "sync": (.synchronous, []), "async": ([], .synchronous),
        "dirsync": (.dirSync, []),
        "remount": (.remount, []),
        "mand": (.mandatoryLock, []), "nomand": ([], .mandatoryLock),
        "noatime": (.noAccessTime, []), "atime": ([], .noAccessTime),
        "nodiratime": (.noDirAccessTime, []), "diratime": ([], .noDirAccessTime),
        "relatime": (.relativeAccessTime, []), "norelatime": ([], .relativeAccessTime),
        "strictatime": (.strictAccessTime, []), "nostrictatime": ([], .strictAccessTime),
        "lazytime": (.lazyTime, []), "nolazytime": ([], .lazyTime),
        "iversion": (.iVersion, []), "noiversion": ([], .iVersion),
        "silent": (.silent, []), "loud": ([], .silent),
        "nosymfollow": (.noSymFollow, []), "symfollow": ([], .noSymFollow),
        "bind": (.bind, []),
        "rbind": ([.bind, .recursive], []),
    ]

    private static let propagationTable: [String: MountFlags] = [
        "private": .private, "rprivate": [.private, .recursive],
        "shared": .shared, "rshared": [.shared, .recursive],
        "slave": .slave, "rslave": [.slave, .recursive],
        "unbindable": .unbindable, "runbindable": [.unbindable, .recursive],
    ]

    private static let unsupported: Set<String> = ["idmap", "ridmap", "tmpcopyup", "copy-symlink", "src-nofollow", "dest-nofollow"]

    /// Parses `linux.rootfsPropagation`.
    public static func rootPropagation(_ value: String?) throws -> MountFlags {
        guard let value, !value.isEmpty else { return [.slave, .recursive] }
        switch value {
        case "shared", "rshared": return [.shared, .recursive]
        case "slave", "rslave": return [.slave, .recursive]
        case "private", "rprivate": return [.private, .recursive]
        case "unbindable", "runbindable": return [.unbindable, .recursive]
        default:
            throw RuntimeError.invalidConfig(field: "linux.rootfsPropagation", reason: "\"\(value)\" must be one of shared, slave, private, unbindable")
        }
    }
}
