/// A custom resource definition (`apiextensions.k8s.io/v1`): a resource the
/// API server serves from then on, under `/apis/GROUP/VERSION/PLURAL`, whose
/// objects are validated, pruned and defaulted by the version's structural
/// OpenAPI v3 schema instead of a built-in model. Its name is
/// `PLURAL.GROUP`; the API server sets `NamesAccepted` and `Established`
/// once the names do not clash and the resource is served.
public struct CustomResourceDefinition: KubeObject, Hashable {
    public static let apiVersion = "apiextensions.k8s.io/v1"
    public static let kind = "CustomResourceDefinition"
    public static let resource = "customresourcedefinitions"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CustomResourceDefinitionSpec
    public var status: CustomResourceDefinitionStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: CustomResourceDefinitionSpec) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }

    /// The finalizer the API server puts on every definition: its custom objects are deleted before it goes.
    public static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"
    /// The annotation a definition in a `*.k8s.io` or `*.kubernetes.io` group needs (the URL of the API review that approved it).
    public static let approvedAnnotation = "api-approved.kubernetes.io"

    /// The version objects are stored in (the one with `storage: true`).
    public var storageVersion: CustomResourceDefinitionVersion? { spec.versions.first { $0.storage } }

    /// The condition of `type`, if set.
    public func condition(_ type: String) -> CustomResourceDefinitionCondition? {
        status?.conditions?.first { $0.type == type }
    }
}

/// What a definition serves.
public struct CustomResourceDefinitionSpec: Sendable, Hashable, Codable {
    /// The API group (a DNS subdomain with at least one dot).
    public var group: String
    public var names: CustomResourceDefinitionNames
    /// `Namespaced` or `Cluster`.
    public var scope: String
    /// The versions served, in the order discovery lists them; exactly one is the storage version.
    public var versions: [CustomResourceDefinitionVersion]
    /// How objects are converted between versions (`None`: only `apiVersion` changes).
    public var conversion: CustomResourceConversion?
    /// Deprecated: keep fields the schema does not name (must be false in v1; use `x-kubernetes-preserve-unknown-fields`).
    public var preserveUnknownFields: Bool?

    public init(group: String, names: CustomResourceDefinitionNames, scope: String, versions: [CustomResourceDefinitionVersion],
                conversion: CustomResourceConversion? = nil) {
        self.group = group
        self.names = names
        self.scope = scope
        self.versions = versions
        self.conversion = conversion
    }

    public static let namespacedScope = "Namespaced"
    public static let clusterScope = "Cluster"
}

/// The names a custom resource is known by.
public struct CustomResourceDefinitionNames: Sendable, Hashable, Codable {
    /// In URLs; the definition's name is `PLURAL.GROUP`. Lowercase.
    public var plural: String
    /// Lowercase; defaults to the lowercased kind.
    public var singular: String?
    /// Lowercase aliases for kubectl (`kubectl get SHORT`).
    public var shortNames: [String]?
    /// The kind of the objects (CamelCase).
    public var kind: String
    /// The kind of lists; defaults to `KIND` + `List`.
    public var listKind: String?
    /// Groups of resources this one belongs to (`all` makes `kubectl get all` list it).
    public var categories: [String]?

    public init(plural: String, singular: String? = nil, shortNames: [String]? = nil, kind: String, listKind: String? = nil,
                categories: [String]? = nil) {
        self.plural = plural
        self.singular = singular
        self.shortNames = shortNames
        self.kind = kind
        self.listKind = listKind
        self.categories = categories
    }
}

/// One served version.
public struct CustomResourceDefinitionVersion: Sendable, Hashable, Codable {
    /// `v1`, `v1beta1`, ... (a DNS-1035 label).
    public var name: String
    /// Whether the version is served over the API.
    public var served: Bool
    /// Whether objects are stored in this version (exactly one version).
    public var storage: Bool
    /// Whether requests to this version get a deprecation warning.
    public var deprecated: Bool?
    /// The warning instead of the default one.
    public var deprecationWarning: String?
    /// The objects' schema (required in v1).
    public var schema: CustomResourceValidation?
    public var subresources: CustomResourceSubresources?
    /// Columns `kubectl get` shows besides the name (and the age, when no column is given).
    public var additionalPrinterColumns: [CustomResourceColumnDefinition]?
    /// Fields list and watch requests may select on, besides `metadata.name` and `metadata.namespace`.
    public var selectableFields: [SelectableField]?

    public init(name: String, served: Bool = true, storage: Bool, schema: CustomResourceValidation? = nil,
                subresources: CustomResourceSubresources? = nil, additionalPrinterColumns: [CustomResourceColumnDefinition]? = nil) {
        self.name = name
        self.served = served
        self.storage = storage
        self.schema = schema
        self.subresources = subresources
        self.additionalPrinterColumns = additionalPrinterColumns
    }
}

/// A version's schema.
public struct CustomResourceValidation: Sendable, Hashable, Codable {
    /// The OpenAPI v3 schema of the objects, which must be structural. Kept as JSON: it is
    /// read by ``StructuralSchema`` (which checks it, with a depth and size budget), not decoded into a model.
    public var openAPIV3Schema: JSONValue?

    public init(openAPIV3Schema: JSONValue? = nil) { self.openAPIV3Schema = openAPIV3Schema }
}

/// The subresources a version serves.
public struct CustomResourceSubresources: Sendable, Hashable, Codable {
    /// `status`: the main resource ignores changes to `.status`, the subresource everything else.
    public var status: JSONValue?
    public var scale: CustomResourceSubresourceScale?

    public init(status: JSONValue? = nil, scale: CustomResourceSubresourceScale? = nil) {
        self.status = status
        self.scale = scale
    }
}

/// Where a custom resource keeps what the `scale` subresource reads and writes.
public struct CustomResourceSubresourceScale: Sendable, Hashable, Codable {
    /// A JSON path under `.spec` (`.spec.replicas`).
    public var specReplicasPath: String
    /// A JSON path under `.status` (`.status.replicas`).
    public var statusReplicasPath: String
    /// A JSON path under `.status` or `.spec` holding the selector string (for an HPA).
    public var labelSelectorPath: String?

    public init(specReplicasPath: String, statusReplicasPath: String, labelSelectorPath: String? = nil) {
        self.specReplicasPath = specReplicasPath
        self.statusReplicasPath = statusReplicasPath
        self.labelSelectorPath = labelSelectorPath
    }
}

/// A column of `kubectl get`.
public struct CustomResourceColumnDefinition: Sendable, Hashable, Codable {
    public var name: String
    /// `integer`, `number`, `string`, `boolean` or `date`.
    public var type: String
    public var format: String?
    public var description: String?
    /// 0 shows in the default view; higher only with `-o wide`.
    public var priority: Int32?
    /// A simple JSON path into the object (`.spec.replicas`).
    public var jsonPath: String

    public init(name: String, type: String, jsonPath: String, priority: Int32? = nil) {
        self.name = name
        self.type = type
        self.jsonPath = jsonPath
        self.priority = priority
    }
}

/// A field list and watch requests may select on.
public struct SelectableField: Sendable, Hashable, Codable {
    /// A simple JSON path to a string, integer or boolean field (`.spec.color`).
    public var jsonPath: String
    public init(jsonPath: String) { self.jsonPath = jsonPath }
}

/// How objects are converted between versions.
public struct CustomResourceConversion: Sendable, Hashable, Codable {
    /// `None` or `Webhook`.
    public var strategy: String
    public var webhook: WebhookConversion?

    public init(strategy: String, webhook: WebhookConversion? = nil) {
        self.strategy = strategy
        self.webhook = webhook
    }
}

/// The webhook that converts objects.
public struct WebhookConversion: Sendable, Hashable, Codable {
    public var clientConfig: WebhookClientConfig?
    /// The `ConversionReview` versions the webhook understands, preferred first (`v1`).
    public var conversionReviewVersions: [String]
}

/// How the API server reaches a webhook (conversion, admission): a URL, or a Service in the cluster.
public struct WebhookClientConfig: Sendable, Hashable, Codable {
    /// `https://host[:port]/path`, without user, query or fragment.
    public var url: String?
    public var service: WebhookServiceReference?
    /// PEM certificates (base64 in JSON) that sign the webhook's serving certificate; the system's when empty.
    public var caBundle: String?

    public init(url: String? = nil, service: WebhookServiceReference? = nil, caBundle: String? = nil) {
        self.url = url
        self.service = service
        self.caBundle = caBundle
    }
}

/// A webhook's Service.
public struct WebhookServiceReference: Sendable, Hashable, Codable {
    public var namespace: String
    public var name: String
    public var path: String?
    /// Defaults to 443.
    public var port: Int32?

    public init(namespace: String, name: String, path: String? = nil, port: Int32? = nil) {
        self.namespace = namespace
        self.name = name
        self.path = path
        self.port = port
    }
}

/// What the API server says about a definition.
public struct CustomResourceDefinitionStatus: Sendable, Hashable, Codable {
    public var conditions: [CustomResourceDefinitionCondition]?
    /// The names actually served (they may differ from the spec's while another definition holds them).
    public var acceptedNames: CustomResourceDefinitionNames?
    /// Every version objects were ever stored in; a version leaves it only by a status update once no object is stored in it.
    public var storedVersions: [String]?

    public init(conditions: [CustomResourceDefinitionCondition]? = nil, acceptedNames: CustomResourceDefinitionNames? = nil,
                storedVersions: [String]? = nil) {
        self.conditions = conditions
        self.acceptedNames = acceptedNames
        self.storedVersions = storedVersions
    }
}

/// `Established`, `NamesAccepted`, `NonStructuralSchema`, `Terminating` or `KubernetesAPIApprovalPolicyConformant`.
public struct CustomResourceDefinitionCondition: Sendable, Hashable, Codable {
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    public var lastTransitionTime: Timestamp?
    public var reason: String?
    public var message: String?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: Timestamp? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}
