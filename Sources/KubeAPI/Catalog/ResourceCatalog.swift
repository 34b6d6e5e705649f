/// Everything the API knows about one resource type.
public struct ResourceInfo: Sendable, Hashable {
    /// API group, "" for core.
    public var group: String
    public var version: String
    public var kind: String
    /// Plural name in URLs.
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var namespaced: Bool
    public var categories: [String]
    /// Subresources served (`status`, `scale`, `binding`, `eviction`, `ephemeralcontainers`, ...).
    public var subresources: [String]
    /// The Swift model of the resource's objects: strict field validation,
    /// OpenAPI schemas and strategic-merge-patch metadata all come from it.
    public var model: ModelType?
    /// Set when the objects live in another version's storage (converted on
    /// the way in and out); nil when this version is the storage version.
    public var conversion: ConversionType?
    /// Set for a custom resource (a served version of a CustomResourceDefinition); nil for a built-in.
    public var custom: CustomResourceInfo?

    public init(group: String, version: String, kind: String, plural: String, singular: String, shortNames: [String],
                namespaced: Bool, categories: [String], subresources: [String], model: ModelType? = nil,
                conversion: ConversionType? = nil, custom: CustomResourceInfo? = nil) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.categories = categories
        self.subresources = subresources
        self.model = model
        self.conversion = conversion
        self.custom = custom
    }

    /// The kind of a list of these objects (`PodList`; a custom resource's `listKind`).
    public var listKind: String { custom?.listKind ?? kind + "List" }

    /// Whether the resource is one of the API server's own (kind-specific validation, defaulting and admission apply).
    public var isBuiltin: Bool { custom == nil }

    /// The kind for code that handles built-in kinds by name: nil for a custom resource,
    /// so a custom kind that happens to be called `Pod` or `Role` never takes a built-in's path.
    public var builtinKind: String? { custom == nil ? kind : nil }

    /// Whether objects are stored in this version (so it is the one entry to walk when every object is visited).
    public var isStorageVersion: Bool { custom.map { $0.storageVersion == version } ?? (conversion == nil) }

    /// `v1` or `apps/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `pods` or `deployments.apps`.
    public var groupResource: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// The verbs discovery lists.
    public var verbs: [String] {
        if kind == "Binding" { return ["create"] }
        if kind == "ComponentStatus" { return ["get", "list"] }
        return ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    }

    /// The storage key prefix of this resource, e.g. `/registry/pods/`
    /// (the storage version's, for a resource served in another version).
    public var keyPrefix: String {
        guard let storage = conversion?.type.storageGroup else { return "/registry/\(groupResource)/" }
        return "/registry/\(storage.isEmpty ? plural : "\(plural).\(storage)")/"
    }

    /// An object of this resource in its stored form.
    public func toStorage(_ object: JSONValue) -> JSONValue {
        if let custom, custom.storageVersion != version { return withAPIVersion(object, custom.storageVersion) }
        return conversion.map { $0.type.toStorage(object) } ?? object
    }

    /// A stored object in this resource's version.
    public func fromStorage(_ object: JSONValue) -> JSONValue {
        if let custom, custom.storageVersion != version { return withAPIVersion(object, version) }
        return conversion.map { $0.type.fromStorage(object, apiVersion: apiVersion) } ?? object
    }

    /// A custom resource's versions differ only in `apiVersion` (conversion strategy `None`).
    private func withAPIVersion(_ object: JSONValue, _ version: String) -> JSONValue {
        var o = object
        o["apiVersion"] = .string("\(group)/\(version)")
        return o
    }

    /// The storage key of one object.
    public func key(namespace: String?, name: String) -> String {
        if namespaced { return "\(keyPrefix)\(namespace ?? "")/\(name)" }
        return keyPrefix + name
    }

    /// The storage prefix of one namespace (or all objects when nil).
    public func prefix(namespace: String?) -> String {
        if namespaced, let namespace, !namespace.isEmpty { return "\(keyPrefix)\(namespace)/" }
        return keyPrefix
    }
}

/// The resources this API serves.
public enum ResourceCatalog {
    private static func r<T: KubeObject>(
        _ model: T.Type, _ group: String, _ plural: String, short: [String] = [], namespaced: Bool = true,
        all: Bool = false, sub: [String] = [], storedAs conversion: (any StorageConversion.Type)? = nil
    ) -> ResourceInfo {
        ResourceInfo(group: group, version: String(T.apiVersion.split(separator: "/").last ?? "v1"), kind: T.kind, plural: plural, singular: T.kind.lowercased(),
                     shortNames: short, namespaced: namespaced, categories: all ? ["all"] : [], subresources: sub,
                     model: ModelType(T.self), conversion: conversion.map { ConversionType($0) })
    }

    /// All served resources, in discovery order.
    public static let all: [ResourceInfo] = [
        r(Namespace.self, "", "namespaces", short: ["ns"], namespaced: false, sub: ["status", "finalize"]),
        r(Pod.self, "", "pods", short: ["po"], all: true, sub: ["status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers"]),
        r(Node.self, "", "nodes", short: ["no"], namespaced: false, sub: ["status", "proxy"]),
        r(Service.self, "", "services", short: ["svc"], all: true, sub: ["status", "proxy"]),
        r(Endpoints.self, "", "endpoints", short: ["ep"]),
        r(ConfigMap.self, "", "configmaps", short: ["cm"]),
        r(Secret.self, "", "secrets"),
        r(ServiceAccount.self, "", "serviceaccounts", short: ["sa"], sub: ["token"]),
        r(Event.self, "", "events", short: ["ev"]),
        r(Binding.self, "", "bindings"),
        r(PodTemplate.self, "", "podtemplates"),
        r(ComponentStatus.self, "", "componentstatuses", short: ["cs"], namespaced: false),
        r(LimitRange.self, "", "limitranges", short: ["limits"]),
        r(ResourceQuota.self, "", "resourcequotas", short: ["quota"], sub: ["status"]),
        r(PersistentVolume.self, "", "persistentvolumes", short: ["pv"], namespaced: false, sub: ["status"]),
        r(PersistentVolumeClaim.self, "", "persistentvolumeclaims", short: ["pvc"], sub: ["status"]),
        r(ReplicationController.self, "", "replicationcontrollers", short: ["rc"], all: true, sub: ["status", "scale"]),
        r(Deployment.self, "apps", "deployments", short: ["deploy"], all: true, sub: ["status", "scale"]),
        r(ReplicaSet.self, "apps", "replicasets", short: ["rs"], all: true, sub: ["status", "scale"]),
        r(DaemonSet.self, "apps", "daemonsets", short: ["ds"], all: true, sub: ["status"]),
        r(StatefulSet.self, "apps", "statefulsets", short: ["sts"], all: true, sub: ["status", "scale"]),
        r(ControllerRevision.self, "apps", "controllerrevisions"),
        r(HorizontalPodAutoscaler.self, "autoscaling", "horizontalpodautoscalers", short: ["hpa"], all: true, sub: ["status"]),
        r(HorizontalPodAutoscalerV1.self, "autoscaling", "horizontalpodautoscalers", short: ["hpa"], all: true, sub: ["status"],
          storedAs: AutoscalingV1Conversion.self),
        r(Job.self, "batch", "jobs", all: true, sub: ["status"]),
        r(CronJob.self, "batch", "cronjobs", short: ["cj"], all: true, sub: ["status"]),
        r(EndpointSlice.self, "discovery.k8s.io", "endpointslices"),
        r(Lease.self, "coordination.k8s.io", "leases"),
        r(EventsV1Event.self, "events.k8s.io", "events", short: ["ev"], storedAs: EventsV1Conversion.self),
        r(CertificateSigningRequest.self, "certificates.k8s.io", "certificatesigningrequests", short: ["csr"], namespaced: false,
          sub: ["status", "approval"]),
        r(ClusterRoleBinding.self, "rbac.authorization.k8s.io", "clusterrolebindings", namespaced: false),
        r(ClusterRole.self, "rbac.authorization.k8s.io", "clusterroles", namespaced: false),
        r(RoleBinding.self, "rbac.authorization.k8s.io", "rolebindings"),
        r(Role.self, "rbac.authorization.k8s.io", "roles"),
        r(StorageClass.self, "storage.k8s.io", "storageclasses", short: ["sc"], namespaced: false),
        r(CSIDriver.self, "storage.k8s.io", "csidrivers", namespaced: false),
        r(CSINode.self, "storage.k8s.io", "csinodes", namespaced: false),
        r(VolumeAttachment.self, "storage.k8s.io", "volumeattachments", namespaced: false, sub: ["status"]),
        r(CustomResourceDefinition.self, "apiextensions.k8s.io", "customresourcedefinitions", short: ["crd", "crds"], namespaced: false,
          sub: ["status"]),
        r(PriorityClass.self, "scheduling.k8s.io", "priorityclasses", short: ["pc"], namespaced: false),
        r(ValidatingWebhookConfiguration.self, "admissionregistration.k8s.io", "validatingwebhookconfigurations", namespaced: false),
        r(MutatingWebhookConfiguration.self, "admissionregistration.k8s.io", "mutatingwebhookconfigurations", namespaced: false),
        r(ValidatingAdmissionPolicy.self, "admissionregistration.k8s.io", "validatingadmissionpolicies", namespaced: false, sub: ["status"]),
        r(ValidatingAdmissionPolicyBinding.self, "admissionregistration.k8s.io", "validatingadmissionpolicybindings", namespaced: false),
        r(IngressClass.self, "networking.k8s.io", "ingressclasses", namespaced: false),
        r(Ingress.self, "networking.k8s.io", "ingresses", short: ["ing"], sub: ["status"]),
        r(PodDisruptionBudget.self, "policy", "poddisruptionbudgets", short: ["pdb"], sub: ["status"]),
        r(NetworkPolicy.self, "networking.k8s.io", "networkpolicies", short: ["netpol"]),
        r(FlowSchema.self, "flowcontrol.apiserver.k8s.io", "flowschemas", namespaced: false, sub: ["status"]),
        r(PriorityLevelConfiguration.self, "flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", namespaced: false, sub: ["status"]),
        r(APIService.self, "apiregistration.k8s.io", "apiservices", namespaced: false, sub: ["status"]),
    ]

    /// API groups other than core, with their versions, in discovery order.
    public static let groups: [String] = ["apiregistration.k8s.io", "apps", "autoscaling", "batch", "discovery.k8s.io", "coordination.k8s.io", "events.k8s.io", "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io", "scheduling.k8s.io", "flowcontrol.apiserver.k8s.io"]

    /// The built-in resources, the same in every API server (a ``ResourceRegistry`` adds custom ones).
    public static let builtins = ResourceSet(all, groups: groups)

    /// Looks a built-in resource up by group and plural name, in the group's preferred version.
    public static func find(group: String, plural: String) -> ResourceInfo? { builtins.find(group: group, plural: plural) }

    /// Looks a built-in resource up by group, version and plural name.
    public static func find(group: String, version: String, plural: String) -> ResourceInfo? {
        builtins.find(group: group, version: version, plural: plural)
    }

    /// See ``ResourceSet/scalable(kind:apiVersion:)``.
    public static func scalable(kind: String, apiVersion: String?) -> ResourceInfo? { builtins.scalable(kind: kind, apiVersion: apiVersion) }

    /// The built-in kinds served with a `scale` subresource.
    public static var scalableKinds: [String] {
        all.filter { $0.subresources.contains("scale") && $0.conversion == nil }.map(\.kind)
    }

    /// The versions a built-in group is served in, the preferred (storage) one first.
    public static func versions(group: String) -> [String] { builtins.versions(group: group) }

    /// Built-in resources of one group-version.
    public static func resources(group: String, version: String) -> [ResourceInfo] { builtins.resources(group: group, version: version) }

    /// Looks a built-in resource up by apiVersion and kind.
    public static func find(apiVersion: String, kind: String) -> ResourceInfo? { builtins.find(apiVersion: apiVersion, kind: kind) }

    /// The info of a typed object.
    public static func info<T: KubeObject>(for type: T.Type) -> ResourceInfo {
        let group = T.apiVersion.contains("/") ? String(T.apiVersion.split(separator: "/")[0]) : ""
        let version = String(T.apiVersion.split(separator: "/").last ?? "v1")
        return find(group: group, version: version, plural: T.resource)
            ?? ResourceInfo(group: group, version: version, kind: T.kind, plural: T.resource, singular: T.kind.lowercased(),
                            shortNames: [], namespaced: T.namespaced, categories: [], subresources: [])
    }
}
