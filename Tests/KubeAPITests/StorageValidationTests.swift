import Testing
@testable import KubeAPI

/// Upstream's defaults and validation of PersistentVolumes, claims and storage.k8s.io objects.
@Suite struct StorageValidationTests {
    func errors(_ kind: String, _ obj: JSONValue, old: JSONValue? = nil) -> [String] {
        var o = obj
        Defaulter().apply(kind: kind, to: &o)
        var oldObj = old
        if var x = oldObj { Defaulter().apply(kind: kind, to: &x); oldObj = x }
        switch Validator.validate(kind: kind, o, old: oldObj) {
        case .valid: return []
        case .invalid(let errs): return errs.map(\.description)
        case .undecodable(let message): return ["undecodable: \(message)"]
        }
    }

    static let pv: JSONValue = ["apiVersion": "v1", "kind": "PersistentVolume", "metadata": ["name": "pv1"],
                                "spec": ["capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"], "hostPath": ["path": "/data"]]]
    static let claim: JSONValue = ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "c", "namespace": "default"],
                                   "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]

    @Test func defaults() {
        var pv = Self.pv
        Defaulter().apply(kind: "PersistentVolume", to: &pv)
        #expect(pv[path: ["spec", "persistentVolumeReclaimPolicy"]] == "Retain")
        #expect(pv[path: ["spec", "volumeMode"]] == "Filesystem")
        #expect(pv[path: ["spec", "hostPath", "type"]] == "")
        #expect(pv[path: ["status", "phase"]] == "Pending")
        var sc: JSONValue = ["metadata": ["name": "x"], "provisioner": "example.com/p"]
        Defaulter().apply(kind: "StorageClass", to: &sc)
        #expect(sc["reclaimPolicy"] == "Delete" && sc["volumeBindingMode"] == "Immediate")
        var d: JSONValue = ["metadata": ["name": "csi.example.com"], "spec": .emptyObject]
        Defaulter().apply(kind: "CSIDriver", to: &d)
        #expect(d[path: ["spec", "attachRequired"]] == true && d[path: ["spec", "fsGroupPolicy"]] == "ReadWriteOnceWithFSType")
        #expect(errors("CSIDriver", d).isEmpty)
    }

    @Test func persistentVolumes() {
        #expect(errors("PersistentVolume", Self.pv).isEmpty)
        var pv = Self.pv
        pv.set(path: ["spec", "nfs"], to: ["server": "10.0.0.1", "path": "exports"])
        pv.set(path: ["spec", "accessModes"], to: ["ReadWriteOncePod", "ReadOnlyMany"])
        pv.set(path: ["spec", "capacity"], to: ["storage": "1Gi", "cpu": "1"])
        let errs = errors("PersistentVolume", pv)
        #expect(errs.contains("spec.nfs: Forbidden: may not specify more than 1 volume type"), "\(errs)")
        #expect(errs.contains("spec.nfs.path: Invalid value: \"exports\": must be an absolute path"), "\(errs)")
        #expect(errs.contains("spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"), "\(errs)")
        #expect(errs.contains { $0.hasPrefix("spec.capacity: Unsupported value") }, "\(errs)")
        var local = Self.pv
        local.set(path: ["spec", "hostPath"], to: nil)
        local.set(path: ["spec", "local"], to: ["path": "/mnt/disk"])
        #expect(errors("PersistentVolume", local) == ["spec.nodeAffinity: Required value: Local volume requires node affinity"])
        local.set(path: ["spec", "nodeAffinity"], to: ["required": ["nodeSelectorTerms": [["matchExpressions": [
            ["key": "kubernetes.io/hostname", "operator": "In", "values": ["n1"]]]]]]])
        #expect(errors("PersistentVolume", local).isEmpty)
        var moved = Self.pv
        moved.set(path: ["spec", "hostPath", "path"], to: "/elsewhere")
        #expect(errors("PersistentVolume", moved, old: Self.pv).contains { $0.contains("spec.persistentvolumesource is immutable after creation") })
        var grown = Self.pv
        grown.set(path: ["spec", "capacity", "storage"], to: "2Gi")
        #expect(errors("PersistentVolume", grown, old: Self.pv).isEmpty)
        var recycledRoot = Self.pv
        recycledRoot.set(path: ["spec", "hostPath", "path"], to: "/")
        recycledRoot.set(path: ["spec", "persistentVolumeReclaimPolicy"], to: "Recycle")
        #expect(errors("PersistentVolume", recycledRoot).contains("spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'"))
    }

    @Test func claims() {
        #expect(errors("PersistentVolumeClaim", Self.claim).isEmpty)
        var c = Self.claim
        c.set(path: ["spec", "accessModes"], to: [])
        c.set(path: ["spec", "resources"], to: .emptyObject)
        c.set(path: ["spec", "volumeMode"], to: "Raw")
        c.set(path: ["spec", "selector"], to: ["matchExpressions": [["key": "tier", "operator": "Near"]]])
        let errs = errors("PersistentVolumeClaim", c)
        #expect(errs.contains("spec.accessModes: Required value: at least 1 access mode is required"), "\(errs)")
        #expect(errs.contains("spec.resources[storage]: Required value"), "\(errs)")
        #expect(errs.contains("spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\""), "\(errs)")
        #expect(errs.contains { $0.hasPrefix("spec.selector: Invalid value") }, "\(errs)")

        // The binder may name the volume once; a bound claim may only grow.
        var named = Self.claim
        named.set(path: ["spec", "volumeName"], to: "pv1")
        #expect(errors("PersistentVolumeClaim", named, old: Self.claim).isEmpty)
        var bound = named
        bound.set(path: ["status"], to: ["phase": "Bound", "capacity": ["storage": "1Gi"]])
        var grown = bound
        grown.set(path: ["spec", "resources", "requests", "storage"], to: "5Gi")
        #expect(errors("PersistentVolumeClaim", grown, old: bound).isEmpty)
        var shrunk = bound
        shrunk.set(path: ["spec", "resources", "requests", "storage"], to: "500Mi")
        #expect(errors("PersistentVolumeClaim", shrunk, old: bound) == ["spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"])
        var renamed = bound
        renamed.set(path: ["spec", "volumeName"], to: "other")
        #expect(errors("PersistentVolumeClaim", renamed, old: bound).contains { $0.contains("spec is immutable after creation except resources.requests") })
        var unbound = Self.claim
        unbound.set(path: ["spec", "resources", "requests", "storage"], to: "5Gi")
        #expect(errors("PersistentVolumeClaim", unbound, old: Self.claim).contains { $0.contains("spec is immutable after creation") })
    }

    @Test func storageClassesAndCSIObjects() {
        let sc: JSONValue = ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": "fast"],
                             "provisioner": "rancher.io/local-path", "parameters": ["a": "b"]]
        #expect(errors("StorageClass", sc).isEmpty)
        var changed = sc
        changed["parameters"] = ["a": "c"]
        changed["provisioner"] = "example.com/other"
        changed["volumeBindingMode"] = "WaitForFirstConsumer"
        let errs = errors("StorageClass", changed, old: sc)
        #expect(errs.contains("parameters: Forbidden: updates to parameters are forbidden."), "\(errs)")
        #expect(errs.contains("provisioner: Forbidden: updates to provisioner are forbidden."), "\(errs)")
        #expect(errs.contains { $0.hasPrefix("volumeBindingMode: Invalid value") && $0.hasSuffix("field is immutable") }, "\(errs)")

        let node: JSONValue = ["apiVersion": "storage.k8s.io/v1", "kind": "CSINode", "metadata": ["name": "n1"],
                               "spec": ["drivers": [["name": "hostpath.csi.k8s.io", "nodeID": "n1"], ["name": "hostpath.csi.k8s.io", "nodeID": ""]]]]
        let nodeErrs = errors("CSINode", node)
        #expect(nodeErrs.contains("spec.drivers[1].name: Duplicate value: \"hostpath.csi.k8s.io\""), "\(nodeErrs)")
        #expect(nodeErrs.contains("spec.drivers[1].nodeID: Required value"), "\(nodeErrs)")

        let va: JSONValue = ["apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment", "metadata": ["name": "csi-1"],
                             "spec": ["attacher": "hostpath.csi.k8s.io", "nodeName": "n1", "source": .emptyObject]]
        #expect(errors("VolumeAttachment", va) == ["spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName"])
    }
}
