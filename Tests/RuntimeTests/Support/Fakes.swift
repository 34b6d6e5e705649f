@testable import Runtime
import LinuxSystem

/// A MountSyscalls fake: a simulated file tree plus a log of every call.
final class RecordingMountSyscalls: MountSyscalls {
    var calls: [String] = []
    var files: [String: FileKind] = [:]
    var links: [String: String] = [:]
    var locked: MountFlags = []

    init(files: [String: FileKind] = [:]) {
        self.files = files
    }

    func mount(source: String?, target: String, type: String?, flags: MountFlags, data: String?) throws {
        calls.append("mount \(source ?? "-") \(target) \(type ?? "-") \(Self.describe(flags))\(data.map { " " + $0 } ?? "")")
    }

    func unmount(_ target: String, detach: Bool) throws { calls.append("umount \(target)") }

    func makeDirectories(_ path: String, mode: UInt32) throws {
        calls.append("mkdir \(path)")
        files[path] = .directory
    }

    func createFile(_ path: String, mode: UInt32) throws {
        calls.append("touch \(path)")
        files[path] = .regular
    }

    func makeNode(_ path: String, type: DeviceNode.NodeType, major: Int64, minor: Int64, mode: UInt32, uid: UInt32, gid: UInt32) throws {
        calls.append("mknod \(path) \(type.rawValue) \(major):\(minor) \(String(mode, radix: 8))")
        files[path] = .other
    }

    func symlink(_ target: String, at path: String) throws {
        calls.append("symlink \(path) -> \(target)")
        files[path] = .symlink
        links[path] = target
    }

    func removeFile(_ path: String) throws {
        calls.append("rm \(path)")
        files[path] = nil
    }

    func kind(of path: String) -> FileKind? { files[path] }

    func readLink(_ path: String) throws -> String {
        guard let target = links[path] else { throw SystemError(call: "readlink", errno: 22, context: path) }
        return target
    }

    func pivotRoot(_ newRoot: String) throws { calls.append("pivot_root \(newRoot)") }
    func moveRoot(_ newRoot: String) throws { calls.append("move_root \(newRoot)") }
    func changeDirectory(_ path: String) throws { calls.append("chdir \(path)") }
    func lockedFlags(of path: String) -> MountFlags { locked }
    func setUmask(_ mask: UInt32) -> UInt32 { 0o22 }

    static func describe(_ flags: MountFlags) -> String {
        let names: [(MountFlags, String)] = [
            (.readOnly, "ro"), (.noSUID, "nosuid"), (.noDev, "nodev"), (.noExec, "noexec"), (.remount, "remount"),
            (.noAccessTime, "noatime"), (.bind, "bind"), (.move, "move"), (.recursive, "rec"), (.unbindable, "unbindable"),
            (.private, "private"), (.slave, "slave"), (.shared, "shared"), (.relativeAccessTime, "relatime"),
            (.strictAccessTime, "strictatime"),
        ]
        let set = names.filter { flags.contains($0.0) }.map(\.1)
        return set.isEmpty ? "0" : set.joined(separator: ",")
    }
}

/// A CgroupFS fake over an in-memory tree.
final class FakeCgroupFS: CgroupFS, @unchecked Sendable {
    var directories: Set<String> = []
    var values: [String: String] = [:]
    var writes: [String] = []
    /// Writes to these paths fail with the given errno.
    var failing: [String: Int32] = [:]

    init(directories: Set<String> = []) { self.directories = directories }

    func exists(_ path: String) -> Bool { directories.contains(path) || values[path] != nil }

    func makeDirectory(_ path: String) throws {
        directories.insert(path)
        writes.append("mkdir \(path)")
    }

    func removeDirectory(_ path: String) throws {
        directories.remove(path)
        writes.append("rmdir \(path)")
    }

    func read(_ path: String) throws -> String {
        guard let v = values[path] else { throw SystemError(call: "open", errno: 2, context: path) }
        return v
    }

    func write(_ path: String, _ value: String) throws {
        if let code = failing[path] { throw SystemError(call: "write", errno: code, context: path) }
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        guard directories.contains(dir) else { throw SystemError(call: "open", errno: 2, context: path) }
        writes.append("\(path)=\(value)")
        values[path] = value
    }
}
