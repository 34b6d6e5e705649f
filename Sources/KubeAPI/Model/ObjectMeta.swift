/// Metadata every persisted object carries.
public struct ObjectMeta: Sendable, Hashable, Codable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int64?
    public var creationTimestamp: Timestamp?
    public var deletionTimestamp: Timestamp?
    public var deletionGracePeriodSeconds: Int64?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var ownerReferences: [OwnerReference]?
    public var finalizers: [String]?
    public var managedFields: [JSONValue]?
    public var selfLink: String?
    /// Fields of the whole object the model does not know, kept by
    /// ``KubeCodec/decodeObject(_:from:)`` and restored on encoding. Not coded.
    public var preservedUnknownFields: UnknownFields?

    enum CodingKeys: String, CodingKey {
        case name, generateName, namespace, uid, resourceVersion, generation, creationTimestamp
        case deletionTimestamp, deletionGracePeriodSeconds, labels, annotations, ownerReferences, finalizers
        case managedFields, selfLink
    }

    public init(name: String? = nil, namespace: String? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
    }

    /// The controller owner reference, if any.
    public var controllerRef: OwnerReference? { ownerReferences?.first { $0.controller == true } }
}

/// A reference from a dependent object to its owner.
public struct OwnerReference: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?

    public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil,
                blockOwnerDeletion: Bool? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }
}

/// Metadata of lists.
public struct ListMeta: Sendable, Hashable, Codable {
    public var resourceVersion: String?
    public var `continue`: String?
    public var remainingItemCount: Int64?
    public init() {}
}

/// A label selector as in Deployment.spec.selector.
public struct LabelSelector: Sendable, Hashable, Codable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }
}

/// One `key op values` term of a ``LabelSelector``.
public struct LabelSelectorRequirement: Sendable, Hashable, Codable {
    public var key: String
    public var `operator`: String
    public var values: [String]?

    public init(key: String, operator op: String, values: [String]? = nil) {
        self.key = key
        self.operator = op
        self.values = values
    }
}

/// A reference to an object, as in events and endpoints.
public struct ObjectReference: Sendable, Hashable, Codable {
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var apiVersion: String?
    public var resourceVersion: String?
    public var fieldPath: String?
    public init(kind: String? = nil, namespace: String? = nil, name: String? = nil, uid: String? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }
}

/// A name reference to an object in the same namespace.
public struct LocalObjectReference: Sendable, Hashable, Codable {
    public var name: String?
    public init(name: String? = nil) { self.name = name }
}

/// A condition shared by many status types.
public struct Condition: Sendable, Hashable, Codable {
    public var type: String
    public var status: String
    public var observedGeneration: Int64?
    public var lastProbeTime: Timestamp?
    public var lastHeartbeatTime: Timestamp?
    public var lastTransitionTime: Timestamp?
    public var lastUpdateTime: Timestamp?
    public var reason: String?
    public var message: String?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }
}

/// A Kubernetes top-level object type.
public protocol KubeObject: Codable, Sendable {
    /// `v1`, `apps/v1`, ...
    static var apiVersion: String { get }
    /// `Pod`, `Deployment`, ...
    static var kind: String { get }
    /// The plural resource name used in URLs (`pods`).
    static var resource: String { get }
    /// Whether objects live in namespaces.
    static var namespaced: Bool { get }
    var metadata: ObjectMeta { get set }
}

extension KubeObject {
    /// The object's name, or "" when unset.
    public var name: String { metadata.name ?? "" }
    /// The object's namespace, or "" when unset.
    public var namespace: String { metadata.namespace ?? "" }
}
