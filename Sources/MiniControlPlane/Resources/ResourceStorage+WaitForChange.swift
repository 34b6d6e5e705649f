import KubeAPI

extension ResourceStorage {
    /// Returns at the first change to any of `resources` after `revision`
    /// (or when a watch ends, or after `resync`): the wake-up of the API
    /// server's own configuration loops (flow control, RBAC aggregation).
    func waitForChange(of resources: [ResourceInfo], after revision: Int64, resync: Duration) async throws {
        var streams: [AsyncThrowingStream<StoreEvent, any Error>] = []
        for info in resources { streams.append(try await store.watch(prefix: info.keyPrefix, afterRevision: revision)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Task.sleep(for: resync) }
            for stream in streams {
                group.addTask {
                    for try await _ in stream { return }
                }
            }
            _ = try await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
    }
}
