public import KubeAPI
public import Logging

/// Keeps a ``RecordStore`` equal to the API server's Services and
/// EndpointSlices, through two informers (list, then watch, relisting
/// after expiry).
public struct ClusterWatcher: Sendable {
    public let client: KubeClient
    public let store: RecordStore
    let logger: Logger

    public init(client: KubeClient, store: RecordStore, logger: Logger = Logger(label: "cluster-dns")) {
        self.client = client
        self.store = store
        self.logger = logger
    }

    /// Watches until the task is cancelled.
    public func run() async {
        let services = Informer(Service.self, client: client, logger: logger)
        let slices = Informer(EndpointSlice.self, client: client, logger: logger)
        let (serviceEvents, sliceEvents) = (services.events(), slices.events())
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await services.run() }
            group.addTask { await slices.run() }
            group.addTask {
                for await event in serviceEvents {
                    switch event {
                    case .added(let s), .updated(_, let s): store.update { $0.update(s) }
                    case .deleted(let s): store.update { $0.remove(s) }
                    case .synced:
                        store.markSynced(services: true)
                        logger.debug("services listed")
                    }
                }
            }
            group.addTask {
                for await event in sliceEvents {
                    switch event {
                    case .added(let s), .updated(_, let s): store.update { $0.update(s) }
                    case .deleted(let s): store.update { $0.remove(s) }
                    case .synced:
                        store.markSynced(slices: true)
                        logger.debug("endpointslices listed")
                    }
                }
            }
            group.addTask {
                // Say why cluster names get SERVFAIL while the first lists are missing.
                var waited = 0
                while !Task.isCancelled, !store.snapshot().synced {
                    try? await Task.sleep(for: .seconds(1))
                    waited += 1
                    if waited % 10 == 0 {
                        logger.warning("no complete list of Services and EndpointSlices from \(client.config.server) after \(waited)s; cluster names get SERVFAIL until then")
                    }
                }
                if !Task.isCancelled { logger.info("serving \(store.snapshot().table.services.count) Services") }
            }
        }
    }
}
