/// A namespace (core/v1, cluster-scoped).
public struct Namespace: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Namespace"
    public static let resource = "namespaces"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: NamespaceSpec?
    public var status: NamespaceStatus?
    public init(metadata: ObjectMeta = ObjectMeta()) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
    }
}

/// Finalizers of a namespace.
public struct NamespaceSpec: Sendable, Hashable, Codable {
    public var finalizers: [String]?
    public init() {}
}

/// `Active` or `Terminating`.
public struct NamespaceStatus: Sendable, Hashable, Codable {
    public var phase: String?
    public var conditions: [Condition]?
    public init() {}
}

/// Configuration data (core/v1).
public struct ConfigMap: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "ConfigMap"
    public static let resource = "configmaps"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var data: [String: String]?
    public var binaryData: [String: String]?
    public var immutable: Bool?
    public init(metadata: ObjectMeta = ObjectMeta(), data: [String: String]? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.data = data
    }
}

/// Secret data, base64 in `data` (core/v1).
public struct Secret: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Secret"
    public static let resource = "secrets"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var data: [String: String]?
    public var stringData: [String: String]?
    public var type: String?
    public var immutable: Bool?
    public init(metadata: ObjectMeta = ObjectMeta(), data: [String: String]? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.data = data
    }
}

/// A service account (core/v1).
public struct ServiceAccount: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "ServiceAccount"
    public static let resource = "serviceaccounts"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var secrets: [ObjectReference]?
    public var imagePullSecrets: [LocalObjectReference]?
    public var automountServiceAccountToken: Bool?
    public init(metadata: ObjectMeta = ObjectMeta()) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
    }
}

/// An event (core/v1).
public struct Event: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Event"
    public static let resource = "events"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    public var source: EventSource?
    public var firstTimestamp: Timestamp?
    public var lastTimestamp: Timestamp?
    public var count: Int?
    public var type: String?
    public var eventTime: Timestamp?
    public var series: EventSeries?
    public var action: String?
    public var related: ObjectReference?
    public var reportingComponent: String?
    public var reportingInstance: String?

    public init(metadata: ObjectMeta = ObjectMeta(), involvedObject: ObjectReference, reason: String? = nil,
                message: String? = nil, type: String? = "Normal") {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
    }
}

/// Who reported an event.
public struct EventSource: Sendable, Hashable, Codable {
    public var component: String?
    public var host: String?
    public init(component: String? = nil, host: String? = nil) {
        self.component = component
        self.host = host
    }
}

/// A lease (coordination.k8s.io/v1), for node heartbeats and leader election.
public struct Lease: KubeObject, Hashable {
    public static let apiVersion = "coordination.k8s.io/v1"
    public static let kind = "Lease"
    public static let resource = "leases"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: LeaseSpec?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: LeaseSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// Holder and timing of a lease; times are MicroTime.
public struct LeaseSpec: Sendable, Hashable, Codable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int?
    public var acquireTime: Timestamp?
    public var renewTime: Timestamp?
    public var leaseTransitions: Int?
    public var strategy: String?
    public var preferredHolder: String?
    public init(holderIdentity: String? = nil, leaseDurationSeconds: Int? = nil) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
    }
}
