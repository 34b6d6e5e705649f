/// Validation of Services, Nodes, ConfigMaps, Secrets and EndpointSlices.
public enum ServiceValidation {
    static let serviceTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

    /// Validates a Service.
    public static func validateService(_ s: Service, old: Service?) -> [FieldError] {
        guard let spec = s.spec else { return [.required("spec")] }
        var errs: [FieldError] = []
        let type = spec.type ?? "ClusterIP"
        if !serviceTypes.contains(type) { errs.append(.notSupported("spec.type", type, serviceTypes)) }
        let ports = spec.ports ?? []
        if ports.isEmpty && type != "ExternalName" && spec.clusterIP != "None" {
            errs.append(.required("spec.ports"))
        }
        var names = Set<String>()
        var seen = Set<String>()
        for (i, p) in ports.enumerated() {
            let pp = "spec.ports[\(i)]"
            if ports.count > 1 && (p.name ?? "").isEmpty {
                errs.append(.required("\(pp).name"))
            } else if let n = p.name, !n.isEmpty {
                for e in LabelValidation.dns1123LabelErrors(n) { errs.append(.invalid("\(pp).name", n, e)) }
                if !names.insert(n).inserted { errs.append(.duplicate("\(pp).name", n)) }
            }
            errs += Validator.validatePort(p.port, "\(pp).port")
            errs += Validator.validateProtocol(p.protocol, "\(pp).protocol")
            let key = "\(p.port)/\(p.protocol ?? "TCP")"
            if !seen.insert(key).inserted {
                errs.append(.duplicate(pp, key))
            }
            switch p.targetPort {
            case .int(let t)?: errs += Validator.validatePort(t, "\(pp).targetPort")
            case .string(let n)?:
                if n.isEmpty || n.count > 15 || !LabelValidation.isDNS1123Label(n) {
                    errs.append(.invalid("\(pp).targetPort", n, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"))
                }
            case nil: break
            }
            if let np = p.nodePort, np != 0 {
                if type != "NodePort" && type != "LoadBalancer" {
                    errs.append(.forbidden("\(pp).nodePort", "may not be used when `type` is '\(type)'"))
                } else if np < 30000 || np > 32767 {
                    errs.append(.invalid("\(pp).nodePort", int: Int64(np), "provided port is not in the valid range. The range of valid ports is 30000-32767"))
                }
            }
        }
        if let a = spec.sessionAffinity, !["None", "ClientIP"].contains(a) {
            errs.append(.notSupported("spec.sessionAffinity", a, ["ClientIP", "None"]))
        }
        if let t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds, t <= 0 || t > 86400 {
            errs.append(.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", int: Int64(t), "must be greater than 0 and less than 86400"))
        }
        for (f, v) in [("externalTrafficPolicy", spec.externalTrafficPolicy), ("internalTrafficPolicy", spec.internalTrafficPolicy)] {
            if let v, !["Cluster", "Local"].contains(v) { errs.append(.notSupported("spec.\(f)", v, ["Cluster", "Local"])) }
        }
        if spec.externalTrafficPolicy != nil, type == "ClusterIP" {
            errs.append(.forbidden("spec.externalTrafficPolicy", "may only be set for externally-accessible services"))
        }
        if type == "ExternalName", (spec.externalName ?? "").isEmpty { errs.append(.required("spec.externalName")) }
        if let ip = spec.clusterIP, !ip.isEmpty, ip != "None", !IPAddressSyntax.isIPv4(ip) && !IPAddressSyntax.isIPv6(ip) {
            errs.append(.invalid("spec.clusterIP", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        }
        errs += validateExternalFields(spec, old: old?.spec, type: type)
        errs += validateLoadBalancerStatus(s.status?.loadBalancer)
        errs += LabelValidation.validateLabels(spec.selector, field: "spec.selector")
        if let old, let oldIP = old.spec?.clusterIP, !oldIP.isEmpty, let newIP = spec.clusterIP, newIP != oldIP,
           type != "ExternalName" {
            errs.append(.invalid("spec.clusterIPs[0]", newIP, "may not change once set"))
        }
        return errs
    }

    /// Validates a Node.
    public static func validateNode(_ n: Node) -> [FieldError] {
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (i, t) in (n.spec?.taints ?? []).enumerated() {
            let p = "spec.taints[\(i)]"
            if t.key.isEmpty { errs.append(.required("\(p).key")) }
            for e in LabelValidation.qualifiedNameErrors(t.key) where !t.key.isEmpty { errs.append(.invalid("\(p).key", t.key, e)) }
            if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(t.effect) {
                errs.append(.notSupported("\(p).effect", t.effect, ["NoExecute", "NoSchedule", "PreferNoSchedule"]))
            }
            if !seen.insert("\(t.key)/\(t.effect)").inserted {
                errs.append(.duplicate(p, "\(t.key)=\(t.value ?? ""):\(t.effect)"))
            }
        }
        for (k, q) in (n.status?.capacity ?? [:]).sorted(by: { $0.key < $1.key }) where !q.isValid {
            errs.append(PodValidation.quantityError("status.capacity[\(k)]", q))
        }
        for (k, q) in (n.status?.allocatable ?? [:]).sorted(by: { $0.key < $1.key }) where !q.isValid {
            errs.append(PodValidation.quantityError("status.allocatable[\(k)]", q))
        }
        return errs
    }

    static func validateDataKeys(_ keys: [String], field: String) -> [FieldError] {
        var errs: [FieldError] = []
        for k in keys.sorted() {
            let ok = !k.isEmpty && k.utf8.count <= 253
                && k.unicodeScalars.allSatisfy { ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "." }
                && k != "." && k != ".."
            if !ok {
                errs.append(.invalid(field, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"))
            }
        }
        return errs
    }

    /// Validates a ConfigMap.
    public static func validateConfigMap(_ c: ConfigMap) -> [FieldError] {
        var errs = validateDataKeys(Array((c.data ?? [:]).keys), field: "data")
        errs += validateDataKeys(Array((c.binaryData ?? [:]).keys), field: "binaryData")
        for k in (c.data ?? [:]).keys where c.binaryData?[k] != nil {
            errs.append(.invalid("data", k, "duplicate of key present in binaryData"))
        }
        let size = (c.data ?? [:]).reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            + (c.binaryData ?? [:]).reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count * 3 / 4 }
        if size > 1024 * 1024 {
            errs.append(FieldError(kind: .tooLong, field: "", value: nil, detail: "may not be more than 1048576 bytes"))
        }
        return errs
    }

    /// Validates a Secret.
    public static func validateSecret(_ s: Secret) -> [FieldError] {
        var errs = validateDataKeys(Array((s.data ?? [:]).keys), field: "data")
        for (k, v) in (s.data ?? [:]).sorted(by: { $0.key < $1.key }) where !Base64.isValid(v) {
            errs.append(.invalid("data[\(k)]", "<secret contents redacted>", "illegal base64 data"))
        }
        if s.type == "kubernetes.io/service-account-token", (s.metadata.annotations?["kubernetes.io/service-account.name"] ?? "").isEmpty {
            errs.append(.required("metadata.annotations[kubernetes.io/service-account.name]"))
        }
        return errs
    }

    /// Validates an EndpointSlice.
    public static func validateEndpointSlice(_ s: EndpointSlice, old: EndpointSlice?) -> [FieldError] {
        var errs: [FieldError] = []
        let types = ["IPv4", "IPv6", "FQDN"]
        if !types.contains(s.addressType) { errs.append(.notSupported("addressType", s.addressType, types)) }
        if let old, old.addressType != s.addressType {
            errs.append(.invalid("addressType", s.addressType, "field is immutable"))
        }
        for (i, e) in (s.endpoints ?? []).enumerated() {
            if e.addresses.isEmpty || e.addresses.count > 100 {
                errs.append(.required("endpoints[\(i)].addresses", "must contain at least 1 address but no more than 100"))
            }
            for (j, a) in e.addresses.enumerated() {
                let ok: Bool
                switch s.addressType {
                case "IPv4": ok = IPAddressSyntax.isIPv4(a)
                case "IPv6": ok = IPAddressSyntax.isIPv6(a)
                default: ok = LabelValidation.dns1123SubdomainErrors(a).isEmpty
                }
                if !ok { errs.append(.invalid("endpoints[\(i)].addresses[\(j)]", a, "must be a valid \(s.addressType) address")) }
            }
        }
        for (i, p) in (s.ports ?? []).enumerated() {
            if let port = p.port { errs += Validator.validatePort(port, "ports[\(i)].port") }
            errs += Validator.validateProtocol(p.protocol, "ports[\(i)].protocol")
        }
        return errs
    }
}

/// IP address syntax checks.
public enum IPAddressSyntax {
    /// True for dotted-quad IPv4 without leading zeros.
    public static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            guard !p.isEmpty, p.count <= 3, let v = Int(p), v <= 255, String(v) == p else { return false }
            return true
        }
    }

    /// True for an IPv6 address in colon notation.
    public static func isIPv6(_ s: String) -> Bool {
        guard s.contains(":"), s.count <= 45 else { return false }
        let doubleColons = s.components(separatedBy: "::").count - 1
        guard doubleColons <= 1 else { return false }
        var groups = s.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        var expected = 8
        if let last = groups.last, last.contains(".") {
            guard isIPv4(last) else { return false }
            groups.removeLast()
            expected = 6
        }
        guard groups.allSatisfy({ $0.count <= 4 && !$0.isEmpty && $0.allSatisfy(\.isHexDigit) }) else { return false }
        return doubleColons == 1 ? groups.count < expected : groups.count == expected
    }
}

/// Base64 checks for Secret data.
public enum Base64 {
    /// True when the text is valid standard base64 with padding.
    public static func isValid(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count % 4 == 0 else { return false }
        for (i, c) in b.enumerated() {
            let alnum = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 43 || c == 47
            if alnum { continue }
            if c == 61, i >= b.count - 2, b[(i + 1)...].allSatisfy({ $0 == 61 }) { continue }
            return false
        }
        return true
    }
}
