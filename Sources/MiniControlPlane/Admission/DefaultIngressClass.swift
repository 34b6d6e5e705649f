import KubeAPI

/// Upstream's DefaultIngressClass plugin: a new ingress that names no class
/// (neither `spec.ingressClassName` nor the legacy
/// `kubernetes.io/ingress.class` annotation) gets the class annotated
/// `ingressclass.kubernetes.io/is-default-class: "true"`; with more than one
/// such class the request is refused, as upstream's.
struct DefaultIngressClass: AdmissionPlugin {
    var name: String { "DefaultIngressClass" }

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.operation == .create, a.isMainResource, a.info.builtinKind == "Ingress", var obj = a.object else { return }
        if let cls = obj[path: ["spec", "ingressClassName"]], !cls.isNull { return }
        if obj[path: ["metadata", "annotations", Ingress.classAnnotation]] != nil { return }
        let info = ResourceCatalog.info(for: IngressClass.self)
        var defaults: [String] = []
        for item in try await registry.list(info, nil, ListQuery()).items {
            let cls = try registry.decode(item, info)
            if cls[path: ["metadata", "annotations", IngressClass.defaultClassAnnotation]]?.stringValue == "true" {
                defaults.append(cls[path: ["metadata", "name"]]?.stringValue ?? "")
            }
        }
        guard let only = defaults.first else { return }
        guard defaults.count == 1 else {
            throw a.forbidden("Internal error occurred: \(defaults.count) default IngressClasses were found, only 1 allowed")
        }
        obj.set(path: ["spec", "ingressClassName"], to: .string(only))
        a.object = obj
    }
}
