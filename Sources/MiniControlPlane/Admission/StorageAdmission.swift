import KubeAPI

/// Upstream's DefaultStorageClass plugin: a new claim that does not set
/// `spec.storageClassName` at all (an empty string asks for no class) gets
/// the class annotated `storageclass.kubernetes.io/is-default-class: "true"`;
/// of several defaults, the newest (then the first by name), as upstream
/// since 1.28.
struct DefaultStorageClass: AdmissionPlugin {
    var name: String { "DefaultStorageClass" }

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.operation == .create, a.isMainResource, a.info.builtinKind == "PersistentVolumeClaim", var obj = a.object else { return }
        if obj[path: ["spec", "storageClassName"]] != nil && obj[path: ["spec", "storageClassName"]]?.isNull != true { return }
        if obj[path: ["metadata", "annotations", "volume.beta.kubernetes.io/storage-class"]] != nil { return }
        guard let name = try await Self.defaultClass(registry) else { return }
        obj.set(path: ["spec", "storageClassName"], to: .string(name))
        a.object = obj
    }

    /// The name of the default class, if any.
    static func defaultClass(_ registry: ResourceStorage) async throws(Status) -> String? {
        let info = ResourceCatalog.info(for: StorageClass.self)
        var defaults: [(name: String, created: String)] = []
        for item in try await registry.list(info, nil, ListQuery()).items {
            let sc = try registry.decode(item, info)
            guard sc[path: ["metadata", "annotations", StorageClass.defaultClassAnnotation]]?.stringValue == "true" else { continue }
            defaults.append((sc[path: ["metadata", "name"]]?.stringValue ?? "",
                             sc[path: ["metadata", "creationTimestamp"]]?.stringValue ?? ""))
        }
        // RFC 3339 times in UTC sort as strings.
        return defaults.max { ($0.created, $1.name) < ($1.created, $0.name) }?.name
    }
}

/// Upstream's StorageObjectInUseProtection plugin: every new claim gets the
/// `kubernetes.io/pvc-protection` finalizer and every new volume the
/// `kubernetes.io/pv-protection` one, which their protection controllers
/// remove once nothing uses them.
struct StorageObjectInUseProtection: AdmissionPlugin {
    var name: String { "StorageObjectInUseProtection" }

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.operation == .create, a.isMainResource, var obj = a.object else { return }
        let finalizer: String
        switch a.info.builtinKind ?? "" {
        case "PersistentVolumeClaim": finalizer = StorageNames.claimProtection
        case "PersistentVolume": finalizer = StorageNames.volumeProtection
        default: return
        }
        var finalizers = obj[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard !finalizers.contains(.string(finalizer)) else { return }
        finalizers.append(.string(finalizer))
        obj.set(path: ["metadata", "finalizers"], to: .array(finalizers))
        a.object = obj
    }
}

/// Upstream's PersistentVolumeClaimResize plugin: a bound claim's request may
/// grow only when its class allows volume expansion.
struct PersistentVolumeClaimResize: AdmissionPlugin {
    var name: String { "PersistentVolumeClaimResize" }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.operation == .update, a.isMainResource, a.info.builtinKind == "PersistentVolumeClaim",
              let new = a.object, let old = a.oldObject else { return }
        let path: [String] = ["spec", "resources", "requests", "storage"]
        let newSize = Quantity(new[path: path]?.stringValue ?? "0").value
        let oldSize = Quantity(old[path: path]?.stringValue ?? "0").value
        guard newSize > oldSize else { return }
        guard old[path: ["status", "phase"]]?.stringValue == "Bound" else {
            throw a.forbidden("spec.resources.requests.storage: only bound persistent volume claims can be expanded")
        }
        let className = new[path: ["spec", "storageClassName"]]?.stringValue ?? ""
        let info = ResourceCatalog.info(for: StorageClass.self)
        var allowed = false
        if !className.isEmpty, let sc = try? await registry.get(info, nil, className) {
            allowed = sc["allowVolumeExpansion"]?.boolValue == true
        }
        if !allowed {
            throw a.forbidden("only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize")
        }
    }
}
