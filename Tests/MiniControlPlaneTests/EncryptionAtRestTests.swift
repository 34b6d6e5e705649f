import Foundation
import Testing
import TestSupport
@testable import KubeAPI
@testable import MiniControlPlane

/// Secrets encrypted at rest (`--encryption-provider-config`): the
/// configuration, the envelope, key rotation, and the bytes a datastore
/// holds, read directly with sqlite3 and etcd's own gateway.
@Suite struct EncryptionConfigurationTests {
    static let key1 = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let key2 = Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()

    static func config(_ providers: String, resources: String = "[secrets]") throws -> EncryptionConfiguration {
        try EncryptionConfiguration.parse(Array("""
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
            - resources: \(resources)
              providers:
            \(providers)
            """.utf8))
    }

    static func store() throws -> SQLiteStore {
        try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(UUID().uuidString).db").path)
    }

    @Test func configurationsAreCheckedWithTheFieldAtFault() throws {
        let c = try Self.config("  - aesgcm: {keys: [{name: key1, secret: \(Self.key1)}]}\n  - identity: {}", resources: "[secrets, '*.apps']")
        #expect(c.providers(forKey: "/registry/secrets/default/a")?.count == 2)
        #expect(c.providers(forKey: "/registry/deployments.apps/default/a") != nil)
        #expect(c.providers(forKey: "/registry/configmaps/default/a") == nil)
        func refusal(_ providers: String, resources: String = "[secrets]") -> String {
            do {
                _ = try Self.config(providers, resources: resources)
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("  - aesgcm: {keys: [{name: k, secret: \(Data(count: 7).base64EncodedString())}]}")
            .contains("aesgcm keys must be 16, 24, 32 bytes long, not 7"))
        #expect(refusal("  - aescbc: {keys: [{name: k, secret: \(Data(count: 16).base64EncodedString())}]}").contains("aescbc keys must be 32 bytes long"))
        #expect(refusal("  - kms: {name: k}").contains("kms provider is not supported"))
        #expect(refusal("  - secretbox: {keys: [{name: k, secret: \(Data(count: 16).base64EncodedString())}]}").contains("secretbox keys must be 32 bytes long"))
        #expect(refusal("  - identity: {}", resources: "[widgets]").contains("\"widgets\": not a resource this API server serves"))
        #expect(refusal("  - aesgcm: {keys: [{name: k, secret: \(Self.key1)}, {name: k, secret: \(Self.key2)}]}").contains("Duplicate value: \"k\""))
    }

    @Test func valuesAreSealedReadBackAndRotated() async throws {
        let base = try Self.store()
        defer { Task { await base.close() } }
        let key = "/registry/secrets/default/db"
        let plaintext = Array(#"{"metadata":{"name":"db"},"data":{"password":"aHVudGVyMg=="}}"#.utf8)
        for provider in ["aesgcm", "aescbc", "secretbox"] {
            let k = "\(key)-\(provider)"
            let old = EncryptingStore(base: base, configuration: try Self.config("  - \(provider): {keys: [{name: key1, secret: \(Self.key1)}]}"))
            _ = try await old.create(key: k, value: plaintext)
            let raw = try #require(try await base.get(key: k)).value
            #expect(raw.starts(with: Array("k8s:enc:\(provider):v1:key1:".utf8)))
            #expect(!String(decoding: raw, as: UTF8.self).contains("aHVudGVyMg=="))
            #expect(try await old.get(key: k)?.value == plaintext)
            // Rotation: the new key first, the old one still readable; writes use the new key.
            let rotated = EncryptingStore(base: base, configuration: try Self.config(
                "  - \(provider): {keys: [{name: key2, secret: \(Self.key2)}, {name: key1, secret: \(Self.key1)}]}"))
            let current = try #require(try await rotated.get(key: k))
            #expect(current.value == plaintext)
            _ = try await rotated.update(key: k, value: plaintext, expectedRevision: current.modRevision)
            #expect(try #require(try await base.get(key: k)).value.starts(with: Array("k8s:enc:\(provider):v1:key2:".utf8)))
            // A configuration without the writing key says so instead of returning garbage.
            await #expect(throws: StoreError.self) { _ = try await old.get(key: k) }
        }
        // AES-GCM authenticates the key: a value moved to another key does not open.
        let gcm = EncryptingStore(base: base, configuration: try Self.config("  - aesgcm: {keys: [{name: key1, secret: \(Self.key1)}]}"))
        let sealed = try #require(try await base.get(key: "\(key)-aesgcm")).value
        _ = try await base.create(key: "\(key)-moved", value: sealed)
        await #expect(throws: StoreError.self) { _ = try await gcm.get(key: "\(key)-moved") }
        // Plaintext written before encryption is read only with identity listed.
        _ = try await base.create(key: "\(key)-old", value: plaintext)
        await #expect(throws: StoreError.self) { _ = try await gcm.get(key: "\(key)-old") }
        let withIdentity = EncryptingStore(base: base, configuration: try Self.config(
            "  - aesgcm: {keys: [{name: key1, secret: \(Self.key1)}]}\n  - identity: {}"))
        #expect(try await withIdentity.get(key: "\(key)-old")?.value == plaintext)
        #expect(try await withIdentity.list(prefix: "\(key)-o", startAfter: nil, limit: 0, revision: 0).items.map(\.value) == [plaintext])
        // Other resources pass through untouched.
        _ = try await gcm.create(key: "/registry/configmaps/default/c", value: plaintext)
        #expect(try await base.get(key: "/registry/configmaps/default/c")?.value == plaintext)
    }
}

@Suite(.requires(.product("controlplane"), .kubectl, .tool("sqlite3", package: "sqlite3"), .tool("curl", package: "curl")))
struct EncryptionAtRestTests {
    @Test(arguments: Backend.available)
    func secretsAreCiphertextInTheDatastoreAndPlaintextToKubectl(_ backend: Backend) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("encryption-\(UUID().uuidString).yaml")
        try """
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
            - resources: [secrets]
              providers:
              - aesgcm:
                  keys: [{name: key1, secret: \(EncryptionConfigurationTests.key1)}]
              - identity: {}
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withCluster(backend, extraArgs: ["--encryption-provider-config", file.path]) { c in
            var r = try c.kubectl("create", "secret", "generic", "db", "--from-literal=password=hunter2-plaintext")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "secret", "db", "-o", "jsonpath={.data.password}")
            #expect(Data(base64Encoded: r.stdout).map { String(decoding: $0, as: UTF8.self) } == "hunter2-plaintext", "\(r.output)")
            r = try c.kubectl("create", "configmap", "plain", "--from-literal=k=visible-plaintext")
            #expect(r.status == 0, "\(r.output)")
            let secretKey = "/registry/secrets/default/db"
            let stored: String
            switch backend {
            case .sqlite:
                let db = c.dataDir.appendingPathComponent("state.db").path
                let q = try TestProcess.run(["/usr/bin/sqlite3", db,
                                             "SELECT hex(value) FROM kine WHERE name = '\(secretKey)' ORDER BY id DESC LIMIT 1"], timeout: 30)
                stored = String(decoding: Self.unhex(q.stdout), as: UTF8.self)
                let cm = try TestProcess.run(["/usr/bin/sqlite3", db,
                                              "SELECT hex(value) FROM kine WHERE name = '/registry/configmaps/default/plain' ORDER BY id DESC LIMIT 1"], timeout: 30)
                #expect(String(decoding: Self.unhex(cm.stdout), as: UTF8.self).contains("visible-plaintext"), "other resources stay plaintext")
            case .etcd:
                let etcd = try #require(c.etcd)
                let body = #"{"key":"\#(Data(secretKey.utf8).base64EncodedString())"}"#
                let q = try TestProcess.run(["/usr/bin/curl", "-sS", "-X", "POST", "\(etcd.endpoint)/v3/kv/range", "-d", body], timeout: 30)
                let json = try JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [String: Any]
                let value = ((json?["kvs"] as? [[String: Any]])?.first?["value"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data()
                stored = String(decoding: value, as: UTF8.self)
            }
            #expect(stored.hasPrefix("k8s:enc:aesgcm:v1:key1:"), "\(stored.prefix(60))")
            #expect(!stored.contains("hunter2") && !stored.contains(Data("hunter2-plaintext".utf8).base64EncodedString()))
            // Lists and watches see plaintext too.
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/secrets?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Ddb")
            #expect(r.stdout.contains(Data("hunter2-plaintext".utf8).base64EncodedString()), "\(r.output)")
        }
    }

    static func unhex(_ s: String) -> [UInt8] {
        let digits = Array(s.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        var out: [UInt8] = []
        var i = 0
        while i + 1 < digits.count {
            if let b = UInt8(String(decoding: digits[i...i + 1], as: UTF8.self), radix: 16) { out.append(b) }
            i += 2
        }
        return out
    }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }

    /// NaCl's secretbox (XSalsa20-Poly1305) against PyNaCl's output for the same key and nonce.
    @Test func secretBoxMatchesNaCl() {
        let key = (0..<32).map { UInt8($0) }, nonce = (100..<124).map { UInt8($0) }
        let short = Array("hello secretbox, kubernetes".utf8)
        let sealed = SecretBox.seal(short, nonce: nonce, key: key)
        #expect(sealed == Self.hex("e1d29f128da0d38220c8576b5aca02e46adcf5a55596bd8cd38f46e055ebdb341ec14dc581d4257ed26931"))
        #expect(SecretBox.open(sealed, nonce: nonce, key: key) == short)
        // Several Salsa20 blocks and Poly1305 blocks, and a partial last one.
        let long = (0..<150).map { UInt8($0 % 251) }
        let sealedLong = SecretBox.seal(long, nonce: nonce, key: key)
        #expect(sealedLong == Self.hex("d5e451c6f850751f45d4a129af21aaa102b89bca3eb3c8eeb8f4299f3b89ad172ebb2ab4f0b35d0cbe15588f1696d797884ed63b6b12bdc3dd3f3d492c3ef34af1a19c2b26b30f683bd8693fe78fa05b03ca0e2e8c790ecdf1c655b90c8ea3dc04c6df54f3aa2d55cac2d37c24bbbb999aa88b188bbc5ca06b1215e0d031fb57085ee439a35e367e38f574d8986ca8433e818f9bb34b9b8ec5aaa1b351446edaf3ba648cb9b2"))
        var tampered = sealedLong
        tampered[40] ^= 1
        #expect(SecretBox.open(tampered, nonce: nonce, key: key) == nil)
        #expect(SecretBox.open(sealedLong, nonce: nonce, key: key.map { $0 ^ 1 }) == nil)
        #expect(SecretBox.open(Array(sealed.prefix(10)), nonce: nonce, key: key) == nil)
    }
}
