import Foundation
import KubeAPI
import ControllerRuntime

/// How a controller that owns pods creates and deletes them, as upstream's
/// pod control does: creations in slow-start batches (1, 2, 4, …) that stop
/// after the first batch with a failure, deletions in parallel with a UID
/// precondition. Each is counted in the controller's expectations (an
/// attempt that fails, or is never made, is observed at once) and reported on
/// the owner: `SuccessfulCreate`, `FailedCreate` (with the server's message,
/// so admission refusals read as upstream's), `SuccessfulDelete`. A namespace
/// being deleted is no failure: nothing more is to be made there.
struct PodControl {
    let client: any ClusterClient
    let expectations: ControllerExpectations
    let recorder: EventRecorder

    /// Creates `count` pods, the i-th from `make(i)`; returns those made and the first failure.
    func create<Owner: KubeObject>(_ count: Int, for owner: Owner, key: String, now: Date,
                                   make: @escaping @Sendable (Int) throws -> Pod) async -> (made: [Pod], failure: KubeClientError?) {
        guard count > 0 else { return ([], nil) }
        expectations.expectCreations(key, count, now: now)
        var made: [Pod] = []
        var failure: KubeClientError?
        var next = 0, batch = 1
        while next < count && failure == nil {
            let indexes = next..<min(count, next + batch)
            next = indexes.upperBound
            batch *= 2
            let results = await withTaskGroup(of: Result<Pod, KubeClientError>.self) { group in
                for i in indexes {
                    group.addTask { [client] in
                        do { return .success(try await client.create(try make(i))) } catch {
                            return .failure(error as? KubeClientError ?? .transport("\(error)"))
                        }
                    }
                }
                var out: [Result<Pod, KubeClientError>] = []
                for await r in group { out.append(r) }
                return out
            }
            for result in results {
                switch result {
                case .success(let pod):
                    made.append(pod)
                    recorder.record(owner, .normal, reason: "SuccessfulCreate", message: "Created pod: \(pod.name)")
                case .failure(let error):
                    expectations.creationObserved(key)
                    if failure == nil { failure = error }
                    if !error.isNamespaceTerminating {
                        recorder.record(owner, .warning, reason: "FailedCreate", message: "Error creating: \(error.message)")
                    }
                }
            }
        }
        // Creations never attempted will not be observed.
        for _ in next..<count { expectations.creationObserved(key) }
        return (made, failure?.isNamespaceTerminating == true ? nil : failure)
    }

    /// Deletes `victims`; returns the names of those gone (deleted now or
    /// already) and the first failure.
    func delete<Owner: KubeObject>(_ victims: [Pod], of owner: Owner, key: String, now: Date) async -> (deleted: Set<String>, failure: KubeClientError?) {
        guard !victims.isEmpty else { return ([], nil) }
        expectations.expectDeletions(key, victims.map { objectKey($0) }, now: now)
        var failure: KubeClientError?
        var deleted: Set<String> = []
        await withTaskGroup(of: (Pod, KubeClientError?).self) { group in
            for p in victims {
                group.addTask { [client] in
                    do {
                        try await client.delete(Pod.self, namespace: p.namespace, name: p.name,
                                                options: DeleteOptions.preconditioned(uid: p.metadata.uid))
                        return (p, nil)
                    } catch {
                        return (p, error as? KubeClientError ?? .transport("\(error)"))
                    }
                }
            }
            for await (p, err) in group {
                if let err, !err.isNotFound {
                    expectations.deletionObserved(key, pod: objectKey(p))
                    failure = failure ?? err
                } else {
                    deleted.insert(p.name)
                    recorder.record(owner, .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(p.name)")
                }
            }
        }
        return (deleted, failure)
    }
}
