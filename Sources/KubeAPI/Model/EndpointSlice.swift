/// A slice of a service's endpoints (discovery.k8s.io/v1).
public struct EndpointSlice: KubeObject, Hashable {
    public static let apiVersion = "discovery.k8s.io/v1"
    public static let kind = "EndpointSlice"
    public static let resource = "endpointslices"
    public static let namespaced = true

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var addressType: String
    public var endpoints: [Endpoint]?
    public var ports: [EndpointSlicePort]?

    public init(metadata: ObjectMeta = ObjectMeta(), addressType: String = "IPv4", endpoints: [Endpoint]? = nil,
                ports: [EndpointSlicePort]? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }
}

/// One endpoint of a slice.
public struct Endpoint: Sendable, Hashable, Codable {
    public var addresses: [String]
    public var conditions: EndpointConditions?
    public var hostname: String?
    public var targetRef: ObjectReference?
    public var nodeName: String?
    public var zone: String?
    public var hints: EndpointHints?
    public var deprecatedTopology: [String: String]?
    public init(addresses: [String], conditions: EndpointConditions? = nil) {
        self.addresses = addresses
        self.conditions = conditions
    }
}

/// Readiness of an endpoint.
public struct EndpointConditions: Sendable, Hashable, Codable {
    public var ready: Bool?
    public var serving: Bool?
    public var terminating: Bool?
    public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
        self.ready = ready
        self.serving = serving
        self.terminating = terminating
    }
}

/// A port of a slice.
public struct EndpointSlicePort: Sendable, Hashable, Codable {
    public var name: String?
    public var `protocol`: String?
    public var port: Int?
    public var appProtocol: String?
    public init(name: String? = nil, port: Int? = nil, protocol proto: String? = nil) {
        self.name = name
        self.port = port
        self.protocol = proto
    }
}
