import Foundation
import KubeAPI
import Testing
import TestSupport

/// The scheduler of a real control plane with a WaitForFirstConsumer claim:
/// it selects a node on the claim and binds the pod only once the claim is
/// bound (the volume made by hand here, as a provisioner would; the PV
/// controller binds the claim to it).
@Suite(.requires(.product("controlplane")))
struct VolumeSchedulingTests {
    static func decode<T: KubeObject>(_ type: T.Type, _ json: JSONValue) throws -> T { try KubeCodec.decodeObject(type, from: json) }

    /// Polls `body` until it returns a value (a deadline against hangs, not a timing assertion).
    static func eventually<T>(_ what: String, _ body: () async throws -> T?) async throws -> T {
        for _ in 0..<300 {
            if let v = try await body() { return v }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("\(what) did not happen in 30 s")
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    @Test func waitForFirstConsumerClaimGetsTheSelectedNodeAndThePodWaitsForTheBinding() async throws {
        try await withCluster(.sqlite) { c in
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            _ = try await client.create(try Self.decode(Node.self, [
                "apiVersion": "v1", "kind": "Node",
                "metadata": ["name": "vol-node", "labels": ["kubernetes.io/hostname": "vol-node"]],
                "status": ["allocatable": ["cpu": "4", "memory": "8Gi", "pods": "110"], "capacity": ["cpu": "4", "memory": "8Gi", "pods": "110"]],
            ]))
            // A provisioner nobody runs: the test makes the volume.
            _ = try await client.create(try Self.decode(StorageClass.self, [
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": "wffc-test"],
                "provisioner": "example.com/nobody", "volumeBindingMode": "WaitForFirstConsumer",
            ]))
            _ = try await client.create(try Self.decode(PersistentVolumeClaim.self, [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data", "namespace": "default"],
                "spec": ["storageClassName": "wffc-test", "accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
            ]))
            _ = try await client.create(try Self.decode(Pod.self, [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "user", "namespace": "default"],
                "spec": [
                    "containers": [["name": "c", "image": "busybox:1.36"]],
                    "tolerations": [["operator": "Exists"]],
                    "volumes": [["name": "data", "persistentVolumeClaim": ["claimName": "data"]]],
                ],
            ]))
            let selected = try await Self.eventually("selected-node on the claim") { () async throws -> PersistentVolumeClaim? in
                let claim = try await client.get(PersistentVolumeClaim.self, name: "data")
                return claim.metadata.annotations?["volume.kubernetes.io/selected-node"] == "vol-node" ? claim : nil
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await client.get(Pod.self, name: "user").spec?.nodeName == nil, "the pod was bound before its claim")

            _ = try await client.create(try Self.decode(PersistentVolume.self, [
                "apiVersion": "v1", "kind": "PersistentVolume", "metadata": ["name": "pv-data"],
                "spec": [
                    "storageClassName": "wffc-test", "accessModes": ["ReadWriteOnce"], "capacity": ["storage": "1Gi"],
                    "hostPath": ["path": "/tmp/pv-data"],
                    "claimRef": ["kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": "default", "name": "data",
                                 "uid": .string(selected.metadata.uid ?? "")],
                    "nodeAffinity": ["required": ["nodeSelectorTerms": [["matchExpressions": [
                        ["key": "kubernetes.io/hostname", "operator": "In", "values": ["vol-node"]],
                    ]]]]],
                ],
            ]))
            // The PV controller completes the binding of the claim to the volume made for it.
            let node = try await Self.eventually("the pod's binding") { () async throws -> String? in
                try await client.get(Pod.self, name: "user").spec?.nodeName
            }
            #expect(node == "vol-node")
        }
    }
}
