#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// The file operations cgroup management needs, behind a protocol so the
/// values written for each layout are checked by unit tests with a fake.
public protocol CgroupFS: Sendable {
    func exists(_ path: String) -> Bool
    func makeDirectory(_ path: String) throws
    func removeDirectory(_ path: String) throws
    func read(_ path: String) throws -> String
    func write(_ path: String, _ value: String) throws
}

/// ``CgroupFS`` on the real cgroup filesystems.
public struct LinuxCgroupFS: CgroupFS {
    public init() {}

    public func exists(_ path: String) -> Bool { FileIO.exists(path) }

    public func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 {
            let code = errno
            if code == EEXIST { return }
            throw SystemError(call: "mkdir", errno: code, context: path)
        }
    }

    public func removeDirectory(_ path: String) throws {
        if rmdir(path) != 0 {
            let code = errno
            if code == ENOENT { return }
            throw SystemError(call: "rmdir", errno: code, context: path)
        }
    }

    public func read(_ path: String) throws -> String { try FileIO.readTrimmed(path) }

    public func write(_ path: String, _ value: String) throws { try FileIO.writeExisting(path, value) }
}
