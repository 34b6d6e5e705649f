import Foundation
import KubeAPI
public import Logging
import Synchronization

/// Settings of leader election (kube-controller-manager's `--leader-elect-*`).
public struct LeaderElectionConfiguration: Sendable {
    /// The Lease, `kube-system/swiftkube-controlplane` by default.
    public var namespace = "kube-system"
    public var name = "swiftkube-controlplane"
    /// Unique per process: host name and a random suffix.
    public var identity: String
    /// How long a lease stays valid without renewal; others take over after it.
    public var leaseDuration: Duration = .seconds(10)
    /// How long the leader keeps trying to renew before it steps down (< leaseDuration).
    public var renewDeadline: Duration = .seconds(7)
    /// How often candidates retry and leaders renew.
    public var retryPeriod: Duration = .seconds(2)

    public init(identity: String) { self.identity = identity }
}

/// Why leader election could not run.
public struct LeaderElectionError: Error, CustomStringConvertible {
    public var description: String
}

/// Campaigns for a coordination.k8s.io Lease and runs work only while it
/// holds it. The leader renews every `retryPeriod`; if it cannot renew for
/// `renewDeadline` it cancels the work and campaigns again, so (with
/// renewDeadline < leaseDuration) it has stopped before anyone else can take
/// over. On cancellation (SIGTERM) it waits for the work to finish and then
/// releases the lease, so a successor starts within one retry period.
public final class LeaderElector: Sendable {
    public let configuration: LeaderElectionConfiguration
    let client: any ClusterClient
    let logger: Logger
    private let state: Mutex<LeaderElectionState>
    private let leading = Mutex(false)
    let epoch = ContinuousClock.now

    public init(configuration: LeaderElectionConfiguration, client: any ClusterClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.state = Mutex(LeaderElectionState(identity: configuration.identity,
                                               leaseDurationSeconds: Int(configuration.leaseDuration.components.seconds)))
    }

    /// True while the work runs.
    public var isLeader: Bool { leading.withLock { $0 } }

    func now() -> Double {
        let d = ContinuousClock.now - epoch
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Campaigns, runs `work` while leading, and campaigns again after losing
    /// the lease, until cancelled.
    public func run(_ work: @escaping @Sendable () async -> Void) async {
        let c = configuration
        while !Task.isCancelled {
            // Campaign.
            var announced = false
            while !Task.isCancelled {
                if await tryAcquireOrRenew() { break }
                if !announced {
                    logger.info("leader election: waiting for lease \(c.namespace)/\(c.name) held by \(state.withLock { $0.holder })")
                    announced = true
                }
                try? await Task.sleep(for: c.retryPeriod)
            }
            if Task.isCancelled { return }
            logger.info("leader election: \(c.identity) acquired lease \(c.namespace)/\(c.name)")
            leading.withLock { $0 = true }
            let lost = await withTaskGroup(of: Bool.self) { group -> Bool in
                group.addTask {
                    await work()
                    return false
                }
                group.addTask { await self.renewLoop() }
                let first = await group.next() ?? false
                group.cancelAll()
                await group.waitForAll()
                return first
            }
            leading.withLock { $0 = false }
            if lost && !Task.isCancelled {
                logger.error("leader election: lost lease \(c.namespace)/\(c.name); stopped the work it guards, campaigning again")
                continue
            }
            // Release from a task that is not cancelled, or the write would be.
            await Task { await self.release() }.value
            return
        }
    }

    /// Renews until cancelled (returns false) or until renewals failed for renewDeadline (returns true).
    func renewLoop() async -> Bool {
        let c = configuration
        var lastRenew = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: c.retryPeriod)
            if Task.isCancelled { return false }
            let ok = await withTimeout(c.renewDeadline) { await self.tryAcquireOrRenew() } ?? false
            if ok {
                lastRenew = ContinuousClock.now
            } else if ContinuousClock.now - lastRenew >= c.renewDeadline {
                return true
            }
        }
        return false
    }

    /// One attempt to take or keep the lease.
    func tryAcquireOrRenew() async -> Bool {
        let c = configuration
        do {
            let lease = try await client.get(Lease.self, namespace: c.namespace, name: c.name)
            let now = self.now()
            let record: LeaseSpec? = state.withLock { s in
                s.observe(lease.spec, at: now)
                guard s.canAcquire(at: now) else { return nil }
                return s.nextRecord(at: Date())
            }
            guard let record else { return false }
            var updated = lease
            updated.spec = record
            let written = try await client.update(updated)
            state.withLock { $0.observe(written.spec, at: self.now()) }
            return true
        } catch let e where e.isNotFound {
            let record = state.withLock { $0.nextRecord(at: Date()) }
            do {
                let created = try await client.create(Lease(metadata: ObjectMeta(name: c.name, namespace: c.namespace), spec: record))
                state.withLock { $0.observe(created.spec, at: self.now()) }
                return true
            } catch {
                logger.debug("leader election: create lease: \(error)")
                return false
            }
        } catch {
            logger.debug("leader election: \(error)")
            return false
        }
    }

    /// Gives the lease up if we still hold it.
    func release() async {
        let c = configuration
        do {
            let lease = try await client.get(Lease.self, namespace: c.namespace, name: c.name)
            guard lease.spec?.holderIdentity == c.identity else { return }
            var updated = lease
            updated.spec = state.withLock { $0.releaseRecord(at: Date()) }
            _ = try await client.update(updated)
            logger.info("leader election: released lease \(c.namespace)/\(c.name)")
        } catch {
            logger.debug("leader election: release: \(error)")
        }
    }
}

/// Runs `body`, giving up after `timeout` (nil then).
public func withTimeout<R: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async -> R) async -> R? {
    await withTaskGroup(of: R?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
