import KubeAPI

/// The ServiceAccount admission plugin: a pod gets a `kube-api-access-XXXXX`
/// projected volume (a bound service account token, the cluster CA from the
/// `kube-root-ca.crt` ConfigMap and its namespace) mounted read-only at
/// /var/run/secrets/kubernetes.io/serviceaccount in every container, unless
/// the pod or its ServiceAccount sets `automountServiceAccountToken: false`,
/// a container already mounts that path. A pod naming no service account
/// gets `default`. Mirror pods (of a kubelet's static pods) get neither and
/// may not refer to service accounts, secrets or token projections.
struct ServiceAccountAdmission: AdmissionPlugin {
    var name: String { "ServiceAccount" }

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.info.builtinKind == "Pod", a.info.group.isEmpty, a.operation == .create, a.isMainResource,
              var pod = a.object, let ns = a.namespace else { return }
        let spec = pod["spec"] ?? .emptyObject
        if pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] != nil {
            if !(spec["serviceAccountName"]?.stringValue ?? "").isEmpty { throw a.forbidden("a mirror pod may not reference service accounts") }
            if !PodReferences.secrets(spec).isEmpty { throw a.forbidden("a mirror pod may not reference secrets") }
            if PodReferences.projectsServiceAccountToken(spec) {
                throw a.forbidden("a mirror pod may not use ServiceAccountToken volume projections")
            }
            return
        }
        if (spec["serviceAccountName"]?.stringValue ?? "").isEmpty {
            pod.set(path: ["spec", "serviceAccountName"], to: "default")
            pod.set(path: ["spec", "serviceAccount"], to: "default")
        }
        await Self.admit(&pod, namespace: ns, registry: registry)
        a.object = pod
    }

    static let mountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
    static let volumePrefix = "kube-api-access-"
    /// Kubernetes' default: an hour plus seven seconds, so kubelets can tell these tokens apart.
    static let expirationSeconds: Int64 = 3607

    static func admit(_ pod: inout JSONValue, namespace: String, registry: ResourceStorage) async {
        if pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] != nil { return }
        var spec = pod["spec"] ?? .emptyObject
        if spec["automountServiceAccountToken"]?.boolValue == false { return }
        let account = spec["serviceAccountName"]?.stringValue ?? "default"
        if spec["automountServiceAccountToken"] == nil,
           let sa = try? await registry.get(ResourceCatalog.info(for: ServiceAccount.self), namespace, account),
           sa["automountServiceAccountToken"]?.boolValue == false {
            return
        }
        let existing = (spec["volumes"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        var name = ""
        repeat {
            name = volumePrefix + String((0..<5).map { _ in ResourceStorage.generateNameAlphabet.randomElement() ?? "x" })
        } while existing.contains(name)
        var added = false
        for field in ["initContainers", "containers"] {
            guard var containers = spec[field]?.arrayValue else { continue }
            for i in containers.indices {
                var mounts = containers[i]["volumeMounts"]?.arrayValue ?? []
                if mounts.contains(where: { $0["mountPath"]?.stringValue == mountPath }) { continue }
                mounts.append(["name": .string(name), "readOnly": true, "mountPath": .string(mountPath)])
                containers[i]["volumeMounts"] = .array(mounts)
                added = true
            }
            spec[field] = .array(containers)
        }
        guard added else { return }
        let volume: JSONValue = [
            "name": .string(name),
            "projected": [
                "defaultMode": 420,
                "sources": [
                    ["serviceAccountToken": ["expirationSeconds": .int(expirationSeconds), "path": "token"]],
                    ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                    ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
                ],
            ],
        ]
        spec["volumes"] = .array((spec["volumes"]?.arrayValue ?? []) + [volume])
        pod["spec"] = spec
    }
}
