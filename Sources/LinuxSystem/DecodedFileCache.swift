#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Which write of a file a value was read from. The files this is for are
/// replaced by rename, so a new write is a new inode (and a new mtime).
public struct FileVersion: Equatable, Sendable {
    var inode: UInt64
    var size: Int64
    var modified: Int
    var modifiedNanoseconds: Int

    /// The version of the file at `path`, nil if there is none.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
    }
}

/// Values decoded from files, kept until the file is written again: one
/// stat(2) instead of a read and a decode when nothing changed. For files
/// replaced whole by rename (state files, the image index), which other
/// processes may write at any time.
public final class DecodedFileCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: (version: FileVersion, value: Value)]>([:])
    private let limit: Int

    /// At most `limit` files are kept; past it the cache starts again empty.
    public init(limit: Int = 4096) {
        self.limit = limit
    }

    /// The value for the file at `path`: the kept one when the file is the
    /// same write, else what `load` reads (kept under the version seen before
    /// it read, so a write in between is read again next time).
    public func value(at path: String, load: () throws -> Value) throws -> Value {
        let version = FileVersion(path: path)
        if let version, let hit = entries.withLock({ $0[path] }), hit.version == version {
            return hit.value
        }
        let value = try load()
        if let version {
            entries.withLock { entries in
                if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
                entries[path] = (version, value)
            }
        }
        return value
    }

    /// Drops what is kept for `path` (the file was removed).
    public func forget(_ path: String) {
        _ = entries.withLock { $0.removeValue(forKey: path) }
    }
}
