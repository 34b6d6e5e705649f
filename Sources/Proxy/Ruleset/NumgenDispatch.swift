/// How a random pick of one endpoint chain (``ProxyRule/Verdict/numgen(_:)``)
/// is programmed into the kernel.
///
/// Upstream writes it as one rule with an anonymous verdict map:
///
///     numgen random mod 3 vmap { 0 : goto e0, 1 : goto e1, 2 : goto e2 }
///
/// Every such map is a set of its own in the kernel, and nf_tables handles
/// many sets in one table badly: binding an anonymous set to its rule walks
/// every change of the transaction so far (`__nft_set_trans_bind`), and
/// naming or finding a set walks every set of the table. One map per
/// Service makes loading 10,000 Services in one transaction quadratic:
/// minutes, for `nft -f` as for us (see docs/kube-proxy.md for the figures).
///
/// So a pick among up to ``maxRules`` chains is programmed as rules that
/// give each chain the same 1/N chance, the way iptables' `statistic` rules
/// did, and uses no set at all:
///
///     numgen random mod 3 == 0 goto e0    (1/3)
///     numgen random mod 2 == 0 goto e1    (2/3 · 1/2 = 1/3)
///     goto e2                             (2/3 · 1/2 = 1/3)
///
/// Larger picks keep the anonymous map, whose cost per new connection does
/// not grow with N; Services with that many endpoints are few.
public enum NumgenDispatch: Sendable, Equatable {
    /// N rules, each a `numgen random mod K == 0 goto` (the last a plain goto).
    case rules
    /// One rule with an anonymous verdict map.
    case verdictMap

    /// The largest pick programmed as rules.
    public static let maxRules = 64

    /// How a pick among `targets` chains is programmed.
    public init(targets: Int) {
        self = targets <= Self.maxRules ? .rules : .verdictMap
    }

    /// The `numgen random mod` modulus of the rule that picks `index` of
    /// `targets` chains, given that no earlier rule picked (nil: the last
    /// rule, a plain goto).
    public static func modulus(index: Int, of targets: Int) -> Int? {
        index < targets - 1 ? targets - index : nil
    }
}

extension ProxyRule {
    /// How this rule's pick is programmed (nil: the rule is no pick).
    /// Statements would run once per rule, so a pick with statements keeps the map.
    public var numgenDispatch: NumgenDispatch? {
        guard case .numgen(let targets) = verdict else { return nil }
        return statements.isEmpty ? NumgenDispatch(targets: targets.count) : .verdictMap
    }

    /// How many rules this rule is in the kernel (a pick through
    /// ``NumgenDispatch/rules`` is one rule per chain).
    public var kernelRuleCount: Int {
        if case .numgen(let targets) = verdict, numgenDispatch == .rules { return targets.count }
        return 1
    }
}
