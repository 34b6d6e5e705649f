/// mount(2) flags, spelled out so the values are visible and testable.
public struct MountFlags: OptionSet, Codable, Sendable, Hashable {
    public let rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }

    public static let readOnly = MountFlags(rawValue: 0x1)          // MS_RDONLY
    public static let noSUID = MountFlags(rawValue: 0x2)            // MS_NOSUID
    public static let noDev = MountFlags(rawValue: 0x4)             // MS_NODEV
    public static let noExec = MountFlags(rawValue: 0x8)            // MS_NOEXEC
    public static let synchronous = MountFlags(rawValue: 0x10)      // MS_SYNCHRONOUS
    public static let remount = MountFlags(rawValue: 0x20)          // MS_REMOUNT
    public static let mandatoryLock = MountFlags(rawValue: 0x40)    // MS_MANDLOCK
    public static let dirSync = MountFlags(rawValue: 0x80)          // MS_DIRSYNC
    public static let noSymFollow = MountFlags(rawValue: 0x100)     // MS_NOSYMFOLLOW
    public static let noAccessTime = MountFlags(rawValue: 0x400)    // MS_NOATIME
    public static let noDirAccessTime = MountFlags(rawValue: 0x800) // MS_NODIRATIME
    public static let bind = MountFlags(rawValue: 0x1000)           // MS_BIND
    public static let move = MountFlags(rawValue: 0x2000)           // MS_MOVE
    public static let recursive = MountFlags(rawValue: 0x4000)      // MS_REC
    public static let silent = MountFlags(rawValue: 0x8000)         // MS_SILENT
    public static let unbindable = MountFlags(rawValue: 0x20000)    // MS_UNBINDABLE
    public static let `private` = MountFlags(rawValue: 0x40000)     // MS_PRIVATE
    public static let slave = MountFlags(rawValue: 0x80000)         // MS_SLAVE
    public static let shared = MountFlags(rawValue: 0x100000)       // MS_SHARED
    public static let relativeAccessTime = MountFlags(rawValue: 0x200000) // MS_RELATIME
    public static let iVersion = MountFlags(rawValue: 0x800000)     // MS_I_VERSION
    public static let strictAccessTime = MountFlags(rawValue: 0x1000000) // MS_STRICTATIME
    public static let lazyTime = MountFlags(rawValue: 0x2000000)    // MS_LAZYTIME

    /// The flags a bind remount may change (the rest are ignored by the kernel there).
    public static let remountable: MountFlags = [.readOnly, .noSUID, .noDev, .noExec, .noAccessTime, .noDirAccessTime, .relativeAccessTime, .strictAccessTime, .noSymFollow]
}

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
