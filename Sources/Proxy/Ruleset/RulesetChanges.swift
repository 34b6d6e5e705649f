public import Netfilter
import Netlink

/// Turns rulesets into one nf_tables transaction: a full sync (rewrite every
/// chain and map, delete what is stale) or a partial sync (only the chains,
/// elements and sets of the Services that changed).
///
/// Changes are ordered so that every reference is valid when the kernel
/// checks it: create objects; flush chains and maps; delete elements;
/// recreate sets whose settings changed; add rules; add elements; delete
/// stale chains, then stale sets.
public struct RulesetChanges: Sendable {
    /// What already exists in the kernel's table (from a dump).
    public struct Inventory: Sendable, Equatable {
        public var chains: Set<String>
        /// Named sets and maps with their timeout in seconds (nil: none).
        public var sets: [String: Int?]

        public init(chains: Set<String>, sets: [String: Int?]) {
            self.chains = chains
            self.sets = sets
        }
    }

    var createChains: [(String, NFTBatch.BaseChain?)] = []
    var createMaps: [(String, MapKeyKind)] = []
    var createSets: [(String, Int)] = []
    var flushChains: [String] = []
    var flushMaps: [String] = []
    var deleteElements: [String: [MapKey]] = [:]
    var recreateSets: [(String, Int)] = []
    var rules: [(String, [ProxyRule])] = []
    var addElements: [String: [(MapKey, MapTarget)]] = [:]
    var deleteChains: [String] = []
    var deleteSets: [String] = []

    // MARK: - Full sync

    /// Everything `desired` holds, written over whatever `existing` holds
    /// (nil: the table does not exist).
    public static func full(_ desired: ProxyRuleset, existing: Inventory?) -> NFTBatch {
        var c = RulesetChanges()
        let baseChains = desired.builder.baseChains
        let exists = existing?.chains ?? []
        // The fixed chains, then each Service's, both in name order (sorting
        // every chain name of a large table at once costs more than this).
        var wanted = Set<String>()
        let fragments = [desired.base] + desired.services.keys.sorted().compactMap { desired.services[$0] }
        for fragment in fragments {
            for name in fragment.chains.keys.sorted() where existing == nil || wanted.insert(name).inserted {
                if let base = baseChains[name] {
                    c.createChains.append((name, base))
                    if exists.contains(name) { c.flushChains.append(name) }
                } else if exists.contains(name) {
                    c.flushChains.append(name)
                } else {
                    c.createChains.append((name, nil))
                }
                c.rules.append((name, fragment.chains[name] ?? []))
            }
        }
        let maps = desired.maps
        for (name, kind) in maps.sorted(by: { $0.key < $1.key }) {
            if existing?.sets[name] != nil { c.flushMaps.append(name) } else { c.createMaps.append((name, kind)) }
            c.addElements[name] = []
        }
        // Elements by fragment, in the same order (merging and sorting all
        // of a map's elements at once costs more than this).
        for fragment in fragments {
            for (map, elements) in fragment.elements where !elements.isEmpty {
                let sorted = elements.count == 1 ? Array(elements) : elements.sorted { $0.key < $1.key }
                c.addElements[map, default: []].append(contentsOf: sorted.lazy.map { ($0.key, $0.value) })
            }
        }
        for (name, timeout) in desired.affinitySets.sorted(by: { $0.key < $1.key }) {
            switch existing?.sets[name] {
            case nil: c.createSets.append((name, timeout))
            case let current? where current != timeout: c.recreateSets.append((name, timeout))
            default: break
            }
        }
        if let existing {
            for name in existing.chains.subtracting(wanted).sorted() {
                c.flushChains.append(name)
                c.deleteChains.append(name)
            }
            let wantedSets = Set(maps.keys).union(desired.affinitySets.keys)
            c.deleteSets = existing.sets.keys.filter { !wantedSets.contains($0) }.sorted()
        }
        return c.batch(desired.configuration, createTable: true)
    }

    // MARK: - Partial sync

    /// The changes that take `applied` to `desired` for `services` only, and
    /// for the fixed fragment when it differs from `appliedBase` (an endpoint
    /// map came into use or went out of it).
    public static func partial(from applied: [ServiceName: RulesetFragment], base appliedBase: RulesetFragment,
                               to desired: ProxyRuleset, services: Set<ServiceName>) -> NFTBatch {
        var c = RulesetChanges()
        if appliedBase != desired.base { c.diff(appliedBase, desired.base) }
        for service in services.sorted() {
            c.diff(applied[service] ?? RulesetFragment(), desired.services[service] ?? RulesetFragment())
        }
        return c.batch(desired.configuration, createTable: false)
    }

    mutating func diff(_ old: RulesetFragment, _ new: RulesetFragment) {
        var rewriteAll = false
        for (name, timeout) in new.affinitySets.sorted(by: { $0.key < $1.key }) {
            switch old.affinitySets[name] {
            case nil: createSets.append((name, timeout))
            case let current? where current != timeout:
                recreateSets.append((name, timeout))
                rewriteAll = true
            default: break
            }
        }
        for name in old.affinitySets.keys.sorted() where new.affinitySets[name] == nil { deleteSets.append(name) }
        for (name, kind) in new.sets.sorted(by: { $0.key < $1.key }) where old.sets[name] == nil { createMaps.append((name, kind)) }
        for name in old.sets.keys.sorted() where new.sets[name] == nil { deleteSets.append(name) }

        for name in new.chains.keys.sorted() {
            let rules = new.chains[name] ?? []
            if let current = old.chains[name] {
                guard current != rules || rewriteAll else { continue }
                flushChains.append(name)
            } else {
                createChains.append((name, nil))
            }
            self.rules.append((name, rules))
        }
        for name in old.chains.keys.sorted() where new.chains[name] == nil {
            flushChains.append(name)
            deleteChains.append(name)
        }

        for map in Set(old.elements.keys).union(new.elements.keys).sorted() {
            let before = old.elements[map] ?? [:], after = new.elements[map] ?? [:]
            for (key, target) in before.sorted(by: { $0.key < $1.key }) where after[key] != target {
                deleteElements[map, default: []].append(key)
            }
            for (key, target) in after.sorted(by: { $0.key < $1.key }) where before[key] != target {
                addElements[map, default: []].append((key, target))
            }
        }
    }

    // MARK: - Emitting

    /// The changes as one batch, in an order the kernel accepts.
    func batch(_ configuration: RulesetConfiguration, createTable: Bool) -> NFTBatch {
        let compiler = RuleCompiler(family: configuration.family)
        var b = NFTBatch(family: configuration.family.nftFamily, table: configuration.table)
        if createTable { b.addTable() }
        for (name, base) in createChains { b.addChain(name, base: base) }
        for (name, kind) in createMaps { b.addSet(compiler.setSpec(name, kind)) }
        for (name, timeout) in createSets { b.addSet(Self.affinitySet(name, timeout, configuration.family)) }
        for name in flushChains { b.flushChain(name) }
        for name in flushMaps { b.flushSet(name) }
        for (map, keys) in deleteElements.sorted(by: { $0.key < $1.key }) { b.deleteElements(map, keys: keys.map(\.bytes)) }
        for (name, _) in recreateSets { b.deleteSet(name) }
        for (name, timeout) in recreateSets { b.addSet(Self.affinitySet(name, timeout, configuration.family)) }
        for (chain, rules) in rules {
            for rule in rules { compiler.add(rule, chain: chain, to: &b) }
        }
        for (map, elements) in addElements.sorted(by: { $0.key < $1.key }) where !elements.isEmpty {
            b.addElements(map, elements.map { key, target in
                switch target {
                case .goto(let chain): return NFTBatch.MapElement(key: key.bytes, verdict: .goto, chain: chain)
                case .reject(let service): return NFTBatch.MapElement(key: key.bytes, verdict: .goto, chain: ChainNames.rejectChain, comment: service)
                case .drop(let service): return NFTBatch.MapElement(key: key.bytes, verdict: .drop, chain: nil, comment: service)
                case .gotoShared(let chain, let service): return NFTBatch.MapElement(key: key.bytes, verdict: .goto, chain: chain, comment: service)
                case .endpoint(let e): return NFTBatch.MapElement(key: key.bytes, verdict: nil, chain: nil, data: e.mapValue)
                case .member: return NFTBatch.MapElement(key: key.bytes, verdict: nil, chain: nil)
                }
            })
        }
        for name in deleteChains { b.deleteChain(name) }
        for name in deleteSets { b.deleteSet(name) }
        return b
    }

    static func affinitySet(_ name: String, _ seconds: Int, _ family: IPFamily) -> NFTBatch.SetSpec {
        .init(name: name, keyTypes: [family == .ipv4 ? .ipv4Address : .ipv6Address], verdictMap: false,
              timeoutMilliseconds: UInt64(seconds) * 1000, dynamic: true)
    }
}
