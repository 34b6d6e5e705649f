/// PersistentVolumes, claims and `storage.k8s.io` objects validated as
/// upstream's `ValidatePersistentVolume(Update)`, `ValidatePersistentVolumeClaim(Update)`
/// and `pkg/apis/storage/validation`, with their field paths and wording.
enum StorageValidation {
    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
    static let volumeModes = ["Block", "Filesystem"]
    static let pvReclaimPolicies = ["Delete", "Recycle", "Retain"]
    static let classReclaimPolicies = ["Delete", "Retain"]
    static let bindingModes = ["Immediate", "WaitForFirstConsumer"]
    static let nodeSelectorOperators = ["DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"]

    // MARK: PersistentVolume

    static func validatePersistentVolume(_ pv: PersistentVolume, old: PersistentVolume?) -> [FieldError] {
        var errs: [FieldError] = []
        guard let spec = pv.spec else { return [.required("spec")] }
        if (spec.accessModes ?? []).isEmpty { errs.append(.required("spec.accessModes")) }
        let capacity = spec.capacity ?? [:]
        if capacity.isEmpty { errs.append(.required("spec.capacity")) }
        if capacity["storage"] == nil || capacity.count > 1 {
            errs.append(.notSupported("spec.capacity", capacity.keys.sorted().joined(separator: ","), ["storage"]))
        }
        for (key, q) in capacity.sorted(by: { $0.key < $1.key }) {
            errs += positiveQuantity(q, "spec.capacity[\(key)]")
        }
        errs += validateAccessModes(spec.accessModes, "spec.accessModes")
        if let c = spec.storageClassName, !c.isEmpty {
            for e in LabelValidation.dns1123SubdomainErrors(c) { errs.append(.invalid("spec.storageClassName", c, e)) }
        }
        if let m = spec.volumeMode, !volumeModes.contains(m) { errs.append(.notSupported("spec.volumeMode", m, volumeModes)) }
        if let p = spec.persistentVolumeReclaimPolicy, !p.isEmpty, !pvReclaimPolicies.contains(p) {
            errs.append(.notSupported("spec.persistentVolumeReclaimPolicy", p, pvReclaimPolicies))
        }
        let affinitySet = spec.nodeAffinity?.required != nil
        if let affinity = spec.nodeAffinity {
            if let required = affinity.required {
                errs += validateNodeSelector(required, "spec.nodeAffinity.required")
            } else {
                errs.append(.required("spec.nodeAffinity.required", "must specify required node constraints"))
            }
        }
        let sources = spec.sourceNames
        if sources.isEmpty { errs.append(.required("spec", "must specify a volume type")) }
        for extra in sources.dropFirst() { errs.append(.forbidden("spec.\(extra)", "may not specify more than 1 volume type")) }
        if let h = spec.hostPath {
            if h.path.isEmpty { errs.append(.required("spec.hostPath.path")) }
            if let t = h.type, !t.isEmpty, !hostPathTypes.contains(t) { errs.append(.notSupported("spec.hostPath.type", t, hostPathTypes)) }
            if normalized(h.path) == "/", spec.persistentVolumeReclaimPolicy == "Recycle" {
                errs.append(.forbidden("spec.persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"))
            }
        }
        if let l = spec.local {
            if l.path.isEmpty { errs.append(.required("spec.local.path")) }
            else if !l.path.hasPrefix("/") { errs.append(.invalid("spec.local.path", l.path, "must be an absolute path")) }
            if l.path.split(separator: "/").contains("..") { errs.append(.invalid("spec.local.path", l.path, "must not contain '..'")) }
            if !affinitySet { errs.append(.required("spec.nodeAffinity", "Local volume requires node affinity")) }
        }
        if let n = spec.nfs {
            if (n.server ?? "").isEmpty { errs.append(.required("spec.nfs.server")) }
            if (n.path ?? "").isEmpty { errs.append(.required("spec.nfs.path")) }
            else if let p = n.path, !p.hasPrefix("/") { errs.append(.invalid("spec.nfs.path", p, "must be an absolute path")) }
        }
        if let c = spec.csi {
            if c.driver.isEmpty { errs.append(.required("spec.csi.driver")) }
            else { errs += validateCSIDriverName(c.driver, "spec.csi.driver") }
            if c.volumeHandle.isEmpty { errs.append(.required("spec.csi.volumeHandle")) }
        }
        if let old, let oldSpec = old.spec {
            if sourcesOf(spec) != sourcesOf(oldSpec) {
                errs.append(.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"))
            }
            if (spec.volumeMode ?? "Filesystem") != (oldSpec.volumeMode ?? "Filesystem") {
                errs.append(.invalid("spec.volumeMode", spec.volumeMode ?? "", "field is immutable"))
            }
            if oldSpec.nodeAffinity != nil, spec.nodeAffinity != oldSpec.nodeAffinity {
                errs.append(.invalid("spec.nodeAffinity", "", "field is immutable"))
            }
        }
        return errs
    }

    /// The volume source fields of a spec, for the immutability check.
    static func sourcesOf(_ s: PersistentVolumeSpec) -> PersistentVolumeSpec {
        var only = PersistentVolumeSpec()
        only.hostPath = s.hostPath; only.local = s.local; only.nfs = s.nfs; only.csi = s.csi
        only.awsElasticBlockStore = s.awsElasticBlockStore; only.azureDisk = s.azureDisk; only.azureFile = s.azureFile
        only.cephfs = s.cephfs; only.cinder = s.cinder; only.fc = s.fc; only.flexVolume = s.flexVolume; only.flocker = s.flocker
        only.gcePersistentDisk = s.gcePersistentDisk; only.glusterfs = s.glusterfs; only.iscsi = s.iscsi
        only.photonPersistentDisk = s.photonPersistentDisk; only.portworxVolume = s.portworxVolume; only.quobyte = s.quobyte
        only.rbd = s.rbd; only.scaleIO = s.scaleIO; only.storageos = s.storageos; only.vsphereVolume = s.vsphereVolume
        return only
    }

    static let hostPathTypes = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]

    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.isEmpty && path.hasPrefix("/") ? "/" : (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    // MARK: PersistentVolumeClaim

    static func validateClaim(_ pvc: PersistentVolumeClaim, old: PersistentVolumeClaim?) -> [FieldError] {
        guard let spec = pvc.spec else { return [.required("spec")] }
        var errs = validateClaimSpec(spec, path: "spec")
        if let old, let oldSpec = old.spec {
            errs += validateClaimUpdate(spec, old: oldSpec, oldStatus: old.status, boundBefore: old.status?.phase == "Bound")
        }
        return errs
    }

    /// A claim's spec (also a `volumeClaimTemplate`'s, at `path`).
    static func validateClaimSpec(_ spec: PersistentVolumeClaimSpec, path p: String) -> [FieldError] {
        var errs: [FieldError] = []
        if (spec.accessModes ?? []).isEmpty { errs.append(.required("\(p).accessModes", "at least 1 access mode is required")) }
        errs += validateAccessModes(spec.accessModes, "\(p).accessModes")
        if let selector = spec.selector {
            errs += LabelValidation.validateLabels(selector.matchLabels, field: "\(p).selector.matchLabels")
            do { _ = try LabelRequirements(selector) } catch {
                errs.append(.invalid("\(p).selector", WorkloadValidation.describeSelector(selector), error.message))
            }
        }
        if let storage = spec.resources?.requests?["storage"] {
            errs += positiveQuantity(storage, "\(p).resources[storage]")
        } else {
            errs.append(.required("\(p).resources[storage]"))
        }
        if let c = spec.storageClassName, !c.isEmpty {
            for e in LabelValidation.dns1123SubdomainErrors(c) { errs.append(.invalid("\(p).storageClassName", c, e)) }
        }
        if let m = spec.volumeMode, !volumeModes.contains(m) { errs.append(.notSupported("\(p).volumeMode", m, volumeModes)) }
        if let ds = spec.dataSource {
            if (ds.name ?? "").isEmpty { errs.append(.required("\(p).dataSource.name")) }
            if (ds.kind ?? "").isEmpty { errs.append(.required("\(p).dataSource.kind")) }
            if (ds.apiGroup ?? "").isEmpty, let kind = ds.kind, !kind.isEmpty, kind != "PersistentVolumeClaim" {
                errs.append(.notSupported("\(p).dataSource", kind, ["PersistentVolumeClaim"]))
            }
        }
        if let ref = spec.dataSourceRef {
            if (ref.name ?? "").isEmpty { errs.append(.required("\(p).dataSourceRef.name")) }
            if (ref.kind ?? "").isEmpty { errs.append(.required("\(p).dataSourceRef.kind")) }
            if let ds = spec.dataSource, ds.kind != ref.kind || ds.name != ref.name || (ds.apiGroup ?? "") != (ref.apiGroup ?? "") {
                errs.append(.invalid("\(p)", "", "must match dataSourceRef"))
            }
        }
        return errs
    }

    static func validateClaimUpdate(_ spec: PersistentVolumeClaimSpec, old: PersistentVolumeClaimSpec,
                                    oldStatus: PersistentVolumeClaimStatus?, boundBefore: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        var a = spec, b = old
        // The binder may set volumeName once; expansion changes the request of a bound claim.
        if (b.volumeName ?? "").isEmpty { a.volumeName = nil; b.volumeName = nil }
        a.volumeAttributesClassName = nil
        b.volumeAttributesClassName = nil
        if boundBefore {
            a.resources?.requests?["storage"] = nil
            b.resources?.requests?["storage"] = nil
        }
        if a != b {
            errs.append(.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
        }
        if boundBefore {
            let new = spec.requestedBytes, previous = old.requestedBytes
            let status = oldStatus?.capacity?["storage"]?.value ?? 0
            if new < previous, new <= status {
                errs.append(.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"))
            }
        }
        return errs
    }

    static func validateAccessModes(_ modes: [String]?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let modes = modes ?? []
        for m in modes where !accessModes.contains(m) { errs.append(.notSupported(path, m, accessModes)) }
        if modes.contains("ReadWriteOncePod"), modes.count > 1 {
            errs.append(.forbidden(path, "may not use ReadWriteOncePod with other access modes"))
        }
        return errs
    }

    static func positiveQuantity(_ q: Quantity, _ path: String) -> [FieldError] {
        guard let d = q.decimal else { return [PodValidation.quantityError(path, q)] }
        return d > 0 ? [] : [.invalid(path, q.text, "must be greater than zero")]
    }

    static func validateNodeSelector(_ s: NodeSelector, _ p: String) -> [FieldError] {
        var errs: [FieldError] = []
        if s.nodeSelectorTerms.isEmpty { errs.append(.required("\(p).nodeSelectorTerms", "must have at least one node selector term")) }
        for (i, term) in s.nodeSelectorTerms.enumerated() {
            for (j, r) in (term.matchExpressions ?? []).enumerated() {
                let rp = "\(p).nodeSelectorTerms[\(i)].matchExpressions[\(j)]"
                if !nodeSelectorOperators.contains(r.operator) { errs.append(.notSupported("\(rp).operator", r.operator, nodeSelectorOperators)) }
                for e in LabelValidation.qualifiedNameErrors(r.key) { errs.append(.invalid("\(rp).key", r.key, e)) }
                let n = r.values?.count ?? 0
                switch r.operator {
                case "In", "NotIn":
                    if n == 0 { errs.append(.required("\(rp).values", "must be specified when `operator` is 'In' or 'NotIn'")) }
                case "Exists", "DoesNotExist":
                    if n > 0 { errs.append(.forbidden("\(rp).values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
                case "Gt", "Lt":
                    if n != 1 { errs.append(.required("\(rp).values", "must be specified single value when `operator` is 'Lt' or 'Gt'")) }
                default: break
                }
            }
        }
        return errs
    }

    // MARK: storage.k8s.io

    static func validateStorageClass(_ sc: StorageClass, old: StorageClass?) -> [FieldError] {
        var errs: [FieldError] = []
        if sc.provisioner.isEmpty { errs.append(.required("provisioner")) }
        else { for e in LabelValidation.qualifiedNameErrors(sc.provisioner) { errs.append(.invalid("provisioner", sc.provisioner, e)) } }
        let size = (sc.parameters ?? [:]).reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        if size > 256 * 1024 { errs.append(.tooLong("parameters", 256 * 1024)) }
        if let p = sc.reclaimPolicy, !classReclaimPolicies.contains(p) { errs.append(.notSupported("reclaimPolicy", p, classReclaimPolicies)) }
        if let m = sc.volumeBindingMode {
            if !bindingModes.contains(m) { errs.append(.notSupported("volumeBindingMode", m, bindingModes)) }
        } else {
            errs.append(.required("volumeBindingMode"))
        }
        for (i, term) in (sc.allowedTopologies ?? []).enumerated() {
            let exprs = term.matchLabelExpressions ?? []
            if exprs.isEmpty { errs.append(.required("allowedTopologies[\(i)].matchLabelExpressions", "must have at least one label expression")) }
            for (j, r) in exprs.enumerated() where r.values.isEmpty {
                errs.append(.required("allowedTopologies[\(i)].matchLabelExpressions[\(j)].values", "must specify as least one value"))
            }
        }
        if let old {
            if sc.parameters != old.parameters { errs.append(.forbidden("parameters", "updates to parameters are forbidden.")) }
            if sc.provisioner != old.provisioner { errs.append(.forbidden("provisioner", "updates to provisioner are forbidden.")) }
            if sc.reclaimPolicy != old.reclaimPolicy { errs.append(.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.")) }
            if sc.volumeBindingMode != old.volumeBindingMode { errs.append(.invalid("volumeBindingMode", sc.volumeBindingMode ?? "", "field is immutable")) }
        }
        return errs
    }

    /// A CSI driver's name: a DNS-1123 subdomain of at most 63 characters.
    static func validateCSIDriverName(_ name: String, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if name.utf8.count > 63 { errs.append(.tooLong(path, 63)) }
        for e in LabelValidation.dns1123SubdomainErrors(name.lowercased()) { errs.append(.invalid(path, name, e)) }
        return errs
    }

    static func validateCSIDriver(_ d: CSIDriver, old: CSIDriver?) -> [FieldError] {
        var errs = validateCSIDriverName(d.metadata.name ?? "", "metadata.name")
        if d.spec.attachRequired == nil { errs.append(.required("spec.attachRequired")) }
        if d.spec.podInfoOnMount == nil { errs.append(.required("spec.podInfoOnMount")) }
        if let p = d.spec.fsGroupPolicy, !["File", "None", "ReadWriteOnceWithFSType"].contains(p) {
            errs.append(.notSupported("spec.fsGroupPolicy", p, ["File", "None", "ReadWriteOnceWithFSType"]))
        }
        for (i, m) in (d.spec.volumeLifecycleModes ?? []).enumerated() where !["Ephemeral", "Persistent"].contains(m) {
            errs.append(.notSupported("spec.volumeLifecycleModes[\(i)]", m, ["Ephemeral", "Persistent"]))
        }
        var audiences = Set<String>()
        for (i, t) in (d.spec.tokenRequests ?? []).enumerated() where !audiences.insert(t.audience).inserted {
            errs.append(.duplicate("spec.tokenRequests[\(i)].audience", t.audience))
        }
        if let old {
            if d.spec.attachRequired != old.spec.attachRequired { errs.append(.invalid("spec.attachRequired", "\(d.spec.attachRequired ?? false)", "field is immutable")) }
            if d.spec.volumeLifecycleModes != old.spec.volumeLifecycleModes {
                errs.append(.invalid("spec.volumeLifecycleModes", "", "field is immutable"))
            }
        }
        return errs
    }

    static func validateCSINode(_ n: CSINode) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, d) in n.spec.drivers.enumerated() {
            let p = "spec.drivers[\(i)]"
            errs += validateCSIDriverName(d.name, "\(p).name")
            if !names.insert(d.name).inserted { errs.append(.duplicate("\(p).name", d.name)) }
            if d.nodeID.isEmpty { errs.append(.required("\(p).nodeID")) }
            if d.nodeID.utf8.count > 192 { errs.append(.tooLong("\(p).nodeID", 192)) }
            if let c = d.allocatable?.count, c < 0 { errs.append(.invalid("\(p).allocatable.count", int: Int64(c), "must be greater than or equal to 0")) }
            var keys = Set<String>()
            for (j, k) in (d.topologyKeys ?? []).enumerated() {
                if !keys.insert(k).inserted { errs.append(.duplicate("\(p).topologyKeys[\(j)]", k)) }
                for e in LabelValidation.qualifiedNameErrors(k) { errs.append(.invalid("\(p).topologyKeys[\(j)]", k, e)) }
            }
        }
        return errs
    }

    static func validateVolumeAttachment(_ va: VolumeAttachment, old: VolumeAttachment?) -> [FieldError] {
        var errs: [FieldError] = []
        if va.spec.attacher.isEmpty { errs.append(.required("spec.attacher")) }
        else { errs += validateCSIDriverName(va.spec.attacher, "spec.attacher") }
        if va.spec.nodeName.isEmpty { errs.append(.required("spec.nodeName")) }
        else { for e in LabelValidation.dns1123SubdomainErrors(va.spec.nodeName) { errs.append(.invalid("spec.nodeName", va.spec.nodeName, e)) } }
        let source = va.spec.source
        switch (source.persistentVolumeName, source.inlineVolumeSpec) {
        case (nil, nil): errs.append(.required("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
        case (.some, .some): errs.append(.forbidden("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
        case (.some(let name), nil) where name.isEmpty: errs.append(.required("spec.source.persistentVolumeName"))
        default: break
        }
        if let old, va.spec != old.spec { errs.append(.invalid("spec", "", "field is immutable")) }
        return errs
    }
}
