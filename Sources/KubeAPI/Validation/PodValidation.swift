/// Validation of pods and pod templates.
public enum PodValidation {
    /// Validates a pod, and for updates the immutability of its spec.
    public static func validatePod(_ pod: Pod, old: Pod?) -> [FieldError] {
        guard let spec = pod.spec else { return [.required("spec")] }
        var errs = validatePodSpec(spec, path: "spec")
        if let old, let oldSpec = old.spec {
            errs += validatePodSpecUpdate(spec, old: oldSpec)
        } else if old == nil, !(spec.ephemeralContainers ?? []).isEmpty {
            // Only pods/NAME/ephemeralcontainers adds them.
            errs.append(.forbidden("spec.ephemeralContainers", "cannot be set on create"))
        }
        return errs
    }

    static let supportedRestart = ["Always", "Never", "OnFailure"]
    static let supportedDNS = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]
    static let supportedPull = ["Always", "IfNotPresent", "Never"]

    /// Validates a PodSpec at `path` (e.g. `spec.template.spec`).
    public static func validatePodSpec(_ spec: PodSpec, path: String, requireRestartAlways: Bool = false) -> [FieldError] {
        var errs: [FieldError] = []
        var volumeNames = Set<String>()
        for (i, v) in (spec.volumes ?? []).enumerated() {
            let p = "\(path).volumes[\(i)]"
            guard let name = v.name, !name.isEmpty else {
                errs.append(.required("\(p).name"))
                continue
            }
            for e in LabelValidation.dns1123LabelErrors(name) { errs.append(.invalid("\(p).name", name, e)) }
            if !volumeNames.insert(name).inserted { errs.append(.duplicate("\(p).name", name)) }
            let sources = v.sourceNames
            if sources.isEmpty {
                errs.append(.required(p, "must specify a volume type"))
            } else if sources.count > 1 {
                errs.append(.forbidden("\(p).\(sources[1])", "may not specify more than 1 volume type"))
            }
            errs += VolumeSourceValidation.validate(v, path: p)
            if let cm = v.configMap, (cm.name ?? "").isEmpty { errs.append(.required("\(p).configMap.name")) }
            if let s = v.secret, (s.secretName ?? "").isEmpty { errs.append(.required("\(p).secret.secretName")) }
            if let h = v.hostPath {
                if h.path.isEmpty { errs.append(.required("\(p).hostPath.path")) }
                let types = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]
                if let t = h.type, !types.contains(t) { errs.append(.notSupported("\(p).hostPath.type", t, Array(types.dropFirst()))) }
            }
            if let e = v.emptyDir {
                if let m = e.medium, !["", "Memory", "HugePages"].contains(m) {
                    errs.append(.notSupported("\(p).emptyDir.medium", m, ["", "Memory", "HugePages"]))
                }
                if let q = e.sizeLimit, !q.isValid { errs.append(quantityError("\(p).emptyDir.sizeLimit", q)) }
            }
        }
        if spec.containers.isEmpty { errs.append(.required("\(path).containers")) }
        var names = Set<String>()
        for (i, c) in (spec.initContainers ?? []).enumerated() {
            errs += validateContainer(c, path: "\(path).initContainers[\(i)]", volumes: volumeNames, names: &names)
            if c.lifecycle != nil, c.restartPolicy != "Always" {
                errs.append(.forbidden("\(path).initContainers[\(i)].lifecycle", "may not be set for init containers without restartPolicy=Always"))
            }
        }
        for (i, c) in spec.containers.enumerated() {
            errs += validateContainer(c, path: "\(path).containers[\(i)]", volumes: volumeNames, names: &names)
        }
        errs += validateEphemeralContainers(spec, path: path, volumes: volumeNames, names: names)
        if let r = spec.restartPolicy {
            if requireRestartAlways && r != "Always" {
                errs.append(.notSupported("\(path).restartPolicy", r, ["Always"]))
            } else if !supportedRestart.contains(r) {
                errs.append(.notSupported("\(path).restartPolicy", r, supportedRestart))
            }
        }
        if let d = spec.dnsPolicy, !supportedDNS.contains(d) {
            errs.append(.notSupported("\(path).dnsPolicy", d, supportedDNS))
        }
        if let t = spec.terminationGracePeriodSeconds, t < 0 {
            errs.append(.invalid("\(path).terminationGracePeriodSeconds", int: t, "must be greater than or equal to 0"))
        }
        if let a = spec.activeDeadlineSeconds, a <= 0 {
            errs.append(.invalid("\(path).activeDeadlineSeconds", int: a, "must be between 1 and 2147483647, inclusive"))
        }
        errs += LabelValidation.validateLabels(spec.nodeSelector, field: "\(path).nodeSelector")
        for (i, t) in (spec.tolerations ?? []).enumerated() {
            errs += validateToleration(t, path: "\(path).tolerations[\(i)]")
        }
        if let n = spec.nodeName, !n.isEmpty {
            for e in LabelValidation.dns1123SubdomainErrors(n) { errs.append(.invalid("\(path).nodeName", n, e)) }
        }
        if let sa = spec.serviceAccountName, !sa.isEmpty {
            for e in LabelValidation.dns1123SubdomainErrors(sa) { errs.append(.invalid("\(path).serviceAccountName", sa, e)) }
        }
        return errs
    }

    static func validateToleration(_ t: Toleration, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let op = t.operator ?? "Equal"
        if !["Equal", "Exists", ""].contains(op) {
            errs.append(.notSupported("\(path).operator", op, ["Equal", "Exists"]))
        }
        if op == "Exists", let v = t.value, !v.isEmpty {
            errs.append(.invalid("\(path).operator", op, "value must be empty when `operator` is 'Exists'"))
        }
        if (t.key ?? "").isEmpty, op != "Exists" {
            errs.append(.invalid("\(path).operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
        }
        if let k = t.key, !k.isEmpty {
            for e in LabelValidation.qualifiedNameErrors(k) { errs.append(.invalid("\(path).key", k, e)) }
        }
        if let e = t.effect, !e.isEmpty, !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(e) {
            errs.append(.notSupported("\(path).effect", e, ["NoExecute", "NoSchedule", "PreferNoSchedule"]))
        }
        if t.tolerationSeconds != nil, t.effect != "NoExecute" {
            errs.append(.invalid("\(path).effect", t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        }
        return errs
    }

    static func quantityError(_ field: String, _ q: Quantity) -> FieldError {
        .invalid(field, q.text, "quantities must match the regular expression '\(Quantity.pattern)'")
    }

    static func validateContainer(_ c: Container, path: String, volumes: Set<String>, names: inout Set<String>) -> [FieldError] {
        var errs: [FieldError] = []
        if let name = c.name, !name.isEmpty {
            for e in LabelValidation.dns1123LabelErrors(name) { errs.append(.invalid("\(path).name", name, e)) }
            if !names.insert(name).inserted { errs.append(.duplicate("\(path).name", name)) }
        } else {
            errs.append(.required("\(path).name"))
        }
        if (c.image ?? "").trimmingSpaces.isEmpty { errs.append(.required("\(path).image")) }
        if let p = c.imagePullPolicy, !supportedPull.contains(p) {
            errs.append(.notSupported("\(path).imagePullPolicy", p, supportedPull))
        }
        var portNames = Set<String>()
        for (i, p) in (c.ports ?? []).enumerated() {
            let pp = "\(path).ports[\(i)]"
            errs += Validator.validatePort(p.containerPort, "\(pp).containerPort")
            if let h = p.hostPort, h != 0 { errs += Validator.validatePort(h, "\(pp).hostPort") }
            errs += Validator.validateProtocol(p.protocol, "\(pp).protocol")
            if let n = p.name, !n.isEmpty {
                if n.count > 15 || !LabelValidation.isDNS1123Label(n) {
                    errs.append(.invalid("\(pp).name", n, "must be no more than 15 characters and contain only lower case alphanumeric characters or '-'"))
                }
                if !portNames.insert(n).inserted { errs.append(.duplicate("\(pp).name", n)) }
            }
        }
        for (i, e) in (c.env ?? []).enumerated() where (e.name ?? "").isEmpty {
            errs.append(.required("\(path).env[\(i)].name"))
        }
        var mountPaths = Set<String>()
        for (i, m) in (c.volumeMounts ?? []).enumerated() {
            let mp = "\(path).volumeMounts[\(i)]"
            if let n = m.name, !n.isEmpty {
                if !volumes.contains(n) {
                    errs.append(.notFound("\(mp).name", n))
                }
            } else {
                errs.append(.required("\(mp).name"))
            }
            if let p = m.mountPath, !p.isEmpty {
                if !mountPaths.insert(p).inserted { errs.append(.invalid("\(mp).mountPath", p, "must be unique")) }
            } else {
                errs.append(.required("\(mp).mountPath"))
            }
        }
        let limits = c.resources?.limits ?? [:]
        let requests = c.resources?.requests ?? [:]
        for (k, q) in limits.sorted(by: { $0.key < $1.key }) where !q.isValid {
            errs.append(quantityError("\(path).resources.limits[\(k)]", q))
        }
        for (k, q) in requests.sorted(by: { $0.key < $1.key }) where !q.isValid {
            errs.append(quantityError("\(path).resources.requests[\(k)]", q))
        }
        for (k, q) in requests.sorted(by: { $0.key < $1.key }) {
            if let l = limits[k], q.isValid, l.isValid, (q.decimal ?? 0) > (l.decimal ?? 0) {
                errs.append(.invalid("\(path).resources.requests", q.text, "must be less than or equal to \(k) limit of \(l.text)"))
            }
            if q.isValid, (q.decimal ?? 0) < 0 {
                errs.append(.invalid("\(path).resources.requests[\(k)]", q.text, "must be greater than or equal to 0"))
            }
        }
        for (name, probe) in [("livenessProbe", c.livenessProbe), ("readinessProbe", c.readinessProbe), ("startupProbe", c.startupProbe)] {
            guard let probe else { continue }
            let pp = "\(path).\(name)"
            let handlers = [probe.exec != nil, probe.httpGet != nil, probe.tcpSocket != nil, probe.grpc != nil].filter { $0 }.count
            if handlers == 0 { errs.append(.required(pp, "must specify a handler type")) }
            if handlers > 1 { errs.append(.forbidden(pp, "may not specify more than 1 handler type")) }
            for (f, v) in [("periodSeconds", probe.periodSeconds), ("timeoutSeconds", probe.timeoutSeconds),
                           ("failureThreshold", probe.failureThreshold), ("successThreshold", probe.successThreshold)] {
                if let v, v < 1 { errs.append(.invalid("\(pp).\(f)", int: Int64(v), "must be greater than or equal to 1")) }
            }
            if name != "readinessProbe", let s = probe.successThreshold, s != 1 {
                errs.append(.invalid("\(pp).successThreshold", int: Int64(s), "must be 1"))
            }
            if case .int(let port)? = probe.httpGet?.port { errs += Validator.validatePort(port, "\(pp).httpGet.port") }
            if case .int(let port)? = probe.tcpSocket?.port { errs += Validator.validatePort(port, "\(pp).tcpSocket.port") }
        }
        if let caps = c.securityContext?.capabilities {
            for (i, cap) in ((caps.add ?? []) + (caps.drop ?? [])).enumerated() where cap.isEmpty {
                errs.append(.required("\(path).securityContext.capabilities[\(i)]"))
            }
        }
        return errs
    }

    /// Kubernetes allows only a few spec fields of an existing pod to change.
    static func validatePodSpecUpdate(_ new: PodSpec, old: PodSpec) -> [FieldError] {
        var a = new
        var b = old
        // Fields that may change: container images, activeDeadlineSeconds,
        // additions to tolerations, and the grace period.
        if a.containers.count == b.containers.count {
            for i in a.containers.indices { a.containers[i].image = b.containers[i].image }
        }
        if let ai = a.initContainers, let bi = b.initContainers, ai.count == bi.count {
            for i in ai.indices { a.initContainers?[i].image = bi[i].image }
        }
        var errs: [FieldError] = []
        if let oldT = b.tolerations, !oldT.isEmpty {
            let newT = a.tolerations ?? []
            if !oldT.allSatisfy({ newT.contains($0) }) {
                errs.append(.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"))
            }
        }
        a.tolerations = nil
        b.tolerations = nil
        a.activeDeadlineSeconds = b.activeDeadlineSeconds
        a.terminationGracePeriodSeconds = b.terminationGracePeriodSeconds
        if a != b {
            errs.append(.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"))
        }
        return errs
    }
}

