import Foundation
import KubeAPI
import Testing
import TestSupport
@testable import MiniControlPlane

/// Two API servers (two registries and allocators) sharing one store never
/// hand out the same cluster IP or node port, and deletion frees them.
@Suite struct ServiceAllocatorTests {
    static func service(_ name: String, nodePort: Bool) -> JSONValue {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)],
         "spec": ["type": .string(nodePort ? "NodePort" : "ClusterIP"), "ports": [["port": 80]]]]
    }

    static func exercise(_ makeStore: () throws -> any Store) async throws {
        let store = try makeStore()
        let ns = ResourceCatalog.find(group: "", plural: "namespaces")!
        let svcInfo = ResourceCatalog.find(group: "", plural: "services")!
        // A /28 service range: 13 usable addresses after the kubernetes one.
        let a = ResourceStorage(store: store, defaulter: Defaulter(), allocator: ServiceAllocator(serviceCIDR: "10.96.0.0/28"))
        let b = ResourceStorage(store: store, defaulter: Defaulter(), allocator: ServiceAllocator(serviceCIDR: "10.96.0.0/28"))
        _ = try await a.create(ns, nil, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "default"]], WriteOptions())
        let results = await withTaskGroup(of: JSONValue?.self) { group in
            for i in 0..<16 {
                group.addTask {
                    let r = i % 2 == 0 ? a : b
                    return try? await r.create(svcInfo, "default", Self.service("s\(i)", nodePort: true), WriteOptions()).object
                }
            }
            var out: [JSONValue] = []
            for await r in group { if let r { out.append(r) } }
            return out
        }
        let ips = results.compactMap { $0.value(at: "spec.clusterIP")?.stringValue }
        let ports = results.compactMap { $0.value(at: "spec.ports")?.arrayValue?.first?["nodePort"]?.intValue }
        #expect(results.count == 13, "13 addresses fit in the range")
        #expect(Set(ips).count == ips.count)
        #expect(Set(ports).count == ports.count)
        #expect(ips.allSatisfy { $0.hasPrefix("10.96.0.") && $0 != "10.96.0.1" && $0 != "10.96.0.0" && $0 != "10.96.0.15" })
        // A taken address is refused; deleting frees it.
        let taken = try #require(ips.first)
        var explicit = Self.service("explicit", nodePort: false)
        explicit.set(path: ["spec", "clusterIP"], to: .string(taken))
        await #expect(throws: Status.self) { _ = try await b.create(svcInfo, "default", explicit, WriteOptions()) }
        let owner = try #require(results.first { $0.value(at: "spec.clusterIP")?.stringValue == taken })
        _ = try await a.delete(svcInfo, "default", owner.value(at: "metadata.name")?.stringValue ?? "", options: DeleteOptions(), dryRun: false)
        let reused = try await b.create(svcInfo, "default", explicit, WriteOptions())
        #expect(reused.object.value(at: "spec.clusterIP")?.stringValue == taken)
        await store.close()
    }

    @Test func sqlite() async throws {
        let dir = try Harness.tempDir("alloc")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await Self.exercise { try SQLiteStore(path: dir.appendingPathComponent("db").path) }
    }

    @Test(.requires(.etcd))
    func etcd() async throws {
        try await withEtcd { etcd in
            try await Self.exercise { EtcdStore(endpoints: [etcd.endpoint]) }
        }
    }
}

@Suite struct EventExpiryTests {
    @Test func oldEventsAreDeleted() async throws {
        let dir = try Harness.tempDir("events")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("db").path)
        let info = ResourceCatalog.find(group: "", plural: "events")!
        let old: JSONValue = ["metadata": ["name": "old", "namespace": "default"], "lastTimestamp": "2020-01-01T00:00:00Z"]
        let fresh: JSONValue = ["metadata": ["name": "new", "namespace": "default"], "lastTimestamp": .string(Timestamp().description)]
        _ = try await store.create(key: info.key(namespace: "default", name: "old"), value: StoredObject.encode(old))
        _ = try await store.create(key: info.key(namespace: "default", name: "new"), value: StoredObject.encode(fresh))
        // Written just now by a client that states an old eventTime: kept (the TTL counts from the write).
        let stated: JSONValue = ["metadata": ["name": "stated", "namespace": "default", "creationTimestamp": .string(Timestamp().description)],
                                 "eventTime": "2020-01-01T00:00:00.000000Z"]
        _ = try await store.create(key: info.key(namespace: "default", name: "stated"), value: StoredObject.encode(stated))
        let removed = await ControlPlane.expireEvents(store: store, info: info, olderThan: Date().addingTimeInterval(-3600))
        #expect(removed == 1)
        let left = try await store.list(prefix: info.keyPrefix, startAfter: nil, limit: 0, revision: 0)
        #expect(left.items.map(\.key) == [info.key(namespace: "default", name: "new"), info.key(namespace: "default", name: "stated")])
        await store.close()
    }
}
