/// EndpointHints provides hints describing how an endpoint should be consumed.
public struct EndpointHints: Sendable, Hashable, Codable {
    public var forZones: [ForZone]?
    public init() {}
}

/// ForZone provides information about which zones should consume this endpoint.
public struct ForZone: Sendable, Hashable, Codable {
    public var name: String?
    public init() {}
}
