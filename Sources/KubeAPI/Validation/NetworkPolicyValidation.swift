/// `networking.k8s.io/v1` NetworkPolicy validated as upstream's
/// `ValidateNetworkPolicy` (pkg/apis/networking/validation), with its paths
/// and messages.
extension NetworkingValidation {
    /// Validates a policy's spec (creates and updates alike).
    public static func validateNetworkPolicy(_ policy: NetworkPolicy) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = policy.spec ?? NetworkPolicySpec()
        errs += selectorErrors(spec.podSelector, "spec.podSelector")
        for (i, rule) in (spec.ingress ?? []).enumerated() {
            let path = "spec.ingress[\(i)]"
            for (j, port) in (rule.ports ?? []).enumerated() { errs += portErrors(port, "\(path).ports[\(j)]") }
            for (j, peer) in (rule.from ?? []).enumerated() { errs += peerErrors(peer, "\(path).from[\(j)]") }
        }
        for (i, rule) in (spec.egress ?? []).enumerated() {
            let path = "spec.egress[\(i)]"
            for (j, port) in (rule.ports ?? []).enumerated() { errs += portErrors(port, "\(path).ports[\(j)]") }
            for (j, peer) in (rule.to ?? []).enumerated() { errs += peerErrors(peer, "\(path).to[\(j)]") }
        }
        let types = spec.policyTypes ?? []
        if types.count > 2 {
            errs.append(FieldError(kind: .invalid, field: "spec.policyTypes", value: "[]networking.PolicyType{" + types.map { "\"\($0)\"" }.joined(separator: ", ") + "}",
                                   detail: "may not specify more than two policyTypes"))
            return errs
        }
        for (i, t) in types.enumerated() where t != "Ingress" && t != "Egress" {
            errs.append(.notSupported("spec.policyTypes[\(i)]", t, ["Ingress", "Egress"]))
        }
        return errs
    }

    static func selectorErrors(_ selector: LabelSelector, _ path: String) -> [FieldError] {
        var errs = LabelValidation.validateLabels(selector.matchLabels, field: "\(path).matchLabels")
        do {
            _ = try LabelRequirements(selector)
        } catch {
            errs.append(.invalid(path, WorkloadValidation.describeSelector(selector), error.message))
        }
        return errs
    }

    static func portErrors(_ port: NetworkPolicyPort, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if let p = port.protocol, !["TCP", "UDP", "SCTP"].contains(p) {
            errs.append(.notSupported("\(path).protocol", p, ["TCP", "UDP", "SCTP"]))
        }
        switch port.port {
        case .int(let n)?:
            if n < 1 || n > 65535 { errs.append(.invalid("\(path).port", int: Int64(n), "must be between 1 and 65535, inclusive")) }
            if let end = port.endPort {
                if Int(end) < n { errs.append(.invalid("\(path).endPort", int: Int64(n), "must be greater than or equal to `port`")) }
                if end < 1 || end > 65535 { errs.append(.invalid("\(path).endPort", int: Int64(end), "must be between 1 and 65535, inclusive")) }
            }
        case .string(let name)?:
            if let end = port.endPort { errs.append(.invalid("\(path).endPort", int: Int64(end), "may not be specified when `port` is non-numeric")) }
            for msg in portNameErrors(name) { errs.append(.invalid("\(path).port", name, msg)) }
        case nil:
            if let end = port.endPort { errs.append(.invalid("\(path).endPort", int: Int64(end), "may not be specified when `port` is not specified")) }
        }
        return errs
    }

    static func peerErrors(_ peer: NetworkPolicyPeer, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        if let s = peer.podSelector {
            count += 1
            errs += selectorErrors(s, "\(path).podSelector")
        }
        if let s = peer.namespaceSelector {
            count += 1
            errs += selectorErrors(s, "\(path).namespaceSelector")
        }
        if let block = peer.ipBlock {
            count += 1
            errs += ipBlockErrors(block, "\(path).ipBlock")
        }
        if count == 0 {
            errs.append(.required(path, "must specify a peer"))
        } else if count > 1 && peer.ipBlock != nil {
            errs.append(.forbidden(path, "may not specify both ipBlock and another peer"))
        }
        return errs
    }

    static let invalidCIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

    static func ipBlockErrors(_ block: IPBlock, _ path: String) -> [FieldError] {
        if block.cidr.isEmpty { return [.required("\(path).cidr")] }
        guard let cidr = ParsedCIDR(block.cidr) else { return [.invalid("\(path).cidr", block.cidr, invalidCIDR)] }
        var errs: [FieldError] = []
        for (i, text) in (block.except ?? []).enumerated() {
            let p = "\(path).except[\(i)]"
            guard let except = ParsedCIDR(text) else {
                errs.append(.invalid(p, text, invalidCIDR))
                continue
            }
            if !cidr.contains(except.network) || cidr.prefix >= except.prefix || cidr.bytes.count != except.bytes.count {
                errs.append(.invalid(p, text, "must be a strict subset of `cidr`"))
            }
        }
        return errs
    }
}

/// A CIDR as Go's `net.ParseCIDR` reads it: address bytes (4 or 16) and prefix.
public struct ParsedCIDR: Sendable, Hashable {
    /// The address as written (host bits not cleared).
    public var bytes: [UInt8]
    public var prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber), let prefix = Int(parts[1]) else { return nil }
        let address = String(parts[0])
        if IPAddressSyntax.isIPv4(address) {
            bytes = address.split(separator: ".").map { UInt8($0)! }
        } else if IPAddressSyntax.isIPv6(address), let b = ParsedCIDR.ipv6Bytes(address) {
            bytes = b
        } else {
            return nil
        }
        guard prefix <= bytes.count * 8 else { return nil }
        self.prefix = prefix
    }

    /// The address with host bits cleared.
    public var network: [UInt8] {
        bytes.enumerated().map { i, b in
            let bits = max(0, min(8, prefix - i * 8))
            return bits == 8 ? b : b & ~(UInt8(0xff) >> UInt8(bits))
        }
    }

    /// Whether `address` (same length) lies in this block.
    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        return ParsedCIDR(bytes: address, prefix: prefix).network == network
    }

    init(bytes: [UInt8], prefix: Int) {
        self.bytes = bytes
        self.prefix = prefix
    }

    static func ipv6Bytes(_ s: String) -> [UInt8]? {
        var text = s
        var tail: [UInt8] = []
        if let last = text.split(separator: ":").last, last.contains(".") {
            guard IPAddressSyntax.isIPv4(String(last)) else { return nil }
            tail = last.split(separator: ".").map { UInt8($0)! }
            text = String(text.dropLast(last.count)) + "0:0"
        }
        let halves = text.components(separatedBy: "::")
        func groups(_ h: String) -> [UInt16]? {
            h.isEmpty ? [] : h.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }.allSatisfy { $0 != nil }
                ? h.split(separator: ":").map { UInt16($0, radix: 16)! } : nil
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let rest = groups(halves[1]) else { return nil }
            all += [UInt16](repeating: 0, count: max(0, 8 - head.count - rest.count)) + rest
        }
        guard all.count == 8 else { return nil }
        var out = all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
        if !tail.isEmpty { out.replaceSubrange(12..<16, with: tail) }
        return out
    }
}
