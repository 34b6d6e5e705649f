#if canImport(Glibc)
import Glibc
#endif

/// What ``secureJoin(root:_:using:)`` asks of the filesystem: what a path
/// is and where a symlink points (a protocol, so tests can fake a tree).
public protocol PathLookup {
    /// lstat(2) of `path`; nil when nothing is there.
    func kind(of path: String) -> FileKind?
    func readLink(_ path: String) throws -> String
}

/// The real filesystem.
public struct FileSystemLookup: PathLookup {
    public init() {}
    public func kind(of path: String) -> FileKind? { FileIO.kind(of: path) }
    public func readLink(_ path: String) throws -> String { try FileIO.readLink(path) }
}

/// Resolves `path` inside `root` the way the container will see it: symlinks
/// are followed relative to `root`, and neither `..` nor an absolute symlink
/// can lead outside it. Mount destinations go through this so a rootfs with
/// `/proc → /etc` style links cannot make us mount over the host.
public func secureJoin(root: String, _ path: String, using ops: any PathLookup = FileSystemLookup()) throws -> String {
    var pending = path.split(separator: "/").map(String.init)
    var resolved: [String] = []
    var linksFollowed = 0
    while !pending.isEmpty {
        let part = pending.removeFirst()
        if part == "." || part.isEmpty { continue }
        if part == ".." {
            if !resolved.isEmpty { resolved.removeLast() }
            continue
        }
        let candidate = root + "/" + (resolved + [part]).joined(separator: "/")
        if ops.kind(of: candidate) == .symlink {
            linksFollowed += 1
            if linksFollowed > 255 {
                throw SystemError(call: "secure join", errno: ELOOP, context: "\(path) in \(root)")
            }
            let target = try ops.readLink(candidate)
            if target.hasPrefix("/") { resolved = [] }
            pending = target.split(separator: "/").map(String.init) + pending
            continue
        }
        resolved.append(part)
    }
    return resolved.isEmpty ? root : root + "/" + resolved.joined(separator: "/")
}
