/// A service (core/v1).
public struct Service: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Service"
    public static let resource = "services"
    public static let namespaced = true

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ServiceSpec?
    public var status: ServiceStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ServiceSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// How a service is exposed.
public struct ServiceSpec: Sendable, Hashable, Codable {
    public var ports: [ServicePort]?
    public var selector: [String: String]?
    public var clusterIP: String?
    public var clusterIPs: [String]?
    public var type: String?
    public var externalIPs: [String]?
    public var sessionAffinity: String?
    public var loadBalancerIP: String?
    public var loadBalancerSourceRanges: [String]?
    public var externalName: String?
    public var externalTrafficPolicy: String?
    public var healthCheckNodePort: Int?
    public var publishNotReadyAddresses: Bool?
    public var sessionAffinityConfig: SessionAffinityConfig?
    public var ipFamilies: [String]?
    public var ipFamilyPolicy: String?
    public var allocateLoadBalancerNodePorts: Bool?
    public var loadBalancerClass: String?
    public var internalTrafficPolicy: String?
    public var trafficDistribution: String?
    public init() {}
}

/// One port of a service.
public struct ServicePort: Sendable, Hashable, Codable {
    public var name: String?
    public var `protocol`: String?
    public var appProtocol: String?
    public var port: Int
    public var targetPort: IntOrString?
    public var nodePort: Int?
    public init(name: String? = nil, port: Int, targetPort: IntOrString? = nil) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
    }
}

/// Session affinity settings.
public struct SessionAffinityConfig: Sendable, Hashable, Codable {
    public var clientIP: ClientIPConfig?
}

/// ClientIP affinity timeout.
public struct ClientIPConfig: Sendable, Hashable, Codable {
    public var timeoutSeconds: Int?
}

/// Load balancer status of a service.
public struct ServiceStatus: Sendable, Hashable, Codable {
    public var loadBalancer: LoadBalancerStatus?
    public var conditions: [Condition]?
    public init() {}
}

/// Endpoints of a service (core/v1, legacy).
public struct Endpoints: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Endpoints"
    public static let resource = "endpoints"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var subsets: [EndpointSubset]?
    public init(metadata: ObjectMeta = ObjectMeta(), subsets: [EndpointSubset]? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.subsets = subsets
    }
}

/// Addresses sharing a set of ports.
public struct EndpointSubset: Sendable, Hashable, Codable {
    public var addresses: [EndpointAddress]?
    public var notReadyAddresses: [EndpointAddress]?
    public var ports: [EndpointPort]?
    public init() {}
}

/// One endpoint address.
public struct EndpointAddress: Sendable, Hashable, Codable {
    public var ip: String
    public var hostname: String?
    public var nodeName: String?
    public var targetRef: ObjectReference?
    public init(ip: String) { self.ip = ip }
}

/// One endpoint port.
public struct EndpointPort: Sendable, Hashable, Codable {
    public var name: String?
    public var port: Int
    public var `protocol`: String?
    public var appProtocol: String?
    public init(name: String? = nil, port: Int, protocol proto: String? = nil) {
        self.name = name
        self.port = port
        self.protocol = proto
    }
}
