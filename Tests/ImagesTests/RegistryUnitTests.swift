import Testing
import TestSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
@testable import Images
import LinuxSystem

@Suite struct AuthChallengeTests {
    @Test func parsesBearerChallenges() throws {
        let c = try #require(AuthChallenge(parsing: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#))
        #expect(c.scheme == "bearer")
        #expect(c.realm == "https://auth.docker.io/token")
        #expect(c.service == "registry.docker.io")
        #expect(c.scope == "repository:library/busybox:pull")
    }

    @Test func parsesBasicAndOddSpacingAndEscapes() throws {
        let basic = try #require(AuthChallenge(parsing: #"Basic realm="Registry Realm""#))
        #expect(basic.scheme == "basic" && basic.realm == "Registry Realm")
        let odd = try #require(AuthChallenge(parsing: #"  BEARER  realm = "http://h/t" , error="insufficient_scope", scope=repo:x:pull,a="q\"uote""#))
        #expect(odd.scheme == "bearer" && odd.realm == "http://h/t" && odd.parameters["error"] == "insufficient_scope")
        #expect(odd.scope == "repo:x:pull" && odd.parameters["a"] == "q\"uote")
        #expect(AuthChallenge(parsing: "") == nil)
        #expect(AuthChallenge(parsing: "realm=x") == nil)
    }
}

@Suite struct RegistryConfigurationTests {
    @Test func dockerConfigJSONAndLegacyDockercfg() throws {
        let auth = Data("alice:s3cr:et".utf8).base64EncodedString()
        let json = #"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(auth)"},"registry.example:5000":{"username":"bob","password":"pw"}}}"#
        let config = try DockerConfig(json: Array(json.utf8))
        #expect(config.credentials(for: "docker.io") == RegistryCredentials(username: "alice", password: "s3cr:et"))
        #expect(config.credentials(for: "registry.example:5000")?.username == "bob")
        #expect(config.credentials(for: "quay.io") == nil)
        let legacy = try DockerConfig(json: Array(#"{"http://r:5000/v2/":{"auth":"\#(Data("u:p".utf8).base64EncodedString())"}}"#.utf8))
        #expect(legacy.credentials(for: "r:5000")?.password == "p")
        #expect(throws: ImageError.self) { try DockerConfig(json: Array(#"{"auths":{"x":{"auth":"bm9jb2xvbg=="}}}"#.utf8)) }
        #expect(RegistryCredentials(username: "u", password: "p").basicAuthorization == "Basic dTpw")
    }

    @Test func insecureRegistriesUsePlainHTTPAndDockerHubItsAPIHost() {
        let c = RegistryConfiguration(insecureRegistries: ["127.0.0.1:5000", "http://Lab.Example:80"])
        #expect(c.baseURL(for: "127.0.0.1:5000") == "http://127.0.0.1:5000")
        #expect(c.baseURL(for: "lab.example:80") == "http://lab.example:80")
        #expect(c.baseURL(for: "127.0.0.1:5001") == "https://127.0.0.1:5001")
        #expect(c.baseURL(for: "docker.io") == "https://registry-1.docker.io")
    }

    @Test(arguments: [
        ("docker.io/busybox", "docker.io/library/busybox:latest"),
        ("library/busybox:1.36", "docker.io/library/busybox:1.36"),
        ("localhost:5000/busybox", "localhost:5000/busybox:latest"),
        ("127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:v1"),
    ])
    func referenceDefaults(input: String, normalized: String) throws {
        #expect(try ImageReference(parsing: input).description == normalized)
    }

    @Test func pinnedReferencesKeepTagAndDigest() throws {
        let d = "sha256:" + String(repeating: "cd", count: 32)
        let r = try ImageReference(parsing: "nginx:1.27@\(d)")
        #expect(r.repository == "library/nginx" && r.tag == "1.27" && r.digest?.description == d)
    }
}

@Suite struct BlobVerificationTests {
    @Test func aBlobWhoseDigestDoesNotMatchIsRefusedAndLeavesNothing() throws {
        let dir = TestPaths.temporaryDirectory("swk-blob")
        defer { try? FileIO.removeTree(dir) }
        let store = ImageStore(root: dir)
        let good = Array("the right content".utf8)
        let descriptor = Descriptor(mediaType: MediaType.ociLayerTar, digest: Digest.of(good), size: Int64(good.count))
        do {
            let writer = try BlobWriter(store: store, digest: descriptor.digest)
            try writer.write(Array("the wrong content".utf8))
            #expect {
                try writer.commit(descriptor, what: "layer x of test:1")
            } throws: { error in
                guard case ImageError.digestMismatch(let what, let expected, _)? = error as? ImageError else { return false }
                return what == "layer x of test:1" && expected == descriptor.digest
            }
            let short = try BlobWriter(store: store, digest: descriptor.digest)
            try short.write(Array(good.prefix(5)))
            #expect(throws: ImageError.sizeMismatch(what: "w", expected: Int64(good.count), actual: 5)) { try short.commit(descriptor, what: "w") }
        }
        #expect(try FileIO.listDirectory(dir + "/blobs/sha256").isEmpty)
        try store.storeBlob(bytes: good, descriptor, what: "ok")
        #expect(try FileIO.readBytes(store.blobPath(descriptor.digest)) == good)
    }

    @Test func zstdLayersDecodeWithLibzstdOrAreRefusedClearly() throws {
        #expect(ImageError.unsupportedMediaType(MediaType.ociLayerZstd, image: "x:1").description.contains("libzstd"))
        #expect(LayerStream.supports(MediaType.ociLayerZstd) == (ZstdLibrary.shared != nil))
        guard ZstdLibrary.shared != nil, let zstd = TestPaths.which("zstd") else { return }
        let dir = TestPaths.temporaryDirectory("swk-zstd")
        defer { try? FileIO.removeTree(dir) }
        let original = TarBuilder.tar((0..<200).map { .file("f\($0)", String(repeating: "zstd \($0) ", count: 300)) })
        try FileIO.writeAtomically(dir + "/layer.tar", original, mode: 0o644)
        #expect(try TestProcess.run([zstd, "-q", "-19", dir + "/layer.tar", "-o", dir + "/layer.tar.zst"]).code == 0)
        let fd = open(dir + "/layer.tar.zst", O_RDONLY)
        defer { close(fd) }
        var reader = try ZstdReader(FileByteReader(fd: fd))
        var out: [UInt8] = []
        while true {
            let chunk = try reader.read(max: 7000)
            if chunk.isEmpty { break }
            out += chunk
        }
        #expect(out == original)
        // Cut short: an error, not a silently short layer.
        let compressed = try FileIO.readBytes(dir + "/layer.tar.zst")
        var cut = try ZstdReader(MemoryReader(bytes: Array(compressed.prefix(compressed.count / 2))))
        #expect(throws: ImageError.self) { while !(try cut.read(max: 1 << 16)).isEmpty {} }
    }
}
