// Parts of ContainerStatus and PodStatus the kubelet reports about resources, users and mounts.

/// ResourceStatus represents the status of a single resource allocated to a Pod.
public struct ResourceStatus: Sendable, Hashable, Codable {
    public var name: String?
    public var resources: [ResourceHealth]?
    public init() {}
}

/// ContainerUser represents user identity information.
public struct ContainerUser: Sendable, Hashable, Codable {
    public var linux: LinuxContainerUser?
    public init() {}
}

/// VolumeMountStatus shows status of volume mounts.
public struct VolumeMountStatus: Sendable, Hashable, Codable {
    public var mountPath: String?
    public var name: String?
    public var readOnly: Bool?
    public var recursiveReadOnly: String?
    public init() {}
}

/// PodResourceClaimStatus is stored in the PodStatus for each PodResourceClaim which references a ResourceClaimTemplate.
public struct PodResourceClaimStatus: Sendable, Hashable, Codable {
    public var name: String?
    public var resourceClaimName: String?
    public init() {}
}

/// ResourceHealth represents the health of a resource.
public struct ResourceHealth: Sendable, Hashable, Codable {
    public var health: String?
    public var resourceID: String?
    public init() {}
}

/// LinuxContainerUser represents user identity information in Linux containers.
public struct LinuxContainerUser: Sendable, Hashable, Codable {
    public var gid: Int64?
    public var supplementalGroups: [Int64]?
    public var uid: Int64?
    public init() {}
}
