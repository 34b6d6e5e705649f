#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import FoundationEssentials

/// Small, allocation-light file helpers built directly on the system calls.
///
/// cgroup and procfs files must be written in one `write(2)` and read without
/// buffering surprises, and the container init must not rely on anything that
/// starts threads; these helpers do exactly one open, one read or write loop
/// and one close.
public enum FileIO {
    /// Reads a whole file as bytes.
    public static func readBytes(_ path: String) throws -> [UInt8] {
        let fd = try sys("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        return try readAll(fd: fd, context: path)
    }

    /// Reads everything from `fd` until end of file.
    public static func readAll(fd: Int32, context: String = "") throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = try chunk.withUnsafeMutableBytes { buf in
                try sys("read", context) { Glibc.read(fd, buf.baseAddress, buf.count) }
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Reads a whole file as UTF-8 text.
    public static func read(_ path: String) throws -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// Reads a file and trims surrounding whitespace; cgroup and proc values.
    public static func readTrimmed(_ path: String) throws -> String {
        try read(path).trimmingWhitespace()
    }

    /// Writes `value` with a single `write(2)` to an existing file (cgroup,
    /// procfs, sysfs files, where every write is one command).
    public static func writeExisting(_ path: String, _ value: String) throws {
        let fd = try sys("open", path) { open(path, O_WRONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes = Array(value.utf8)
        if bytes.isEmpty { bytes = [] }
        let n = try bytes.withUnsafeBytes { buf in
            try sys("write", "\(path) (\"\(value)\")") { Glibc.write(fd, buf.baseAddress, buf.count) }
        }
        if n != bytes.count {
            throw SystemError(call: "write", errno: EIO, context: "\(path): short write")
        }
    }

    /// Writes all of `bytes` to `fd`.
    public static func writeAll(fd: Int32, _ bytes: [UInt8], context: String = "") throws {
        var offset = 0
        while offset < bytes.count {
            let n = try bytes.withUnsafeBytes { buf in
                try sys("write", context) { Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset) }
            }
            offset += n
        }
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same
    /// directory, then rename over the target. Readers see the old or the new
    /// content, never a mix, even if the writer is killed. `durable` adds an
    /// fsync so the content also survives a power loss (state under /run,
    /// a tmpfs, does not need it).
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: UInt32 = 0o600, durable: Bool = false) throws {
        // A name of its own per call: two threads writing the same file must
        // not share (and rename away) one temporary file.
        let tmp = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = try sys("open", tmp) { open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode)) }
        do {
            defer { close(fd) }  // exactly once, whatever happens
            try writeAll(fd: fd, bytes, context: tmp)
            if durable { try sys("fsync", tmp) { fsync(fd) } }
        } catch {
            unlink(tmp)
            throw error
        }
        do {
            try sys("rename", "\(tmp) → \(path)") { rename(tmp, path) }
        } catch {
            unlink(tmp)
            throw error
        }
    }

    /// Whether anything exists at `path` (without following a final symlink).
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Whether `path` is a directory (following symlinks).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Lexically cleans an absolute path: no `.`, `..` or repeated slashes.
    public static func cleanPath(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `path` made absolute against `directory` (default: the working
    /// directory) and cleaned of `.`, `..` and repeated slashes.
    public static func absolutePath(_ path: String, relativeTo directory: String? = nil) throws -> String {
        if path.hasPrefix("/") { return FileIO.cleanPath(path) }
        if let directory { return FileIO.cleanPath(directory + "/" + path) }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        _ = try sysPointer("getcwd") { getcwd(&buf, buf.count) }
        return FileIO.cleanPath(String(nulTerminated: buf) + "/" + path)
    }

    /// The target of the symbolic link at `path`.
    public static func readLink(_ path: String) throws -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = try sys("readlink", path) { readlink(path, &buf, buf.count - 1) }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Creates an empty file at `path` (and its parent directories) unless
    /// something is there already: a mount point for a file bind mount.
    public static func createFile(_ path: String, mode: UInt32) throws {
        if exists(path) { return }
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !parent.isEmpty { try makeDirectories(parent) }
        let fd = try sys("open", path) { open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode_t(mode)) }
        close(fd)
    }

    /// What is at `path` (not following a final symlink), or nil when nothing is.
    public static func kind(of path: String) -> FileKind? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// Sets the extended attribute `name` of `path` itself (lsetxattr(2):
    /// a symlink's own, not its target's).
    public static func setExtendedAttribute(_ path: String, name: String, value: [UInt8]) throws {
        try sys("lsetxattr", "\(path) \(name)") { value.withUnsafeBytes { lsetxattr(path, name, $0.baseAddress, $0.count, 0) } }
    }

    /// A device number from its major and minor (makedev(3)).
    public static func deviceNumber(major: UInt32, minor: UInt32) -> UInt64 {
        UInt64(gnu_dev_makedev(major, minor))
    }

    /// `mkdir -p`.
    ///
    /// The directory itself is tried first and its parents only when that
    /// fails with ENOENT, so the usual case (the parent exists) is one
    /// mkdir(2), not a stat and a mkdir, each walking the path from the root,
    /// per component: a kubelet makes a dozen directories for every pod.
    public static func makeDirectories(_ path: String, mode: UInt32 = 0o755) throws {
        if mkdir(path, mode_t(mode)) == 0 { return }
        let code = errno
        if code == EEXIST, isDirectory(path) { return }
        guard code == ENOENT else { throw SystemError(call: "mkdir", errno: code, context: path) }
        var parent = Substring(path)
        while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
        guard let slash = parent.lastIndex(of: "/") else { throw SystemError(call: "mkdir", errno: code, context: path) }
        let above = slash == parent.startIndex ? "/" : String(parent[..<slash])
        guard above != path else { throw SystemError(call: "mkdir", errno: code, context: path) }
        try makeDirectories(above, mode: mode)
        if mkdir(path, mode_t(mode)) == 0 { return }
        let again = errno
        if again == EEXIST, isDirectory(path) { return }
        throw SystemError(call: "mkdir", errno: again, context: path)
    }

    /// `rm -rf` of a directory tree that contains no mounts.
    public static func removeTree(_ path: String) throws {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return }
            throw SystemError(call: "lstat", errno: errno, context: path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) {
                try removeTree(path + "/" + name)
            }
            try sys("rmdir", path) { rmdir(path) }
        } else {
            try sys("unlink", path) { unlink(path) }
        }
    }

    /// The names in a directory, without `.` and `..`.
    public static func listDirectory(_ path: String) throws -> [String] {
        let dir = try sysPointer("opendir", path) { opendir(path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { ptr in
                ptr.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    public func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\n" || first == "\t" || first == "\r" {
            scalars.removeFirst()
        }
        while let last = scalars.last, last == " " || last == "\n" || last == "\t" || last == "\r" {
            scalars.removeLast()
        }
        return String(scalars)
    }
}

/// What a path is, as lstat(2) sees it.
public enum FileKind: Sendable, Equatable {
    case directory, regular, symlink, other
}
