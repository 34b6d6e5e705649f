import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Scheduler
import Controllers

/// The scheduler and the controllers of one term of leadership: shared
/// informers over the in-process client, event recorders, then everything
/// enabled by `--controllers`, until cancelled (shutdown or lost lease).
struct ControlLoops: Sendable {
    let client: any ClusterClient
    let configuration: ControlPlaneConfiguration
    let enabled: Set<String>
    let identity: String
    let schedulerMetrics: SchedulerMetrics
    let caPEM: String
    /// Signs approved CSRs.
    let issuer: (any CertificateIssuer)?
    /// Answers the controllers' SubjectAccessReviews (csrapproving); nil for the default bindings' answers.
    var reviewer: (any SubjectAccessReviewer)? = nil
    /// Pod usage for the autoscaler (the API server's metrics.k8s.io).
    var podMetrics: (any PodMetricsSource)? = nil
    let logger: Logger

    /// Every name `--controllers` accepts.
    static var knownNames: [String] { ["scheduler"] + ControllerManager.names }

    var controllerConfiguration: ControllerConfiguration {
        var c = ControllerConfiguration()
        c.clusterCIDR = configuration.clusterCIDR
        c.nodeCIDRMaskSize = configuration.nodeCIDRMaskSize
        c.nodeMonitorGracePeriod = configuration.nodeMonitorGracePeriod
        c.nodeMonitorPeriod = configuration.nodeMonitorPeriod
        c.podGCQuarantine = configuration.nodeMonitorGracePeriod
        c.rootCAPEM = caPEM
        c.certificateIssuer = issuer
        c.kubeletServingAutoApprove = configuration.kubeletServingAutoApprove
        c.csiControllers = configuration.csiControllers
        c.localPathRoot = configuration.disabled.contains("local-storage") ? nil : configuration.localPathRoot
        if let reviewer { c.subjectAccessReviewer = reviewer }
        c.podMetrics = podMetrics
        c.horizontalPodAutoscalerSyncPeriod = configuration.horizontalPodAutoscalerSyncPeriod
        c.loadBalancerPools = configuration.loadBalancerPools
        return c
    }

    func run() async {
        let informers = InformerFactory(client: client, logger: logger)
        let recorders = EventRecorders(client: client, instance: identity, logger: logger)
        var scheduler: Scheduler?
        if enabled.contains("scheduler") {
            scheduler = Scheduler(client: client, informers: informers, events: recorders.recorder("default-scheduler"),
                                  metrics: schedulerMetrics, logger: logger)
        }
        let ctx = ControllerContext(client: client, informers: informers, configuration: controllerConfiguration, logger: logger,
                                    recorder: { recorders.recorder($0) })
        let controllers = ControllerManager.make(ctx, enabled: enabled)
        logger.info("starting \(scheduler == nil ? "" : "scheduler and ")\(controllers.count) controllers: \(controllers.map(\.name).joined(separator: ", "))")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await informers.run() }
            group.addTask { await recorders.run() }
            await informers.waitForSync()
            if Task.isCancelled { return }
            if let scheduler { group.addTask { await scheduler.run() } }
            for c in controllers { group.addTask { await c.run() } }
            await group.waitForAll()
        }
        logger.info("scheduler and controllers stopped")
    }
}
