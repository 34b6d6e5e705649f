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
                batch.addElements(name, members.sorted().map { NFTBatch.MapElement(key: $0.key(withPort: withPort), verdict: nil, chain: nil) })
            }
        }
        for name in chains.order { Self.addChain(&batch, name) }
        for name in chains.order {
            for rule in chains.chains[name] ?? [] { batch.addRule(chain: name, rule.expressions, comment: rule.comment) }
        }
        return (batch, Applied(chains: chains, sets: sets, elements: elements))
    }

    /// The transaction from `previous` to the planner's state: the dirty
    /// sets' element differences and the chains that changed.
    public func partialBatch(from previous: Applied, _ planner: PolicyPlanner, dirty: Set<String>, _ chains: PolicyChains) -> (NFTBatch, Applied) {
        var batch = NFTBatch(family: .ipv4, table: table)
        var next = previous
        let chainsChanged = previous.chains != chains
        let sets = chainsChanged || dirty.contains(where: { previous.sets[$0] == nil }) ? planner.setNames : previous.sets
        // New sets first: new rules look them up.
        for (name, withPort) in sets.sorted(by: { $0.key < $1.key }) where previous.sets[name] == nil {
            batch.addSet(Self.spec(name, withPort: withPort))
        }
        for name in dirty.union(sets.keys.filter { previous.sets[$0] == nil }).sorted() {
            guard let withPort = sets[name] else { continue }
            let want = planner.elements(name)
            let have = previous.elements[name] ?? []
            let removed = have.subtracting(want), added = want.subtracting(have)
            if !removed.isEmpty { batch.deleteElements(name, keys: removed.sorted().map { $0.key(withPort: withPort) }) }
            if !added.isEmpty {
                batch.addElements(name, added.sorted().map { NFTBatch.MapElement(key: $0.key(withPort: withPort), verdict: nil, chain: nil) })
            }
            next.elements[name] = want
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
        for name in previous.sets.keys.sorted() where sets[name] == nil {
            batch.deleteSet(name)
            next.elements[name] = nil
        }
        next.sets = sets
        next.chains = chains
        return (batch, next)
    }

    /// Brings the kernel to the planner's state; full when nothing is known
    /// of the kernel (first sync, after a failure, or `full`).
    @discardableResult
    public func sync(_ planner: inout PolicyPlanner, _ chains: PolicyChains, full: Bool = false) throws -> PolicySyncReport {
        let dirty = planner.takeDirty()
        var isFull = full
        let result: (NFTBatch, Applied)
        do {
            if !full, let previous = applied, try nft.tableExists(family: .ipv4, table) {
                result = partialBatch(from: previous, planner, dirty: dirty, chains)
            } else {
                isFull = true
                result = fullBatch(planner, chains)
            }
            try nft.apply(result.0)
        } catch {
            applied = nil
            throw error
        }
        let (batch, next) = result
        applied = next
        return PolicySyncReport(full: isFull, changes: batch.count, chains: chains.order.count, rules: chains.ruleCount,
                                elements: next.elements.values.reduce(0) { $0 + $1.count })
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
