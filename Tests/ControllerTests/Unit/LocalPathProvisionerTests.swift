import Foundation
import KubeAPI
import Testing
@testable import Controllers

@Suite struct LocalPathProvisionerTests {
    static func claim(modes: [String] = ["ReadWriteOnce"], mode: String? = nil) -> PersistentVolumeClaim {
        var meta = ObjectMeta()
        meta.name = "data"
        meta.namespace = "shop"
        meta.uid = "1234"
        var spec = PersistentVolumeClaimSpec()
        spec.accessModes = modes
        spec.volumeMode = mode
        var resources = VolumeResourceRequirements()
        resources.requests = ["storage": "2Gi"]
        spec.resources = resources
        return PersistentVolumeClaim(metadata: meta, spec: spec)
    }

    static func storageClass(policy: String) -> StorageClass {
        var meta = ObjectMeta()
        meta.name = "local-path"
        var sc = StorageClass(metadata: meta, provisioner: StorageNames.localPathProvisioner)
        sc.reclaimPolicy = policy
        return sc
    }

    @Test func aVolumeOnTheSelectedNode() throws {
        let p = LocalPathProvisioner(root: "/var/lib/swiftkube/storage")
        let pv = try p.volume(for: Self.claim(), storageClass: Self.storageClass(policy: "Delete"), node: "n1")
        #expect(pv.name == "pvc-1234")
        #expect(pv.spec?.hostPath == HostPathVolumeSource(path: "/var/lib/swiftkube/storage/pvc-1234_shop_data", type: "DirectoryOrCreate"))
        #expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms.first?.matchExpressions?.first?.values == ["n1"])
        #expect(pv.spec?.claimRef?.uid == "1234" && pv.spec?.claimRef?.namespace == "shop")
        #expect(pv.spec?.capacity?["storage"] == "2Gi" && pv.spec?.storageClassName == "local-path")
        #expect(pv.metadata.finalizers == [StorageNames.provisionerFinalizer])
        #expect(pv.metadata.annotations?[StorageNames.provisionedBy] == "rancher.io/local-path")
        // Retain: nothing to clean up, so no finalizer.
        let kept = try p.volume(for: Self.claim(), storageClass: Self.storageClass(policy: "Retain"), node: "n1")
        #expect(kept.metadata.finalizers == nil && kept.spec?.persistentVolumeReclaimPolicy == "Retain")
    }

    @Test func whatItCannotDo() {
        let p = LocalPathProvisioner(root: "/srv")
        let sc = Self.storageClass(policy: "Delete")
        #expect(throws: LocalPathProvisioner.Failure(description: "configuration error, no node was specified")) {
            try p.volume(for: Self.claim(), storageClass: sc, node: nil)
        }
        #expect(throws: LocalPathProvisioner.Failure(description: "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes")) {
            try p.volume(for: Self.claim(modes: ["ReadWriteMany"]), storageClass: sc, node: "n1")
        }
        #expect(throws: LocalPathProvisioner.Failure.self) { try p.volume(for: Self.claim(mode: "Block"), storageClass: sc, node: "n1") }
    }
}
