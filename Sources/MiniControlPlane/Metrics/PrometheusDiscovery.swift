import HTTPServing
import KubeAPI

/// Prometheus' Kubernetes service discovery, served for `http_sd_configs`:
/// the targets and `__meta_kubernetes_*` labels that `kubernetes_sd_configs`
/// would find for roles `node`, `endpoints` and `endpointslice`, so the
/// relabelling rules written for upstream's discovery work unchanged. Of the
/// pod's own labels (`__meta_kubernetes_pod_*`) only the name is given.
/// Debian's Prometheus is built without Kubernetes discovery (client-go is
/// not packaged), and its HTTP discovery is what remains; the control
/// plane serves it at `/metrics/sd/ROLE` to whoever may list the objects.
enum PrometheusDiscovery {
    enum Role: String, CaseIterable {
        case node, endpoints, endpointslice
    }

    /// One target group as HTTP SD wants it: `[{"targets": [...], "labels": {...}}]`.
    struct Group {
        var target: String
        var labels: [String: String]

        var json: JSONValue {
            ["targets": [.string(target)], "labels": .object(labels.mapValues(JSONValue.string))]
        }
    }

    static func sanitize(_ name: String) -> String { PrometheusExposition.sanitizeLabelName(name) }

    /// `PREFIX_label_NAME` and `PREFIX_labelpresent_NAME` for each label, and the same for annotations.
    static func metadataLabels(_ object: JSONValue, prefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for (field, kind) in [("labels", "label"), ("annotations", "annotation")] {
            for (k, v) in object[path: ["metadata", field]]?.objectValue ?? [:] {
                let name = sanitize(k)
                out["\(prefix)_\(kind)_\(name)"] = v.stringValue ?? ""
                out["\(prefix)_\(kind)present_\(name)"] = "true"
            }
        }
        return out
    }

    /// Role node: one target per node, its first address at the kubelet's port
    /// (InternalIP first, as upstream's discovery prefers), instance = node name.
    static func nodes(_ nodes: [JSONValue]) -> [Group] {
        nodes.compactMap { n in
            let name = n[path: ["metadata", "name"]]?.stringValue ?? ""
            let addresses = n[path: ["status", "addresses"]]?.arrayValue ?? []
            let order = ["InternalIP", "InternalDNS", "ExternalIP", "ExternalDNS", "Hostname"]
            guard let address = order.lazy.compactMap({ type in
                addresses.first { $0["type"]?.stringValue == type }?["address"]?.stringValue
            }).first else { return nil }
            let port = n[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.intValue ?? 10250
            var labels = metadataLabels(n, prefix: "__meta_kubernetes_node")
            labels["__meta_kubernetes_node_name"] = name
            labels["__meta_kubernetes_node_provider_id"] = n[path: ["spec", "providerID"]]?.stringValue ?? ""
            for a in addresses {
                guard let type = a["type"]?.stringValue, let value = a["address"]?.stringValue else { continue }
                let key = "__meta_kubernetes_node_address_\(sanitize(type))"
                if labels[key] == nil { labels[key] = value }
            }
            labels["instance"] = name
            return Group(target: hostPort(address, port), labels: labels)
        }
    }

    /// Roles endpoints and endpointslice, both from EndpointSlices (every
    /// Service has them; Endpoints objects are legacy): one target per
    /// address and port, with the Service's labels when it exists.
    static func endpoints(_ slices: [JSONValue], services: [JSONValue], role: Role) -> [Group] {
        var byName: [String: JSONValue] = [:]
        for s in services {
            byName["\(s[path: ["metadata", "namespace"]]?.stringValue ?? "")/\(s[path: ["metadata", "name"]]?.stringValue ?? "")"] = s
        }
        var groups: [Group] = []
        for slice in slices {
            let namespace = slice[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let serviceName = slice[path: ["metadata", "labels", "kubernetes.io/service-name"]]?.stringValue
            var common: [String: String] = ["__meta_kubernetes_namespace": namespace]
            if let serviceName {
                common["__meta_kubernetes_service_name"] = serviceName
                if let service = byName["\(namespace)/\(serviceName)"] {
                    common.merge(metadataLabels(service, prefix: "__meta_kubernetes_service")) { a, _ in a }
                }
            }
            let sliceName = slice[path: ["metadata", "name"]]?.stringValue ?? ""
            switch role {
            case .endpointslice:
                common["__meta_kubernetes_endpointslice_name"] = sliceName
                common["__meta_kubernetes_endpointslice_address_type"] = slice["addressType"]?.stringValue ?? ""
                common.merge(metadataLabels(slice, prefix: "__meta_kubernetes_endpointslice")) { a, _ in a }
            default:
                common["__meta_kubernetes_endpoints_name"] = serviceName ?? sliceName
            }
            for endpoint in slice["endpoints"]?.arrayValue ?? [] {
                let ready = endpoint[path: ["conditions", "ready"]]?.boolValue ?? true
                let node = endpoint["nodeName"]?.stringValue
                for address in (endpoint["addresses"]?.arrayValue ?? []).compactMap(\.stringValue) {
                    for port in slice["ports"]?.arrayValue ?? [] {
                        guard let number = port["port"]?.intValue else { continue }
                        var labels = common
                        let name = port["name"]?.stringValue ?? ""
                        let proto = port["protocol"]?.stringValue ?? "TCP"
                        switch role {
                        case .endpointslice:
                            labels["__meta_kubernetes_endpointslice_port"] = String(number)
                            labels["__meta_kubernetes_endpointslice_port_name"] = name
                            labels["__meta_kubernetes_endpointslice_port_protocol"] = proto
                            labels["__meta_kubernetes_endpointslice_endpoint_conditions_ready"] = ready ? "true" : "false"
                            if let node { labels["__meta_kubernetes_endpointslice_endpoint_node_name"] = node }
                            if let host = endpoint["hostname"]?.stringValue { labels["__meta_kubernetes_endpointslice_endpoint_hostname"] = host }
                        default:
                            labels["__meta_kubernetes_endpoint_port_name"] = name
                            labels["__meta_kubernetes_endpoint_port_protocol"] = proto
                            labels["__meta_kubernetes_endpoint_ready"] = ready ? "true" : "false"
                            if let node { labels["__meta_kubernetes_endpoint_node_name"] = node }
                            if let host = endpoint["hostname"]?.stringValue { labels["__meta_kubernetes_endpoint_hostname"] = host }
                        }
                        if let target = endpoint["targetRef"] {
                            let kind = target["kind"]?.stringValue ?? "", name = target["name"]?.stringValue ?? ""
                            let prefix = role == .endpointslice ? "__meta_kubernetes_endpointslice_address_target" : "__meta_kubernetes_endpoint_address_target"
                            labels[prefix + "_kind"] = kind
                            labels[prefix + "_name"] = name
                            if kind == "Pod" { labels["__meta_kubernetes_pod_name"] = name }
                        }
                        groups.append(Group(target: hostPort(address, number), labels: labels))
                    }
                }
            }
        }
        return groups
    }

    static func hostPort(_ host: String, _ port: Int64) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
