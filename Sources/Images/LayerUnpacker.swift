#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// Unpacks one layer (a tar stream) into its own directory, in the form
/// overlayfs reads as a lower layer: OCI whiteouts become overlay whiteouts
/// (`.wh.NAME` → a 0:0 character device, `.wh..wh..opq` → the
/// `trusted.overlay.opaque` xattr). Ownership, modes, times, xattrs, device
/// nodes and hard links are preserved. Entries are always written inside the
/// directory: `..` that would leave it is refused, and symlinks met on the
/// way are resolved relative to it.
struct LayerUnpacker {
    let root: String
    let layer: String

    /// Unpacks every entry of `tar`.
    func unpack<S: ByteReader>(_ tar: inout TarReader<S>) throws {
        var directories: [(String, Int64)] = []
        while let entry = try tar.next() {
            guard let relative = try cleanPath(entry.path) else { continue } // the root itself
            let name = relative.split(separator: "/").last.map(String.init) ?? relative
            let parentRelative = relative.split(separator: "/").dropLast().joined(separator: "/")
            let parent = try resolveDirectory(parentRelative)
            if name == ".wh..wh..opq" {
                try FileIO.setExtendedAttribute(parent, name: "trusted.overlay.opaque", value: Array("y".utf8))
                continue
            }
            if name.hasPrefix(".wh..wh.") { continue }
            if name.hasPrefix(".wh.") {
                let target = parent + "/" + name.dropFirst(4)
                try removeExisting(target)
                try sys("mknod", "whiteout \(target)") { mknod(target, S_IFCHR | 0, 0) }
                continue
            }
            let path = parent + "/" + name
            switch entry.kind {
            case .directory:
                if !FileIO.isDirectory(path) || FileIO.kind(of: path) == .symlink {
                    try removeExisting(path)
                    try sys("mkdir", path) { mkdir(path, 0o700) }
                }
                directories.append((path, entry.mtime))
            case .file:
                try removeExisting(path)
                let fd = try sys("open", path) { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
                defer { close(fd) }
                try tar.readContent { chunk in try FileIO.writeAll(fd: fd, Array(chunk), context: path) }
            case .symlink:
                try removeExisting(path)
                try sys("symlink", "\(path) → \(entry.linkName)") { symlink(entry.linkName, path) }
            case .hardLink:
                guard let targetRelative = try cleanPath(entry.linkName) else {
                    throw ImageError.unsafeLayer(layer: layer, entry: entry.path, reason: "hard link to the layer root")
                }
                let targetParent = try resolveDirectory(targetRelative.split(separator: "/").dropLast().joined(separator: "/"))
                let target = targetParent + "/" + (targetRelative.split(separator: "/").last.map(String.init) ?? "")
                guard FileIO.kind(of: target) != nil, FileIO.kind(of: target) != .directory else {
                    throw ImageError.unsafeLayer(layer: layer, entry: entry.path, reason: "hard link target \(entry.linkName) is not a file of this layer")
                }
                try removeExisting(path)
                try sys("link", "\(path) → \(target)") { link(target, path) }
                continue // a hard link shares the target's metadata
            case .charDevice, .blockDevice, .fifo:
                try removeExisting(path)
                let type: mode_t = entry.kind == .charDevice ? S_IFCHR : entry.kind == .blockDevice ? S_IFBLK : S_IFIFO
                try sys("mknod", path) { mknod(path, type | 0o600, dev_t(FileIO.deviceNumber(major: entry.deviceMajor, minor: entry.deviceMinor))) }
            }
            try applyMetadata(entry, path)
        }
        // Directory times last: creating entries inside them changed them.
        for (path, mtime) in directories.reversed() {
            var times = [timespec(tv_sec: Int(mtime), tv_nsec: 0), timespec(tv_sec: Int(mtime), tv_nsec: 0)]
            utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
        }
    }

    func applyMetadata(_ entry: TarEntry, _ path: String) throws {
        try sys("lchown", path) { lchown(path, entry.uid, entry.gid) }
        if entry.kind != .symlink {
            try sys("chmod", path) { chmod(path, mode_t(entry.mode)) }
        }
        for (key, value) in entry.xattrs {
            try? FileIO.setExtendedAttribute(path, name: key, value: value)
        }
        if entry.kind != .directory {
            var times = [timespec(tv_sec: Int(entry.mtime), tv_nsec: 0), timespec(tv_sec: Int(entry.mtime), tv_nsec: 0)]
            utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
        }
    }

    /// The entry path without `./` and `/`, or nil for the root itself;
    /// `..` that would leave the root is an error.
    func cleanPath(_ raw: String) throws -> String? {
        var parts: [Substring] = []
        for part in raw.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else {
                    throw ImageError.unsafeLayer(layer: layer, entry: raw, reason: "the path leaves the image root")
                }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// The directory `relative` inside the root (created if missing),
    /// following symlinks only within the root.
    func resolveDirectory(_ relative: String) throws -> String {
        if relative.isEmpty { return root }
        let path = try secureJoin(root: root, relative)
        if !FileIO.isDirectory(path) {
            if FileIO.kind(of: path) != nil { try removeExisting(path) }
            try FileIO.makeDirectories(path, mode: 0o755)
        }
        return path
    }

    func removeExisting(_ path: String) throws {
        switch FileIO.kind(of: path) {
        case nil: return
        case .directory?: try FileIO.removeTree(path)
        default: try sys("unlink", path) { unlink(path) }
        }
    }
}
