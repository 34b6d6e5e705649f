import Testing
@testable import Images

@Suite struct ImageReferenceTests {
    @Test(arguments: [
        ("busybox", "docker.io/library/busybox:latest", "busybox:latest"),
        ("busybox:1.35", "docker.io/library/busybox:1.35", "busybox:1.35"),
        ("team/app:v2", "docker.io/team/app:v2", "team/app:v2"),
        ("registry.example:5000/team/app:v1", "registry.example:5000/team/app:v1", "registry.example:5000/team/app:v1"),
        ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
        ("index.docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27", "nginx:1.27"),
    ])
    func normalizes(input: String, normalized: String, familiar: String) throws {
        let r = try ImageReference(parsing: input)
        #expect(r.description == normalized)
        #expect(r.familiar == familiar)
    }

    @Test func digestReferences() throws {
        let d = "sha256:" + String(repeating: "ab", count: 32)
        let r = try ImageReference(parsing: "quay.io/x/y@\(d)")
        #expect(r.tag == nil && r.digest?.description == d && r.registry == "quay.io")
    }

    @Test(arguments: ["UPPER/case", "a//b", "x@sha256:123", "busybox:", "busybox:-bad", ""])
    func rejects(input: String) {
        #expect(throws: ImageError.self) { try ImageReference(parsing: input) }
    }
}

@Suite struct ManifestSelectionTests {
    let d1 = Digest("sha256:" + String(repeating: "1", count: 64))!
    let d2 = Digest("sha256:" + String(repeating: "2", count: 64))!

    @Test func picksThisPlatformFromAnIndex() throws {
        let manifests = [
            Descriptor(mediaType: MediaType.ociManifest, digest: d1, size: 1, platform: Platform(architecture: "arm64", os: "linux")),
            Descriptor(mediaType: MediaType.dockerManifest, digest: d2, size: 1, platform: Platform(architecture: "amd64", os: "linux")),
        ]
        #expect(try ImageStore.select(from: manifests, image: "x", platform: Platform(architecture: "amd64", os: "linux")).digest == d2)
        #expect {
            try ImageStore.select(from: manifests, image: "x", platform: Platform(architecture: "s390x", os: "linux"))
        } throws: { error in
            (error as? ImageError)?.description == "image x has no linux/s390x variant (it has: linux/arm64, linux/amd64)"
        }
    }
}

@Suite struct TarReaderTests {
    @Test func readsEntriesAndContent() throws {
        let bytes = TarBuilder.tar([.directory("etc/"), .file("etc/hosts", "127.0.0.1 localhost\n", mode: 0o600, uid: 7),
                                    .symlink("bin/sh", target: "busybox"), .hardLink("etc/hosts2", target: "etc/hosts")])
        var reader = TarReader(MemoryReader(bytes: bytes), name: "t")
        var seen: [String] = []
        var content = ""
        while let e = try reader.next() {
            seen.append("\(e.kind) \(e.path) \(String(e.mode, radix: 8)) \(e.uid) \(e.linkName)")
            if e.kind == .file { try reader.readContent { content += String(decoding: $0, as: UTF8.self) } }
        }
        #expect(seen == ["directory etc/ 755 0 ", "file etc/hosts 600 7 ", "symlink bin/sh 777 0 busybox", "hardLink etc/hosts2 644 0 etc/hosts"])
        #expect(content == "127.0.0.1 localhost\n")
    }

    @Test func corruptHeadersAreRefused() {
        var bytes = TarBuilder.tar([.file("a", "x")])
        bytes[10] ^= 1
        var reader = TarReader(MemoryReader(bytes: bytes), name: "layer1")
        #expect(throws: ImageError.corruptLayer(layer: "layer1", reason: "tar header checksum mismatch")) { _ = try reader.next() }
    }

    @Test func cleanPathRefusesEscapes() throws {
        let u = LayerUnpacker(root: "/r", layer: "l")
        #expect(try u.cleanPath("./a/b/../c") == "a/c")
        #expect(try u.cleanPath("/") == nil)
        #expect(throws: ImageError.self) { try u.cleanPath("../etc/passwd") }
        #expect(throws: ImageError.self) { try u.cleanPath("a/../../x") }
    }
}

