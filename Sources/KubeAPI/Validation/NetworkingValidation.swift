/// `networking.k8s.io/v1` Ingress and IngressClass validated as upstream's
/// pkg/apis/networking/validation, with its field paths and messages.
public enum NetworkingValidation {
    static let invalidPathSequences = ["//", "/./", "/../", "%2f", "%2F"]
    static let invalidPathSuffixes = ["/..", "/."]
    static let maxControllerLength = 250

    /// Validates an ingress on create (`old == nil`) or update; a `status`
    /// update checks only the load balancer addresses, as upstream's.
    public static func validateIngress(_ ing: Ingress, old: Ingress?, subresource: String? = nil) -> [FieldError] {
        if subresource == "status" {
            return validateLoadBalancerStatus(ing.status?.loadBalancer, path: "status.loadBalancer")
        }
        let spec = ing.spec ?? IngressSpec()
        var errs = validateIngressSpec(spec, allowInvalidWildcardHostRule: old.map(hasInvalidWildcardHostRule) ?? false,
                                       allowInvalidSecretName: old.map(hasInvalidSecretName) ?? false)
        if old == nil, let annotation = ing.metadata.annotations?[Ingress.classAnnotation],
           let className = spec.ingressClassName, annotation != className {
            errs.append(.invalid("annotations.\(Ingress.classAnnotation)", annotation, "must match `ingressClassName` when both are specified"))
        }
        return errs
    }

    /// Upstream's ValidateIngressSpec.
    static func validateIngressSpec(_ spec: IngressSpec, allowInvalidWildcardHostRule: Bool = false,
                                    allowInvalidSecretName: Bool = false) -> [FieldError] {
        var errs: [FieldError] = []
        let rules = spec.rules ?? []
        if rules.isEmpty && spec.defaultBackend == nil {
            errs.append(FieldError(kind: .invalid, field: "spec", value: "null", detail: "either `defaultBackend` or `rules` must be specified"))
        }
        if let backend = spec.defaultBackend { errs += validateBackend(backend, path: "spec.defaultBackend") }
        for (i, rule) in rules.enumerated() {
            let rp = "spec.rules[\(i)]"
            var wildcard = false
            if let host = rule.host, !host.isEmpty {
                if IPAddressText.isIP(host) { errs.append(.invalid("\(rp).host", host, "must be a DNS name, not an IP address")) }
                if host.contains("*") {
                    for m in wildcardSubdomainErrors(host) { errs.append(.invalid("\(rp).host", host, m)) }
                    wildcard = true
                } else {
                    for m in LabelValidation.dns1123SubdomainErrors(host) { errs.append(.invalid("\(rp).host", host, m)) }
                }
            }
            if !wildcard || !allowInvalidWildcardHostRule, let http = rule.http {
                errs += validateHTTPRule(http, path: "\(rp).http")
            }
        }
        for (t, tls) in (spec.tls ?? []).enumerated() {
            for (i, host) in (tls.hosts ?? []).enumerated() {
                let msgs = host.contains("*") ? wildcardSubdomainErrors(host) : LabelValidation.dns1123SubdomainErrors(host)
                for m in msgs { errs.append(.invalid("spec.tls[\(t)].hosts[\(i)]", host, m)) }
            }
            if !allowInvalidSecretName, let name = tls.secretName, !name.isEmpty {
                for m in LabelValidation.dns1123SubdomainErrors(name) { errs.append(.invalid("spec.tls[\(t)].secretName", name, m)) }
            }
        }
        if let className = spec.ingressClassName {
            for m in LabelValidation.dns1123SubdomainErrors(className) { errs.append(.invalid("spec.ingressClassName", className, m)) }
        }
        return errs
    }

    static func validateHTTPRule(_ http: HTTPIngressRuleValue, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if http.paths.isEmpty { errs.append(.required("\(path).paths")) }
        for (i, p) in http.paths.enumerated() { errs += validatePath(p, path: "\(path).paths[\(i)]") }
        return errs
    }

    /// Upstream's validateHTTPIngressPath.
    static func validatePath(_ p: HTTPIngressPath, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        guard let pathType = p.pathType else { return [.required("\(path).pathType", "pathType must be specified")] }
        let value = p.path ?? ""
        switch pathType {
        case "Exact", "Prefix":
            if !value.hasPrefix("/") { errs.append(.invalid("\(path).path", value, "must be an absolute path")) }
            if !value.isEmpty {
                for seq in invalidPathSequences where value.contains(seq) {
                    errs.append(.invalid("\(path).path", value, "must not contain '\(seq)'"))
                }
                for suffix in invalidPathSuffixes where value.hasSuffix(suffix) {
                    errs.append(.invalid("\(path).path", value, "cannot end with '\(suffix)'"))
                }
            }
        case "ImplementationSpecific":
            if !value.isEmpty && !value.hasPrefix("/") { errs.append(.invalid("\(path).path", value, "must be an absolute path")) }
        default:
            errs.append(.notSupported("\(path).pathType", pathType, HTTPIngressPath.pathTypes))
        }
        errs += validateBackend(p.backend, path: "\(path).backend")
        return errs
    }

    /// Upstream's validateIngressBackend: a service XOR a resource, a port name XOR number.
    static func validateBackend(_ b: IngressBackend, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        switch (b.service, b.resource) {
        case (.some, .some):
            return [.invalid(path, "", "cannot set both resource and service backends")]
        case (nil, let resource?):
            if let group = resource.apiGroup {
                for m in LabelValidation.dns1123SubdomainErrors(group) { errs.append(.invalid("\(path).resource.apiGroup", group, m)) }
            }
            errs += pathSegmentErrors(resource.kind, field: "\(path).resource.kind")
            errs += pathSegmentErrors(resource.name, field: "\(path).resource.name")
        case (let service?, nil):
            if service.name.isEmpty {
                errs.append(.required("\(path).service.name"))
            } else {
                for m in Validator.dns1035LabelErrors(service.name) { errs.append(.invalid("\(path).service.name", service.name, m)) }
            }
            let name = service.port?.name ?? ""
            let number = service.port?.number ?? 0
            if !name.isEmpty && number != 0 {
                errs.append(.invalid(path, "", "cannot set both port name & port number"))
            } else if !name.isEmpty {
                for m in portNameErrors(name) { errs.append(.invalid("\(path).service.port.name", name, m)) }
            } else if number != 0 {
                if number < 1 || number > 65535 {
                    errs.append(.invalid("\(path).service.port.number", int: Int64(number), "must be between 1 and 65535, inclusive"))
                }
            } else {
                errs.append(.required(path, "port name or number is required"))
            }
        case (nil, nil):
            errs.append(.invalid(path, "", "resource or service backend is required"))
        }
        return errs
    }

    static func pathSegmentErrors(_ value: String?, field: String) -> [FieldError] {
        guard let value, !value.isEmpty else { return [.required(field)] }
        return RBACValidation.pathSegmentNameErrors(value).map { .invalid(field, value, $0) }
    }

    /// Upstream's ValidateIngressLoadBalancerStatus.
    static func validateLoadBalancerStatus(_ status: IngressLoadBalancerStatus?, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ingress) in (status?.ingress ?? []).enumerated() {
            let ip = "\(path).ingress[\(i)]"
            if let addr = ingress.ip, !addr.isEmpty, !IPAddressText.isIP(addr) {
                errs.append(.invalid("\(ip).ip", addr, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
            }
            if let host = ingress.hostname, !host.isEmpty {
                for m in LabelValidation.dns1123SubdomainErrors(host) { errs.append(.invalid("\(ip).hostname", host, m)) }
                if IPAddressText.isIP(host) { errs.append(.invalid("\(ip).hostname", host, "must be a DNS name, not an IP address")) }
            }
        }
        return errs
    }

    /// Validates an ingress class on create or update (the controller is immutable).
    public static func validateIngressClass(_ c: IngressClass, old: IngressClass?) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = c.spec ?? IngressClassSpec()
        if let old, (old.spec?.controller ?? "") != (spec.controller ?? "") {
            errs.append(.invalid("spec.controller", spec.controller ?? "", "field is immutable"))
        }
        let controller = spec.controller ?? ""
        if controller.isEmpty {
            errs.append(.required("spec.controller"))
        } else {
            if controller.utf8.count > maxControllerLength {
                errs.append(FieldError(kind: .tooLong, field: "spec.controller", value: nil, detail: "may not be more than \(maxControllerLength) bytes"))
            }
            errs += domainPrefixedPathErrors(controller, field: "spec.controller")
        }
        if let params = spec.parameters { errs += validateParameters(params, path: "spec.parameters") }
        return errs
    }

    static func validateParameters(_ p: IngressClassParametersReference, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if let group = p.apiGroup {
            for m in LabelValidation.dns1123SubdomainErrors(group) { errs.append(.invalid("\(path).apiGroup", group, m)) }
        }
        errs += pathSegmentErrors(p.kind, field: "\(path).kind")
        errs += pathSegmentErrors(p.name, field: "\(path).name")
        guard let scope = p.scope else { return errs + [.required("\(path).scope")] }
        switch scope {
        case "Namespace":
            if let ns = p.namespace {
                for m in LabelValidation.dns1123LabelErrors(ns) { errs.append(.invalid("\(path).namespace", ns, m)) }
            } else {
                errs.append(.required("\(path).namespace", "`parameters.scope` is set to 'Namespace'"))
            }
        case "Cluster":
            if p.namespace != nil { errs.append(.forbidden("\(path).namespace", "`parameters.scope` is set to 'Cluster'")) }
        default:
            errs.append(.notSupported("\(path).scope", scope, ["Cluster", "Namespace"]))
        }
        return errs
    }

    /// Upstream's IsWildcardDNS1123Subdomain.
    public static func wildcardSubdomainErrors(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 253 { errs.append("must be no more than 253 characters") }
        let ok = s.hasPrefix("*.") && LabelValidation.dns1123SubdomainErrors(String(s.dropFirst(2))).isEmpty
        if !ok {
            errs.append("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
        }
        return errs
    }

    /// Upstream's IsValidPortName (an IANA_SVC_NAME).
    public static func portNameErrors(_ s: String) -> [String] {
        var errs: [String] = []
        let b = Array(s.utf8)
        if b.count > 15 { errs.append("must be no more than 15 characters") }
        if b.isEmpty || !b.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
            errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !b.contains(where: { $0 >= 97 && $0 <= 122 }) { errs.append("must contain at least one letter (a-z)") }
        if s.contains("--") { errs.append("must not contain consecutive hyphens") }
        if b.first == 45 || b.last == 45 { errs.append("must not begin or end with a hyphen") }
        return errs
    }

    /// Upstream's IsDomainPrefixedPath.
    static func domainPrefixedPathErrors(_ s: String, field: String) -> [FieldError] {
        let parts = s.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else {
            return [.invalid(field, s, "must be a domain-prefixed path (such as \"acme.io/foo\")")]
        }
        var errs = LabelValidation.dns1123SubdomainErrors(parts[0]).map { FieldError.invalid(field, parts[0], $0) }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-._~%!$&'()*+,;=:".utf8)
        if parts[1].isEmpty || !parts[1].utf8.allSatisfy({ allowed.contains($0) }) {
            errs.append(.invalid(field, parts[1], "Invalid path"))
        }
        return errs
    }

    static func hasInvalidWildcardHostRule(_ old: Ingress) -> Bool {
        (old.spec?.rules ?? []).contains { rule in
            (rule.host ?? "").contains("*") && !(rule.http.map { validateHTTPRule($0, path: "") } ?? []).isEmpty
        }
    }

    static func hasInvalidSecretName(_ old: Ingress) -> Bool {
        (old.spec?.tls ?? []).contains { tls in
            guard let n = tls.secretName, !n.isEmpty else { return false }
            return !LabelValidation.dns1123SubdomainErrors(n).isEmpty
        }
    }
}

/// Recognising IP address literals without a resolver.
enum IPAddressText {
    /// True for a dotted-quad IPv4 or an IPv6 literal.
    static func isIP(_ s: String) -> Bool {
        let quads = s.split(separator: ".", omittingEmptySubsequences: false)
        if quads.count == 4, quads.allSatisfy({ q in !q.isEmpty && q.count <= 3 && q.allSatisfy(\.isNumber) && (Int(q) ?? 256) <= 255 }) {
            return true
        }
        guard s.contains(":") else { return false }
        return s.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." } && s.split(separator: ":").count <= 8
    }
}
