import Foundation
import KubeAPI
import Logging
import ControllerRuntime
@testable import Scheduler

/// Runs a scheduler (its informers and event recorder too) against the
/// in-memory API until `done` returns true; false on the deadline (against
/// hangs, not a timing assertion: 600 polls 50 ms apart).
func runScheduler(_ cluster: FakeCluster, configuration: SchedulerConfiguration,
                  until done: @escaping @Sendable () -> Bool) async -> Bool {
    let logger = Logger(label: "test")
    let informers = InformerFactory(client: cluster, logger: logger)
    let events = EventRecorder(client: cluster, component: "default-scheduler", instance: "test", logger: logger)
    let scheduler = Scheduler(configuration: configuration, client: cluster, informers: informers, events: events, logger: logger)
    return await withTaskGroup(of: Bool.self) { group in
        group.addTask { await informers.run(); return false }
        group.addTask { await events.run(); return false }
        group.addTask {
            await informers.waitForSync()
            await scheduler.run()
            return false
        }
        group.addTask {
            for _ in 0..<600 {
                if done() { return true }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return false
        }
        var ok = false
        for await r in group {
            if r { ok = true }
            break
        }
        group.cancelAll()
        return ok
    }
}
