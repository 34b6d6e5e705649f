import Foundation
public import KubeAPI
public import Logging
public import Netfilter
import Netlink

/// Enforces NetworkPolicies on one node: watches NetworkPolicies, Pods and
/// Namespaces cluster-wide, keeps a ``PolicyPlanner`` current, and syncs the
/// table `ip kube-network-policy` (the first sync whole, then only the set
/// elements and chains that changed). Run by kube-proxy (`--network-policy`).
///
/// Same-node pod-to-pod traffic is bridged; the enforcer turns on
/// `net.bridge.bridge-nf-call-iptables` in its network namespace (loading
/// br_netfilter when needed), as kube-router and k3s require, so that bridged
/// packets pass the forward hook the table filters.
public actor PolicyEnforcer {
    public let nodeName: String
    let client: KubeClient
    let logger: Logger
    let syncer: PolicyTableSyncer
    let statePath: String?
    let minInterval: Duration

    var planner: PolicyPlanner
    var chains: PolicyChains
    var chainsGeneration = -1
    var policies: [ObjectRef: NetworkPolicy] = [:]
    var listed: Set<String> = []
    var changed = true
    var stateWritten = ContinuousClock.now - .seconds(60)
    var stateDirty = true
    let signal = Doorbell()

    public init(nodeName: String, client: KubeClient, nft: NFTables, statePath: String? = PolicyState.defaultPath,
                minInterval: Duration = .milliseconds(100), logger: Logger = Logger(label: "network-policy")) {
        self.nodeName = nodeName
        self.client = client
        self.logger = logger
        self.syncer = PolicyTableSyncer(nft: nft)
        self.statePath = statePath
        self.minInterval = minInterval
        self.planner = PolicyPlanner(nodeName: nodeName)
        self.chains = PolicyChains([])
    }

    /// Runs the watches and the sync loop until cancelled.
    public func run() async {
        Self.enableBridgeNetfilter(logger: logger)
        await withTaskGroup(of: Void.self) { group in
            let policies = Informer(NetworkPolicy.self, client: client, logger: logger)
            let pods = Informer(Pod.self, client: client, logger: logger)
            let namespaces = Informer(Namespace.self, client: client, logger: logger)
            let (policyEvents, podEvents, namespaceEvents) = (policies.events(), pods.events(), namespaces.events())
            group.addTask { await policies.run() }
            group.addTask { await pods.run() }
            group.addTask { await namespaces.run() }
            group.addTask { await self.follow(policyEvents) }
            group.addTask { await self.follow(podEvents) }
            group.addTask { await self.follow(namespaceEvents) }
            group.addTask { await self.syncLoop() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Turns on `bridge-nf-call-iptables` (and ip6tables) in this network
    /// namespace, loading br_netfilter first when it is not loaded.
    public static func enableBridgeNetfilter(logger: Logger) {
        let dir = "/proc/sys/net/bridge"
        if !FileManager.default.fileExists(atPath: dir) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/sbin/modprobe")
            p.arguments = ["br_netfilter"]
            try? p.run()
            p.waitUntilExit()
        }
        for name in ["bridge-nf-call-iptables", "bridge-nf-call-ip6tables"] {
            let path = "\(dir)/\(name)"
            guard let current = try? String(contentsOfFile: path, encoding: .utf8) else {
                logger.warning("\(path) is missing (no br_netfilter): pod-to-pod traffic on one bridge is not filtered")
                continue
            }
            if current.trimmingCharacters(in: .whitespacesAndNewlines) != "1" {
                do {
                    try "1\n".write(toFile: path, atomically: false, encoding: .utf8)
                    logger.info("set net.bridge.\(name) = 1: bridged pod-to-pod traffic passes the policy table")
                } catch {
                    logger.warning("could not set \(path): \(error); pod-to-pod traffic on one bridge is not filtered")
                }
            }
        }
    }

    // MARK: - Watches

    func follow(_ events: AsyncStream<InformerEvent<NetworkPolicy>>) async {
        for await event in events {
            switch event {
            case .added(let p), .updated(_, let p):
                policies[ObjectRef(namespace: p.metadata.namespace ?? "default", name: p.metadata.name ?? "")] = p
                planner.update(policy: p)
            case .deleted(let p):
                let ref = ObjectRef(namespace: p.metadata.namespace ?? "default", name: p.metadata.name ?? "")
                policies[ref] = nil
                planner.remove(policy: ref)
            case .synced: listed.insert("policies")
            }
            ring()
        }
    }

    func follow(_ events: AsyncStream<InformerEvent<Pod>>) async {
        for await event in events {
            switch event {
            case .added(let p), .updated(_, let p):
                if let info = PodInfo(p) {
                    planner.update(pod: info)
                } else {
                    planner.remove(pod: ObjectRef(namespace: p.metadata.namespace ?? "default", name: p.metadata.name ?? ""))
                }
            case .deleted(let p):
                planner.remove(pod: ObjectRef(namespace: p.metadata.namespace ?? "default", name: p.metadata.name ?? ""))
            case .synced: listed.insert("pods")
            }
            ring()
        }
    }

    func follow(_ events: AsyncStream<InformerEvent<Namespace>>) async {
        for await event in events {
            switch event {
            case .added(let n), .updated(_, let n): planner.update(namespace: n.metadata.name ?? "", labels: n.metadata.labels ?? [:])
            case .deleted(let n): planner.remove(namespace: n.metadata.name ?? "")
            case .synced: listed.insert("namespaces")
            }
            ring()
        }
    }

    func ring() {
        changed = true
        stateDirty = true
        signal.ring()
    }

    // MARK: - Sync

    func syncLoop() async {
        var failures = 0
        var lastSync = ContinuousClock.now
        while !Task.isCancelled {
            // Every 30 s without changes: a sync that only checks the table is still there (a full one if not).
            if ContinuousClock.now - lastSync > .seconds(30) { changed = true }
            guard listed.count == 3, changed else {
                _ = await signal.wait(until: ContinuousClock.now + .seconds(1))
                if listed.count == 3 { writeState() }
                continue
            }
            lastSync = ContinuousClock.now
            changed = false
            let started = ContinuousClock.now
            do {
                if chainsGeneration != planner.policyGeneration {
                    chains = PolicyChains(Array(planner.policies.values))
                    chainsGeneration = planner.policyGeneration
                }
                let report = try syncer.sync(&planner, chains, full: failures > 0)
                failures = 0
                let ms = Int((ContinuousClock.now - started) / .milliseconds(1))
                if report.changes > 0 {
                    logger.info("\(report.full ? "full" : "partial") sync of ip \(syncer.table): \(report.changes) changes in \(ms) ms; \(planner.policies.count) policies, \(report.chains) chains, \(report.rules) rules, \(report.elements) elements")
                }
            } catch {
                failures += 1
                changed = true
                logger.error("network policy sync failed: \(error); retrying with a full sync")
                try? await Task.sleep(for: .seconds(min(failures, 10)))
            }
            writeState()
            try? await Task.sleep(for: minInterval)
        }
    }

    /// Writes the state file at most once a second.
    func writeState() {
        guard let statePath, stateDirty, ContinuousClock.now - stateWritten >= .seconds(1) else { return }
        let state = PolicyState(node: nodeName, policies: policies.keys.sorted().compactMap { policies[$0] }, pods: planner.pods.keys.sorted().compactMap { planner.pods[$0] },
                                namespaces: planner.namespaces, table: syncer.table)
        do {
            try state.write(to: statePath)
            stateDirty = false
            stateWritten = ContinuousClock.now
        } catch {
            logger.warning("writing \(statePath): \(error)")
            stateWritten = ContinuousClock.now
        }
    }

    /// Deletes the policy table (`kube-proxy --cleanup`). Returns whether it existed.
    public static func cleanup(nft: NFTables, table: String = PolicyChains.table) throws -> Bool {
        try PolicyTableSyncer(nft: nft, table: table).deleteTable()
    }
}
