public import Netfilter
import Netlink

/// Why a sync failed: the change the kernel refused (or the read that
/// failed), and whether it was a full or partial sync.
public struct SyncError: Error, CustomStringConvertible, Sendable {
    public var kind: SyncRunner.Kind
    public var table: String
    /// What failed: a ``NetlinkError`` with the kernel's errno for a refused
    /// change, or the error of reading the table back.
    public var underlying: any Error

    public var description: String { "\(kind.rawValue) sync of table \(table) failed at \(underlying)" }
}

/// What one sync did.
public struct SyncReport: Sendable, Equatable {
    public var kind: SyncRunner.Kind
    /// Changes in the transaction (0: nothing to do).
    public var changes: Int
    public var chains: Int
    public var rules: Int
    public var elements: Int
    /// Time spent reading the table back and building the messages.
    public var building: Duration = .zero
    /// Time from sending the transaction to the kernel's answer.
    public var kernel: Duration = .zero
}

/// Keeps one table in the kernel equal to a ``ProxyRuleset``: remembers what
/// it applied, sends one transaction per sync (partial: only the Services
/// named; full: everything, with stale objects read back from the kernel and
/// removed). A failed transaction changes nothing in the kernel; the syncer
/// then forgets what it applied, so the next sync is full.
public final class TableSyncer {
    public let nft: NFTables
    public let configuration: RulesetConfiguration
    /// What the kernel holds: the fixed fragment (it changes when endpoint
    /// maps come into use) and each Service's.
    public struct Applied: Sendable {
        public var base: RulesetFragment
        public var services: [ServiceName: RulesetFragment]
    }

    /// What the last sync left in the kernel (nil: unknown, the next sync is full).
    public private(set) var applied: Applied?

    public init(nft: NFTables, configuration: RulesetConfiguration) {
        self.nft = nft
        self.configuration = configuration
    }

    var family: NFT.Family { configuration.family.nftFamily }

    /// Brings the kernel to `desired`. `changed` names the Services that may
    /// differ from the last sync (ignored by full syncs). A partial sync that
    /// finds the table gone does a full one instead.
    @discardableResult
    public func sync(_ desired: ProxyRuleset, changed: Set<ServiceName>, kind: SyncRunner.Kind) throws(SyncError) -> SyncReport {
        var kind = kind
        do {
            let clock = ContinuousClock()
            let started = clock.now
            let batch: NFTBatch
            if kind == .partial, let previous = applied, try nft.tableExists(family: family, configuration.table) {
                batch = RulesetChanges.partial(from: previous.services, base: previous.base, to: desired, services: changed)
            } else {
                kind = .full
                batch = RulesetChanges.full(desired, existing: try inventory())
            }
            let built = clock.now
            try nft.apply(batch)
            let done = clock.now
            if kind == .partial {
                applied?.base = desired.base
                for s in changed { applied?.services[s] = desired.services[s] }
            } else {
                // A copy of its own: sharing storage with the caller's ruleset
                // would make the next update copy all fragments there, inside a partial sync.
                applied = Applied(base: desired.base, services: Dictionary(uniqueKeysWithValues: desired.services.map { ($0.key, $0.value) }))
            }
            return SyncReport(kind: kind, changes: batch.count, chains: desired.chainCount, rules: desired.ruleCount, elements: desired.elementCount,
                              building: built - started, kernel: done - built)
        } catch {
            applied = nil
            throw SyncError(kind: kind, table: "\(family.keyword) \(configuration.table)", underlying: error)
        }
    }

    /// The table's chains and named sets, or nil when it does not exist.
    public func inventory() throws -> RulesetChanges.Inventory? {
        guard try nft.tableExists(family: family, configuration.table) else { return nil }
        let chains = try nft.chains(family: family, table: configuration.table)
        let sets = try nft.sets(family: family, table: configuration.table)
        return RulesetChanges.Inventory(chains: Set(chains.map(\.name)),
                                        sets: Dictionary(sets.map { ($0.name, $0.timeoutMilliseconds.map { Int($0 / 1000) }) }) { a, _ in a })
    }

    /// Deletes the table (`kube-proxy --cleanup`). Returns whether it existed.
    @discardableResult
    public func deleteTable() throws -> Bool {
        applied = nil
        guard try nft.tableExists(family: family, configuration.table) else { return false }
        var batch = NFTBatch(family: family, table: configuration.table)
        batch.deleteTable()
        try nft.apply(batch)
        return true
    }
}
