import KubeAPI
import Kubelet
import Testing

/// The node half of local-path: which deleted volumes this kubelet cleans
/// up, which paths it refuses, and the patch that removes the finalizer.
@Suite struct LocalPathCleanupTests {
    static func volume(path: String? = "/var/lib/swiftkube/storage/pvc-1234_ns_data", node: String = "node-1", deleted: Bool = true,
                       annotation: String? = StorageNames.localPathProvisioner, finalizers: [String] = ["kubernetes.io/pv-protection", StorageNames.provisionerFinalizer],
                       reclaim: String = "Delete") throws -> PersistentVolume {
        var spec: [String: JSONValue] = [
            "capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": .string(reclaim),
            "nodeAffinity": ["required": ["nodeSelectorTerms": [["matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In",
                                                                                        "values": .array([.string(node)])]]]]]],
        ]
        if let path { spec["hostPath"] = ["path": .string(path), "type": "DirectoryOrCreate"] }
        var metadata: [String: JSONValue] = ["name": "pvc-1234", "finalizers": .array(finalizers.map { .string($0) })]
        if let annotation { metadata["annotations"] = [StorageNames.provisionedBy: .string(annotation)] }
        if deleted { metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z" }
        return try JSONValueDecoder.decode(PersistentVolume.self, from: ["apiVersion": "v1", "kind": "PersistentVolume",
                                                                         "metadata": .object(metadata), "spec": .object(spec)])
    }

    @Test func removesOnlyItsOwnDeletedVolumes() throws {
        #expect(LocalPathCleanup.decide(try Self.volume(), nodeName: "node-1") == .removeDirectory("/var/lib/swiftkube/storage/pvc-1234_ns_data"))
        #expect(LocalPathCleanup.decide(try Self.volume(), nodeName: "node-2") == .notOurs, "another node's volume")
        #expect(LocalPathCleanup.decide(try Self.volume(deleted: false), nodeName: "node-1") == .notOurs, "not being deleted")
        #expect(LocalPathCleanup.decide(try Self.volume(annotation: "example.com/nfs"), nodeName: "node-1") == .notOurs, "another provisioner")
        #expect(LocalPathCleanup.decide(try Self.volume(annotation: nil), nodeName: "node-1") == .notOurs)
        #expect(LocalPathCleanup.decide(try Self.volume(finalizers: ["kubernetes.io/pv-protection"]), nodeName: "node-1") == .notOurs, "already done")
        #expect(LocalPathCleanup.decide(try Self.volume(reclaim: "Retain"), nodeName: "node-1") == .notOurs, "Retain keeps the data")
    }

    @Test func refusesPathsThatAreNotAVolumeDirectory() throws {
        for path in ["/var/lib/swiftkube/storage", "/", "relative/pvc-1", "/srv/../etc/pvc-1/..", "/srv/data", "/pvc-1", "/srv/./pvc-1"] {
            guard case .refuse = LocalPathCleanup.decide(try Self.volume(path: path), nodeName: "node-1") else {
                Issue.record("\(path) was not refused")
                continue
            }
        }
        guard case .refuse(let why) = LocalPathCleanup.decide(try Self.volume(path: nil), nodeName: "node-1") else {
            Issue.record("a volume without hostPath was not refused")
            return
        }
        #expect(why == #"persistentvolume "pvc-1234" has no hostPath to remove"#)
        #expect(LocalPathCleanup.decide(try Self.volume(path: "/srv/storage/pvc-1/"), nodeName: "node-1") == .removeDirectory("/srv/storage/pvc-1/"))
    }

    @Test func theFinalizerIsRemovedAtItsIndexAfterATest() throws {
        let patch = try #require(LocalPathCleanup.finalizerRemoval(try Self.volume()))
        #expect(patch == [["op": "test", "path": "/metadata/finalizers/1", "value": .string(StorageNames.provisionerFinalizer)],
                          ["op": "remove", "path": "/metadata/finalizers/1"]])
        #expect(LocalPathCleanup.finalizerRemoval(try Self.volume(finalizers: [])) == nil)
    }
}
