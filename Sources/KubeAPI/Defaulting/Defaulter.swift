/// Applies Kubernetes' defaults to objects as JSON trees, so that fields the
/// model does not know are never touched.
public struct Defaulter: Sendable {
    public init() {}

    /// Defaults an object of a kind in place.
    public func apply(kind: String, to obj: inout JSONValue) {
        switch kind {
        case "Pod":
            var spec = obj["spec"] ?? .emptyObject
            defaultPodSpec(&spec, admission: true)
            obj["spec"] = spec
            var status = obj["status"] ?? .emptyObject
            setIfMissing(&status, "phase", "Pending")
            if status["qosClass"] == nil { status["qosClass"] = .string(Self.qosClass(spec)) }
            obj["status"] = status
        case "Deployment":
            defaultWorkload(&obj, replicas: true)
            var spec = obj["spec"] ?? .emptyObject
            var strategy = spec["strategy"] ?? .emptyObject
            setIfMissing(&strategy, "type", "RollingUpdate")
            if strategy["type"]?.stringValue == "RollingUpdate" {
                var ru = strategy["rollingUpdate"] ?? .emptyObject
                setIfMissing(&ru, "maxUnavailable", "25%")
                setIfMissing(&ru, "maxSurge", "25%")
                strategy["rollingUpdate"] = ru
            }
            spec["strategy"] = strategy
            setIfMissing(&spec, "revisionHistoryLimit", 10)
            setIfMissing(&spec, "progressDeadlineSeconds", 600)
            obj["spec"] = spec
        case "ReplicaSet":
            defaultWorkload(&obj, replicas: true)
        case "ReplicationController":
            defaultWorkload(&obj, replicas: true)
            // As upstream's v1 defaults: an empty selector, and empty labels,
            // are the template's labels.
            if let labels = obj[path: ["spec", "template", "metadata", "labels"]], !(labels.objectValue ?? [:]).isEmpty {
                if (obj[path: ["spec", "selector"]]?.objectValue ?? [:]).isEmpty { obj.set(path: ["spec", "selector"], to: labels) }
                if (obj[path: ["metadata", "labels"]]?.objectValue ?? [:]).isEmpty { obj.set(path: ["metadata", "labels"], to: labels) }
            }
        case "DaemonSet":
            defaultWorkload(&obj, replicas: false)
            var spec = obj["spec"] ?? .emptyObject
            var strategy = spec["updateStrategy"] ?? .emptyObject
            setIfMissing(&strategy, "type", "RollingUpdate")
            if strategy["type"]?.stringValue == "RollingUpdate" {
                var ru = strategy["rollingUpdate"] ?? .emptyObject
                setIfMissing(&ru, "maxUnavailable", 1)
                setIfMissing(&ru, "maxSurge", 0)
                strategy["rollingUpdate"] = ru
            }
            spec["updateStrategy"] = strategy
            setIfMissing(&spec, "revisionHistoryLimit", 10)
            obj["spec"] = spec
        case "StatefulSet":
            defaultStatefulSet(&obj)
        case "Job":
            defaultJob(&obj)
        case "CronJob":
            defaultCronJob(&obj)
        case "CustomResourceDefinition":
            defaultCustomResourceDefinition(&obj)
        case "ValidatingWebhookConfiguration":
            defaultWebhookConfiguration(&obj, mutating: false)
        case "MutatingWebhookConfiguration":
            defaultWebhookConfiguration(&obj, mutating: true)
        case "ValidatingAdmissionPolicy":
            defaultAdmissionPolicy(&obj, binding: false)
        case "ValidatingAdmissionPolicyBinding":
            defaultAdmissionPolicy(&obj, binding: true)
        case "HorizontalPodAutoscaler":
            defaultHorizontalPodAutoscaler(&obj)
        case "APIService":
            // kube-aggregator's SetDefaults_ServiceReference.
            if obj[path: ["spec", "service"]]?.objectValue != nil, obj[path: ["spec", "service", "port"]] == nil {
                obj.set(path: ["spec", "service", "port"], to: 443)
            }
        case "Service":
            defaultService(&obj)
        case "Secret":
            setIfMissing(&obj, "type", "Opaque")
        case "PriorityClass":
            setIfMissing(&obj, "preemptionPolicy", "PreemptLowerPriority")
        case "NetworkPolicy":
            defaultNetworkPolicy(&obj)
        case "PersistentVolume":
            var spec = obj["spec"] ?? .emptyObject
            setIfMissing(&spec, "persistentVolumeReclaimPolicy", "Retain")
            setIfMissing(&spec, "volumeMode", "Filesystem")
            if var hostPath = spec["hostPath"], hostPath.objectValue != nil {
                setIfMissing(&hostPath, "type", "")
                spec["hostPath"] = hostPath
            }
            obj["spec"] = spec
            var status = obj["status"] ?? .emptyObject
            setIfMissing(&status, "phase", "Pending")
            obj["status"] = status
        case "PersistentVolumeClaim":
            var spec = obj["spec"] ?? .emptyObject
            setIfMissing(&spec, "volumeMode", "Filesystem")
            obj["spec"] = spec
            var status = obj["status"] ?? .emptyObject
            setIfMissing(&status, "phase", "Pending")
            obj["status"] = status
        case "StorageClass":
            setIfMissing(&obj, "reclaimPolicy", "Delete")
            setIfMissing(&obj, "volumeBindingMode", "Immediate")
        case "CSIDriver":
            var spec = obj["spec"] ?? .emptyObject
            setIfMissing(&spec, "attachRequired", true)
            setIfMissing(&spec, "podInfoOnMount", false)
            setIfMissing(&spec, "storageCapacity", false)
            setIfMissing(&spec, "requiresRepublish", false)
            setIfMissing(&spec, "seLinuxMount", false)
            setIfMissing(&spec, "fsGroupPolicy", "ReadWriteOnceWithFSType")
            setIfMissing(&spec, "volumeLifecycleModes", ["Persistent"])
            obj["spec"] = spec
        case "RoleBinding", "ClusterRoleBinding":
            defaultBinding(&obj)
        case "LimitRange":
            if case .array(var limits) = obj[path: ["spec", "limits"]] ?? .null {
                for i in limits.indices { defaultLimitRangeItem(&limits[i]) }
                obj.set(path: ["spec", "limits"], to: .array(limits))
            }
        case "Namespace":
            var status = obj["status"] ?? .emptyObject
            setIfMissing(&status, "phase", "Active")
            obj["status"] = status
        case "EndpointSlice":
            if case .array(var ports) = obj["ports"] ?? .null {
                for i in ports.indices { setIfMissing(&ports[i], "protocol", "TCP") }
                obj["ports"] = .array(ports)
            }
        case "Endpoints":
            if case .array(var subsets) = obj["subsets"] ?? .null {
                for i in subsets.indices {
                    if case .array(var ports) = subsets[i]["ports"] ?? .null {
                        for j in ports.indices { setIfMissing(&ports[j], "protocol", "TCP") }
                        subsets[i]["ports"] = .array(ports)
                    }
                }
                obj["subsets"] = .array(subsets)
            }
        default:
            break
        }
    }

    /// Subjects' and the roleRef's API groups, as upstream's `SetDefaults_Subject`.
    private func defaultBinding(_ obj: inout JSONValue) {
        if var ref = obj["roleRef"], ref.objectValue != nil {
            setIfMissing(&ref, "apiGroup", "rbac.authorization.k8s.io")
            if ref["apiGroup"]?.stringValue == "" { ref["apiGroup"] = "rbac.authorization.k8s.io" }
            obj["roleRef"] = ref
        }
        guard let subjects = obj["subjects"]?.arrayValue else { return }
        obj["subjects"] = .array(subjects.map { s in
            var s = s
            if (s["apiGroup"]?.stringValue ?? "").isEmpty {
                switch s["kind"]?.stringValue {
                case "User", "Group": s["apiGroup"] = "rbac.authorization.k8s.io"
                case "ServiceAccount": s["apiGroup"] = ""
                default: break
                }
            }
            return s
        })
    }

    /// Container items: a missing default limit is the max; a missing
    /// default request is the default limit, else the min (upstream's).
    private func defaultLimitRangeItem(_ item: inout JSONValue) {
        guard item["type"]?.stringValue == "Container" else { return }
        var def = item["default"]?.objectValue ?? [:]
        var req = item["defaultRequest"]?.objectValue ?? [:]
        for (k, v) in item["max"]?.objectValue ?? [:] where def[k] == nil { def[k] = v }
        for (k, v) in def where req[k] == nil { req[k] = v }
        for (k, v) in item["min"]?.objectValue ?? [:] where req[k] == nil { req[k] = v }
        if !def.isEmpty { item["default"] = .object(def) }
        if !req.isEmpty { item["defaultRequest"] = .object(req) }
    }

    /// Upstream's SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort:
    /// `policyTypes` Ingress, plus Egress when there are egress rules; ports' protocol TCP.
    private func defaultNetworkPolicy(_ obj: inout JSONValue) {
        var spec = obj["spec"] ?? .emptyObject
        setIfMissing(&spec, "podSelector", .emptyObject)
        for (key, peers) in [("ingress", "from"), ("egress", "to")] {
            guard let rules = spec[key]?.arrayValue else { continue }
            spec[key] = .array(rules.map { rule in
                var rule = rule
                _ = peers
                if let ports = rule["ports"]?.arrayValue {
                    rule["ports"] = .array(ports.map { port in
                        var port = port
                        if port.objectValue != nil { setIfMissing(&port, "protocol", "TCP") }
                        return port
                    })
                }
                return rule
            })
        }
        if (spec["policyTypes"]?.arrayValue ?? []).isEmpty {
            var types: [JSONValue] = [.string("Ingress")]
            if !(spec["egress"]?.arrayValue ?? []).isEmpty { types.append(.string("Egress")) }
            spec["policyTypes"] = .array(types)
        }
        obj["spec"] = spec
    }

    func setIfMissing(_ obj: inout JSONValue, _ key: String, _ value: JSONValue) {
        if obj[key] == nil || obj[key]?.isNull == true { obj[key] = value }
    }

    private func defaultWorkload(_ obj: inout JSONValue, replicas: Bool) {
        var spec = obj["spec"] ?? .emptyObject
        if replicas { setIfMissing(&spec, "replicas", 1) }
        if var template = spec["template"] {
            var podSpec = template["spec"] ?? .emptyObject
            defaultPodSpec(&podSpec, admission: false)
            template["spec"] = podSpec
            // Like Kubernetes, an absent selector is not defaulted for apps/v1.
            spec["template"] = template
        }
        obj["spec"] = spec
    }

    /// Defaults a PodSpec. `admission` adds what pods get and templates do not
    /// (`enableServiceLinks`, the deprecated `serviceAccount` mirror).
    public func defaultPodSpec(_ spec: inout JSONValue, admission: Bool) {
        setIfMissing(&spec, "restartPolicy", "Always")
        setIfMissing(&spec, "terminationGracePeriodSeconds", 30)
        setIfMissing(&spec, "dnsPolicy", "ClusterFirst")
        setIfMissing(&spec, "securityContext", .emptyObject)
        setIfMissing(&spec, "schedulerName", "default-scheduler")
        if admission {
            setIfMissing(&spec, "enableServiceLinks", true)
            // The deprecated field and its successor mirror each other (v1 conversion);
            // the ServiceAccount admission plugin names `default` when both are absent.
            if spec["serviceAccountName"] == nil, let legacy = spec["serviceAccount"] {
                spec["serviceAccountName"] = legacy
            }
            if spec["serviceAccount"] == nil, let name = spec["serviceAccountName"] { spec["serviceAccount"] = name }
        }
        for field in ["containers", "initContainers", "ephemeralContainers"] {
            guard case .array(var containers) = spec[field] ?? .null else { continue }
            for i in containers.indices { defaultContainer(&containers[i]) }
            spec[field] = .array(containers)
        }
        if case .array(var volumes) = spec["volumes"] ?? .null {
            for i in volumes.indices { defaultVolume(&volumes[i]) }
            spec["volumes"] = .array(volumes)
        }
    }

    /// Adds the NoExecute tolerations of the not-ready and unreachable taints
    /// a pod lacks (upstream's DefaultTolerationSeconds admission plugin).
    public static func addDefaultTolerations(_ spec: inout JSONValue, notReadySeconds: Int64, unreachableSeconds: Int64) {
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        for (key, seconds) in [("node.kubernetes.io/not-ready", notReadySeconds),
                               ("node.kubernetes.io/unreachable", unreachableSeconds)] {
            let has = tolerations.contains { t in
                let k = t["key"]?.stringValue ?? ""
                let effect = t["effect"]?.stringValue ?? ""
                return (k == key || (k.isEmpty && t["operator"]?.stringValue == "Exists"))
                    && (effect == "NoExecute" || effect.isEmpty)
            }
            if !has {
                tolerations.append(["key": .string(key), "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": .int(seconds)])
            }
        }
        spec["tolerations"] = .array(tolerations)
    }

    /// The pull policy Kubernetes picks for an image: Always for `:latest` or no tag.
    public static func defaultPullPolicy(image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else { return "Always" }
        return lastComponent[lastComponent.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    private func defaultContainer(_ c: inout JSONValue) {
        if let image = c["image"]?.stringValue {
            setIfMissing(&c, "imagePullPolicy", .string(Self.defaultPullPolicy(image: image)))
        }
        setIfMissing(&c, "terminationMessagePath", "/dev/termination-log")
        setIfMissing(&c, "terminationMessagePolicy", "File")
        var resources = c["resources"] ?? .emptyObject
        if case .object(let limits) = resources["limits"] ?? .null {
            var requests = resources["requests"]?.objectValue ?? [:]
            for (k, v) in limits where requests[k] == nil { requests[k] = v }
            resources["requests"] = .object(requests)
        }
        c["resources"] = resources
        if case .array(var ports) = c["ports"] ?? .null {
            for i in ports.indices { setIfMissing(&ports[i], "protocol", "TCP") }
            c["ports"] = .array(ports)
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            guard var p = c[probe], p.objectValue != nil else { continue }
            setIfMissing(&p, "timeoutSeconds", 1)
            setIfMissing(&p, "periodSeconds", 10)
            setIfMissing(&p, "successThreshold", 1)
            setIfMissing(&p, "failureThreshold", 3)
            if var h = p["httpGet"], h.objectValue != nil {
                setIfMissing(&h, "path", "/")
                setIfMissing(&h, "scheme", "HTTP")
                p["httpGet"] = h
            }
            c[probe] = p
        }
        if case .array(var env) = c["env"] ?? .null {
            for i in env.indices {
                if var fr = env[i][path: ["valueFrom", "fieldRef"]], fr.objectValue != nil {
                    setIfMissing(&fr, "apiVersion", "v1")
                    env[i].set(path: ["valueFrom", "fieldRef"], to: fr)
                }
            }
            c["env"] = .array(env)
        }
    }

    private func defaultVolume(_ v: inout JSONValue) {
        // As upstream's SetDefaults_Volume: a volume with no source is an emptyDir.
        if let keys = v.objectValue?.keys, keys.allSatisfy({ $0 == "name" }) {
            v["emptyDir"] = .emptyObject
        }
        for source in ["configMap", "secret", "downwardAPI", "projected"] {
            guard var s = v[source], s.objectValue != nil else { continue }
            setIfMissing(&s, "defaultMode", 420)
            if source == "downwardAPI", case .array(var items) = s["items"] ?? .null {
                for i in items.indices {
                    if var fr = items[i]["fieldRef"], fr.objectValue != nil {
                        setIfMissing(&fr, "apiVersion", "v1")
                        items[i]["fieldRef"] = fr
                    }
                }
                s["items"] = .array(items)
            }
            v[source] = s
        }
        if var h = v["hostPath"], h.objectValue != nil {
            setIfMissing(&h, "type", "")
            v["hostPath"] = h
        }
    }

    private func defaultService(_ obj: inout JSONValue) {
        var spec = obj["spec"] ?? .emptyObject
        setIfMissing(&spec, "type", "ClusterIP")
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        setIfMissing(&spec, "sessionAffinity", "None")
        if spec["sessionAffinity"]?.stringValue == "ClientIP" {
            var cfg = spec["sessionAffinityConfig"] ?? .emptyObject
            var cip = cfg["clientIP"] ?? .emptyObject
            setIfMissing(&cip, "timeoutSeconds", 10800)
            cfg["clientIP"] = cip
            spec["sessionAffinityConfig"] = cfg
        }
        if type != "ExternalName" {
            setIfMissing(&spec, "internalTrafficPolicy", "Cluster")
            setIfMissing(&spec, "ipFamilies", ["IPv4"])
            setIfMissing(&spec, "ipFamilyPolicy", "SingleStack")
        }
        if type == "NodePort" || type == "LoadBalancer" {
            setIfMissing(&spec, "externalTrafficPolicy", "Cluster")
        }
        if type == "LoadBalancer" { setIfMissing(&spec, "allocateLoadBalancerNodePorts", true) }
        if case .array(var ports) = spec["ports"] ?? .null {
            for i in ports.indices {
                setIfMissing(&ports[i], "protocol", "TCP")
                if ports[i]["targetPort"] == nil, let p = ports[i]["port"] { ports[i]["targetPort"] = p }
            }
            spec["ports"] = .array(ports)
        }
        obj["spec"] = spec
        if obj["status"] == nil { obj["status"] = ["loadBalancer": .emptyObject] }
    }

    /// The QoS class of a pod spec: Guaranteed, Burstable or BestEffort.
    public static func qosClass(_ spec: JSONValue) -> String {
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        var anySet = false
        var guaranteed = true
        for c in containers {
            let limits = c[path: ["resources", "limits"]]?.objectValue ?? [:]
            let requests = c[path: ["resources", "requests"]]?.objectValue ?? [:]
            func q(_ v: JSONValue?) -> Quantity? {
                switch v {
                case .string(let s)?: return Quantity(s)
                case .int(let i)?: return Quantity(String(i))
                case .double(let d)?: return Quantity("\(d)")
                default: return nil
                }
            }
            for r in ["cpu", "memory"] {
                let l = q(limits[r])
                let rq = q(requests[r]) ?? l
                if l != nil || rq != nil { anySet = true }
                if l == nil || rq == nil || l != rq { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
