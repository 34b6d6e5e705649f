#if canImport(Glibc)
import Glibc
#endif

/// Space and inodes used under a directory (like `du -s -x`): allocated
/// blocks, symlinks not followed, other filesystems not entered.
public struct DiskUsage: Sendable, Equatable {
    public var bytes: UInt64 = 0
    public var inodes: UInt64 = 0

    public static func of(_ path: String) -> DiskUsage {
        var usage = DiskUsage()
        var st = stat()
        guard lstat(path, &st) == 0 else { return usage }
        usage.add(st)
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            if fd >= 0 { walk(fd, device: st.st_dev, into: &usage, depth: 0) }
        }
        return usage
    }

    mutating func add(_ st: stat) {
        bytes += UInt64(max(st.st_blocks, 0)) * 512
        inodes += 1
    }

    /// Walks the directory open at `fd` (and closes it).
    static func walk(_ fd: Int32, device: UInt, into usage: inout DiskUsage, depth: Int) {
        guard let dir = fdopendir(fd) else { close(fd); return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            var st = stat()
            guard fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_dev == device else { continue }
            usage.add(st)
            if (st.st_mode & S_IFMT) == S_IFDIR, depth < 256 {
                let child = openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
                if child >= 0 { walk(child, device: device, into: &usage, depth: depth + 1) }
            }
        }
    }
}

/// Capacity and free space of the filesystem holding a path (statvfs).
public struct FilesystemSpace: Sendable, Equatable {
    public var capacity: UInt64
    public var available: UInt64
    public var used: UInt64
    public var inodes: UInt64
    public var inodesFree: UInt64

    public static func of(_ path: String) -> FilesystemSpace? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        let block = UInt64(s.f_frsize)
        return FilesystemSpace(capacity: UInt64(s.f_blocks) * block, available: UInt64(s.f_bavail) * block,
                               used: UInt64(s.f_blocks - s.f_bfree) * block, inodes: UInt64(s.f_files), inodesFree: UInt64(s.f_ffree))
    }
}
