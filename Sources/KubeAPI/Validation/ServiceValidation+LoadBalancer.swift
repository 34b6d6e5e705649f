import Foundation
extension ServiceValidation {
    static let ipMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

    /// Upstream's checks of the fields that only apply to externally reachable
    /// Services: external IPs, the load balancer's IP, class, source ranges and
    /// node-port allocation, and the health-check node port. Messages and
    /// field paths as `ValidateService` (including its historical
    /// `spec.LoadBalancerSourceRanges`).
    static func validateExternalFields(_ spec: ServiceSpec, old: ServiceSpec?, type: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ip) in (spec.externalIPs ?? []).enumerated() {
            if !IPAddressSyntax.isIPv4(ip) && !IPAddressSyntax.isIPv6(ip) {
                errs.append(.invalid("spec.externalIPs[\(i)]", ip, ipMessage))
            } else if ip == "0.0.0.0" || ip == "::" {
                errs.append(.invalid("spec.externalIPs[\(i)]", ip, "may not be unspecified (\(ip))"))
            }
        }
        if let ip = spec.loadBalancerIP, !ip.isEmpty {
            if type != "LoadBalancer" {
                errs.append(.forbidden("spec.loadBalancerIP", "may only be used when `type` is 'LoadBalancer'"))
            } else if !IPAddressSyntax.isIPv4(ip) && !IPAddressSyntax.isIPv6(ip) {
                errs.append(.invalid("spec.loadBalancerIP", ip, ipMessage))
            }
        }
        if let ranges = spec.loadBalancerSourceRanges, !ranges.isEmpty {
            if type != "LoadBalancer" {
                errs.append(.forbidden("spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"))
            }
            for (i, r) in ranges.enumerated() {
                let value = r.trimmingCharacters(in: .whitespaces)
                if !IPAddressSyntax.isCIDR(value) {
                    errs.append(.invalid("spec.LoadBalancerSourceRanges[\(i)]", value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
                }
            }
        }
        if type == "LoadBalancer" {
            if spec.allocateLoadBalancerNodePorts == nil { errs.append(.required("spec.allocateLoadBalancerNodePorts", "")) }
        } else if spec.allocateLoadBalancerNodePorts != nil {
            errs.append(.forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
        }
        if let cls = spec.loadBalancerClass {
            if type != "LoadBalancer" {
                errs.append(.forbidden("spec.loadBalancerClass", "may only be used when service type is 'LoadBalancer'"))
            } else {
                for e in LabelValidation.qualifiedNameErrors(cls) { errs.append(.invalid("spec.loadBalancerClass", cls, e)) }
            }
        }
        if let old, old.type == "LoadBalancer", old.loadBalancerClass != nil, type == "LoadBalancer", old.loadBalancerClass != spec.loadBalancerClass {
            errs.append(.invalid("spec.loadBalancerClass", spec.loadBalancerClass ?? "null", "may not change once set"))
        }
        let needsHealthCheck = type == "LoadBalancer" && spec.externalTrafficPolicy == "Local"
        if let hc = spec.healthCheckNodePort, hc != 0 {
            if !needsHealthCheck {
                errs.append(.forbidden("spec.healthCheckNodePort", "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
            } else if hc < 0 || hc > 65535 {
                errs.append(.invalid("spec.healthCheckNodePort", int: Int64(hc), "must be between 1 and 65535, inclusive"))
            }
        }
        if let old, let oldHC = old.healthCheckNodePort, oldHC != 0, needsHealthCheck,
           old.type == "LoadBalancer", old.externalTrafficPolicy == "Local", let hc = spec.healthCheckNodePort, hc != oldHC {
            errs.append(.invalid("spec.healthCheckNodePort", int: Int64(hc), "field is immutable"))
        }
        return errs
    }

    /// Upstream's checks of a Service's load balancer status: each ingress
    /// point's IP is an IP, and `ipMode` needs an IP.
    public static func validateLoadBalancerStatus(_ status: LoadBalancerStatus?) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ing) in (status?.ingress ?? []).enumerated() {
            let p = "status.loadBalancer.ingress[\(i)]"
            if let ip = ing.ip, !ip.isEmpty, !IPAddressSyntax.isIPv4(ip) && !IPAddressSyntax.isIPv6(ip) {
                errs.append(.invalid("\(p).ip", ip, "must be a valid IP address"))
            }
            if let mode = ing.ipMode {
                if (ing.ip ?? "").isEmpty { errs.append(.forbidden("\(p).ipMode", "may not be specified when `ip` is not set")) }
                if !["VIP", "Proxy"].contains(mode) { errs.append(.notSupported("\(p).ipMode", mode, ["Proxy", "VIP"])) }
            }
        }
        return errs
    }
}

extension IPAddressSyntax {
    /// True for `ADDRESS/PREFIX` with a prefix no longer than the family's.
    public static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), String(bits) == parts[1] else { return false }
        let address = String(parts[0])
        if isIPv4(address) { return (0...32).contains(bits) }
        if isIPv6(address) { return (0...128).contains(bits) }
        return false
    }
}
