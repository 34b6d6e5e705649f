public import KubeAPI

/// A host port a pod asks for.
public struct HostPort: Sendable, Hashable {
    public var proto: String
    public var ip: String
    public var port: Int

    public init(proto: String, ip: String, port: Int) {
        self.proto = proto
        self.ip = ip
        self.port = port
    }

    /// `0.0.0.0` and "" mean every address.
    public var isWildcard: Bool { ip.isEmpty || ip == "0.0.0.0" || ip == "::" }
}

/// A parsed topology spread constraint.
public struct SpreadConstraint: Sendable, Hashable {
    public var maxSkew: Int
    public var topologyKey: String
    /// DoNotSchedule (a filter) or ScheduleAnyway (a score).
    public var hard: Bool
    public var selector: LabelRequirements
    public var minDomains: Int
    /// Count only nodes matching the pod's node selector and affinity (`nodeAffinityPolicy: Honor`, the default).
    public var honorNodeAffinity: Bool
    /// Count only nodes whose taints the pod tolerates (`nodeTaintsPolicy: Honor`; default Ignore).
    public var honorNodeTaints: Bool
}

/// A claim a pod's volume uses: a `persistentVolumeClaim` volume's claim, or
/// the claim of an `ephemeral` volume (named `<pod name>-<volume name>`).
public struct PodClaim: Sendable, Hashable {
    public var name: String
    /// True for a generic ephemeral volume's claim (made for the pod by the ephemeral volume controller).
    public var ephemeral: Bool
    public init(name: String, ephemeral: Bool) {
        self.name = name
        self.ephemeral = ephemeral
    }
}

/// A pod prepared for scheduling: requests, ports, tolerations, affinity and
/// spread constraints parsed once.
public struct PodInfo: Sendable {
    public var pod: Pod
    /// `namespace/name`.
    public let key: String
    public let namespace: String
    public let labels: [String: String]
    public let requests: Resources
    public let nonZeroMilliCPU: Int64
    public let nonZeroMemory: Int64
    public let hostPorts: [HostPort]
    public let tolerations: [Toleration]
    public let nodeSelector: [String: String]
    public let requiredNodeAffinity: NodeSelector?
    public let preferredNodeAffinity: [PreferredSchedulingTerm]
    public let requiredAffinity: [AffinityTerm]
    public let requiredAntiAffinity: [AffinityTerm]
    public let preferredAffinity: [WeightedAffinityTerm]
    public let preferredAntiAffinity: [WeightedAffinityTerm]
    public let spreadConstraints: [SpreadConstraint]
    /// UID of the controller owner (for default spreading).
    public let ownerUID: String?
    public let priority: Int
    /// Why the pod's spec cannot be scheduled at all (bad selector), if so.
    public let invalid: String?
    /// The claims its volumes use, in the order of `spec.volumes`.
    public let claims: [PodClaim]

    public init(_ pod: Pod) {
        self.pod = pod
        namespace = pod.metadata.namespace ?? ""
        key = "\(namespace)/\(pod.metadata.name ?? "")"
        labels = pod.metadata.labels ?? [:]
        let spec = pod.spec ?? PodSpec()
        requests = PodRequests.effective(spec)
        (nonZeroMilliCPU, nonZeroMemory) = PodRequests.nonZero(spec)
        var ports: [HostPort] = []
        for c in spec.containers + (spec.initContainers ?? []) {
            for p in c.ports ?? [] where (p.hostPort ?? 0) > 0 {
                ports.append(HostPort(proto: p.protocol ?? "TCP", ip: p.hostIP ?? "", port: p.hostPort ?? 0))
            }
        }
        hostPorts = ports
        tolerations = spec.tolerations ?? []
        nodeSelector = spec.nodeSelector ?? [:]
        requiredNodeAffinity = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
        preferredNodeAffinity = spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
        ownerUID = pod.metadata.controllerRef?.uid
        priority = spec.priority ?? 0
        claims = (spec.volumes ?? []).compactMap { v in
            if let c = v.persistentVolumeClaim { return PodClaim(name: c.claimName ?? "", ephemeral: false) }
            if v.ephemeral != nil { return PodClaim(name: "\(pod.metadata.name ?? "")-\(v.name ?? "")", ephemeral: true) }
            return nil
        }

        var problems: [String] = []
        func terms(_ ts: [PodAffinityTerm]?) -> [AffinityTerm] {
            (ts ?? []).compactMap { t in
                do { return try AffinityTerm(t, namespace: pod.metadata.namespace ?? "", podLabels: pod.metadata.labels ?? [:]) } catch {
                    problems.append("invalid pod affinity term: \(error)")
                    return nil
                }
            }
        }
        func weighted(_ ts: [WeightedPodAffinityTerm]?) -> [WeightedAffinityTerm] {
            (ts ?? []).compactMap { w in
                do {
                    return WeightedAffinityTerm(weight: w.weight, term: try AffinityTerm(w.podAffinityTerm, namespace: pod.metadata.namespace ?? "",
                                                                                         podLabels: pod.metadata.labels ?? [:]))
                } catch {
                    problems.append("invalid pod affinity term: \(error)")
                    return nil
                }
            }
        }
        let a = spec.affinity
        requiredAffinity = terms(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
        requiredAntiAffinity = terms(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
        preferredAffinity = weighted(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution)
        preferredAntiAffinity = weighted(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution)

        var constraints: [SpreadConstraint] = []
        for c in spec.topologySpreadConstraints ?? [] {
            var sel: LabelRequirements
            do {
                sel = try c.labelSelector.map { s throws(SelectorParseError) in try LabelRequirements(s) } ?? {
                    var r = LabelRequirements(requirements: [])
                    r.matchesNothing = true
                    return r
                }()
            } catch {
                problems.append("invalid topology spread constraint selector: \(error)")
                continue
            }
            for k in c.matchLabelKeys ?? [] { if let v = labels[k] { sel.requirements.append(.in(k, [v])) } }
            if c.whenUnsatisfiable != "DoNotSchedule" && c.whenUnsatisfiable != "ScheduleAnyway" {
                problems.append("unknown whenUnsatisfiable \"\(c.whenUnsatisfiable)\" in a topology spread constraint")
                continue
            }
            constraints.append(SpreadConstraint(maxSkew: max(c.maxSkew, 1), topologyKey: c.topologyKey, hard: c.whenUnsatisfiable == "DoNotSchedule",
                                                selector: sel, minDomains: c.minDomains ?? 1,
                                                honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") == "Honor",
                                                honorNodeTaints: c.nodeTaintsPolicy == "Honor"))
        }
        spreadConstraints = constraints
        for term in requiredNodeAffinity?.nodeSelectorTerms ?? [] {
            for r in (term.matchExpressions ?? []) + (term.matchFields ?? []) where !NodeSelectorMatching.knownOperators.contains(r.operator) {
                problems.append("unknown node selector operator \"\(r.operator)\"")
            }
        }
        invalid = problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// The pod's name.
    public var name: String { pod.metadata.name ?? "" }
    /// The node it is bound (or assumed) to.
    public var nodeName: String { pod.spec?.nodeName ?? "" }
    /// `namespace/claim` keys of the claims it uses.
    public var claimKeys: [String] { claims.map { "\(namespace)/\($0.name)" } }
    /// True when it has (anti-)affinity terms of either kind.
    public var hasAffinityTerms: Bool {
        !requiredAffinity.isEmpty || !requiredAntiAffinity.isEmpty || !preferredAffinity.isEmpty || !preferredAntiAffinity.isEmpty
    }
}
