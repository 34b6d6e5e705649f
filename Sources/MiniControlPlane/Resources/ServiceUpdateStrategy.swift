import KubeAPI

/// What an update of a Service keeps from the old object and drops with a
/// change of type, as upstream's service registry strategy
/// (`patchAllocatedValues` and `dropTypeDependentFields`).
enum ServiceUpdateStrategy {
    /// Fills in what the API server allocated and the update left out, and
    /// clears the fields that no longer apply to the new type, when the
    /// update did not set them itself.
    static func prepare(_ spec: inout JSONValue, old oldSpec: JSONValue) {
        if (spec["clusterIP"]?.stringValue ?? "").isEmpty, let ip = oldSpec["clusterIP"] {
            spec["clusterIP"] = ip
            spec["clusterIPs"] = oldSpec["clusterIPs"]
        }
        let oldType = oldSpec["type"]?.stringValue ?? "ClusterIP", type = spec["type"]?.stringValue ?? "ClusterIP"
        let oldHC = oldSpec["healthCheckNodePort"]?.intValue ?? 0
        if ServiceAllocator.needsHealthCheckNodePort(oldSpec) {
            if ServiceAllocator.needsHealthCheckNodePort(spec) {
                if (spec["healthCheckNodePort"]?.intValue ?? 0) == 0, oldHC != 0 { spec["healthCheckNodePort"] = .int(oldHC) }
            } else if (spec["healthCheckNodePort"]?.intValue ?? 0) == oldHC {
                spec["healthCheckNodePort"] = nil
            }
        }
        let hadNodePorts = oldType == "NodePort" || oldType == "LoadBalancer"
        let hasNodePorts = type == "NodePort" || type == "LoadBalancer"
        // externalTrafficPolicy applies to externally reachable Services only.
        if hadNodePorts && !hasNodePorts && spec["externalTrafficPolicy"] == oldSpec["externalTrafficPolicy"] { spec["externalTrafficPolicy"] = nil }
        if hadNodePorts && !hasNodePorts, case .array(var ports) = spec["ports"] ?? .null {
            let oldPorts = Dictionary((oldSpec["ports"]?.arrayValue ?? []).map { (portKey($0), $0["nodePort"]) }) { a, _ in a }
            for i in ports.indices where ports[i]["nodePort"] == oldPorts[portKey(ports[i])] ?? nil { ports[i]["nodePort"] = nil }
            spec["ports"] = .array(ports)
        }
        if oldType == "LoadBalancer" && type != "LoadBalancer" {
            for field in ["allocateLoadBalancerNodePorts", "loadBalancerClass"] where spec[field] == oldSpec[field] { spec[field] = nil }
        }
    }

    static func portKey(_ port: JSONValue) -> String {
        "\(port["port"]?.intValue ?? 0)/\(port["protocol"]?.stringValue ?? "TCP")"
    }
}
