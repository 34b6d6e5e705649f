extension Defaulter {
    /// Upstream's `SetDefaults_CustomResourceDefinition`: the singular name is the
    /// lowercased kind, the list kind `KIND` + `List`, the conversion `None`, a
    /// webhook Service's port 443, and the stored versions start with the storage version.
    func defaultCustomResourceDefinition(_ obj: inout JSONValue) {
        var spec = obj["spec"] ?? .emptyObject
        var names = spec["names"] ?? .emptyObject
        if let kind = names["kind"]?.stringValue, !kind.isEmpty {
            if (names["singular"]?.stringValue ?? "").isEmpty { names["singular"] = .string(kind.lowercased()) }
            if (names["listKind"]?.stringValue ?? "").isEmpty { names["listKind"] = .string(kind + "List") }
        }
        spec["names"] = names
        if spec["conversion"] == nil || spec["conversion"]?.isNull == true {
            spec["conversion"] = .object(["strategy": "None"])
        }
        if spec[path: ["conversion", "webhook", "clientConfig", "service"]]?.objectValue != nil,
           spec[path: ["conversion", "webhook", "clientConfig", "service", "port"]] == nil {
            spec.set(path: ["conversion", "webhook", "clientConfig", "service", "port"], to: 443)
        }
        obj["spec"] = spec
        var status = obj["status"] ?? .emptyObject
        if (status["storedVersions"]?.arrayValue ?? []).isEmpty,
           let storage = spec["versions"]?.arrayValue?.first(where: { $0["storage"]?.boolValue == true })?["name"] {
            status["storedVersions"] = .array([storage])
        }
        obj["status"] = status
    }
}
