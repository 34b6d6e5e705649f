public import Netfilter
import Netlink

/// What one sync of the policy table did.
public struct PolicySyncReport: Sendable, Equatable {
    public var full: Bool
    /// Changes in the transaction (0: nothing to do).
    public var changes: Int
    public var chains: Int
    public var rules: Int
    public var elements: Int
}

/// Keeps the policy table (`ip kube-network-policy`) equal to a planner and
/// its chains: the first sync (or the first after a failure) replaces the
/// table in one transaction; later ones send only what changed (set elements
/// of the sets the planner marked dirty, and the chains whose rules differ).
public final class PolicyTableSyncer {
    public let nft: NFTables
    public let table: String
    /// What the kernel holds, after the last successful sync (nil: unknown).
    public private(set) var applied: Applied?

    public struct Applied: Sendable {
        public var chains: PolicyChains
        /// Set name → whether its key has a protocol and port.
        public var sets: [String: Bool]
        public var elements: [String: Set<SetElement>]
    }

    public init(nft: NFTables, table: String = PolicyChains.table) {
        self.nft = nft
        self.table = table
    }

    static func spec(_ name: String, withPort: Bool) -> NFTBatch.SetSpec {
        NFTBatch.SetSpec(name: name, keyTypes: withPort ? [.ipv4Address, .inetProtocol, .inetService] : [.ipv4Address], verdictMap: false)
    }

    static func addChain(_ batch: inout NFTBatch, _ name: String) {
        if let priority = PolicyChains.basePriority[name] {
            batch.addChain(name, base: .init(type: "filter", hook: .forward, priority: priority))
        } else {
            batch.addChain(name)
        }
    }

    /// The transaction that replaces the table with `chains` and the planner's sets.
    public func fullBatch(_ planner: PolicyPlanner, _ chains: PolicyChains) -> (NFTBatch, Applied) {
        var batch = NFTBatch(family: .ipv4, table: table)
        batch.addTable()
        batch.deleteTable()
        batch.addTable()
        let sets = planner.setNames
        var elements: [String: Set<SetElement>] = [:]
        for (name, withPort) in sets.sorted(by: { $0.key < $1.key }) {
            batch.addSet(Self.spec(name, withPort: withPort))
            let members = planner.elements(name)
            elements[name] = members
            if !members.isEmpty {
                batch.addElements(name, members.map { NFTBatch.MapElement(key: $0.key(withPort: withPort), verdict: nil, chain: nil) })
            }
        }
        for name in chains.order { Self.addChain(&batch, name) }
        for name in chains.order {
            for rule in chains.chains[name] ?? [] { batch.addRule(chain: name, rule.expressions, comment: rule.comment) }
        }
        return (batch, Applied(chains: chains, sets: sets, elements: elements))
    }

    /// What a partial sync changes in ``Applied`` once the kernel took it.
    public struct Changes: Sendable {
        var added: [String: [SetElement]] = [:]
        var removed: [String: [SetElement]] = [:]
        var newSets: [String: Set<SetElement>] = [:]
        var goneSets: [String] = []
        var sets: [String: Bool]
        var chains: PolicyChains
    }

    /// The transaction from `previous` to the planner's state: for the sets
    /// that existed, only the elements that came or went (`touched`); new
    /// sets whole; the chains that changed.
    public func partialBatch(from previous: Applied, _ planner: PolicyPlanner, dirty: Set<String>, touched: [String: Set<SetElement>],
                             _ chains: PolicyChains) -> (NFTBatch, Changes) {
        var batch = NFTBatch(family: .ipv4, table: table)
        let chainsChanged = previous.chains != chains
        let sets = chainsChanged || dirty.contains(where: { previous.sets[$0] == nil }) ? planner.setNames : previous.sets
        var changes = Changes(sets: sets, chains: chains)
        // New sets first: new rules look them up. (Only the new and the gone
        // sets are sorted: sorting all of them made a third of a one-pod sync.)
        for (name, withPort) in sets.filter({ previous.sets[$0.key] == nil }).sorted(by: { $0.key < $1.key }) {
            batch.addSet(Self.spec(name, withPort: withPort))
            let members = planner.elements(name)
            changes.newSets[name] = members
            if !members.isEmpty {
                batch.addElements(name, members.sorted().map { NFTBatch.MapElement(key: $0.key(withPort: withPort), verdict: nil, chain: nil) })
            }
        }
        for (name, elements) in touched.sorted(by: { $0.key < $1.key }) {
            guard let withPort = sets[name], previous.sets[name] != nil, let have = previous.elements[name] else { continue }
            let present = planner.sets[name] ?? [:]
            var added: [SetElement] = [], removed: [SetElement] = []
            for e in elements {
                let want = present[e] != nil
                if want && !have.contains(e) { added.append(e) }
                if !want && have.contains(e) { removed.append(e) }
            }
            if !removed.isEmpty {
                batch.deleteElements(name, keys: removed.map { $0.key(withPort: withPort) })
                changes.removed[name] = removed
            }
            if !added.isEmpty {
                batch.addElements(name, added.map { NFTBatch.MapElement(key: $0.key(withPort: withPort), verdict: nil, chain: nil) })
                changes.added[name] = added
            }
        }
        if chainsChanged {
            let old = previous.chains
            for name in chains.order where old.chains[name] == nil { Self.addChain(&batch, name) }
            let changed = chains.order.filter { old.chains[$0] != nil && old.chains[$0] != chains.chains[$0] }
            let gone = old.order.filter { chains.chains[$0] == nil }
            for name in changed + gone { batch.flushChain(name) }
            for name in chains.order where old.chains[name] != chains.chains[name] {
                for rule in chains.chains[name] ?? [] { batch.addRule(chain: name, rule.expressions, comment: rule.comment) }
            }
            for name in gone { batch.deleteChain(name) }
        }
        for name in previous.sets.keys.filter({ sets[$0] == nil }).sorted() {
            batch.deleteSet(name)
            changes.goneSets.append(name)
        }
        return (batch, changes)
    }

    /// Brings the kernel to the planner's state; full when nothing is known
    /// of the kernel (first sync, after a failure, or `full`).
    @discardableResult
    public func sync(_ planner: inout PolicyPlanner, _ chains: PolicyChains, full: Bool = false) throws -> PolicySyncReport {
        let (dirty, touched) = planner.takeChanges()
        do {
            if !full, applied != nil, try nft.tableExists(family: .ipv4, table) {
                let (batch, changes) = partialBatch(from: applied!, planner, dirty: dirty, touched: touched, chains)
                try nft.apply(batch)
                // In place: a copy of the applied sets per sync would cost as much as a full diff.
                for (name, elements) in changes.added { applied!.elements[name, default: []].formUnion(elements) }
                for (name, elements) in changes.removed { applied!.elements[name]?.subtract(elements) }
                for (name, elements) in changes.newSets { applied!.elements[name] = elements }
                for name in changes.goneSets { applied!.elements[name] = nil }
                applied!.sets = changes.sets
                applied!.chains = changes.chains
                return PolicySyncReport(full: false, changes: batch.count, chains: chains.order.count, rules: chains.ruleCount,
                                        elements: applied!.elements.values.reduce(0) { $0 + $1.count })
            }
            let (batch, next) = fullBatch(planner, chains)
            try nft.apply(batch)
            applied = next
            return PolicySyncReport(full: true, changes: batch.count, chains: chains.order.count, rules: chains.ruleCount,
                                    elements: next.elements.values.reduce(0) { $0 + $1.count })
        } catch {
            applied = nil
            throw error
        }
    }

    /// Deletes the table (`kube-proxy --cleanup`). Returns whether it existed.
    @discardableResult
    public func deleteTable() throws -> Bool {
        applied = nil
        guard try nft.tableExists(family: .ipv4, table) else { return false }
        var batch = NFTBatch(family: .ipv4, table: table)
        batch.deleteTable()
        try nft.apply(batch)
        return true
    }
}
