import Netlink

/// The whole table the proxy wants in the kernel: the fixed fragment plus one
/// fragment per Service, and which Service owns each map key (a ClusterIP
/// port or NodePort claimed twice goes to the first Service, by name, and the
/// other is told).
///
/// ```swift
/// var ruleset = ProxyRuleset(RulesetConfiguration(nodeName: "node-1", clusterCIDR: CIDR("10.244.0.0/16")))
/// ruleset.update(ServiceName(namespace: "default", name: "web"), ports: model.ports)
/// let batch = RulesetChanges.full(ruleset, existing: nil)
/// ```
public struct ProxyRuleset: Sendable, Equatable {
    public let configuration: RulesetConfiguration
    public private(set) var base: RulesetFragment
    public private(set) var services: [ServiceName: RulesetFragment] = [:]
    /// Who owns each ClusterIP/external IP key and NodePort key.
    public private(set) var owners: [MapKey: ServiceName] = [:]
    /// The keys each Service owns (the reverse of `owners`).
    var ownedKeys: [ServiceName: [MapKey]] = [:]
    /// Services that wanted a key someone else owns.
    var denied: [MapKey: Set<ServiceName>] = [:]
    /// Problems found while building (conflicting keys), cleared by ``takeWarnings()``.
    public private(set) var warnings: [String] = []
    /// How many Services have elements in each endpoint map; the fixed
    /// fragment has a map and a rule for each map in use.
    var endpointMapUse: [EndpointMap: Int] = [:]
    /// Chains, rules and elements of all Services, kept up to date by
    /// ``update(_:ports:)`` (a sync reports them; summing 10,000 fragments each time would cost milliseconds).
    var serviceTotals = (chains: 0, rules: 0, elements: 0)

    public init(_ configuration: RulesetConfiguration) {
        self.configuration = configuration
        self.base = RulesetBuilder(configuration).baseFragment()
    }

    public var builder: RulesetBuilder { RulesetBuilder(configuration) }

    /// Replaces the fragment of `service` (nil ports: the Service is gone).
    /// Returns the other Services that should be rebuilt because a key they
    /// were denied is now free.
    @discardableResult
    public mutating func update(_ service: ServiceName, ports: [ServicePortInfo]?) -> Set<ServiceName> {
        let old = services[service]
        defer {
            let new = services[service]
            serviceTotals.chains += (new?.chains.count ?? 0) - (old?.chains.count ?? 0)
            serviceTotals.rules += (new?.ruleCount ?? 0) - (old?.ruleCount ?? 0)
            serviceTotals.elements += (new?.elementCount ?? 0) - (old?.elementCount ?? 0)
            countEndpointMaps(removed: old?.endpointMaps ?? [], added: new?.endpointMaps ?? [])
        }
        let freed = ownedKeys.removeValue(forKey: service) ?? []
        for key in freed { owners[key] = nil }
        if !denied.isEmpty {
            for key in Array(denied.keys) {
                denied[key]?.remove(service)
                if denied[key]?.isEmpty == true { denied[key] = nil }
            }
        }
        guard let ports, !ports.isEmpty else {
            services[service] = nil
            return Set(freed.flatMap { denied[$0] ?? [] })
        }
        var claimed: [MapKey] = []
        var refused: [(MapKey, ServiceName)] = []
        let fragment = builder.serviceFragment(ports) { key in
            if let owner = owners[key], owner != service {
                refused.append((key, owner))
                return false
            }
            claimed.append(key)
            return true
        }
        for key in claimed { owners[key] = service }
        if !claimed.isEmpty { ownedKeys[service] = claimed }
        for (key, owner) in refused {
            denied[key, default: []].insert(service)
            warnings.append("service \(service): \(key) is already used by service \(owner); skipped")
        }
        services[service] = fragment.isEmpty ? nil : fragment
        return Set(freed.filter { owners[$0] == nil }.flatMap { denied[$0] ?? [] })
    }

    /// Keeps the fixed fragment's endpoint maps and their rules equal to the maps in use.
    mutating func countEndpointMaps(removed: Set<EndpointMap>, added: Set<EndpointMap>) {
        guard removed != added else { return }
        var changed = false
        for map in removed.subtracting(added) {
            endpointMapUse[map, default: 0] -= 1
            if endpointMapUse[map] == 0 {
                endpointMapUse[map] = nil
                changed = true
            }
        }
        for map in added.subtracting(removed) {
            endpointMapUse[map, default: 0] += 1
            if endpointMapUse[map] == 1 { changed = true }
        }
        if changed { base = builder.baseFragment(endpointMaps: Set(endpointMapUse.keys)) }
    }

    /// Returns and clears the warnings.
    public mutating func takeWarnings() -> [String] {
        defer { warnings = [] }
        return warnings
    }

    /// Builds the ruleset for a whole set of Services at once, in name order.
    public init(_ configuration: RulesetConfiguration, services ports: [ServiceName: [ServicePortInfo]]) {
        self.init(configuration)
        for name in ports.keys.sorted() { update(name, ports: ports[name]) }
    }

    /// Every chain, base and per-service.
    public var allChains: [String: [ProxyRule]] {
        var out = base.chains
        for f in services.values { out.merge(f.chains) { a, _ in a } }
        return out
    }

    /// Every element of `map`.
    public func elements(_ map: String) -> [MapKey: MapTarget] {
        var out = base.elements[map] ?? [:]
        for f in services.values { out.merge(f.elements[map] ?? [:]) { a, _ in a } }
        return out
    }

    /// Every map and set besides affinity sets, with its key layout: the
    /// fixed verdict maps and those the fragments declare.
    public var maps: [String: MapKeyKind] {
        var out = Dictionary(uniqueKeysWithValues: ChainNames.maps.map { ($0.name, $0.kind) })
        out.merge(base.sets) { a, _ in a }
        for f in services.values where !f.sets.isEmpty { out.merge(f.sets) { a, _ in a } }
        return out
    }

    /// Every affinity set and its timeout.
    public var affinitySets: [String: Int] {
        services.values.reduce(into: [:]) { $0.merge($1.affinitySets) { a, _ in a } }
    }

    public var chainCount: Int { base.chains.count + serviceTotals.chains }
    public var ruleCount: Int { base.ruleCount + serviceTotals.rules }
    public var elementCount: Int { base.elementCount + serviceTotals.elements }

    public static func == (a: ProxyRuleset, b: ProxyRuleset) -> Bool {
        a.configuration == b.configuration && a.base == b.base && a.services == b.services
    }
}
