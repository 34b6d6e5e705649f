import Testing
import TestSupport
import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
@testable import Images
import LinuxSystem

/// Pulls against a fake registry on loopback: the bearer flow, basic
/// credentials for the token, digest mismatches and truncated downloads.
@Suite(.serialized, .requires(.tool("python3", package: "python3")))
final class PullTests {
    let dir = TestPaths.temporaryDirectory("swk-pull")
    let store: ImageStore
    let layout: String

    init() throws {
        store = ImageStore(root: dir + "/store")
        layout = dir + "/layout"
        let lower = TarBuilder.tar([.directory("etc/"), .file("etc/os-release", "ID=test\n"), .file("bin-a", "a")])
        let upper = TarBuilder.tar([.file("etc/motd", "hello\n")])
        _ = try TestLayout(at: layout, layers: [lower, upper], tag: "v1")
    }

    deinit { try? FileIO.removeTree(dir) }

    func client(_ registry: FakeRegistry) -> RegistryClient {
        RegistryClient(configuration: RegistryConfiguration(insecureRegistries: [registry.host], attempts: 2, initialBackOff: 0.05))
    }

    @Test(.requires(.root))
    func bearerTokenFlowWithBasicCredentialsForTheRealm() async throws {
        let registry = try FakeRegistry(layout: layout, mode: .bearer)
        defer { registry.stop() }
        let client = client(registry)
        let name = "\(registry.host)/team/app:v1"
        await #expect {
            try await self.store.pull(name, using: client)
        } throws: { error in
            "\(error)".contains("the token service") && "\(error)".contains("401")
        }
        let credentials = DockerConfig(auths: [registry.host: RegistryCredentials(username: "alice", password: "wonder")])
        let seen = Mutex2<[PullProgress]>([])
        let image = try await store.pull(name, using: client, credentials: credentials) { p in seen.mutate { $0.append(p) } }
        await client.shutdown()
        #expect(image.names == ["\(registry.host)/team/app:v1"])
        #expect(image.layers.count == 2)
        #expect(FileIO.exists(store.layerPath(image.diffIDs[1]) + "/etc/motd"))
        let last = try #require(seen.value.last)
        #expect(last.layersDone == 2 && last.layers == 2 && last.bytesDone == image.size)
    }

    @Test func aBlobWhoseDigestDoesNotMatchFailsThePullAndLeavesNothing() async throws {
        let registry = try FakeRegistry(layout: layout, mode: .corrupt)
        defer { registry.stop() }
        let client = client(registry)
        await #expect {
            try await self.store.pull("\(registry.host)/team/app:v1", using: client)
        } throws: { error in
            guard case ImageError.digestMismatch(let what, _, _)? = error as? ImageError else { return false }
            return what.hasPrefix("layer ") && what.hasSuffix("of \(registry.host)/team/app:v1")
        }
        await client.shutdown()
        #expect(try store.list().isEmpty)
        #expect(((try? FileIO.listDirectory(dir + "/store/blobs/sha256")) ?? []).isEmpty)
        #expect(((try? FileIO.listDirectory(dir + "/store/layers")) ?? []).isEmpty)
    }

    @Test func truncatedDownloadsAreRetriedThenReported() async throws {
        let registry = try FakeRegistry(layout: layout, mode: .truncate)
        defer { registry.stop() }
        let client = client(registry)
        await #expect {
            try await self.store.pull("\(registry.host)/team/app:v1", using: client)
        } throws: { error in
            "\(error)".contains("gave up after 2 attempts") && "\(error)".contains("failed to pull image \"\(registry.host)/team/app:v1\"")
        }
        await client.shutdown()
        #expect(((try? FileIO.listDirectory(dir + "/store/blobs/sha256")) ?? []).isEmpty)
    }

    @Test func unknownTagsAndUnreachableRegistriesSayWhat() async throws {
        let registry = try FakeRegistry(layout: layout, mode: .open)
        defer { registry.stop() }
        let client = client(registry)
        await #expect {
            try await self.store.pull("\(registry.host)/team/app:nope", using: client)
        } throws: { error in
            "\(error)".contains("manifest nope not found") && "\(error)".contains("MANIFEST_UNKNOWN")
        }
        registry.stop()
        await #expect {
            try await self.store.pull("\(registry.host)/team/app:v1", using: client)
        } throws: { error in
            "\(error)".contains("cannot reach \(registry.host)")
        }
        await client.shutdown()
    }
}

/// A lock-protected value for test callbacks.
final class Mutex2<T: Sendable>: Sendable {
    private let stored: Mutex<T>
    init(_ value: T) { stored = Mutex(value) }
    func mutate(_ body: (inout T) -> Void) { stored.withLock { body(&$0) } }
    var value: T { stored.withLock { $0 } }
}
