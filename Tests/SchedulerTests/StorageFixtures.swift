import KubeAPI
@testable import Scheduler

/// Claims, volumes and classes for the volume tests.
enum StorageFixtures {
    /// `kubernetes.io/hostname In [hosts]` as a volume's node affinity.
    static func hostAffinity(_ hosts: [String]) -> VolumeNodeAffinity {
        var term = NodeSelectorTerm()
        term.matchExpressions = [NodeSelectorRequirement(key: "kubernetes.io/hostname", operator: "In", values: hosts)]
        return VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [term]))
    }

    static func pv(_ name: String, size: String = "1Gi", modes: [String] = ["ReadWriteOnce"], storageClass: String? = "local",
                   phase: String? = "Available", labels: [String: String]? = nil, hosts: [String]? = nil, claimRef: PersistentVolumeClaim? = nil,
                   volumeMode: String? = nil) -> PersistentVolume {
        var spec = PersistentVolumeSpec()
        spec.capacity = ["storage": Quantity(size)]
        spec.accessModes = modes
        spec.storageClassName = storageClass
        spec.volumeMode = volumeMode
        if let hosts { spec.nodeAffinity = hostAffinity(hosts) }
        if let c = claimRef {
            spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid)
        }
        var v = PersistentVolume(metadata: ObjectMeta(name: name, labels: labels), spec: spec)
        v.status = PersistentVolumeStatus(phase: phase)
        v.metadata.resourceVersion = "1"
        return v
    }

    static func pvc(_ name: String, namespace: String = "default", size: String = "1Gi", modes: [String] = ["ReadWriteOnce"],
                    storageClass: String? = "local", selector: LabelSelector? = nil, volumeName: String? = nil,
                    volumeMode: String? = nil, bound: Bool = false) -> PersistentVolumeClaim {
        var spec = PersistentVolumeClaimSpec()
        var r = VolumeResourceRequirements()
        r.requests = ["storage": Quantity(size)]
        spec.resources = r
        spec.accessModes = modes
        spec.storageClassName = storageClass
        spec.selector = selector
        spec.volumeName = volumeName
        spec.volumeMode = volumeMode
        var meta = ObjectMeta(name: name, namespace: namespace)
        meta.uid = "uid-claim-\(name)"
        meta.resourceVersion = "1"
        var c = PersistentVolumeClaim(metadata: meta, spec: spec)
        if bound {
            c.status = PersistentVolumeClaimStatus(phase: "Bound")
            c.metadata.annotations = ["pv.kubernetes.io/bind-completed": "yes"]
        } else {
            c.status = PersistentVolumeClaimStatus(phase: "Pending")
        }
        return c
    }

    static func storageClass(_ name: String, provisioner: String = "rancher.io/local-path", mode: String = "WaitForFirstConsumer",
                             allowedZones: [String]? = nil) -> StorageClass {
        var s = StorageClass(metadata: ObjectMeta(name: name), provisioner: provisioner)
        s.volumeBindingMode = mode
        if let allowedZones {
            var term = TopologySelectorTerm()
            term.matchLabelExpressions = [try! KubeCodec.decode(TopologySelectorLabelRequirement.self, from: [
                "key": "topology.kubernetes.io/zone", "values": .array(allowedZones.map { .string($0) }),
            ])]
            s.allowedTopologies = [term]
        }
        return s
    }

    /// A pod whose volumes use these claims.
    static func pod(_ name: String, claims: [String], namespace: String = "default", node: String? = nil) -> Pod {
        Fixtures.pod(name, namespace: namespace, node: node) { spec in
            spec.volumes = claims.enumerated().map { i, c in
                var v = Volume()
                v.name = "v\(i)"
                var src = PersistentVolumeClaimVolumeSource()
                src.claimName = c
                v.persistentVolumeClaim = src
                return v
            }
        }
    }
}
