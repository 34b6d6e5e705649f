public import Logging
import KubeAPI

/// Runs `workers` tasks taking keys from `queue` and calling `sync` for each,
/// until the surrounding task is cancelled. A sync that throws is retried with
/// the key's back-off; a sync that returns a duration is run again after it.
/// Conflicts (409) are expected under concurrency and logged at debug level,
/// as is a ``TransientSyncError``.
public func runWorkers(_ queue: WorkQueue, workers: Int, logger: Logger,
                       sync: @escaping @Sendable (String) async throws -> Duration?) async {
    await withTaskCancellationHandler {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await queue.runTimers() }
            for _ in 0..<max(workers, 1) {
                group.addTask {
                    while let key = await queue.get() {
                        do {
                            let again = try await sync(key)
                            queue.forget(key)
                            if let again { queue.addAfter(key, again) }
                        } catch {
                            if let e = error as? KubeClientError, e.isConflict || e.isNotFound {
                                logger.debug("\(queue.name) \(key): \(e); retrying")
                            } else if error is TransientSyncError {
                                logger.debug("\(queue.name) \(key): \(error); retrying")
                            } else if !(error is CancellationError) {
                                logger.warning("\(queue.name) \(key): \(error); retrying")
                            }
                            queue.addRateLimited(key)
                        }
                        queue.done(key)
                    }
                }
            }
        }
    } onCancel: {
        queue.shutDown()
    }
}

/// A sync that cannot decide yet for a reason expected to pass (a kind that
/// discovery has not listed yet): retried with the key's back-off and logged
/// at debug level only.
public struct TransientSyncError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
