public import Netfilter
import Netlink

/// One rule of the policy table, as a value: matches in order, then a
/// verdict. The same value is written to the kernel (``expressions``), as
/// `nft -f` text (``text``) and walked by the ``PolicyTracer``.
public struct FilterRule: Sendable, Hashable {
    public enum Field: Sendable, Hashable {
        case source, destination
        var keyword: String { self == .source ? "saddr" : "daddr" }
        var offset: UInt32 { self == .source ? 12 : 16 }
    }

    public enum Match: Sendable, Hashable {
        /// `ct state established,related`.
        case established
        /// `ip saddr @set` / `ip daddr != @set`.
        case inSet(Field, String, negate: Bool)
        /// `ip saddr 10.0.0.0/8` / `ip saddr != 10.1.0.0/16`.
        case block(Field, Block4, negate: Bool)
        /// `fib saddr type local`: sent by this node.
        case fromNode
        /// `meta l4proto tcp`.
        case proto(Proto)
        /// `th dport 80` / `th dport 8000-8100`.
        case port(UInt16, UInt16)
        /// `ip daddr . meta l4proto . th dport @set`: a named port of the destination pod.
        case namedPort(String)
    }

    public enum Verdict: Sendable, Hashable {
        case accept, drop
        case jump(String)
    }

    public var matches: [Match]
    public var verdict: Verdict
    public var counter: Bool
    /// The policy and rule (`ns/name ingress[0]`), or what the rule is for.
    public var comment: String?

    public init(_ matches: [Match], _ verdict: Verdict, counter: Bool = false, comment: String? = nil) {
        self.matches = matches
        self.verdict = verdict
        self.counter = counter
        self.comment = comment
    }
}

/// The policy table's chains, from the policies alone (pods only change set
/// elements): two base chains on the forward hook, after kube-proxy's DNAT
/// in prerouting, so Service traffic is judged against the endpoint pod.
///
/// ```
/// chain egress  { type filter hook forward priority 0; policy accept;   # the sending pod's policies
///     ct state established,related accept
///     ip saddr != @egress-isolated accept
///     ip saddr @np-…-pods jump np-…-egress          # one per policy with Egress
///     counter drop comment "default deny egress" }
/// chain ingress { type filter hook forward priority 1; policy accept;   # the receiving pod's
///     ct state established,related accept
///     ip daddr != @ingress-isolated accept
///     fib saddr type local accept comment "from the node"
///     ip daddr @np-…-pods jump np-…-ingress
///     counter drop comment "default deny ingress" }
/// chain np-…-ingress { ip saddr @np-…-in0-peers meta l4proto tcp th dport 80 accept comment "ns/name ingress[0]" … }
/// ```
public struct PolicyChains: Sendable, Equatable {
    public var chains: [String: [FilterRule]]
    /// Chain names in the order they are created (base chains last, so their jumps resolve).
    public var order: [String]

    public static let table = "kube-network-policy"
    public static let egress = "egress"
    public static let ingress = "ingress"
    public static let basePriority: [String: Int32] = [egress: 0, ingress: 1]

    public init(_ policies: [CompiledPolicy]) {
        let sorted = policies.sorted { $0.ref < $1.ref }
        chains = [:]
        order = []
        var egress: [FilterRule] = [
            FilterRule([.established], .accept, comment: "replies and related traffic"),
            FilterRule([.inSet(.source, PolicyPlanner.egressIsolated, negate: true)], .accept),
        ]
        var ingress: [FilterRule] = [
            FilterRule([.established], .accept, comment: "replies and related traffic"),
            FilterRule([.inSet(.destination, PolicyPlanner.ingressIsolated, negate: true)], .accept),
            FilterRule([.fromNode], .accept, comment: "from the node"),
        ]
        for p in sorted {
            for d in [Direction.egress, .ingress] where d == .egress ? p.egress : p.ingress {
                let name = p.chain(d)
                let field: FilterRule.Field = d == .egress ? .source : .destination
                let jump = FilterRule([.inSet(field, p.targetSet, negate: false)], .jump(name), comment: "\(p.ref)")
                if d == .egress { egress.append(jump) } else { ingress.append(jump) }
                chains[name] = p.rules.filter { $0.direction == d }.flatMap { PolicyChains.rules(p, $0) }
                order.append(name)
            }
        }
        egress.append(FilterRule([], .drop, counter: true, comment: "default deny egress"))
        ingress.append(FilterRule([], .drop, counter: true, comment: "default deny ingress"))
        chains[Self.egress] = egress
        chains[Self.ingress] = ingress
        order += [Self.egress, Self.ingress]
    }

    /// The rules of one policy rule: one per peer kind and port entry.
    static func rules(_ p: CompiledPolicy, _ r: CompiledRule) -> [FilterRule] {
        let peerField: FilterRule.Field = r.direction == .ingress ? .source : .destination
        var peers: [[FilterRule.Match]] = []
        if r.anyPeer {
            peers = [[]]
        } else {
            if !r.selectorPeers.isEmpty { peers.append([.inSet(peerField, p.peerSet(r), negate: false)]) }
            for b in r.blockList {
                peers.append([.block(peerField, b.block, negate: false)] + b.except.map { .block(peerField, $0, negate: true) })
            }
        }
        let ports: [[FilterRule.Match]] = r.ports.map { list in
            list.map { m -> [FilterRule.Match] in
                switch m {
                case .proto(let proto): return [.proto(proto)]
                case .range(let proto, let lo, let hi): return [.proto(proto), .port(lo, hi)]
                case .named(let proto, let name): return [.proto(proto), .namedPort(NamedPortKey(proto: proto, name: name).set)]
                }
            }
        } ?? [[]]
        let comment = "\(p.ref) \(r.direction.rawValue)[\(r.index)]"
        return peers.flatMap { peer in ports.map { port in FilterRule(peer + port, .accept, comment: comment) } }
    }

    public var ruleCount: Int { chains.values.reduce(0) { $0 + $1.count } }
}

// MARK: - Netlink

extension FilterRule {
    /// The rule's nf_tables expressions.
    public var expressions: [NFTExpression] {
        var out: [NFTExpression] = []
        for m in matches { out += FilterRule.expressions(m) }
        if counter { out.append(.counter) }
        switch verdict {
        case .accept: out.append(.verdict(.accept, chain: nil))
        case .drop: out.append(.verdict(.drop, chain: nil))
        case .jump(let chain): out.append(.verdict(.jump, chain: chain))
        }
        return out
    }

    static func expressions(_ m: Match) -> [NFTExpression] {
        let r1 = NFT.Register.r1
        switch m {
        case .established: return NFTMatch.establishedOrRelated()
        case .inSet(let field, let set, let negate):
            return [.payload(base: .network, offset: field.offset, length: 4, into: r1),
                    .lookup(set: set, setID: nil, from: r1, verdict: false, invert: negate)]
        case .block(let field, let block, let negate):
            var out: [NFTExpression] = [.payload(base: .network, offset: field.offset, length: 4, into: r1)]
            if block.prefix < 32 {
                out.append(.bitwise(source: r1, destination: r1, length: 4, mask: block.mask.bigEndianBytes, xor: [0, 0, 0, 0]))
            }
            out.append(.cmp(r1, negate ? .neq : .eq, block.network.bigEndianBytes))
            return out
        case .fromNode: return NFTMatch.sourceIsLocal()
        case .proto(let p): return NFTMatch.l4proto(p.rawValue)
        case .port(let lo, let hi):
            let load = NFTExpression.payload(base: .transport, offset: 2, length: 2, into: r1)
            if lo == hi { return [load, .cmp(r1, .eq, lo.bigEndianBytes)] }
            return [load, .range(r1, from: lo.bigEndianBytes, to: hi.bigEndianBytes)]
        case .namedPort(let set):
            return NFTMatch.destinationTuple() + [.lookup(set: set, setID: nil, from: r1, verdict: false, invert: false)]
        }
    }
}

extension SetElement {
    /// The key bytes: `ipv4_addr` (4) or `ipv4_addr . inet_proto . inet_service` (12).
    public func key(withPort: Bool) -> [UInt8] {
        let a = UInt8(ip >> 24), b = UInt8(ip >> 16 & 0xff), c = UInt8(ip >> 8 & 0xff), d = UInt8(ip & 0xff)
        if !withPort { return [a, b, c, d] }
        return [a, b, c, d, proto, 0, 0, 0, UInt8(port >> 8), UInt8(port & 0xff), 0, 0]
    }

    /// The element of key bytes read back from the kernel.
    public init?(key: [UInt8]) {
        guard key.count == 4 || key.count == 12 else { return nil }
        let ip = key[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        self.init(ip: ip, proto: key.count == 12 ? key[4] : 0, port: key.count == 12 ? UInt16(key[8]) << 8 | UInt16(key[9]) : 0)
    }
}

// MARK: - Text

extension FilterRule {
    /// The rule as `nft` writes it.
    public var text: String {
        var parts = matches.map(FilterRule.text)
        if counter { parts.append("counter") }
        switch verdict {
        case .accept: parts.append("accept")
        case .drop: parts.append("drop")
        case .jump(let c): parts.append("jump \(c)")
        }
        if let comment { parts.append("comment \"\(comment.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "'"))\"") }
        return parts.joined(separator: " ")
    }

    static func text(_ m: Match) -> String {
        switch m {
        case .established: return "ct state established,related"
        case .inSet(let f, let set, let negate): return "ip \(f.keyword) \(negate ? "!= " : "")@\(set)"
        case .block(let f, let b, let negate): return "ip \(f.keyword) \(negate ? "!= " : "")\(b)"
        case .fromNode: return "fib saddr type local"
        case .proto(let p): return "meta l4proto \(p.keyword)"
        case .port(let lo, let hi): return lo == hi ? "th dport \(lo)" : "th dport \(lo)-\(hi)"
        case .namedPort(let set): return "ip daddr . meta l4proto . th dport @\(set)"
        }
    }
}

/// The whole table as `nft -f` input (what `scripts/bench-netpol` loads with
/// nft for comparison, and what `nft list table` shows, give or take nft's formatting).
public enum PolicyTableText {
    public static func render(_ chains: PolicyChains, _ planner: PolicyPlanner, table: String = PolicyChains.table) -> String {
        var out = "add table ip \(table)\ndelete table ip \(table)\ntable ip \(table) {\n"
        for (name, withPort) in planner.setNames.sorted(by: { $0.key < $1.key }) {
            out += "\tset \(name) {\n\t\ttype \(withPort ? "ipv4_addr . inet_proto . inet_service" : "ipv4_addr")\n"
            let elements = planner.elements(name).sorted()
            if !elements.isEmpty {
                out += "\t\telements = { " + elements.map { e in
                    let ip = IPAddress.v4(e.ip).description
                    return withPort ? "\(ip) . \(Proto(rawValue: e.proto)?.keyword ?? String(e.proto)) . \(e.port)" : ip
                }.joined(separator: ", ") + " }\n"
            }
            out += "\t}\n"
        }
        for name in chains.order {
            out += "\tchain \(name) {\n"
            if let priority = PolicyChains.basePriority[name] {
                out += "\t\ttype filter hook forward priority \(priority); policy accept;\n"
            }
            for rule in chains.chains[name] ?? [] { out += "\t\t\(rule.text)\n" }
            out += "\t}\n"
        }
        return out + "}\n"
    }
}
