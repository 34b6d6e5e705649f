/// Name, label and annotation rules with Kubernetes' messages.
public enum LabelValidation {
    static let dns1123LabelMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    static let dns1123SubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    static let qualifiedNameMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
    private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 65 && c <= 90) }

    /// True for `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
    public static func isDNS1123Label(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, let l = b.last, isLowerAlnum(f), isLowerAlnum(l) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == 45 }
    }

    /// Errors for a DNS-1123 label (at most 63 characters).
    public static func dns1123LabelErrors(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append("must be no more than 63 characters") }
        if !isDNS1123Label(s) {
            errs.append(dns1123LabelMsg + " (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
        }
        return errs
    }

    /// Errors for a DNS-1123 subdomain (at most 253 characters).
    public static func dns1123SubdomainErrors(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 253 { errs.append("must be no more than 253 characters") }
        let ok = !s.isEmpty && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNS1123Label(String($0)) }
        if !ok {
            errs.append(dns1123SubdomainMsg + " (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
        }
        return errs
    }

    private static func isQualifiedNamePart(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, let l = b.last, isAlnum(f), isAlnum(l) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// Errors for a qualified name such as a label key (`example.com/name`).
    public static func qualifiedNameErrors(_ s: String) -> [String] {
        var errs: [String] = []
        let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var name = s
        if parts.count == 2 {
            name = parts[1]
            if parts[0].isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs += dns1123SubdomainErrors(parts[0]).map { "prefix part " + $0 }
            }
        } else if parts.count > 2 {
            return ["a qualified name " + qualifiedNameMsg + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errs.append("name part must be no more than 63 characters")
        }
        if !name.isEmpty && !isQualifiedNamePart(name) {
            errs.append("name part " + qualifiedNameMsg + " (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
        }
        return errs
    }

    /// Errors for a label value (empty is allowed).
    public static func labelValueErrors(_ s: String) -> [String] {
        if s.isEmpty { return [] }
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append("must be no more than 63 characters") }
        if !isQualifiedNamePart(s) {
            errs.append(labelValueMsg + " (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
        }
        return errs
    }

    /// Field errors for a label map.
    public static func validateLabels(_ labels: [String: String]?, field: String) -> [FieldError] {
        var out: [FieldError] = []
        for (k, v) in (labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            for e in qualifiedNameErrors(k) { out.append(.invalid(field, k, e)) }
            for e in labelValueErrors(v) { out.append(.invalid(field, v, e)) }
        }
        return out
    }

    /// Field errors for an annotation map (keys, and 256 KiB in total).
    public static func validateAnnotations(_ annotations: [String: String]?, field: String) -> [FieldError] {
        var out: [FieldError] = []
        var total = 0
        for (k, v) in (annotations ?? [:]).sorted(by: { $0.key < $1.key }) {
            for e in qualifiedNameErrors(k.lowercased()) { out.append(.invalid(field, k, e)) }
            total += k.utf8.count + v.utf8.count
        }
        if total > 256 * 1024 {
            out.append(FieldError(kind: .tooLong, field: field, value: nil, detail: "may not be more than 262144 bytes"))
        }
        return out
    }
}
