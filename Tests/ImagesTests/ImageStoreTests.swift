import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import Images
import LinuxSystem

/// The store against the real filesystem and overlayfs (root: ownership, whiteout devices, mounts).
@Suite(.requires(.root))
final class ImageStoreTests {
    let scratch = ScratchDirectory("swiftrun-images")
    var dir: String { scratch.path }
    let store: ImageStore

    init() {
        store = ImageStore(root: scratch.path + "/store")
    }

    @Test func whiteoutsAndOpaqueDirectoriesHideLowerContent() throws {
        let lower = TarBuilder.tar([.directory("data/"), .file("data/keep", "k"), .file("data/gone", "g"),
                                    .directory("cache/"), .file("cache/old", "o"), .file("bin-link-target", "t"),
                                    .hardLink("hard", target: "bin-link-target")])
        let upper = TarBuilder.tar([.file("data/.wh.gone", ""), .directory("cache/"), .file("cache/.wh..wh..opq", ""), .file("cache/new", "n")])
        _ = try TestLayout(at: dir + "/layout", layers: [lower, upper])
        let image = try #require(try store.importLayout(at: dir + "/layout", name: "test/whiteouts:1").first)
        let c = dir + "/c1"
        let rootfs = try store.mountRootfs(for: image, in: c)
        defer { try? ContainerRootfs.remove(in: c) }
        #expect(FileIO.exists(rootfs + "/data/keep"))
        #expect(!FileIO.exists(rootfs + "/data/gone"))
        #expect(try FileIO.listDirectory(rootfs + "/cache") == ["new"])
        var a = stat(), b = stat()
        stat(rootfs + "/hard", &a)
        stat(rootfs + "/bin-link-target", &b)
        #expect(a.st_ino == b.st_ino)
    }

    @Test func escapingLayersAndBadDigestsLeaveNothing() throws {
        let evil = TarBuilder.tar([.file("ok", "fine"), .file("../../escaped", "boom")])
        _ = try TestLayout(at: dir + "/evil", layers: [evil])
        #expect {
            try store.importLayout(at: dir + "/evil", name: "evil:1")
        } throws: { error in
            (error as? ImageError)?.description.contains("refusing entry \"../../escaped\": the path leaves the image root") == true
        }
        #expect(!FileIO.exists(dir + "/escaped") && !FileIO.exists(dir + "/store/escaped"))

        // A symlink pointing out of the layer cannot be used to write outside it.
        let sneaky = TarBuilder.tar([.symlink("etc", target: "/tmp"), .file("etc/swiftrun-should-not-exist", "x")])
        _ = try TestLayout(at: dir + "/sneaky", layers: [sneaky], tag: "2")
        let image = try #require(try store.importLayout(at: dir + "/sneaky", name: "sneaky:2").first)
        #expect(!FileIO.exists("/tmp/swiftrun-should-not-exist"))
        #expect(FileIO.exists(store.layerPath(image.diffIDs[0]) + "/tmp/swiftrun-should-not-exist"))

        let good = TarBuilder.tar([.file("a", "aaaa")])
        _ = try TestLayout(at: dir + "/corrupt", layers: [good], tag: "3", corruptLayer: true)
        #expect {
            try store.importLayout(at: dir + "/corrupt", name: "corrupt:3")
        } throws: { error in
            guard case ImageError.digestMismatch(let what, _, _)? = error as? ImageError else { return false }
            return what.hasPrefix("layer ")
        }
        #expect(throws: ImageError.notFound("corrupt:3")) { try self.store.resolve("corrupt:3") }
        let leftovers = try FileIO.listDirectory(dir + "/store/blobs/sha256").filter { $0.contains(".tmp-") }
            + FileIO.listDirectory(dir + "/store/layers").filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        #expect(throws: ImageError.self) { try self.store.importLayout(at: self.dir + "/corrupt", tag: "nope", name: "x:1") }
        #expect(throws: ImageError.self) { try self.store.importLayout(at: self.dir + "/does-not-exist") }
    }
}
