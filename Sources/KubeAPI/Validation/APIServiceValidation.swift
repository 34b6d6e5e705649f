import Foundation

/// APIService validated as kube-aggregator's `ValidateAPIService`, with its
/// paths and wording (the name, a path segment, must be `VERSION.GROUP`).
public enum APIServiceValidation {
    public static func validate(_ s: APIService) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = s.spec
        let group = spec.group ?? "", version = spec.version ?? ""
        let required = version + "." + group
        if let name = s.metadata.name, !name.isEmpty, RBACValidation.pathSegmentNameErrors(name).isEmpty, name != required {
            errs.append(.invalid("metadata.name", name, "must be `spec.version+\".\"+spec.group`: \"\(required)\""))
        }
        if group.isEmpty && version != "v1" {
            errs.append(.required("spec.group", "only v1 may have an empty group and it better be legacy kube"))
        }
        if !group.isEmpty {
            for e in LabelValidation.dns1123SubdomainErrors(group) { errs.append(.invalid("spec.group", group, e)) }
        }
        for e in Validator.dns1035LabelErrors(version) { errs.append(.invalid("spec.version", version, e)) }
        if spec.groupPriorityMinimum <= 0 || spec.groupPriorityMinimum > 20000 {
            errs.append(.invalid("spec.groupPriorityMinimum", int: Int64(spec.groupPriorityMinimum), "must be positive and less than 20000"))
        }
        if spec.versionPriority <= 0 || spec.versionPriority > 1000 {
            errs.append(.invalid("spec.versionPriority", int: Int64(spec.versionPriority), "must be positive and less than 1000"))
        }
        let caBytes = Data(base64Encoded: spec.caBundle ?? "")?.count ?? (spec.caBundle ?? "").utf8.count
        let skip = spec.insecureSkipTLSVerify ?? false
        guard let service = spec.service else {
            if caBytes != 0 { errs.append(.invalid("spec.caBundle", "\(caBytes) bytes", "local APIServices may not have a caBundle")) }
            if skip {
                errs.append(FieldError(kind: .invalid, field: "spec.insecureSkipTLSVerify", value: "true",
                                       detail: "local APIServices may not have insecureSkipTLSVerify"))
            }
            return errs
        }
        if (service.namespace ?? "").isEmpty { errs.append(.required("spec.service.namespace")) }
        if (service.name ?? "").isEmpty { errs.append(.required("spec.service.name")) }
        let port = Int64(service.port ?? 443)
        if !(1...65535).contains(port) {
            errs.append(.invalid("spec.service.port", int: port, "port is not valid: must be between 1 and 65535, inclusive"))
        }
        if skip && caBytes > 0 {
            errs.append(FieldError(kind: .invalid, field: "spec.insecureSkipTLSVerify", value: "true", detail: "may not be true if caBundle is present"))
        }
        return errs
    }

    /// `Available` must be `True`, `False` or `Unknown`.
    public static func validateStatus(_ s: APIService) -> [FieldError] {
        (s.status?.conditions ?? []).enumerated().compactMap { i, c in
            ["True", "False", "Unknown"].contains(c.status) ? nil
                : .notSupported("status.conditions[\(i)].status", c.status, ["True", "False", "Unknown"])
        }
    }
}
