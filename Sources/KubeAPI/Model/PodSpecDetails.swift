/// PodOS defines the OS parameters of a pod.
public struct PodOS: Sendable, Hashable, Codable {
    public var name: String?
    public init() {}
}

/// PodSchedulingGate is associated to a Pod to guard its scheduling.
public struct PodSchedulingGate: Sendable, Hashable, Codable {
    public var name: String?
    public init() {}
}

/// PodResourceClaim references exactly one ResourceClaim, either directly or by naming a ResourceClaimTemplate which is then turned into a ResourceClaim for the pod.
public struct PodResourceClaim: Sendable, Hashable, Codable {
    public var name: String?
    public var resourceClaimName: String?
    public var resourceClaimTemplateName: String?
    public init() {}
}

/// ResourceClaim references one entry in PodSpec.ResourceClaims.
public struct ResourceClaim: Sendable, Hashable, Codable {
    public var name: String?
    public var request: String?
    public init() {}
}

/// ContainerResizePolicy represents resource resize policy for the container.
public struct ContainerResizePolicy: Sendable, Hashable, Codable {
    public var resourceName: String?
    public var restartPolicy: String?
    public init() {}
}

/// volumeDevice describes a mapping of a raw block device within a container.
public struct VolumeDevice: Sendable, Hashable, Codable {
    public var devicePath: String?
    public var name: String?
    public init() {}
}
