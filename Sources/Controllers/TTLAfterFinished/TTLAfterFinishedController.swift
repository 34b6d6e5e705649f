public import Foundation
public import KubeAPI
import Logging
import ControllerRuntime

/// Deletes finished Jobs `spec.ttlSecondsAfterFinished` seconds after they
/// finished (upstream's ttl-after-finished controller): the finish time is
/// the transition time of the Complete or Failed condition, the Job is read
/// again from the API server before it goes, and it is deleted in the
/// foreground with a UID precondition, so its pods go before it does.
public final class TTLAfterFinishedController: Controller {
    public let name = "ttl-after-finished"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "ttl-after-finished")
    let jobs: Informer<Job>

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        jobs = ctx.informers.informer(Job.self)
        jobs.addHandler { [queue] e in
            switch e {
            case .added(let j), .updated(_, let j):
                if TTLAfterFinished.needsCleanup(j) { queue.add(objectKey(j)) }
            case .deleted, .synced: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    func sync(_ key: String) async throws -> Duration? {
        guard let cached = jobs.get(key: key), TTLAfterFinished.needsCleanup(cached) else { return nil }
        let now = ctx.now()
        if let wait = TTLAfterFinished.timeLeft(cached, now: now), wait > 0 { return .milliseconds(Int64(wait * 1000) + 100) }
        // The cache may be stale: the TTL or the Job may have changed.
        let fresh: Job
        do throws(KubeClientError) {
            fresh = try await ctx.client.get(Job.self, namespace: cached.namespace, name: cached.name)
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
        guard TTLAfterFinished.needsCleanup(fresh) else { return nil }
        if let wait = TTLAfterFinished.timeLeft(fresh, now: now), wait > 0 { return .milliseconds(Int64(wait * 1000) + 100) }
        var options = DeleteOptions.preconditioned(uid: fresh.metadata.uid)
        options.propagationPolicy = "Foreground"
        ctx.logger.info("Cleaning up Job \(key): its TTL after finished expired")
        do throws(KubeClientError) {
            try await ctx.client.delete(Job.self, namespace: fresh.namespace, name: fresh.name, options: options)
        } catch {
            if !error.isNotFound { throw error }
        }
        return nil
    }
}

/// The TTL-after-finished arithmetic.
public enum TTLAfterFinished {
    /// A finished Job with a TTL that is not being deleted yet.
    public static func needsCleanup(_ j: Job) -> Bool {
        j.metadata.deletionTimestamp == nil && j.spec?.ttlSecondsAfterFinished != nil && JobPlanner.isFinished(j)
    }

    /// When the Job finished: its Complete or Failed condition's transition time.
    public static func finishTime(_ j: Job) -> Date? {
        j.status?.conditions?.first { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" }?.lastTransitionTime?.date
    }

    /// Seconds until the Job may be deleted (≤ 0: now); nil without a TTL or finish time.
    public static func timeLeft(_ j: Job, now: Date) -> TimeInterval? {
        guard let ttl = j.spec?.ttlSecondsAfterFinished, let finished = finishTime(j) else { return nil }
        return finished.addingTimeInterval(Double(ttl)).timeIntervalSince(now)
    }
}
