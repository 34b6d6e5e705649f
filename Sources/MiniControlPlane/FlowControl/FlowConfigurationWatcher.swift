import KubeAPI
import Logging

/// Keeps ``FlowControl`` in step with the FlowSchema and
/// PriorityLevelConfiguration objects: reads them at start and again after
/// every change (every API server does, as every kube-apiserver runs its
/// own APF configuration controller), and at least once a minute.
struct FlowConfigurationWatcher: Sendable {
    let registry: ResourceStorage
    let flowControl: FlowControl
    let logger: Logger
    static let resync: Duration = .seconds(60)

    /// Runs until cancelled.
    func run() async {
        let schemaInfo = ResourceCatalog.info(for: FlowSchema.self)
        let levelInfo = ResourceCatalog.info(for: PriorityLevelConfiguration.self)
        while !Task.isCancelled {
            do {
                let schemas = try await registry.list(schemaInfo, nil, ListQuery())
                let levels = try await registry.list(levelInfo, nil, ListQuery())
                let configuration = FlowConfiguration(
                    flowSchemas: try schemas.items.map { item throws(Status) in try registry.decode(item, schemaInfo) },
                    priorityLevels: try levels.items.map { item throws(Status) in try registry.decode(item, levelInfo) },
                    serverConcurrency: flowControl.serverConcurrency)
                flowControl.reconfigure(configuration)
                try await registry.waitForChange(of: [schemaInfo, levelInfo], after: min(schemas.revision, levels.revision), resync: Self.resync)
            } catch is CancellationError {
                return
            } catch {
                logger.debug("reading the flow-control configuration: \(error)")
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }
}
