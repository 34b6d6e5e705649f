import Testing
import KubeAPI
import Netlink
@testable import Proxy

/// Services and EndpointSlices for the tests.
enum Fixtures {
    static let node = "node-1"
    static let clusterCIDR = CIDR("10.244.0.0/16")

    static func ip(_ s: String) -> IPAddress { IPAddress(s) ?? .v4(0) }

    static func service(_ name: String, namespace: String = "default", clusterIP: String? = "10.96.0.10", type: String = "ClusterIP",
                        ports: [KubeAPI.ServicePort], affinity: Int? = nil, externalLocal: Bool = false, internalLocal: Bool = false,
                        externalIPs: [String]? = nil) -> Service {
        var spec = ServiceSpec()
        spec.type = type
        spec.clusterIP = clusterIP
        spec.clusterIPs = clusterIP.map { [$0] }
        spec.ports = ports
        spec.externalIPs = externalIPs
        if let affinity {
            spec.sessionAffinity = "ClientIP"
            // The model's memberwise initializers are internal to KubeAPI; decode instead.
            do {
                spec.sessionAffinityConfig = try KubeCodec.decode(SessionAffinityConfig.self, from: ["clientIP": ["timeoutSeconds": .int(Int64(affinity))]])
            } catch {
                Issue.record("fixture: SessionAffinityConfig no longer decodes: \(error)")
            }
        }
        if externalLocal { spec.externalTrafficPolicy = "Local" }
        if internalLocal { spec.internalTrafficPolicy = "Local" }
        return Service(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec)
    }

    static func port(_ port: Int, name: String? = nil, target: IntOrString? = nil, proto: String = "TCP", nodePort: Int? = nil) -> KubeAPI.ServicePort {
        var p = KubeAPI.ServicePort(name: name, port: port, targetPort: target)
        p.protocol = proto
        p.nodePort = nodePort
        return p
    }

    static func endpoint(_ address: String, node: String? = nil, ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) -> Endpoint {
        var e = Endpoint(addresses: [address], conditions: EndpointConditions(ready: ready, serving: serving, terminating: terminating))
        e.nodeName = node
        return e
    }

    static func slice(_ name: String, service: String, namespace: String = "default", addressType: String = "IPv4",
                      ports: [(String?, Int, String)] = [(nil, 8080, "TCP")], endpoints: [Endpoint]) -> EndpointSlice {
        EndpointSlice(metadata: ObjectMeta(name: name, namespace: namespace, labels: [ServiceModel.serviceNameLabel: service]),
                      addressType: addressType, endpoints: endpoints,
                      ports: ports.map { EndpointSlicePort(name: $0.0, port: $0.1, protocol: $0.2) })
    }

    static func config(_ family: IPFamily = .ipv4, endpointMaps: Bool = true) -> RulesetConfiguration {
        RulesetConfiguration(family: family, table: "kube-proxy", nodeName: node, clusterCIDR: family == .ipv4 ? clusterCIDR : nil,
                             endpointMaps: endpointMaps)
    }

    /// The ruleset for Services and slices, through the tracker as kube-proxy builds it.
    static func ruleset(_ services: [Service], _ slices: [EndpointSlice], family: IPFamily = .ipv4, endpointMaps: Bool = true) -> ProxyRuleset {
        var tracker = ServiceTracker()
        services.forEach { tracker.update($0) }
        slices.forEach { tracker.update($0) }
        var ports: [ServiceName: [ServicePortInfo]] = [:]
        for name in tracker.services.keys { ports[name] = tracker.model(name, family: family)?.ports }
        return ProxyRuleset(config(family, endpointMaps: endpointMaps), services: ports)
    }
}
