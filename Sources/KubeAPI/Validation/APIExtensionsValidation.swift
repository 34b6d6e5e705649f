import Foundation

/// `apiextensions.k8s.io` objects, validated as upstream's
/// `apiextensions-apiserver/pkg/apis/apiextensions/validation` does, with its
/// field paths and wording (after the defaults: singular, listKind, the
/// `None` conversion and the stored version, see ``Defaulter``). The version
/// schemas' own rules (structural, types, list types, defaults, CEL) are
/// ``StructuralSchema``'s.
public enum APIExtensionsValidation {
    /// The types a printer column may have.
    static let printerColumnTypes = ["boolean", "date", "integer", "number", "string"]
    /// The formats a printer column may have.
    static let printerColumnFormats = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]
    /// The `ConversionReview` versions this API server sends.
    static let conversionReviewVersions = ["v1", "v1beta1"]
    /// How many selectable fields a version may have.
    static let maxSelectableFields = 8

    public static func validate(_ crd: CustomResourceDefinition, old: CustomResourceDefinition?) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = crd.spec
        if let name = crd.metadata.name, !name.isEmpty, name != "\(spec.names.plural).\(spec.group)" {
            errs.append(.invalid("metadata.name", name, #"must be spec.names.plural+"."+spec.group"#))
        }
        errs += validateSpec(spec)
        if let old {
            // The resource's storage key: never changed; the kind and scope neither, once served.
            if spec.group != old.spec.group { errs.append(.invalid("spec.group", spec.group, "field is immutable")) }
            if spec.names.plural != old.spec.names.plural { errs.append(.invalid("spec.names.plural", spec.names.plural, "field is immutable")) }
            if old.condition("Established")?.status == "True" {
                if spec.scope != old.spec.scope { errs.append(.invalid("spec.scope", spec.scope, "field is immutable")) }
                if spec.names.kind != old.spec.names.kind { errs.append(.invalid("spec.names.kind", spec.names.kind, "field is immutable")) }
            }
        }
        if let accepted = crd.status?.acceptedNames { errs += validateNames(accepted, path: "status.acceptedNames") }
        errs += validateStoredVersions(crd.status?.storedVersions ?? [], versions: spec.versions)
        errs += validateAPIApproval(crd, old: old)
        if spec.preserveUnknownFields == true, old?.spec.preserveUnknownFields != true {
            errs.append(FieldError(kind: .invalid, field: "spec.preserveUnknownFields", value: "true",
                                   detail: "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"))
        }
        return errs
    }

    static func validateSpec(_ spec: CustomResourceDefinitionSpec) -> [FieldError] {
        var errs: [FieldError] = []
        if spec.group.isEmpty {
            errs.append(.required("spec.group"))
        } else if case let e = LabelValidation.dns1123SubdomainErrors(spec.group), !e.isEmpty {
            errs.append(.invalid("spec.group", spec.group, e.joined(separator: ",")))
        } else if !spec.group.contains(".") {
            errs.append(.invalid("spec.group", spec.group, "should be a domain with at least one dot"))
        }
        let scopes = [CustomResourceDefinitionSpec.clusterScope, CustomResourceDefinitionSpec.namespacedScope]
        if spec.scope.isEmpty {
            errs.append(.required("spec.scope"))
        } else if !scopes.contains(spec.scope) {
            errs.append(.notSupported("spec.scope", spec.scope, scopes))
        }

        var seen = Set<String>()
        var unique = true
        for (i, version) in spec.versions.enumerated() {
            let path = "spec.versions[\(i)]"
            if !seen.insert(version.name).inserted { unique = false }
            let nameErrs = Validator.dns1035LabelErrors(version.name)
            if !nameErrs.isEmpty { errs.append(.invalid(path + ".name", version.name, nameErrs.joined(separator: ","))) }
            if let schema = version.schema?.openAPIV3Schema {
                errs += StructuralSchema.parse(schema, path: path + ".schema.openAPIV3Schema").errors
            } else {
                errs.append(.required(path + ".schema.openAPIV3Schema"))
            }
            errs += validateVersion(version, path: path)
        }
        if !unique { errs.append(.invalid("spec.versions", "", "must contain unique version names")) }
        if spec.versions.filter(\.storage).count != 1 {
            errs.append(.invalid("spec.versions", "", "must have exactly one version marked as storage version"))
        }

        for (field, value) in [("plural", spec.names.plural), ("singular", spec.names.singular ?? ""), ("kind", spec.names.kind),
                               ("listKind", spec.names.listKind ?? "")] where value.isEmpty {
            errs.append(.required("spec.names.\(field)"))
        }
        errs += validateNames(spec.names, path: "spec.names")
        errs += validateConversion(spec.conversion)
        return errs
    }

    static func validateVersion(_ version: CustomResourceDefinitionVersion, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if let warning = version.deprecationWarning {
            if version.deprecated != true {
                errs.append(.invalid(path + ".deprecationWarning", warning, "can only be set for deprecated versions"))
            } else if warning.isEmpty {
                errs.append(.invalid(path + ".deprecationWarning", warning, "must not be an empty string"))
            } else if warning.utf8.count > 256 {
                errs.append(.invalid(path + ".deprecationWarning", warning, "must be <= 256 characters long"))
            } else if let i = warning.unicodeScalars.firstIndex(where: { $0.properties.generalCategory == .control }) {
                let offset = warning.unicodeScalars.distance(from: warning.unicodeScalars.startIndex, to: i)
                errs.append(.invalid(path + ".deprecationWarning", warning,
                                     "must only contain printable UTF-8 characters; control character found at index \(offset)"))
            }
        }
        if let scale = version.subresources?.scale { errs += validateScale(scale, path: path + ".subresources") }
        for (i, column) in (version.additionalPrinterColumns ?? []).enumerated() {
            errs += validateColumn(column, path: "\(path).additionalPrinterColumns[\(i)]")
        }
        var selectable = Set<String>()
        for (i, field) in (version.selectableFields ?? []).enumerated() {
            let fieldPath = "\(path).selectableFields[\(i)].jsonPath"
            if field.jsonPath.isEmpty {
                errs.append(.required(fieldPath))
            } else if field.jsonPath.hasPrefix(".metadata") {
                errs.append(.invalid(fieldPath, field.jsonPath, "must not point to fields in metadata"))
            } else if !selectable.insert(field.jsonPath).inserted {
                errs.append(.duplicate(fieldPath, field.jsonPath))
            }
        }
        if selectable.count > maxSelectableFields {
            errs.append(FieldError(kind: .invalid, field: path + ".selectableFields", value: String(selectable.count),
                                   detail: "must have at most \(maxSelectableFields) items"))
        }
        return errs
    }

    static func validateScale(_ scale: CustomResourceSubresourceScale, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let paths: [(String, String?, [String], String)] = [
            ("scale.specReplicasPath", scale.specReplicasPath, [".spec."], "should be a json path under .spec"),
            ("scale.statusReplicasPath", scale.statusReplicasPath, [".status."], "should be a json path under .status"),
            ("scale.labelSelectorPath", scale.labelSelectorPath, [".spec.", ".status."], "should be a json path under either .spec or .status"),
        ]
        for (name, value, prefixes, message) in paths {
            let field = "\(path).\(name)"
            guard let value, !value.isEmpty else {
                if name != "scale.labelSelectorPath" { errs.append(.required(field)) }
                continue
            }
            if let e = simpleJSONPathError(value) {
                errs.append(.invalid(field, value, e))
            } else if !((try? JSONPathExpression(value))?.isSimpleFieldPath ?? false) {
                errs.append(.invalid(field, value, "must be a simple json path of field names"))
            } else if !prefixes.contains(where: value.hasPrefix) {
                errs.append(.invalid(field, value, message))
            }
        }
        return errs
    }

    static func validateColumn(_ column: CustomResourceColumnDefinition, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if column.name.isEmpty { errs.append(.required(path + ".name")) }
        let types = "must be one of " + printerColumnTypes.joined(separator: ",")
        if column.type.isEmpty {
            errs.append(.required(path + ".type", types))
        } else if !printerColumnTypes.contains(column.type) {
            errs.append(.invalid(path + ".type", column.type, types))
        }
        if let format = column.format, !format.isEmpty, !printerColumnFormats.contains(format) {
            errs.append(.invalid(path + ".format", format, "must be one of " + printerColumnFormats.joined(separator: ",")))
        }
        if column.jsonPath.isEmpty {
            errs.append(.required(path + ".JSONPath"))
        } else if let e = simpleJSONPathError(column.jsonPath) {
            errs.append(.invalid(path + ".JSONPath", column.jsonPath, e))
        }
        return errs
    }

    /// Upstream's `validateSimpleJSONPath`: starts with `.` and parses as a JSONPath.
    static func simpleJSONPathError(_ s: String) -> String? {
        if s.isEmpty { return "must not be empty" }
        if !s.hasPrefix(".") { return "must be a simple json path starting with ." }
        do {
            _ = try JSONPathExpression(s)
        } catch {
            return "must be a simple json path: \(error.description)"
        }
        return nil
    }

    static func validateNames(_ names: CustomResourceDefinitionNames, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        func label(_ field: String, _ value: String, lowercased: Bool = false) {
            guard !value.isEmpty else { return }
            let e = Validator.dns1035LabelErrors(lowercased ? value.lowercased() : value)
            guard !e.isEmpty else { return }
            let detail = e.joined(separator: ",")
            errs.append(.invalid("\(path).\(field)", value, lowercased ? "may have mixed case, but should otherwise match: " + detail : detail))
        }
        label("plural", names.plural)
        label("singular", names.singular ?? "")
        label("kind", names.kind, lowercased: true)
        label("listKind", names.listKind ?? "", lowercased: true)
        for (i, short) in (names.shortNames ?? []).enumerated() { label("shortNames[\(i)]", short) }
        if !names.kind.isEmpty, names.kind == names.listKind {
            errs.append(.invalid(path + ".listKind", names.kind, "kind and listKind may not be the same"))
        }
        for (i, category) in (names.categories ?? []).enumerated() { label("categories[\(i)]", category) }
        return errs
    }

    static func validateConversion(_ conversion: CustomResourceConversion?) -> [FieldError] {
        guard let conversion else { return [] }
        var errs: [FieldError] = []
        let strategies = ["None", "Webhook"]
        if conversion.strategy.isEmpty {
            errs.append(.required("spec.conversion.strategy"))
        } else if !strategies.contains(conversion.strategy) {
            errs.append(.notSupported("spec.conversion.strategy", conversion.strategy, strategies))
        }
        guard conversion.strategy == "Webhook" else {
            if conversion.webhook?.clientConfig != nil {
                errs.append(.forbidden("spec.conversion.webhookClientConfig", "should not be set when strategy is not set to Webhook"))
            }
            if !(conversion.webhook?.conversionReviewVersions ?? []).isEmpty {
                errs.append(.forbidden("spec.conversion.conversionReviewVersions", "should not be set when strategy is not set to Webhook"))
            }
            return errs
        }
        // Upstream validates its internal form, whose paths users see: `webhookClientConfig`, not `webhook.clientConfig`.
        let path = "spec.conversion"
        if let config = conversion.webhook?.clientConfig {
            errs += WebhookClientValidation.validate(config, path: path + ".webhookClientConfig")
        } else {
            errs.append(.required(path + ".webhookClientConfig", "required when strategy is set to Webhook"))
        }
        let versions = conversion.webhook?.conversionReviewVersions ?? []
        if versions.isEmpty {
            errs.append(.required(path + ".conversionReviewVersions"))
        } else {
            var seen = Set<String>()
            for (i, v) in versions.enumerated() {
                if !seen.insert(v).inserted {
                    errs.append(.invalid("\(path).conversionReviewVersions[\(i)]", v, "duplicate version"))
                    continue
                }
                for e in Validator.dns1035LabelErrors(v) { errs.append(.invalid("\(path).conversionReviewVersions[\(i)]", v, e)) }
            }
            if !versions.contains(where: conversionReviewVersions.contains) {
                errs.append(.invalid(path + ".conversionReviewVersions", versions.joined(separator: ","),
                                     "must include at least one of " + conversionReviewVersions.joined(separator: ", ")))
            }
        }
        return errs
    }

    /// Every version objects were stored in must still be served, and the storage version must be among them.
    static func validateStoredVersions(_ stored: [String], versions: [CustomResourceDefinitionVersion]) -> [FieldError] {
        let path = "status.storedVersions"
        guard !stored.isEmpty else { return [.invalid(path, "", "must have at least one stored version")] }
        var errs: [FieldError] = []
        if let storage = versions.first(where: \.storage), !stored.contains(storage.name) {
            errs.append(.invalid(path, stored.joined(separator: ","), "must have the storage version " + storage.name))
        }
        let names = Set(versions.map(\.name))
        for (i, v) in stored.enumerated() where !names.contains(v) {
            errs.append(.invalid("\(path)[\(i)]", v, "missing from spec.versions; \(v) was previously a storage version, and must remain in spec.versions "
                                 + "until a storage migration ensures no data remains persisted in \(v) and removes \(v) from status.storedVersions"))
        }
        return errs
    }

    /// Groups under `k8s.io` and `kubernetes.io` are the Kubernetes project's: a definition there names the API review that approved it.
    static func validateAPIApproval(_ crd: CustomResourceDefinition, old: CustomResourceDefinition?) -> [FieldError] {
        let group = crd.spec.group
        guard group == "k8s.io" || group.hasSuffix(".k8s.io") || group == "kubernetes.io" || group.hasSuffix(".kubernetes.io") else { return [] }
        let key = CustomResourceDefinition.approvedAnnotation
        let value = crd.metadata.annotations?[key] ?? ""
        if let old, Self.approvalState(old.metadata.annotations?[key] ?? "") == Self.approvalState(value) { return [] }
        let field = "metadata.annotations[\(key)]"
        switch approvalState(value) {
        case .approved, .bypassed:
            return []
        case .missing:
            return [.required(field, "protected groups must have approval annotation \"\(key)\", see https://github.com/kubernetes/enhancements/pull/1111")]
        case .invalid:
            return [.invalid(field, value, "protected groups must have approval annotation \"\(key)\" with either a URL or a reason starting with "
                             + "\"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111")]
        }
    }

    enum ApprovalState { case missing, bypassed, approved, invalid }

    static func approvalState(_ value: String) -> ApprovalState {
        if value.isEmpty { return .missing }
        if value.hasPrefix("unapproved") { return .bypassed }
        if let url = URL(string: value), url.scheme?.isEmpty == false, url.host?.isEmpty == false { return .approved }
        return .invalid
    }
}

/// Where a webhook is reached (`url` or `service`), as upstream's `webhook.ValidateWebhookURL` and `ValidateWebhookService`.
public enum WebhookClientValidation {
    public static func validate(_ config: WebhookClientConfig, path: String) -> [FieldError] {
        switch (config.url, config.service) {
        case (nil, nil), (.some, .some):
            return [.required(path, "exactly one of url or service is required")]
        case (let url?, nil):
            return validateURL(url, path: path + ".url")
        case (nil, let service?):
            return validateService(service, path: path + ".service")
        }
    }

    static func validateURL(_ value: String, path: String) -> [FieldError] {
        guard let url = URLComponents(string: value) else { return [.invalid(path, value, "url must be a valid URL")] }
        var errs: [FieldError] = []
        if url.scheme != "https" { errs.append(.invalid(path, value, "'https' is the only allowed URL scheme")) }
        if (url.host ?? "").isEmpty { errs.append(.invalid(path, value, "host must be specified")) }
        if url.user != nil { errs.append(.invalid(path, value, "user information is not permitted in the URL")) }
        if url.fragment != nil { errs.append(.invalid(path, value, "fragments are not permitted in the URL")) }
        if url.query != nil { errs.append(.invalid(path, value, "query parameters are not permitted in the URL")) }
        return errs
    }

    static func validateService(_ service: WebhookServiceReference, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if service.name.isEmpty { errs.append(.required(path + ".name", "service name is required")) }
        if service.namespace.isEmpty { errs.append(.required(path + ".namespace", "service namespace is required")) }
        if let port = service.port, !(1...65535).contains(port) {
            errs.append(.invalid(path + ".port", int: Int64(port), "port is not valid: must be between 1 and 65535, inclusive"))
        }
        if let p = service.path, !p.isEmpty {
            if !p.hasPrefix("/") {
                errs.append(.invalid(path + ".path", p, "must start with a '/'"))
            } else if p.count > 1, p.split(separator: "/", omittingEmptySubsequences: false).dropFirst().contains(where: \.isEmpty) {
                errs.append(.invalid(path + ".path", p, "segment[] may not be empty"))
            }
        }
        return errs
    }
}
