#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// A temporary directory for one test that takes everything with it when
/// released: mounts made below it (overlay roots, tmpfs) are unmounted,
/// deepest first, then the tree is removed.
public final class ScratchDirectory {
    /// The directory's path.
    public let path: String

    /// A new directory `/tmp/PREFIX-XXXXXX`.
    public init(_ prefix: String) {
        path = TestPaths.temporaryDirectory(prefix)
    }

    deinit {
        let mounts = ((try? FileIO.read("/proc/self/mountinfo")) ?? "").split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = unescapeMountinfo(String(fields[4]))
            return point.hasPrefix(path + "/") || point == path ? point : nil
        }
        for point in mounts.sorted(by: >) { umount2(point, Int32(MNT_DETACH)) }
        try? FileIO.removeTree(path)
    }
}
