public import ControllerRuntime
public import Foundation
import KubeAPI
public import Logging
import Synchronization

/// The control side of the ingress controller: watches Ingresses,
/// IngressClasses, Services, EndpointSlices and Secrets, rebuilds the routing
/// table on every change and swaps it into the proxy's store, reports
/// problems (missing Services, ports, Secrets) as events on the ingress, and
/// keeps each served ingress's `status.loadBalancer`.
public final class IngressController: Sendable {
    public let client: any ClusterClient
    public let store: RoutingTableStore
    public let filter: IngressClassFilter
    public let publisher: IngressStatusPublisher
    /// Namespace watched (nil: all).
    public let namespace: String?
    let logger: Logger
    let recorder: EventRecorder
    let bell = Doorbell()
    let reported = Mutex<Set<String>>([])
    let synced = Atomic<Bool>(false)

    public init(client: any ClusterClient, store: RoutingTableStore, filter: IngressClassFilter = IngressClassFilter(),
                publisher: IngressStatusPublisher = IngressStatusPublisher(), namespace: String? = nil,
                logger: Logger = Logger(label: "ingress-controller"), instance: String = ProcessInfo.processInfo.hostName) {
        self.client = client
        self.store = store
        self.filter = filter
        self.publisher = publisher
        self.namespace = namespace
        self.logger = logger
        recorder = EventRecorder(client: client, component: "ingress-controller", instance: instance, logger: logger)
    }

    /// True once the first table built from complete lists is installed.
    public var hasSynced: Bool { synced.load(ordering: .relaxed) }

    /// Watches and rebuilds until the task is cancelled.
    public func run() async {
        let ingresses = Informer(Ingress.self, client: client, namespace: namespace, logger: logger)
        let classes = Informer(IngressClass.self, client: client, logger: logger)
        let services = Informer(Service.self, client: client, namespace: namespace, logger: logger)
        let slices = Informer(EndpointSlice.self, client: client, namespace: namespace, logger: logger)
        let secrets = Informer(Secret.self, client: client, namespace: namespace, logger: logger)
        let bell = self.bell
        ingresses.addHandler { _ in bell.ring() }
        classes.addHandler { _ in bell.ring() }
        services.addHandler { _ in bell.ring() }
        slices.addHandler { _ in bell.ring() }
        secrets.addHandler { _ in bell.ring() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await ingresses.run() }
            group.addTask { await classes.run() }
            group.addTask { await services.run() }
            group.addTask { await slices.run() }
            group.addTask { await secrets.run() }
            group.addTask { await self.recorder.run() }
            group.addTask {
                await ingresses.waitForSync()
                await classes.waitForSync()
                await services.waitForSync()
                await slices.waitForSync()
                await secrets.waitForSync()
                while !Task.isCancelled {
                    await self.sync(ingresses: ingresses.list(), classes: classes.list(), services: services.list(),
                                    slices: slices.list(), secrets: secrets.list())
                    guard await bell.wait() else { break }
                    // Changes come in bursts (a rollout touches slices many times): gather them.
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            await withTaskCancellationHandler {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            } onCancel: {
                bell.close()
            }
            group.cancelAll()
        }
    }

    /// Builds and installs the table for one state of the cluster, then reports and publishes.
    func sync(ingresses: [Ingress], classes: [IngressClass], services: [Service], slices: [EndpointSlice], secrets: [Secret]) async {
        let served = ingresses.filter { filter.serves($0, classes: classes) && $0.metadata.deletionTimestamp == nil }
        let (table, problems) = IngressRoutingTable.build(IngressSnapshot(ingresses: served, services: services,
                                                                          endpointSlices: slices, secrets: secrets))
        store.replace(table)
        if !synced.exchange(true, ordering: .relaxed) {
            logger.info("routing \(served.count) ingresses (\(table.routes.count) paths)")
        }
        let byKey = Dictionary(served.map { ("\($0.namespace)/\($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        for ing in served {
            let key = "\(ing.namespace)/\(ing.name)|\(ing.metadata.uid ?? "")|\(ing.metadata.generation ?? 0)|Sync"
            if reported.withLock({ $0.insert(key).inserted }) {
                recorder.record(ing, .normal, reason: "Sync", message: "Scheduled for sync")
            }
        }
        for p in problems {
            guard let ing = byKey[p.ingress] else { continue }
            let key = "\(p.ingress)|\(ing.metadata.uid ?? "")|\(p.reason)|\(p.message)"
            if reported.withLock({ $0.insert(key).inserted }) {
                logger.warning("ingress \(p.ingress): \(p.message)")
                recorder.record(ing, .warning, reason: p.reason, message: p.message)
            }
        }
        // Forget what was said about problems now gone, so a relapse is reported again.
        let current = Set(problems.compactMap { p in byKey[p.ingress].map { "\(p.ingress)|\($0.metadata.uid ?? "")|\(p.reason)|\(p.message)" } })
        reported.withLock { set in set = set.filter { $0.hasSuffix("|Sync") || current.contains($0) } }
        if let desired = publisher.desired(services: services) {
            for ing in served where (ing.status?.loadBalancer?.ingress ?? []) != (desired.ingress ?? []) {
                await publish(desired, to: ing)
            }
        }
    }

    func publish(_ status: IngressLoadBalancerStatus, to ing: Ingress) async {
        var updated = ing
        updated.status = IngressStatus(loadBalancer: status)
        do {
            _ = try await client.updateStatus(updated)
            logger.info("ingress \(ing.namespace)/\(ing.name): status.loadBalancer \((status.ingress ?? []).map { $0.ip ?? $0.hostname ?? "" })")
        } catch {
            // A conflict means a newer object is on its way through the watch; the next sync retries.
            logger.debug("updating the status of ingress \(ing.namespace)/\(ing.name): \(error)")
            if !error.isConflict {
                logger.warning("updating the status of ingress \(ing.namespace)/\(ing.name): \(error); retrying in 5s")
                let bell = self.bell
                Task {
                    try? await Task.sleep(for: .seconds(5))
                    bell.ring()
                }
            }
        }
    }
}
