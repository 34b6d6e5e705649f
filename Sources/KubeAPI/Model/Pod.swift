/// A pod (core/v1).
public struct Pod: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Pod"
    public static let resource = "pods"
    public static let namespaced = true

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PodSpec? = nil, status: PodStatus? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// What a pod runs and how.
public struct PodSpec: Sendable, Hashable, Codable {
    public var volumes: [Volume]?
    public var initContainers: [Container]?
    public var containers: [Container]
    public var ephemeralContainers: [EphemeralContainer]?
    public var restartPolicy: String?
    public var terminationGracePeriodSeconds: Int64?
    public var activeDeadlineSeconds: Int64?
    public var dnsPolicy: String?
    public var nodeSelector: [String: String]?
    public var serviceAccountName: String?
    public var serviceAccount: String?
    public var automountServiceAccountToken: Bool?
    public var nodeName: String?
    public var hostNetwork: Bool?
    public var hostPID: Bool?
    public var hostIPC: Bool?
    public var shareProcessNamespace: Bool?
    public var securityContext: PodSecurityContext?
    public var imagePullSecrets: [LocalObjectReference]?
    public var hostname: String?
    public var subdomain: String?
    public var affinity: Affinity?
    public var schedulerName: String?
    public var tolerations: [Toleration]?
    public var hostAliases: [HostAlias]?
    public var priorityClassName: String?
    public var priority: Int?
    public var dnsConfig: PodDNSConfig?
    public var readinessGates: [PodReadinessGate]?
    public var runtimeClassName: String?
    public var enableServiceLinks: Bool?
    public var preemptionPolicy: String?
    public var overhead: ResourceList?
    public var topologySpreadConstraints: [TopologySpreadConstraint]?
    public var setHostnameAsFQDN: Bool?
    public var os: PodOS?
    public var hostUsers: Bool?
    public var schedulingGates: [PodSchedulingGate]?
    public var resourceClaims: [PodResourceClaim]?
    public var resources: ResourceRequirements?

    public init(containers: [Container] = []) { self.containers = containers }
}

/// An extra /etc/hosts entry.
public struct HostAlias: Sendable, Hashable, Codable {
    public var ip: String?
    public var hostnames: [String]?
}

/// Custom DNS settings.
public struct PodDNSConfig: Sendable, Hashable, Codable {
    public var nameservers: [String]?
    public var searches: [String]?
    public var options: [PodDNSConfigOption]?
}

/// A resolv.conf option.
public struct PodDNSConfigOption: Sendable, Hashable, Codable {
    public var name: String?
    public var value: String?
}

/// An extra condition the pod's readiness waits for.
public struct PodReadinessGate: Sendable, Hashable, Codable {
    public var conditionType: String

    public init(conditionType: String) { self.conditionType = conditionType }
}

/// What the kubelet reports about a pod.
public struct PodStatus: Sendable, Hashable, Codable {
    public var phase: String?
    public var conditions: [Condition]?
    public var message: String?
    public var reason: String?
    public var nominatedNodeName: String?
    public var hostIP: String?
    public var hostIPs: [PodIP]?
    public var podIP: String?
    public var podIPs: [PodIP]?
    public var startTime: Timestamp?
    public var initContainerStatuses: [ContainerStatus]?
    public var containerStatuses: [ContainerStatus]?
    public var ephemeralContainerStatuses: [ContainerStatus]?
    public var qosClass: String?
    public var resize: String?
    public var resourceClaimStatuses: [PodResourceClaimStatus]?
    public init() {}
}

/// One IP of a pod or host.
public struct PodIP: Sendable, Hashable, Codable {
    public var ip: String
    public init(ip: String) { self.ip = ip }
}

/// The state of one container.
public struct ContainerStatus: Sendable, Hashable, Codable {
    public var name: String
    public var state: ContainerState?
    public var lastState: ContainerState?
    public var ready: Bool
    public var restartCount: Int
    public var image: String
    public var imageID: String
    public var containerID: String?
    public var started: Bool?
    public var allocatedResources: ResourceList?
    public var allocatedResourcesStatus: [ResourceStatus]?
    public var resources: ResourceRequirements?
    public var user: ContainerUser?
    public var volumeMounts: [VolumeMountStatus]?

    public init(name: String, ready: Bool = false, restartCount: Int = 0, image: String = "", imageID: String = "") {
        self.name = name
        self.ready = ready
        self.restartCount = restartCount
        self.image = image
        self.imageID = imageID
    }
}

/// Waiting, running or terminated.
public struct ContainerState: Sendable, Hashable, Codable {
    public var waiting: ContainerStateWaiting?
    public var running: ContainerStateRunning?
    public var terminated: ContainerStateTerminated?
    public init() {}
}

/// A container that has not started yet.
public struct ContainerStateWaiting: Sendable, Hashable, Codable {
    public var reason: String?
    public var message: String?
    public init(reason: String? = nil, message: String? = nil) {
        self.reason = reason
        self.message = message
    }
}

/// A running container.
public struct ContainerStateRunning: Sendable, Hashable, Codable {
    public var startedAt: Timestamp?
    public init(startedAt: Timestamp? = nil) { self.startedAt = startedAt }
}

/// A container that exited.
public struct ContainerStateTerminated: Sendable, Hashable, Codable {
    public var exitCode: Int32
    public var signal: Int32?
    public var reason: String?
    public var message: String?
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    public var containerID: String?
    public init(exitCode: Int32, reason: String? = nil) {
        self.exitCode = exitCode
        self.reason = reason
    }
}

/// A pod template inside workload objects.
public struct PodTemplateSpec: Sendable, Hashable, Codable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?
    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// Binds a pod to a node (`pods/NAME/binding`).
public struct Binding: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Binding"
    public static let resource = "bindings"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var target: ObjectReference
    public init(metadata: ObjectMeta, target: ObjectReference) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.target = target
    }
}

/// Evicts a pod (`pods/NAME/eviction`).
public struct Eviction: KubeObject, Hashable {
    public static let apiVersion = "policy/v1"
    public static let kind = "Eviction"
    public static let resource = "evictions"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var deleteOptions: DeleteOptions?
    public init(metadata: ObjectMeta) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
    }
}

/// Options of a delete request.
public struct DeleteOptions: Sendable, Hashable, Codable {
    public var apiVersion: String?
    public var kind: String?
    public var gracePeriodSeconds: Int64?
    public var preconditions: Preconditions?
    public var orphanDependents: Bool?
    public var propagationPolicy: String?
    public var dryRun: [String]?
    public var ignoreStoreReadErrorWithClusterBreakingPotential: Bool?
    public init(gracePeriodSeconds: Int64? = nil, propagationPolicy: String? = nil) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.propagationPolicy = propagationPolicy
    }

    /// Delete options that only delete the object with this UID.
    public static func preconditioned(uid: String?) -> DeleteOptions {
        var o = DeleteOptions()
        if let uid { o.preconditions = Preconditions(uid: uid) }
        return o
    }
}

/// Must-match conditions of a delete.
public struct Preconditions: Sendable, Hashable, Codable {
    public var uid: String?
    public var resourceVersion: String?
    public init(uid: String? = nil, resourceVersion: String? = nil) {
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}
