import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Synchronization

/// The horizontal pod autoscaler controller (upstream's
/// `horizontalpodautoscaling`): every sync period, for each autoscaler,
/// reads its target's `scale`, the pods of the scale's selector and their
/// usage from metrics.k8s.io, decides a replica count
/// (``AutoscalerDecision``), updates the scale, and writes the status
/// (readings, AbleToScale/ScalingActive/ScalingLimited) and events
/// (SuccessfulRescale, FailedGetScale, FailedGetResourceMetric, ...).
public final class HorizontalPodAutoscalerController: Controller {
    public let name = "horizontalpodautoscaling"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "horizontalpodautoscaler")
    let autoscalers: Informer<HorizontalPodAutoscaler>
    let pods: Informer<Pod>
    let recorder: EventRecorder
    let calculator = ReplicaCalculator()
    let histories = Mutex<[String: ScalingHistory]>([:])

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        autoscalers = ctx.informers.informer(HorizontalPodAutoscaler.self)
        pods = ctx.informers.informer(Pod.self)
        recorder = ctx.recorder("horizontal-pod-autoscaler")
        autoscalers.addHandler { [queue, weak self] e in
            switch e {
            case .added(let h): queue.add(objectKey(h))
            case .updated(let old, let h):
                // Status writes are the controller's own; a spec change is evaluated at once.
                if old.spec != h.spec { queue.add(objectKey(h)) }
            case .deleted(let h): _ = self?.histories.withLock { $0.removeValue(forKey: objectKey(h)) }
            case .synced: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    /// Evaluates one autoscaler; it comes back after the sync period.
    func sync(_ key: String) async throws -> Duration? {
        guard let hpa = autoscalers.get(key: key), hpa.metadata.deletionTimestamp == nil, let spec = hpa.spec else { return nil }
        let period = ctx.configuration.horizontalPodAutoscalerSyncPeriod
        let now = ctx.now()
        let ref = spec.scaleTargetRef
        let scale: Scale
        let resource: ResourceInfo
        do throws(KubeClientError) {
            // A built-in kind, else a custom one served with `scale` now (asked each sync: definitions come and go).
            var found = ResourceCatalog.scalable(kind: ref.kind, apiVersion: ref.apiVersion)
            if found == nil {
                found = ResourceSet(try await ctx.client.servedResources(), groups: []).scalable(kind: ref.kind, apiVersion: ref.apiVersion)
            }
            guard let r = found else {
                throw KubeClientError.status(Status(
                    message: "no resource of kind \(ref.kind)\(ref.apiVersion.map { " in \($0)" } ?? "") with a scale subresource is served; scalable kinds: \(ResourceCatalog.scalableKinds.joined(separator: ", "))",
                    reason: "NotFound", code: 404))
            }
            resource = r
            scale = try await ctx.client.getScale(r, namespace: hpa.namespace, name: ref.name)
        } catch {
            let message = "\(ref.kind)/\(ref.name): \(error)"
            recorder.record(hpa, .warning, reason: "FailedGetScale", message: message)
            var d = AutoscalerDecision(currentReplicas: hpa.status?.currentReplicas ?? 0, desiredReplicas: hpa.status?.desiredReplicas ?? 0,
                                       rescale: false, reason: "", currentMetrics: hpa.status?.currentMetrics ?? [],
                                       conditions: hpa.status?.conditions ?? [], events: [])
            d.set("AbleToScale", false, "FailedGetScale", "the HPA controller was unable to get the target's current scale: \(message)", now)
            try await writeStatus(hpa, d.status(hpa, now: now))
            return period
        }
        let selector = scale.status?.selector ?? ""
        var matching: [Pod] = []
        if let requirements = try? LabelRequirements(parsing: selector), !selector.isEmpty {
            matching = pods.list(namespace: hpa.namespace).filter { requirements.matches($0.metadata.labels ?? [:]) }
        }
        let metrics: Result<[String: PodMetricsSample], PodMetricsError>
        if let source = ctx.configuration.podMetrics {
            do throws(PodMetricsError) {
                metrics = .success(try await source.podMetrics(namespace: hpa.namespace, selector: selector))
            } catch {
                metrics = .failure(error)
            }
        } else {
            metrics = .failure(PodMetricsError("the resource metrics API (metrics.k8s.io) is not available to the controller"))
        }
        var history = histories.withLock { $0[key] } ?? ScalingHistory()
        var decision = AutoscalerDecision.decide(hpa, currentReplicas: scale.spec?.replicas ?? 0, selector: selector, pods: matching,
                                                 metrics: metrics, calculator: calculator, history: &history, now: now)
        if decision.rescale {
            var updated = scale
            updated.spec = ScaleSpec(replicas: decision.desiredReplicas)
            do throws(KubeClientError) {
                _ = try await ctx.client.updateScale(resource, updated)
                decision.rescaled(error: nil, now: now)
                history.recordScale(from: decision.currentReplicas, to: decision.desiredReplicas, behavior: spec.behavior, now: now)
                ctx.logger.info("Successful rescale of \(key), old size: \(decision.currentReplicas), new size: \(decision.desiredReplicas), reason: \(decision.reason)")
            } catch {
                decision.rescaled(error: "\(error)", now: now)
            }
        }
        histories.withLock { $0[key] = history }
        for e in decision.events { recorder.record(hpa, e.warning ? .warning : .normal, reason: e.reason, message: e.message) }
        try await writeStatus(hpa, decision.status(hpa, now: now))
        return period
    }

    /// Writes the status when it changed.
    func writeStatus(_ hpa: HorizontalPodAutoscaler, _ status: HorizontalPodAutoscalerStatus) async throws {
        guard hpa.status != status else { return }
        var updated = hpa
        updated.status = status
        do throws(KubeClientError) {
            _ = try await ctx.client.update(updated, subresource: "status")
        } catch {
            // Deleted meanwhile: nothing to write; a conflict retries with the newer object.
            if !error.isNotFound { throw error }
        }
    }
}
