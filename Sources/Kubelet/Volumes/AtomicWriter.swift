#if canImport(Glibc)
import Glibc
#endif
import Runtime
import LinuxSystem

/// Writes a set of files into a volume directory so containers always see a
/// complete, consistent version: files go into a fresh hidden directory, the
/// `..data` symlink is switched to it in one rename, and each visible name is
/// a symlink through `..data` — the layout the kubelet uses for configMap,
/// secret, downwardAPI and projected volumes, so updates appear atomically.
public struct AtomicWriter: Sendable {
    public struct File: Sendable, Equatable {
        /// Relative path (may contain directories).
        public var path: String
        public var content: [UInt8]
        public var mode: UInt32

        public init(path: String, content: [UInt8], mode: UInt32) {
            self.path = path
            self.content = content
            self.mode = mode
        }
    }

    public let directory: String
    /// Group owner for the files (fsGroup), if any.
    public let group: UInt32?

    public init(directory: String, group: UInt32? = nil) {
        self.directory = directory
        self.group = group
    }

    /// Makes the directory show exactly `files`. Returns false when nothing changed.
    @discardableResult
    public func write(_ files: [File]) throws -> Bool {
        for f in files {
            guard !f.path.isEmpty, !f.path.hasPrefix("/"), !f.path.split(separator: "/").contains(".."), !f.path.hasPrefix("..") else {
                throw RuntimeError.other("volume file path \"\(f.path)\" must be relative and must not contain '..'")
            }
        }
        try FileIO.makeDirectories(directory, mode: 0o755)
        let wanted = files.map { f in File(path: f.path, content: f.content, mode: group == nil ? f.mode : f.mode | 0o440) }
        if try current() == wanted.sorted(by: { $0.path < $1.path }) { return false }

        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let versionName = "..\(ts.tv_sec)_\(ts.tv_nsec)"
        let version = directory + "/" + versionName
        try sys("mkdir", version) { mkdir(version, 0o755) }
        for f in files {
            let path = version + "/" + f.path
            if let slash = path.lastIndex(of: "/") { try FileIO.makeDirectories(String(path[..<slash]), mode: 0o755) }
            // With an fsGroup the group may read, as the kubelet's volume ownership does (mode | 0440).
            let mode = group == nil ? f.mode : f.mode | 0o440
            try FileIO.writeAtomically(path, f.content, mode: mode)
            try sys("chmod", path) { chmod(path, mode_t(mode)) }
            if let group { _ = lchown(path, UInt32.max, group) }
        }
        if let group { _ = chown(version, UInt32.max, group) }
        let previous = try? FileIO.readLink(directory + "/..data")
        let tmpLink = directory + "/..data_tmp"
        unlink(tmpLink)
        try sys("symlink", tmpLink) { symlink(versionName, tmpLink) }
        try sys("rename", "..data") { rename(tmpLink, directory + "/..data") }

        // Visible names: one symlink per top-level entry, stale ones removed.
        let top = Set(files.map { String($0.path.split(separator: "/")[0]) })
        for name in top {
            let link = directory + "/" + name
            if (try? FileIO.readLink(link)) != "..data/" + name {
                unlink(link)
                try sys("symlink", link) { symlink("..data/" + name, link) }
            }
        }
        for name in try FileIO.listDirectory(directory) where !name.hasPrefix("..") && !top.contains(name) {
            unlink(directory + "/" + name)
        }
        if let previous, previous != versionName { try? FileIO.removeTree(directory + "/" + previous) }
        return true
    }

    /// The files currently visible, sorted by path.
    func current() throws -> [File] {
        guard let data = try? FileIO.readLink(directory + "/..data") else { return [] }
        let root = directory + "/" + data
        var out: [File] = []
        func walk(_ relative: String) throws {
            let dir = relative.isEmpty ? root : root + "/" + relative
            for name in try FileIO.listDirectory(dir).sorted() {
                let rel = relative.isEmpty ? name : relative + "/" + name
                let path = root + "/" + rel
                if FileIO.isDirectory(path) {
                    try walk(rel)
                } else {
                    var st = stat()
                    stat(path, &st)
                    out.append(File(path: rel, content: try FileIO.readBytes(path), mode: UInt32(st.st_mode & 0o7777)))
                }
            }
        }
        try walk("")
        return out.sorted { $0.path < $1.path }
    }
}
