public import KubeAPI

/// What the replica-set logic needs of the object whose pods it keeps: a
/// ReplicaSet (apps/v1) or a ReplicationController (v1). Upstream's
/// replication manager runs the ReplicaSet controller over converted
/// ReplicationControllers; here both conform and share ``ReplicaManager``.
public protocol ReplicatedPodOwner: KubeObject {
    /// The controller's name (in `--controllers`).
    static var controllerName: String { get }
    /// The component its events are reported as.
    static var eventComponent: String { get }
    var desiredReplicas: Int { get }
    var minReadySeconds: Int { get }
    /// The pods' selector; nil when it has none.
    var podSelector: LabelSelector? { get }
    var templateLabels: [String: String] { get }
    /// The status, in the ReplicaSet's form (the fields are the same).
    var replicaStatus: ReplicaSetStatus? { get }
}

extension ReplicaSet: ReplicatedPodOwner {
    public static var controllerName: String { "replicaset" }
    public static var eventComponent: String { "replicaset-controller" }
    public var desiredReplicas: Int { spec?.replicas ?? 1 }
    public var minReadySeconds: Int { spec?.minReadySeconds ?? 0 }
    public var podSelector: LabelSelector? { spec?.selector }
    public var templateLabels: [String: String] { spec?.template?.metadata?.labels ?? [:] }
    public var replicaStatus: ReplicaSetStatus? { status }
}

extension ReplicationController: ReplicatedPodOwner {
    public static var controllerName: String { "replicationcontroller" }
    public static var eventComponent: String { "replication-controller" }
    public var desiredReplicas: Int { spec?.replicas ?? 1 }
    public var minReadySeconds: Int { spec?.minReadySeconds ?? 0 }
    public var podSelector: LabelSelector? {
        guard let labels = spec?.selector, !labels.isEmpty else { return nil }
        var selector = LabelSelector()
        selector.matchLabels = labels
        return selector
    }
    public var templateLabels: [String: String] { spec?.template?.metadata?.labels ?? [:] }
    public var replicaStatus: ReplicaSetStatus? {
        status.map { s in
            var r = ReplicaSetStatus(replicas: s.replicas)
            r.fullyLabeledReplicas = s.fullyLabeledReplicas
            r.readyReplicas = s.readyReplicas
            r.availableReplicas = s.availableReplicas
            r.observedGeneration = s.observedGeneration
            r.conditions = s.conditions
            return r
        }
    }
}
