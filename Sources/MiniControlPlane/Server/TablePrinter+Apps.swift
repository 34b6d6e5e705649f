import KubeAPI

extension TablePrinter {
    /// `statefulset.apps/web` for the controller owner of an object, as
    /// upstream's printer writes it; `<none>` without one.
    static func controllerName(_ o: JSONValue) -> String {
        let refs = o[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        guard let ref = refs.first(where: { $0["controller"]?.boolValue == true }),
              let kind = ref["kind"]?.stringValue, let name = ref["name"]?.stringValue else { return "<none>" }
        let apiVersion = ref["apiVersion"]?.stringValue ?? ""
        let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        return (group.isEmpty ? kind : "\(kind).\(group)").lowercased() + "/" + name
    }
}
