public import KubeAPI

/// A pod's claims sorted out once per scheduling attempt (the VolumeBinding
/// plugin's PreFilter), and the per-node check of its Filter (upstream's
/// FindPodVolumes).
public struct PodVolumeClaims: Sendable {
    /// A bound claim and its volume (nil when the volume does not exist).
    public struct Bound: Sendable {
        public var claim: PersistentVolumeClaim
        public var volume: PersistentVolume?
    }

    public var bound: [Bound] = []
    /// Unbound claims of WaitForFirstConsumer classes, smallest request first.
    public var delayed: [PersistentVolumeClaim] = []
    /// Candidate volumes per class of the delayed claims.
    public var volumesByClass: [String: [PersistentVolume]] = [:]
    /// The classes of the delayed claims.
    public var classes: [String: StorageClass] = [:]

    /// Upstream's reasons a node fails.
    public static let bindConflict = "node(s) didn't find available persistent volumes to bind"
    public static let nodeConflict = "node(s) had volume node affinity conflict"
    public static let volumeNotExist = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
    /// The PreFilter's message for claims that should have been bound by the PV controller already.
    public static let unboundImmediate = "pod has unbound immediate PersistentVolumeClaims"

    /// True when nothing is left to bind: every claim is bound.
    public var allBound: Bool { delayed.isEmpty }

    /// Sorts out the pod's claims against the cache, or says why the pod
    /// cannot be scheduled anywhere (missing, lost, deleted or foreign
    /// claims, unbound Immediate claims). Nil result: the pod uses no claims.
    public static func prepare(_ pod: PodInfo, _ cache: VolumeCache) -> Result<PodVolumeClaims, PreFilterFailure>? {
        guard !pod.claims.isEmpty else { return nil }
        var out = PodVolumeClaims()
        var immediate = false
        for pc in pod.claims {
            guard let c = cache.claim(namespace: pod.namespace, name: pc.name) else {
                return .failure(PreFilterFailure(pc.ephemeral
                    ? "waiting for ephemeral volume controller to create the persistentvolumeclaim \"\(pc.name)\""
                    : "persistentvolumeclaim \"\(pc.name)\" not found"))
            }
            if c.status?.phase == "Lost" {
                return .failure(PreFilterFailure("persistentvolumeclaim \"\(pc.name)\" bound to non-existent persistentvolume \"\(c.spec?.volumeName ?? "")\""))
            }
            if c.metadata.deletionTimestamp != nil { return .failure(PreFilterFailure("persistentvolumeclaim \"\(pc.name)\" is being deleted")) }
            if pc.ephemeral, c.metadata.ownerReferences?.contains(where: { $0.controller == true && $0.uid == pod.pod.metadata.uid }) != true {
                return .failure(PreFilterFailure("PVC \(pod.namespace)/\(pc.name) was not created for pod \(pod.key) (pod is not owner)"))
            }
            if VolumeBindingPlan.isFullyBound(c) {
                out.bound.append(Bound(claim: c, volume: cache.volumes[c.spec?.volumeName ?? ""]))
                continue
            }
            let className = VolumeMatching.className(of: c)
            if let sc = cache.classes[className], sc.volumeBindingMode == "WaitForFirstConsumer", (c.spec?.volumeName ?? "").isEmpty {
                out.delayed.append(c)
                out.classes[className] = sc
                if out.volumesByClass[className] == nil { out.volumesByClass[className] = cache.volumes(ofClass: className) }
            } else {
                // Immediate (or pre-bound) claims are the PV controller's to bind.
                immediate = true
            }
        }
        if immediate { return .failure(PreFilterFailure(unboundImmediate)) }
        out.delayed.sort { ($0.spec?.requestedBytes ?? 0) < ($1.spec?.requestedBytes ?? 0) }
        return .success(out)
    }

    /// The node's verdict: why it fails (upstream's reasons, in upstream's
    /// order), or what binding the delayed claims there takes.
    public func find(on node: VolumeMatching.Node) -> NodeVerdict {
        var reasons: [String] = []
        var plan = PodVolumes()
        var boundSatisfied = true
        var volumesFound = true
        for b in bound {
            guard let v = b.volume else {
                volumesFound = false
                break
            }
            if !VolumeMatching.nodeAffinityMatches(v, node: node) {
                boundSatisfied = false
                break
            }
        }
        var unboundSatisfied = true
        if !delayed.isEmpty {
            var toProvision: [PersistentVolumeClaim] = []
            var chosen: Set<String> = []
            var selectedElsewhere = false
            var toMatch: [PersistentVolumeClaim] = []
            for c in delayed {
                if let selected = c.metadata.annotations?[StorageNames.selectedNode] {
                    if selected != node.name {
                        selectedElsewhere = true
                        break
                    }
                    toProvision.append(c)
                } else {
                    toMatch.append(c)
                }
            }
            if selectedElsewhere {
                unboundSatisfied = false
            } else {
                for c in toMatch {
                    let candidates = volumesByClass[VolumeMatching.className(of: c)] ?? []
                    if let v = VolumeMatching.findMatchingVolume(for: c, among: candidates, node: node, excluding: chosen) {
                        chosen.insert(v.metadata.name ?? "")
                        plan.staticBindings.append(StaticBinding(claim: c, volume: v))
                    } else {
                        toProvision.append(c)
                        unboundSatisfied = false
                    }
                }
                if !toProvision.isEmpty {
                    unboundSatisfied = toProvision.allSatisfy { canProvision($0, on: node) }
                    plan.provisions = toProvision
                }
            }
        }
        if !boundSatisfied { reasons.append(Self.nodeConflict) }
        if !unboundSatisfied { reasons.append(Self.bindConflict) }
        if !volumesFound { reasons.append(Self.volumeNotExist) }
        return reasons.isEmpty ? .fits(plan) : .fails(FilterFailure(reasons: reasons))
    }

    /// The claim's class can provision a volume reachable from the node: it
    /// has a provisioner (not `kubernetes.io/no-provisioner`) and its
    /// `allowedTopologies`, if any, admit the node.
    func canProvision(_ c: PersistentVolumeClaim, on node: VolumeMatching.Node) -> Bool {
        guard let sc = classes[VolumeMatching.className(of: c)] else { return false }
        if sc.provisioner.isEmpty || sc.provisioner == StorageNames.noProvisioner { return false }
        return VolumeMatching.allowedTopologiesMatch(sc, nodeLabels: node.labels)
    }
}

/// A node's verdict on a pod's claims.
public enum NodeVerdict: Sendable {
    /// The claims can be satisfied there, with these bindings.
    case fits(PodVolumes)
    case fails(FilterFailure)
}

/// Why a pod cannot be scheduled on any node, found before the nodes are
/// visited (kube-scheduler's PreFilter returning UnschedulableAndUnresolvable).
public struct PreFilterFailure: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
