/// A node (core/v1, cluster-scoped).
public struct Node: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Node"
    public static let resource = "nodes"
    public static let namespaced = false

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: NodeSpec?
    public var status: NodeStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: NodeSpec? = nil, status: NodeStatus? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// Node configuration.
public struct NodeSpec: Sendable, Hashable, Codable {
    public var podCIDR: String?
    public var podCIDRs: [String]?
    public var providerID: String?
    public var unschedulable: Bool?
    public var taints: [Taint]?
    public var configSource: NodeConfigSource?
    public var externalID: String?
    public init() {}
}

/// A node taint.
public struct Taint: Sendable, Hashable, Codable {
    public var key: String
    public var value: String?
    public var effect: String
    public var timeAdded: Timestamp?
    public init(key: String, value: String? = nil, effect: String, timeAdded: Timestamp? = nil) {
        self.key = key
        self.value = value
        self.effect = effect
        self.timeAdded = timeAdded
    }
}

/// What the kubelet reports about its node.
public struct NodeStatus: Sendable, Hashable, Codable {
    public var capacity: ResourceList?
    public var allocatable: ResourceList?
    public var phase: String?
    public var conditions: [Condition]?
    public var addresses: [NodeAddress]?
    public var daemonEndpoints: NodeDaemonEndpoints?
    public var nodeInfo: NodeSystemInfo?
    public var images: [ContainerImage]?
    public var volumesInUse: [String]?
    public var volumesAttached: [AttachedVolume]?
    public var config: NodeConfigStatus?
    public var runtimeHandlers: [NodeRuntimeHandler]?
    public var features: NodeFeatures?
    public init() {}
}

/// An address of a node (`InternalIP`, `Hostname`, ...).
public struct NodeAddress: Sendable, Hashable, Codable {
    public var type: String
    public var address: String
    public init(type: String, address: String) {
        self.type = type
        self.address = address
    }
}

/// Ports of daemons on the node.
public struct NodeDaemonEndpoints: Sendable, Hashable, Codable {
    public var kubeletEndpoint: DaemonEndpoint?
    public init(kubeletPort: Int) { self.kubeletEndpoint = DaemonEndpoint(Port: kubeletPort) }
}

/// A daemon's port (the field is capitalised in the API).
public struct DaemonEndpoint: Sendable, Hashable, Codable {
    public var Port: Int
}

/// Software on the node.
public struct NodeSystemInfo: Sendable, Hashable, Codable {
    public var machineID: String
    public var systemUUID: String
    public var bootID: String
    public var kernelVersion: String
    public var osImage: String
    public var containerRuntimeVersion: String
    public var kubeletVersion: String
    public var kubeProxyVersion: String
    public var operatingSystem: String
    public var architecture: String
    public init(machineID: String = "", systemUUID: String = "", bootID: String = "", kernelVersion: String = "",
                osImage: String = "", containerRuntimeVersion: String = "", kubeletVersion: String = "",
                kubeProxyVersion: String = "", operatingSystem: String = "linux", architecture: String = "amd64") {
        self.machineID = machineID
        self.systemUUID = systemUUID
        self.bootID = bootID
        self.kernelVersion = kernelVersion
        self.osImage = osImage
        self.containerRuntimeVersion = containerRuntimeVersion
        self.kubeletVersion = kubeletVersion
        self.kubeProxyVersion = kubeProxyVersion
        self.operatingSystem = operatingSystem
        self.architecture = architecture
    }
}

/// An image present on the node.
public struct ContainerImage: Sendable, Hashable, Codable {
    public var names: [String]?
    public var sizeBytes: Int64?
}
