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
