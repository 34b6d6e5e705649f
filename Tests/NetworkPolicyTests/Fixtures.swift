import KubeAPI
import Netlink
@testable import NetworkPolicy

/// Policies written as YAML, pods as (namespace, name, IP, labels, ports).
enum Fixtures {
    static func policy(_ yaml: String) -> NetworkPolicy {
        var value = try! YAMLDecoding.decode(yaml)!
        value["apiVersion"] = "networking.k8s.io/v1"
        value["kind"] = "NetworkPolicy"
        Defaulter().apply(kind: "NetworkPolicy", to: &value)
        return try! KubeCodec.decode(NetworkPolicy.self, from: value)
    }

    static func ip(_ text: String) -> UInt32 {
        guard case .v4(let v)? = IPAddress(text) else { fatalError(text) }
        return v
    }

    static func pod(_ ns: String, _ name: String, _ address: String, node: String = "node-1", _ labels: [String: String] = [:],
                    ports: [PodInfo.NamedPort] = []) -> PodInfo {
        PodInfo(namespace: ns, name: name, node: node, ip: ip(address), labels: labels, namedPorts: ports)
    }

    static func trace(_ planner: PolicyPlanner, _ from: String, _ to: String, _ port: UInt16, _ proto: Proto = .tcp,
                      fromNode: Bool = false) -> PolicyTracer.Answer {
        PolicyTracer(planner: planner).trace(.init(source: ip(from), destination: ip(to), proto: proto, port: port, fromNode: fromNode))
    }
}
