import Synchronization

/// Recent grants of the node authorizer's "a pod on this node references
/// it" rule (secrets, configMaps, service accounts and their tokens), kept
/// for a few seconds. Deciding one means listing and parsing every pod bound
/// to the node, and a kubelet starting 100 pods asks about the same
/// `kube-root-ca.crt` and service account 100 times: without the cache the
/// checks grew with the square of the pods and took 5% of a 100-pod burst.
///
/// Only grants are kept, so a denial is always fresh; a grant outlives the
/// pod that justified it by at most ``ttl``, the same kind of lag upstream's
/// node authorizer has while its graph catches up with the API.
final class NodeGrantCache: Sendable {
    /// How long a grant is reused.
    let ttl: Duration
    let grants = Mutex<[Key: ContinuousClock.Instant]>([:])

    struct Key: Hashable, Sendable {
        var node: String
        var resource: String
        var namespace: String
        var name: String
    }

    init(ttl: Duration = .seconds(5)) { self.ttl = ttl }

    /// Whether `key` was granted less than ``ttl`` ago.
    func allows(_ key: Key, now: ContinuousClock.Instant = .now) -> Bool {
        grants.withLock { $0[key].map { now < $0 } ?? false }
    }

    /// Records a grant of `key`.
    func grant(_ key: Key, now: ContinuousClock.Instant = .now) {
        grants.withLock { grants in
            if grants.count >= 10_000 { grants = grants.filter { now < $0.value } }
            grants[key] = now + ttl
        }
    }
}
