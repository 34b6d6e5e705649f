/// A deployment (apps/v1).
public struct Deployment: KubeObject, Hashable {
    public static let apiVersion = "apps/v1"
    public static let kind = "Deployment"
    public static let resource = "deployments"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: DeploymentSpec?
    public var status: DeploymentStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: DeploymentSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// Desired state of a deployment.
public struct DeploymentSpec: Sendable, Hashable, Codable {
    public var replicas: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    public var strategy: DeploymentStrategy?
    public var minReadySeconds: Int?
    public var revisionHistoryLimit: Int?
    public var paused: Bool?
    public var progressDeadlineSeconds: Int?
    public init() {}
}

/// `RollingUpdate` or `Recreate`.
public struct DeploymentStrategy: Sendable, Hashable, Codable {
    public var type: String?
    public var rollingUpdate: RollingUpdateDeployment?
    public init() {}
}

/// Bounds of a rolling update.
public struct RollingUpdateDeployment: Sendable, Hashable, Codable {
    public var maxUnavailable: IntOrString?
    public var maxSurge: IntOrString?
    public init() {}
}

/// Observed state of a deployment.
public struct DeploymentStatus: Sendable, Hashable, Codable {
    public var observedGeneration: Int64?
    public var replicas: Int?
    public var updatedReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var unavailableReplicas: Int?
    public var terminatingReplicas: Int?
    public var conditions: [Condition]?
    public var collisionCount: Int?
    public init() {}
}

/// A replica set (apps/v1).
public struct ReplicaSet: KubeObject, Hashable {
    public static let apiVersion = "apps/v1"
    public static let kind = "ReplicaSet"
    public static let resource = "replicasets"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ReplicaSetSpec?
    public var status: ReplicaSetStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: ReplicaSetSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// Desired state of a replica set.
public struct ReplicaSetSpec: Sendable, Hashable, Codable {
    public var replicas: Int?
    public var minReadySeconds: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    public init() {}
}

/// Observed state of a replica set.
public struct ReplicaSetStatus: Sendable, Hashable, Codable {
    public var replicas: Int
    public var fullyLabeledReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var terminatingReplicas: Int?
    public var observedGeneration: Int64?
    public var conditions: [Condition]?
    public init(replicas: Int = 0) { self.replicas = replicas }
}

/// A daemon set (apps/v1).
public struct DaemonSet: KubeObject, Hashable {
    public static let apiVersion = "apps/v1"
    public static let kind = "DaemonSet"
    public static let resource = "daemonsets"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: DaemonSetSpec?
    public var status: DaemonSetStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: DaemonSetSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// Desired state of a daemon set.
public struct DaemonSetSpec: Sendable, Hashable, Codable {
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    public var updateStrategy: DaemonSetUpdateStrategy?
    public var minReadySeconds: Int?
    public var revisionHistoryLimit: Int?
    public init() {}
}

/// `RollingUpdate` or `OnDelete`.
public struct DaemonSetUpdateStrategy: Sendable, Hashable, Codable {
    public var type: String?
    public var rollingUpdate: RollingUpdateDaemonSet?
    public init() {}
}

/// Bounds of a daemon set rolling update.
public struct RollingUpdateDaemonSet: Sendable, Hashable, Codable {
    public var maxUnavailable: IntOrString?
    public var maxSurge: IntOrString?
    public init() {}
}

/// Observed state of a daemon set.
public struct DaemonSetStatus: Sendable, Hashable, Codable {
    public var currentNumberScheduled: Int
    public var numberMisscheduled: Int
    public var desiredNumberScheduled: Int
    public var numberReady: Int
    public var observedGeneration: Int64?
    public var updatedNumberScheduled: Int?
    public var numberAvailable: Int?
    public var numberUnavailable: Int?
    public var collisionCount: Int?
    public var conditions: [Condition]?
    public init(currentNumberScheduled: Int = 0, numberMisscheduled: Int = 0, desiredNumberScheduled: Int = 0,
                numberReady: Int = 0) {
        self.currentNumberScheduled = currentNumberScheduled
        self.numberMisscheduled = numberMisscheduled
        self.desiredNumberScheduled = desiredNumberScheduled
        self.numberReady = numberReady
    }
}

/// The scale subresource (autoscaling/v1).
public struct Scale: KubeObject, Hashable {
    public static let apiVersion = "autoscaling/v1"
    public static let kind = "Scale"
    public static let resource = "scale"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ScaleSpec?
    public var status: ScaleStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), replicas: Int) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = ScaleSpec(replicas: replicas)
    }
}

/// Desired replicas.
public struct ScaleSpec: Sendable, Hashable, Codable {
    public var replicas: Int?
    public init(replicas: Int? = nil) { self.replicas = replicas }
}

/// Observed replicas and selector.
public struct ScaleStatus: Sendable, Hashable, Codable {
    public var replicas: Int
    public var selector: String?
}
