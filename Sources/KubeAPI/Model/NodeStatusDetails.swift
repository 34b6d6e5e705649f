/// AttachedVolume describes a volume attached to a node.
public struct AttachedVolume: Sendable, Hashable, Codable {
    public var devicePath: String?
    public var name: String?
    public init() {}
}

/// NodeConfigStatus describes the status of the config assigned by Node.Spec.ConfigSource.
public struct NodeConfigStatus: Sendable, Hashable, Codable {
    public var active: NodeConfigSource?
    public var assigned: NodeConfigSource?
    public var error: String?
    public var lastKnownGood: NodeConfigSource?
    public init() {}
}

/// NodeConfigSource specifies a source of node configuration.
public struct NodeConfigSource: Sendable, Hashable, Codable {
    public var configMap: ConfigMapNodeConfigSource?
    public init() {}
}

/// ConfigMapNodeConfigSource contains the information to reference a ConfigMap as a config source for the Node.
public struct ConfigMapNodeConfigSource: Sendable, Hashable, Codable {
    public var kubeletConfigKey: String?
    public var name: String?
    public var namespace: String?
    public var resourceVersion: String?
    public var uid: String?
    public init() {}
}

/// NodeRuntimeHandler is a set of runtime handler information.
public struct NodeRuntimeHandler: Sendable, Hashable, Codable {
    public var features: NodeRuntimeHandlerFeatures?
    public var name: String?
    public init() {}
}

/// NodeRuntimeHandlerFeatures is a set of features implemented by the runtime handler.
public struct NodeRuntimeHandlerFeatures: Sendable, Hashable, Codable {
    public var recursiveReadOnlyMounts: Bool?
    public var userNamespaces: Bool?
    public init() {}
}

/// NodeFeatures describes the set of features implemented by the CRI implementation.
public struct NodeFeatures: Sendable, Hashable, Codable {
    public var supplementalGroupsPolicy: Bool?
    public init() {}
}
