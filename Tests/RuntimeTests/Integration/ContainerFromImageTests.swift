import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import Images
@testable import Runtime
import LinuxSystem

/// A container run from an imported image: the image store and overlayfs
/// roots together with the runtime (root, the busybox OCI layout).
@Suite(.requires(.root, .product("swiftrun"), .rootfs))
final class ContainerFromImageTests {
    let scratch = ScratchDirectory("swiftrun-images")
    var dir: String { scratch.path }
    let store: ImageStore

    init() {
        store = ImageStore(root: scratch.path + "/store")
    }

    @Test func importsTheBusyboxLayoutAndRunsAContainerFromIt() throws {
        let images = try store.importLayout(at: TestPaths.packageRoot + "/rootfs/out/oci", name: "busybox")
        #expect(images.map { $0.names }.flatMap { $0 }.contains("docker.io/library/busybox:1.35"))
        let image = try store.resolve("busybox:1.35")
        #expect(try store.resolve("docker.io/library/busybox:latest").id == image.id)
        #expect(try store.resolve(String(image.id.hex.prefix(8))).id == image.id)
        #expect(image.config.config?.Cmd == ["sh"])
        // The tarball form imports the same content.
        let again = try store.importLayout(at: TestPaths.packageRoot + "/rootfs/out/busybox-oci.tar", tag: "1.35", name: "mirror/busybox:v1")
        #expect(again.first?.id == image.id)
        #expect(try store.list().count == 1)

        // A container root from the image, writable without touching the layer.
        let b = try TestBundle()
        defer { b.cleanUp() }
        unlink(b.dir + "/rootfs")
        let rootfs = try store.mountRootfs(for: image, in: b.dir)
        defer { try? ContainerRootfs.remove(in: b.dir) }
        #expect(rootfs == b.dir + "/rootfs")
        b.spec.root = Spec.Root(path: "rootfs", readonly: false)
        b.shell("echo changed > /etc/hostname && cat /etc/hostname && ls /bin/busybox")
        let r = try b.run()
        #expect(r.stdout == "changed\n/bin/busybox\n", "\(r)")
        #expect(!FileIO.exists(store.layerPath(image.diffIDs[0]) + "/etc/hostname"))
        #expect(FileIO.exists(b.dir + "/upper/etc/hostname"))
        try ContainerRootfs.remove(in: b.dir)
        #expect(!MountPoint.isMountPoint(rootfs) && !FileIO.exists(b.dir + "/upper"))

        // Removing by one name keeps the image; by the last name removes content too.
        try store.remove("mirror/busybox:v1")
        #expect(try store.list().count == 1)
        try store.remove("busybox:1.35")
        try store.remove("busybox:latest")
        #expect(try store.list().isEmpty)
        #expect(try FileIO.listDirectory(dir + "/store/blobs/sha256").isEmpty)
        #expect(try FileIO.listDirectory(dir + "/store/layers").isEmpty)
    }
}
