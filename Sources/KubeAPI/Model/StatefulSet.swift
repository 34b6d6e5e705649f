/// A stateful set (apps/v1): pods with stable names `NAME-0…NAME-N-1`, each
/// with its own claims made from `volumeClaimTemplates`, created, updated and
/// removed in ordinal order.
public struct StatefulSet: KubeObject, Hashable {
    public static let apiVersion = "apps/v1"
    public static let kind = "StatefulSet"
    public static let resource = "statefulsets"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: StatefulSetSpec?
    public var status: StatefulSetStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: StatefulSetSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// Desired state of a stateful set.
public struct StatefulSetSpec: Sendable, Hashable, Codable {
    public var replicas: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    /// Claims every pod gets, named `TEMPLATE-PODNAME`.
    public var volumeClaimTemplates: [PersistentVolumeClaim]?
    /// The governing (headless) Service: the pods' `subdomain`.
    public var serviceName: String?
    /// `OrderedReady` (default) or `Parallel`.
    public var podManagementPolicy: String?
    public var updateStrategy: StatefulSetUpdateStrategy?
    public var revisionHistoryLimit: Int?
    public var minReadySeconds: Int?
    public var persistentVolumeClaimRetentionPolicy: StatefulSetPersistentVolumeClaimRetentionPolicy?
    public var ordinals: StatefulSetOrdinals?
    public init() {}
}

/// `RollingUpdate` (default) or `OnDelete`.
public struct StatefulSetUpdateStrategy: Sendable, Hashable, Codable {
    public var type: String?
    public var rollingUpdate: RollingUpdateStatefulSetStrategy?
    public init() {}
}

/// Bounds of a stateful set rolling update.
public struct RollingUpdateStatefulSetStrategy: Sendable, Hashable, Codable {
    /// Ordinals below this keep the current revision.
    public var partition: Int?
    public var maxUnavailable: IntOrString?
    public init() {}
}

/// What happens to the claims of a stateful set's pods when the set is
/// deleted or scaled down: `Retain` (default) or `Delete`.
public struct StatefulSetPersistentVolumeClaimRetentionPolicy: Sendable, Hashable, Codable {
    public var whenDeleted: String?
    public var whenScaled: String?
    public init(whenDeleted: String? = nil, whenScaled: String? = nil) {
        self.whenDeleted = whenDeleted
        self.whenScaled = whenScaled
    }
}

/// Where the pods' ordinals start.
public struct StatefulSetOrdinals: Sendable, Hashable, Codable {
    public var start: Int?
    public init(start: Int? = nil) { self.start = start }
}

/// Observed state of a stateful set.
public struct StatefulSetStatus: Sendable, Hashable, Codable {
    public var observedGeneration: Int64?
    public var replicas: Int
    public var readyReplicas: Int?
    public var currentReplicas: Int?
    public var updatedReplicas: Int?
    public var currentRevision: String?
    public var updateRevision: String?
    public var collisionCount: Int?
    public var conditions: [Condition]?
    public var availableReplicas: Int?
    public init(replicas: Int = 0) { self.replicas = replicas }
}
