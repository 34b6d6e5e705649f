#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import LinuxSystem

/// A tree of paths for ``secureJoin(root:_:using:)``: kinds and symlink targets.
final class FakeTree: PathLookup {
    var files: [String: FileKind]
    var links: [String: String] = [:]

    init(files: [String: FileKind]) { self.files = files }

    func kind(of path: String) -> FileKind? { files[path] }

    func readLink(_ path: String) throws -> String {
        guard let target = links[path] else { throw SystemError(call: "readlink", errno: EINVAL, context: path) }
        return target
    }
}

@Suite struct SecureJoinTests {
    @Test func symlinksStayInsideTheRoot() throws {
        let fs = FakeTree(files: ["/r/proc": .symlink, "/r/etc": .directory, "/r/up": .symlink])
        fs.links["/r/proc"] = "/etc"
        fs.links["/r/up"] = "../../../host"
        #expect(try secureJoin(root: "/r", "/proc/sys", using: fs) == "/r/etc/sys")
        #expect(try secureJoin(root: "/r", "/up/x", using: fs) == "/r/host/x")
        #expect(try secureJoin(root: "/r", "/../../etc", using: fs) == "/r/etc")
    }

    @Test func symlinkLoopsFail() {
        let fs = FakeTree(files: ["/r/a": .symlink])
        fs.links["/r/a"] = "/a"
        #expect(throws: SystemError.self) { try secureJoin(root: "/r", "/a", using: fs) }
    }
}

@Suite struct MountPointTests {
    @Test func rootsOfMountsAndOrdinaryDirectories() throws {
        #expect(MountPoint.isMountPoint("/"))
        #expect(MountPoint.isMountPoint("/proc"))
        #expect(!MountPoint.isMountPoint("/proc/self/fd"))
        #expect(!MountPoint.isMountPoint("/nonexistent/path"))
    }

    @Test func mountinfoFallbackMatchesWholeEscapedPaths() {
        let mountinfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        40 22 0:35 / /var/lib/kubelet/pods/a\\040b/rootfs rw - overlay overlay rw,lowerdir=/x
        41 22 0:36 / /run/netns/pod rw - nsfs nsfs rw
        """
        #expect(MountPoint.listed("/var/lib/kubelet/pods/a b/rootfs", in: mountinfo))
        #expect(MountPoint.listed("/run/netns/pod", in: mountinfo))
        #expect(!MountPoint.listed("/run/netns", in: mountinfo))
        #expect(!MountPoint.listed("/var/lib/kubelet/pods/a\\040b/rootfs", in: mountinfo))
    }
}
