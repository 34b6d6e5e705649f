import HTTPServing
import Foundation
public import KubeAPI
public import Logging
import Netfilter
import Netlink
import ControllerRuntime

/// kube-proxy: watches Services and EndpointSlices, and keeps one nftables
/// table per IP family in use equal to what they describe.
///
/// ```swift
/// let proxy = try KubeProxy(configuration: ProxyConfiguration(nodeName: "node-1"), client: client)
/// try await proxy.run()     // until cancelled
/// ```
public actor KubeProxy {
    public let configuration: ProxyConfiguration
    let client: KubeClient
    let logger: Logger
    let nft: NFTables
    let conntrack: Conntrack?

    var tracker = ServiceTracker()
    var runner: SyncRunner
    var rulesets: [IPFamily: ProxyRuleset] = [:]
    var syncers: [IPFamily: TableSyncer] = [:]
    /// The ports each Service had at the last successful sync, per family.
    var programmed: [IPFamily: [ServiceName: [ServicePortInfo]]] = [:]
    var servicesListed = false
    var slicesListed = false
    /// Rung when the tracker has changes or a list is in; the sync loop waits on it.
    let signal = Doorbell()
    let origin = ContinuousClock.now
    /// What /healthz and /metrics read, from the event loop.
    let status = StatusBoard()
    /// The health-check node ports of LoadBalancer Services with externalTrafficPolicy Local.
    let healthServers: ServiceHealthServers
    /// Holds load-balancer addresses on this node's segments (nil: `--announce-load-balancer-ips=false`).
    let speaker: LoadBalancerSpeaker?

    /// Opens the netfilter netlink sockets; fails with a clear message when
    /// the kernel has no nf_tables.
    public init(configuration: ProxyConfiguration, client: KubeClient, logger: Logger = Logger(label: "kube-proxy")) throws {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.runner = SyncRunner(configuration.sync)
        self.nft = try NFTables.open()
        self.healthServers = ServiceHealthServers(logger: logger) { [status] in status.snapshot.healthy }
        self.speaker = configuration.announceLoadBalancerIPs
            ? LoadBalancerSpeaker(nodeName: configuration.nodeName, client: KubeClusterClient(client), responder: PacketNeighborResponder(logger: logger),
                                  logger: logger, leaseDuration: configuration.loadBalancerLeaseDuration)
            : nil
        self.conntrack = configuration.conntrackCleanup ? (try? MNLConnection(.netfilter)).map { Conntrack(connection: $0) } : nil
    }

    var now: Duration { ContinuousClock.now - origin }

    /// Runs the watches, the sync loop and the status server until cancelled.
    public func run() async throws {
        defer { healthServers.stop() }
        do {
            try await serve()
        } catch {
            await speaker?.stop()
            throw error
        }
        await speaker?.stop()
    }

    func serve() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Two informers; a relist after 410 Gone arrives as the differences.
            let services = Informer(Service.self, client: client, logger: logger)
            let slices = Informer(EndpointSlice.self, client: client, logger: logger)
            let (serviceEvents, sliceEvents) = (services.events(), slices.events())
            group.addTask { await services.run() }
            group.addTask { await slices.run() }
            group.addTask { await self.follow(serviceEvents) }
            group.addTask { await self.follow(sliceEvents) }
            group.addTask { await self.syncLoop() }
            for address in Set([configuration.healthzBindAddress, configuration.metricsBindAddress].compactMap { $0 }) {
                guard let (host, port) = StatusServer.parseAddress(address) else {
                    throw ProxyConfigurationError(description: "bind address \(address) is not HOST:PORT")
                }
                let server = StatusServer(host: host, port: port, logger: logger) { [status] method, path in
                    KubeProxy.answer(path, status.snapshot)
                }
                group.addTask { try await server.run() }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The answer for `/healthz` or `/metrics`.
    static func answer(_ path: String, _ s: StatusBoard.Snapshot) -> StatusServer.Response {
        switch path {
        case "/healthz", "/livez":
            let body = "{\"lastUpdated\": \"\(s.metrics.lastSyncTimestamp)\", \"currentTime\": \"\(Date().timeIntervalSince1970)\"}"
            return .init(status: s.healthy ? 200 : 503, contentType: "application/json", body: body)
        case "/metrics":
            return .init(status: 200, contentType: "text/plain; version=0.0.4", body: s.metrics.text)
        default:
            return .init(status: 404, body: "404 page not found\n")
        }
    }

    // MARK: - Watches

    /// Follows the Services informer: every change goes to the tracker.
    func follow(_ events: AsyncStream<InformerEvent<Service>>) async {
        for await event in events {
            switch event {
            case .added(let s), .updated(_, let s): changed { $0.update(s) }
            case .deleted(let s): changed { $0.remove(s) }
            case .synced: listed(services: true)
            }
        }
    }

    /// Follows the EndpointSlices informer: every change goes to the tracker.
    func follow(_ events: AsyncStream<InformerEvent<EndpointSlice>>) async {
        for await event in events {
            switch event {
            case .added(let s), .updated(_, let s): changed { $0.update(s) }
            case .deleted(let s): changed { $0.remove(s) }
            case .synced: listed(slices: true)
            }
        }
    }

    /// A complete list of Services or EndpointSlices is in (the sync loop waits for both).
    func listed(services: Bool = false, slices: Bool = false) {
        if services { servicesListed = true }
        if slices { slicesListed = true }
        signal.ring()
    }

    func changed(_ body: (inout ServiceTracker) -> Void) {
        body(&tracker)
        if !tracker.dirty.isEmpty {
            runner.changed()
            signal.ring()
        }
    }

    // MARK: - Sync loop

    func syncLoop() async {
        while !Task.isCancelled {
            guard servicesListed && slicesListed else {
                await signal.wait()
                continue
            }
            switch runner.next(now: now) {
            case .sync(let kind):
                runner.started(now: now, kind: kind)
                let ok = performSync(kind)
                runner.finished(now: now, success: ok)
                status.withLock { $0.healthy = runner.healthy(now: now) }
            case .wait(let until):
                await signal.wait(until: origin + until)
            }
        }
    }

    /// One sync of every family in use. Returns whether all succeeded.
    func performSync(_ kind: SyncRunner.Kind) -> Bool {
        let dirty = tracker.takeDirty()
        var families: [IPFamily] = [.ipv4]
        if syncers[.ipv6] != nil || tracker.uses(.ipv6) { families.append(.ipv6) }
        var ok = true
        for family in families {
            let started = ContinuousClock.now
            do {
                let report = try sync(family, kind: kind, dirty: dirty)
                record(report, seconds: (ContinuousClock.now - started).seconds, family: family)
            } catch {
                ok = false
                logger.error("\(error); the previous rules stay in place, retrying with a full sync")
                status.withLock { $0.metrics.syncFailures += 1 }
            }
        }
        if !ok { tracker.restoreDirty(dirty) }
        let all = programmed.values.flatMap { $0.values.joined() }
        healthServers.update(ServiceHealthServers.desired(Array(all), node: configuration.nodeName))
        speaker?.update(LoadBalancerSpeaker.wanted(Array(all), node: configuration.nodeName))
        return ok
    }

    func sync(_ family: IPFamily, kind: SyncRunner.Kind, dirty: Set<ServiceName>) throws -> SyncReport {
        let syncer = syncers[family] ?? TableSyncer(nft: nft, configuration: configuration.ruleset(family))
        syncers[family] = syncer
        var old = programmed[family] ?? [:]
        var ports: [ServiceName: [ServicePortInfo]] = kind == .full ? [:] : old
        var changed = dirty
        var ruleset: ProxyRuleset
        if kind == .full || rulesets[family] == nil {
            for name in Set(tracker.services.keys) {
                ports[name] = model(name, family)
            }
            ruleset = ProxyRuleset(configuration.ruleset(family), services: ports)
            changed = Set(ports.keys).union(old.keys)
        } else {
            ruleset = rulesets[family] ?? ProxyRuleset(configuration.ruleset(family))
            var queue = Array(dirty)
            while let name = queue.popLast() {
                ports[name] = model(name, family)
                for other in ruleset.update(name, ports: ports[name]) where !changed.contains(other) {
                    changed.insert(other)
                    queue.append(other)
                }
            }
        }
        for w in ruleset.takeWarnings() { logger.warning("\(w)") }
        rulesets[family] = ruleset
        let report = try syncer.sync(ruleset, changed: changed, kind: kind)
        if let conntrack {
            // After the rules: a flow deleted before them could be DNATed to the lost endpoint again.
            let stalePorts = changed.flatMap { StaleFlows.ports(before: old[$0] ?? [], after: ports[$0] ?? [], node: configuration.nodeName) }
            do {
                let deleted = try StaleFlows.clean(conntrack, family: family, ports: stalePorts)
                if !deleted.isEmpty {
                    let counts = deleted.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.rawValue.uppercased())" }.joined(separator: ", ")
                    logger.info("deleted stale conntrack entries: \(counts)")
                }
                status.withLock { $0.metrics.conntrackEntriesDeleted += UInt64(deleted.values.reduce(0, +)) }
            } catch {
                logger.warning("cleaning stale conntrack entries: \(error)")
            }
        }
        for name in changed { old[name] = ports[name] }
        programmed[family] = old.filter { !$0.value.isEmpty }
        return report
    }

    func model(_ name: ServiceName, _ family: IPFamily) -> [ServicePortInfo]? {
        guard let result = tracker.model(name, family: family) else { return nil }
        for w in result.warnings { logger.warning("\(w)") }
        return result.ports
    }

    func record(_ report: SyncReport, seconds: Double, family: IPFamily) {
        let services = programmed.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } }
        let endpoints = programmed.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.endpoints.count } } }
        let (serviceChanges, endpointChanges) = (tracker.serviceChanges, tracker.endpointChanges)
        status.withLock { s in
            s.metrics.syncDuration.observe(seconds)
            if report.kind == .full { s.metrics.fullSyncDuration.observe(seconds) } else { s.metrics.partialSyncDuration.observe(seconds) }
            s.metrics.lastSyncTimestamp = Date().timeIntervalSince1970
            s.metrics.chains = report.chains
            s.metrics.rules = report.rules
            s.metrics.elements = report.elements
            s.metrics.services = services
            s.metrics.endpoints = endpoints
            s.metrics.serviceChanges = serviceChanges
            s.metrics.endpointChanges = endpointChanges
        }
        if report.changes > 0 {
            logger.info("\(report.kind.rawValue) sync of \(family.keyword) \(configuration.table): \(report.changes) changes in \(Int(seconds * 1000)) ms; \(report.chains) chains, \(report.rules) rules, \(report.elements) elements")
        } else {
            logger.debug("\(report.kind.rawValue) sync: nothing changed")
        }
    }

    // MARK: - Cleanup

    /// Deletes the proxy's tables (every family). Returns the tables removed.
    public static func cleanup(table: String = "kube-proxy") throws -> [String] {
        let nft = try NFTables.open()
        var removed: [String] = []
        for family in IPFamily.allCases {
            let syncer = TableSyncer(nft: nft, configuration: RulesetConfiguration(family: family, table: table, nodeName: "", clusterCIDR: nil))
            if try syncer.deleteTable() { removed.append("\(family.keyword) \(table)") }
        }
        return removed
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
