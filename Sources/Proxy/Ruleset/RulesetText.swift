import Netfilter

/// The ruleset as `nft -f` input: for reading, and as the reference load of
/// `scripts/bench-proxy` (the same table loaded by nft from text).
public enum RulesetText {
    /// How random picks of an endpoint (``ProxyRule/Verdict/numgen(_:)``) are written.
    public enum Notation: Sendable {
        /// One `numgen random mod N vmap { … }` rule each, as upstream writes them.
        case upstream
        /// As the proxy programs them (``NumgenDispatch``), so that the text is
        /// the same table `nft list` shows and `nft -f` loads the same objects.
        case programmed
    }

    /// The whole table, preceded by `add table`/`delete table` so loading
    /// it replaces any previous version atomically.
    public static func render(_ ruleset: ProxyRuleset, notation: Notation = .upstream) -> String {
        let c = ruleset.configuration
        let family = c.family.keyword
        let builder = ruleset.builder
        var out = "add table \(family) \(c.table)\ndelete table \(family) \(c.table)\ntable \(family) \(c.table) {\n"
        for (name, kind) in ruleset.maps.sorted(by: { $0.key < $1.key }) {
            out += "\t\(kind == .hairpin ? "set" : "map") \(name) {\n\t\t\(declaration(name, kind, family: c.family))\n"
            let elements = ruleset.elements(name).sorted { $0.key < $1.key }
            if !elements.isEmpty {
                out += "\t\telements = { " + elements.map { key, value in
                    let comment = value.comment.map { " comment \"\($0.replacingQuotes())\"" } ?? ""
                    return "\(key)\(comment)" + (value == .member ? "" : " : \(target(value))")
                }.joined(separator: ",\n\t\t\t     ") + " }\n"
            }
            out += "\t}\n"
        }
        for (name, timeout) in ruleset.affinitySets.sorted(by: { $0.key < $1.key }) {
            out += "\tset \(identifier(name)) {\n\t\ttype \(c.family == .ipv4 ? "ipv4_addr" : "ipv6_addr")\n\t\tflags dynamic,timeout\n\t\ttimeout \(timeout)s\n\t}\n"
        }
        let chains = ruleset.allChains
        for name in chains.keys.sorted() {
            out += "\tchain \(identifier(name)) {\n"
            if let base = builder.baseChains[name] {
                out += "\t\ttype \(base.type) hook \(hookName(base.hook)) priority \(base.priority); policy accept;\n"
            }
            for rule in chains[name] ?? [] {
                for line in lines(rule, family: c.family, notation: notation) { out += "\t\t" + line + "\n" }
            }
            out += "\t}\n"
        }
        return out + "}\n"
    }

    /// The `type`/`typeof` line of a map or set.
    static func declaration(_ name: String, _ kind: MapKeyKind, family: IPFamily) -> String {
        let ip = family.keyword
        switch kind {
        case .addressProtocolPort, .protocolPort:
            let address = family == .ipv4 ? "ipv4_addr" : "ipv6_addr"
            return "type " + (kind == .addressProtocolPort ? "\(address) . inet_proto . inet_service" : "inet_proto . inet_service") + " : verdict"
        case .indexed(let base):
            let modulus = EndpointMap(name: name)?.modulus ?? 1
            return "typeof \(keyText(base, family: family)) . numgen random mod \(modulus) : \(ip) daddr . th dport"
        case .hairpin:
            return "typeof ct original \(ip) daddr . \(ip) saddr . \(ip) daddr"
        }
    }

    /// A map key's expressions in nft syntax.
    static func keyText(_ kind: MapKeyKind, family: IPFamily) -> String {
        switch kind {
        case .addressProtocolPort: return "\(family.keyword) daddr . meta l4proto . th dport"
        case .protocolPort: return "meta l4proto . th dport"
        case .indexed(let base): return keyText(base, family: family) + " . numgen"
        case .hairpin: return "ct original \(family.keyword) daddr . \(family.keyword) saddr . \(family.keyword) daddr"
        }
    }

    /// One rule in nft syntax: one line, or one per endpoint chain for a pick
    /// programmed as rules.
    public static func lines(_ rule: ProxyRule, family: IPFamily, notation: Notation) -> [String] {
        guard notation == .programmed, rule.numgenDispatch == .rules, case .numgen(let chains)? = rule.verdict else {
            return [render(rule, family: family)]
        }
        var body = rule
        body.verdict = nil
        body.comment = nil
        let prefix = render(body, family: family)
        return chains.enumerated().map { i, chain in
            var parts = prefix.isEmpty ? [] : [prefix]
            if let modulus = NumgenDispatch.modulus(index: i, of: chains.count) { parts.append("numgen random mod \(modulus) == 0") }
            parts.append("goto \(identifier(chain))")
            if let comment = rule.comment { parts.append("comment \"\(comment.replacingQuotes())\"") }
            return parts.joined(separator: " ")
        }
    }

    /// One rule in nft syntax (a pick in upstream's notation).
    public static func render(_ rule: ProxyRule, family: IPFamily) -> String {
        let ip = family.keyword
        var parts: [String] = rule.matches.map { m in
            switch m {
            case .destination(let a): return "\(ip) daddr \(a)"
            case .source(let a): return "\(ip) saddr \(a)"
            case .sourceNotIn(let c): return "\(ip) saddr != \(c)"
            case .sourceIn(let c): return "\(ip) saddr \(c)"
            case .destinationNotIn(let c): return "\(ip) daddr != \(c)"
            case .l4proto(let p): return "meta l4proto \(p.rawValue)"
            case .destinationPort(let p): return "th dport \(p)"
            case .ctStateNew: return "ct state new"
            case .destinationLocal: return "fib daddr type local"
            case .sourceLocal: return "fib saddr type local"
            case .markBitsClear(let b): return "meta mark & \(hex(b)) == 0x00000000"
            case .sourceInSet(let s): return "\(ip) saddr @\(identifier(s))"
            case .hairpinInSet(let s): return "\(keyText(.hairpin, family: family)) @\(identifier(s))"
            }
        }
        parts += rule.statements.map { s in
            switch s {
            case .setMarkBits(let b): return "meta mark set meta mark | \(hex(b))"
            case .toggleMarkBits(let b): return "meta mark set meta mark ^ \(hex(b))"
            case .updateSourceInSet(let set): return "update @\(identifier(set)) { \(ip) saddr }"
            case .masquerade: return "masquerade fully-random"
            case .dnat(let a, let p): return a.isV4 ? "dnat to \(a):\(p)" : "dnat to [\(a)]:\(p)"
            case .dnatPick(let map, let key, let modulus):
                return "dnat \(ip) to \(keyText(key, family: family)) . numgen random mod \(modulus) map @\(identifier(map))"
            }
        }
        if let v = rule.verdict {
            switch v {
            case .accept: parts.append("accept")
            case .drop: parts.append("drop")
            case .return: parts.append("return")
            case .jump(let c): parts.append("jump \(identifier(c))")
            case .goto(let c): parts.append("goto \(identifier(c))")
            case .reject(let reset): parts.append(reset ? "reject with tcp reset" : "reject")
            case .vmap(let map, let kind):
                parts.append(keyText(kind, family: family) + " vmap @\(map)")
            case .numgen(let chains):
                let entries = chains.enumerated().map { "\($0.offset) : goto \(identifier($0.element))" }.joined(separator: ", ")
                parts.append("numgen random mod \(chains.count) vmap { \(entries) }")
            }
        }
        if let comment = rule.comment { parts.append("comment \"\(comment.replacingQuotes())\"") }
        return parts.joined(separator: " ")
    }

    static func target(_ t: MapTarget) -> String {
        switch t {
        case .goto(let c), .gotoShared(let c, _): return "goto \(identifier(c))"
        case .reject: return "goto \(ChainNames.rejectChain)"
        case .drop: return "drop"
        case .endpoint(let e): return "\(e.address) . \(e.port)"
        case .member: return ""
        }
    }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    static func hookName(_ hook: NFT.Hook) -> String {
        switch hook {
        case .prerouting: return "prerouting"
        case .input: return "input"
        case .forward: return "forward"
        case .output: return "output"
        case .postrouting: return "postrouting"
        }
    }

    /// A name as nft reads it: bare when it is a valid identifier, quoted otherwise.
    static func identifier(_ name: String) -> String {
        func letter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
        let valid = name.utf8.first.map { letter($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") } == true
            && name.utf8.allSatisfy { b in
                letter(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "/") || b == UInt8(ascii: "-")
                    || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
            }
        return valid ? name : "\"\(name)\""
    }
}

extension String {
    func replacingQuotes() -> String { String(map { $0 == "\"" ? "'" : $0 }) }
}
