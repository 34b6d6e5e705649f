import KubeAPI

/// What API objects a pod refers to (upstream's `VisitPodSecretNames` and
/// `VisitPodConfigmapNames`): secrets and configmaps named by volumes
/// (projected sources included), by environment variables of every
/// container, and image pull secrets. Mirror pods and pods a node creates
/// may refer to none.
enum PodReferences {
    static func secrets(_ spec: JSONValue) -> [String] {
        var out = (spec["imagePullSecrets"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        for v in spec["volumes"]?.arrayValue ?? [] {
            if let n = v[path: ["secret", "secretName"]]?.stringValue { out.append(n) }
            for s in v[path: ["projected", "sources"]]?.arrayValue ?? [] {
                if let n = s[path: ["secret", "name"]]?.stringValue { out.append(n) }
            }
            for key in ["azureFile", "cephfs", "cinder", "flexVolume", "rbd", "scaleIO", "iscsi", "storageos", "csi"] {
                if let n = v[path: [key, "secretRef", "name"]]?.stringValue ?? v[path: [key, "secretName"]]?.stringValue { out.append(n) }
            }
        }
        out += containerRefs(spec, valueKey: "secretKeyRef", fromKey: "secretRef")
        return out
    }

    static func configMaps(_ spec: JSONValue) -> [String] {
        var out: [String] = []
        for v in spec["volumes"]?.arrayValue ?? [] {
            if let n = v[path: ["configMap", "name"]]?.stringValue { out.append(n) }
            for s in v[path: ["projected", "sources"]]?.arrayValue ?? [] {
                if let n = s[path: ["configMap", "name"]]?.stringValue { out.append(n) }
            }
        }
        out += containerRefs(spec, valueKey: "configMapKeyRef", fromKey: "configMapRef")
        return out
    }

    private static func containerRefs(_ spec: JSONValue, valueKey: String, fromKey: String) -> [String] {
        var out: [String] = []
        for c in ["initContainers", "containers", "ephemeralContainers"].flatMap({ spec[$0]?.arrayValue ?? [] }) {
            for e in c["env"]?.arrayValue ?? [] {
                if let n = e[path: ["valueFrom", valueKey, "name"]]?.stringValue { out.append(n) }
            }
            for e in c["envFrom"]?.arrayValue ?? [] {
                if let n = e[path: [fromKey, "name"]]?.stringValue { out.append(n) }
            }
        }
        return out
    }

    /// Whether a pod has a projected service account token volume.
    static func projectsServiceAccountToken(_ spec: JSONValue) -> Bool {
        (spec["volumes"]?.arrayValue ?? []).contains { v in
            (v[path: ["projected", "sources"]]?.arrayValue ?? []).contains { $0["serviceAccountToken"] != nil }
        }
    }
}
