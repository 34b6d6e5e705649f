import Foundation
public import KubeAPI
import Netlink

/// Turns a Service and its EndpointSlices into the ``ServicePortInfo``s of one IP
/// family, skipping what cannot be programmed and saying why.
///
/// Bad input is dropped with a warning rather than failing the sync: ports
/// outside 1–65535, unknown protocols, a port or protocol pair repeated in one
/// Service, addresses that do not parse or belong to the other family,
/// slices of another address type.
public enum ServiceModel {
    /// The result for one Service.
    public struct Result: Sendable, Equatable {
        public var ports: [ServicePortInfo]
        public var warnings: [String]
    }

    /// The EndpointSlice label naming its Service.
    public static let serviceNameLabel = "kubernetes.io/service-name"

    /// Builds the ports of `service` for `family` from `slices` (those labelled
    /// with the service's name).
    public static func ports(of service: Service, slices: [EndpointSlice], family: IPFamily) -> Result {
        var warnings: [String] = []
        let name = ServiceName(namespace: service.metadata.namespace ?? "default", name: service.metadata.name ?? "")
        guard let spec = service.spec, spec.type != "ExternalName" else { return Result(ports: [], warnings: []) }

        let ipTexts = spec.clusterIPs ?? spec.clusterIP.map { [$0] } ?? []
        var clusterIP: IPAddress?
        for text in ipTexts where text != "None" && !text.isEmpty {
            guard let ip = IPAddress(text) else {
                warnings.append("service \(name): clusterIP \(text) is not an IP address")
                continue
            }
            if family.contains(ip) && clusterIP == nil { clusterIP = ip }
        }
        var externalIPs: [IPAddress] = []
        for text in spec.externalIPs ?? [] {
            guard let ip = IPAddress(text) else {
                warnings.append("service \(name): externalIP \(text) is not an IP address")
                continue
            }
            if family.contains(ip) { externalIPs.append(ip) }
        }
        var loadBalancerIPs: [IPAddress] = []
        var sourceRanges: [CIDR]?
        if spec.type == "LoadBalancer" {
            for ingress in service.status?.loadBalancer?.ingress ?? [] where ingress.ipMode != "Proxy" {
                guard let text = ingress.ip else { continue }
                guard let ip = IPAddress(text) else {
                    warnings.append("service \(name): load balancer ingress \(text) is not an IP address")
                    continue
                }
                if family.contains(ip) && !loadBalancerIPs.contains(ip) { loadBalancerIPs.append(ip) }
            }
            if let ranges = spec.loadBalancerSourceRanges, !ranges.isEmpty {
                var mine: [CIDR] = []
                for text in ranges {
                    guard let cidr = CIDR(text.trimmingCharacters(in: .whitespaces)) else {
                        warnings.append("service \(name): loadBalancerSourceRange \(text) is not a CIDR")
                        continue
                    }
                    if family.contains(cidr.network) { mine.append(cidr) }
                }
                sourceRanges = mine
            }
        }
        let healthCheckNodePort = spec.type == "LoadBalancer" && spec.externalTrafficPolicy == "Local"
            ? spec.healthCheckNodePort.flatMap { (1...65535).contains($0) ? UInt16($0) : nil } : nil
        let hasNodePorts = spec.type == "NodePort" || spec.type == "LoadBalancer"
        let affinity: Int? = spec.sessionAffinity == "ClientIP" ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : nil
        if let a = affinity, a <= 0 || a > 86400 {
            warnings.append("service \(name): sessionAffinity timeout \(a)s is outside 1–86400; affinity ignored")
        }

        var seen = Set<String>()
        var seenNames = Set<String>()
        var out: [ServicePortInfo] = []
        for p in spec.ports ?? [] {
            let portName = p.name ?? ""
            guard let proto = L4Protocol(kubernetes: p.protocol) else {
                warnings.append("service \(name): port \(portName.isEmpty ? String(p.port) : portName) has unsupported protocol \(p.protocol ?? "")")
                continue
            }
            guard (1...65535).contains(p.port) else {
                warnings.append("service \(name): port \(p.port) is outside 1–65535")
                continue
            }
            guard seen.insert("\(p.port)/\(proto)").inserted else {
                warnings.append("service \(name): port \(p.port)/\(proto.rawValue) appears twice; the first one wins")
                continue
            }
            guard seenNames.insert("\(portName)/\(proto)").inserted else {
                warnings.append("service \(name): port name \"\(portName)\" appears twice; the first one wins")
                continue
            }
            var nodePort: UInt16?
            if hasNodePorts, let n = p.nodePort {
                if (1...65535).contains(n) { nodePort = UInt16(n) } else { warnings.append("service \(name): nodePort \(n) is outside 1–65535") }
            }
            guard clusterIP != nil || nodePort != nil || !externalIPs.isEmpty || !loadBalancerIPs.isEmpty else { continue }
            let endpoints = Self.endpoints(for: portName, proto: proto, slices: slices, family: family, service: name, warnings: &warnings)
            out.append(ServicePortInfo(
                service: name, portName: portName, proto: proto, port: UInt16(p.port), clusterIP: clusterIP, externalIPs: externalIPs,
                loadBalancerIPs: loadBalancerIPs, sourceRanges: sourceRanges, healthCheckNodePort: healthCheckNodePort, nodePort: nodePort, affinitySeconds: affinity.flatMap { (1...86400).contains($0) ? $0 : nil },
                externalPolicyLocal: spec.externalTrafficPolicy == "Local" && (nodePort != nil || !externalIPs.isEmpty || !loadBalancerIPs.isEmpty),
                internalPolicyLocal: spec.internalTrafficPolicy == "Local", endpoints: endpoints))
        }
        return Result(ports: out, warnings: warnings)
    }

    /// Endpoints of the service port called `portName`: each slice's port of
    /// that name gives the target port of the slice's endpoints.
    static func endpoints(for portName: String, proto: L4Protocol, slices: [EndpointSlice], family: IPFamily, service: ServiceName,
                          warnings: inout [String]) -> [ProxyEndpoint] {
        var byAddress: [ProxyEndpoint: ProxyEndpoint] = [:]
        for slice in slices {
            guard slice.addressType == family.rawValue else { continue }
            guard let port = (slice.ports ?? []).first(where: { ($0.name ?? "") == portName && L4Protocol(kubernetes: $0.protocol) == proto }),
                  let number = port.port else { continue }
            guard (1...65535).contains(number) else {
                warnings.append("endpointslice \(slice.metadata.namespace ?? "")/\(slice.metadata.name ?? ""): port \(number) is outside 1–65535")
                continue
            }
            for e in slice.endpoints ?? [] {
                // Kubernetes uses the first address; the others are for future use.
                guard let text = e.addresses.first else { continue }
                guard let ip = IPAddress(text), family.contains(ip) else {
                    warnings.append("endpointslice \(slice.metadata.namespace ?? "")/\(slice.metadata.name ?? ""): \(text) is not an \(family.rawValue) address")
                    continue
                }
                let ready = e.conditions?.ready ?? true
                let endpoint = ProxyEndpoint(address: ip, port: UInt16(number), nodeName: e.nodeName, ready: ready,
                                             serving: e.conditions?.serving ?? ready, terminating: e.conditions?.terminating ?? false)
                let key = ProxyEndpoint(address: ip, port: UInt16(number))
                // The same endpoint in two slices (during a move): the readier one counts.
                if let existing = byAddress[key], existing.ready || !endpoint.ready { continue }
                byAddress[key] = endpoint
            }
        }
        return byAddress.values.sorted()
    }
}
