public import KubeAPI

/// The stable identity of a StatefulSet's pods (upstream's
/// stateful_set_utils.go): names `SET-ORDINAL`, the pod-name and pod-index
/// labels, hostname and subdomain, and the claims `TEMPLATE-POD` made from
/// the volume claim templates and mounted in place of same-named volumes.
public enum StatefulSetIdentity {
    public static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    public static let podIndexLabel = "apps.kubernetes.io/pod-index"

    /// The first ordinal (`spec.ordinals.start`).
    public static func startOrdinal(_ set: StatefulSet) -> Int { set.spec?.ordinals?.start ?? 0 }

    /// `spec.replicas` (1 when unset).
    public static func replicas(_ set: StatefulSet) -> Int { set.spec?.replicas ?? 1 }

    /// Whether the ordinal is one the set runs now.
    public static func inRange(_ ordinal: Int, _ set: StatefulSet) -> Bool {
        let start = startOrdinal(set)
        return ordinal >= start && ordinal < start + replicas(set)
    }

    /// `SET-ORDINAL`.
    public static func podName(_ set: StatefulSet, ordinal: Int) -> String { "\(set.metadata.name ?? "")-\(ordinal)" }

    /// The ordinal of a pod named `SET-ORDINAL` for this set; nil for any other name.
    public static func ordinal(of podName: String, setName: String) -> Int? {
        guard let dash = podName.lastIndex(of: "-"), podName[..<dash] == setName else { return nil }
        let digits = podName[podName.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    /// `TEMPLATE-POD`.
    public static func claimName(template: String, podName: String) -> String { "\(template)-\(podName)" }

    /// The claims a pod of this ordinal uses, as upstream's
    /// `getPersistentVolumeClaims`: the template's labels and the set's
    /// selector labels, in the set's namespace; owners are set elsewhere.
    public static func claims(_ set: StatefulSet, ordinal: Int) -> [PersistentVolumeClaim] {
        let pod = podName(set, ordinal: ordinal)
        return (set.spec?.volumeClaimTemplates ?? []).map { template in
            var claim = PersistentVolumeClaim(metadata: ObjectMeta(name: claimName(template: template.metadata.name ?? "", podName: pod),
                                                                   namespace: set.metadata.namespace),
                                              spec: template.spec)
            var labels = template.metadata.labels ?? [:]
            for (k, v) in set.spec?.selector?.matchLabels ?? [:] { labels[k] = v }
            claim.metadata.labels = labels.isEmpty ? nil : labels
            claim.metadata.annotations = template.metadata.annotations
            return claim
        }
    }

    /// A pod of the set at `ordinal` from `template` (the pod template of
    /// `revision`): upstream's `newStatefulSetPod` with `setPodRevision`.
    public static func pod(_ set: StatefulSet, template: JSONValue, ordinal: Int, revision: String) throws(KubeCodecError) -> Pod {
        let name = podName(set, ordinal: ordinal)
        var pod = try PodTemplate.pod(from: template, namespace: set.metadata.namespace ?? "default", generateName: "",
                                      owner: controllerReference(to: set))
        pod.metadata.generateName = nil
        pod.metadata.name = name
        var labels = pod.metadata.labels ?? [:]
        labels[podNameLabel] = name
        labels[podIndexLabel] = String(ordinal)
        labels[ControllerHistory.revisionHashLabel] = revision
        pod.metadata.labels = labels
        var spec = pod.spec ?? PodSpec()
        spec.hostname = name
        if let service = set.spec?.serviceName, !service.isEmpty { spec.subdomain = service }
        // Each claim template replaces a volume of its name.
        var volumes = spec.volumes ?? []
        for template in set.spec?.volumeClaimTemplates ?? [] {
            let volumeName = template.metadata.name ?? ""
            var v = Volume(name: volumeName)
            var source = PersistentVolumeClaimVolumeSource()
            source.claimName = claimName(template: volumeName, podName: name)
            v.persistentVolumeClaim = source
            if let i = volumes.firstIndex(where: { $0.name == volumeName }) { volumes[i] = v } else { volumes.append(v) }
        }
        spec.volumes = volumes.isEmpty ? nil : volumes
        pod.spec = spec
        return pod
    }

    /// The revision a pod was made from (its `controller-revision-hash` label).
    public static func revision(of pod: Pod) -> String? { pod.metadata.labels?[ControllerHistory.revisionHashLabel] }
}
