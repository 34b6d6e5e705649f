public import Netfilter
import Netlink

/// Services as programmed in the kernel, read back over netlink (not from
/// the proxy's memory): the maps give each VIP, port and NodePort, the
/// endpoint maps or the rules of the service chains give the endpoints they
/// DNAT to. Used by
/// `kube-proxy --dump` and `nodectl services`.
///
/// ```swift
/// let services = try ServiceDump.read(NFTables.open())
/// print(ServiceDump.format(services))
/// ```
public enum ServiceDump {
    /// One Service port as the kernel has it.
    public struct Entry: Sendable, Equatable {
        /// `namespace/name:port` (or `namespace/name` for an unnamed port).
        public var service: String
        public var proto: L4Protocol
        /// `10.96.0.10:80` for ClusterIPs and external IPs.
        public var addresses: [String]
        public var nodePorts: [UInt16]
        /// `10.244.1.5:8080`, sorted.
        public var endpoints: [String]
        /// What happens without endpoints: `reject`, `drop`, or nil when there are endpoints.
        public var refusal: String?
    }

    /// Reads the table `table` of `family`. An absent table gives no entries.
    public static func read(_ nft: NFTables, family: IPFamily = .ipv4, table: String = "kube-proxy") throws -> [Entry] {
        let f = family.nftFamily
        guard try nft.tableExists(family: f, table) else { return [] }
        let rules = Dictionary(grouping: try nft.rules(family: f, table: table), by: \.chain)
        var anonymous: [String: [NFTables.ElementInfo]] = [:]
        func elements(_ set: String) throws -> [NFTables.ElementInfo] {
            if let known = anonymous[set] { return known }
            let e = try nft.elements(family: f, table: table, set: set)
            anonymous[set] = e
            return e
        }
        /// Endpoint chains reachable from a chain (through gotos, jumps and numgen maps).
        func endpoints(from chain: String, depth: Int = 0) throws -> Set<String> {
            guard depth < 8 else { return [] }
            var out = Set<String>()
            for rule in rules[chain] ?? [] {
                for e in rule.expressions {
                    switch e {
                    case .verdict(.goto, let target?), .verdict(.jump, let target?):
                        if target.hasPrefix("endpoint-") { out.formUnion(dnatTargets(target)) }
                        else if ["service-", "local-", "external-"].contains(where: target.hasPrefix) { out.formUnion(try endpoints(from: target, depth: depth + 1)) }
                    case .lookup(let set, _, _, true, _) where set.hasPrefix("__map"):
                        for element in try elements(set) {
                            if let target = element.chain, target.hasPrefix("endpoint-") { out.formUnion(dnatTargets(target)) }
                        }
                    default: break
                    }
                }
            }
            return out
        }
        func dnatTargets(_ chain: String) -> Set<String> {
            var out = Set<String>()
            for rule in rules[chain] ?? [] {
                var registers: [UInt32: [UInt8]] = [:]
                for e in rule.expressions {
                    if case .immediate(let r, let data) = e { registers[r] = data }
                    if case .nat(.dnat, _, let a, let p) = e, let address = registers[a].flatMap({ IPAddress(bytes: $0[...]) }) {
                        let port = p.flatMap { registers[$0] }.map { UInt16(bigEndianBytes: $0[...], at: 0) }
                        out.insert(ProxyEndpoint(address: address, port: port ?? 0).description)
                    }
                }
            }
            return out
        }

        // Services whose endpoints are map elements: key → endpoints, from every endpoint map.
        var mapped: [MapKey: Set<String>] = [:]
        for set in try nft.sets(family: f, table: table) {
            guard let map = EndpointMap(name: set.name) else { continue }
            for element in try nft.elements(family: f, table: table, set: set.name) {
                guard let key = MapKey(bytes: element.key, kind: .indexed(map.serviceKey)),
                      let endpoint = element.data.flatMap(ProxyEndpoint.init(mapValue:)) else { continue }
                mapped[key.service, default: []].insert(endpoint.description)
            }
        }

        var entries: [String: Entry] = [:]
        func entry(_ service: String, _ proto: L4Protocol) -> String {
            let id = "\(service)|\(proto.rawValue)"
            if entries[id] == nil { entries[id] = Entry(service: service, proto: proto, addresses: [], nodePorts: [], endpoints: [], refusal: nil) }
            return id
        }
        for (map, kind) in ChainNames.maps {
            for element in try nft.elements(family: f, table: table, set: map) {
                guard let key = MapKey(bytes: element.key, kind: kind) else { continue }
                let proto: L4Protocol
                var address: String?, nodePort: UInt16?
                switch key {
                case .addressProtocolPort(let a, let p, let port):
                    proto = p
                    address = ProxyEndpoint(address: a, port: port).description
                case .protocolPort(let p, let port):
                    proto = p
                    nodePort = port
                case .indexed, .hairpin:
                    continue
                }
                let service: String
                var reached = Set<String>()
                if let chain = element.chain, ChainNames.dnatChains.contains(chain) {
                    service = element.comment ?? "?"
                    reached = mapped[key] ?? []
                } else if let chain = element.chain, let name = serviceName(chain) {
                    service = name
                    reached = try endpoints(from: chain)
                } else {
                    service = element.comment ?? "?"
                }
                let id = entry(service, proto)
                if let address { entries[id]?.addresses.append(address) }
                if let nodePort { entries[id]?.nodePorts.append(nodePort) }
                let known = entries[id]?.endpoints ?? []
                entries[id]?.endpoints = Array(Set(known).union(reached)).sorted()
                if map == ChainNames.noEndpointServicesMap || map == ChainNames.noEndpointNodePortsMap {
                    entries[id]?.refusal = element.verdict == .drop ? "drop" : "reject"
                }
            }
        }
        return entries.values.map { e in
            var e = e
            e.addresses.sort()
            e.nodePorts.sort()
            return e
        }.sorted { ($0.service, $0.proto) < ($1.service, $1.proto) }
    }

    /// `namespace/name:port` from `service-HASH-namespace/name/proto/port` (and `local-`, `external-`, `firewall-`).
    static func serviceName(_ chain: String) -> String? {
        for prefix in ["service-", "local-", "external-", "firewall-"] where chain.hasPrefix(prefix) {
            let rest = chain.dropFirst(prefix.count).drop { $0 != "-" }.dropFirst()
            let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            return parts[3].isEmpty ? "\(parts[0])/\(parts[1])" : "\(parts[0])/\(parts[1]):\(parts[3])"
        }
        return nil
    }

    /// A table for people: one line per Service port.
    public static func format(_ entries: [Entry]) -> String {
        var rows = [["SERVICE", "PROTO", "ADDRESSES", "NODEPORTS", "ENDPOINTS"]]
        for e in entries {
            rows.append([e.service, e.proto.rawValue, e.addresses.joined(separator: ","),
                         e.nodePorts.isEmpty ? "-" : e.nodePorts.map(String.init).joined(separator: ","),
                         e.refusal.map { "none (\($0))" } ?? e.endpoints.joined(separator: ",")])
        }
        let widths = (0..<5).map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in i == 4 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count) }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
