import Synchronization

/// The claim-backed volumes of the pods on this node, as their workers set
/// them up: what `/stats/summary` reports with a `pvcRef` and what the
/// `kubelet_volume_stats_*` metrics are about. Filled again by each worker's
/// first set-up after a kubelet restart.
public final class ClaimVolumes: Sendable {
    /// One claim-backed pod volume.
    public struct Entry: Sendable, Equatable {
        public var volume: String
        public var namespace: String
        public var claim: String
        public var path: String
        public init(volume: String, namespace: String, claim: String, path: String) {
            self.volume = volume
            self.namespace = namespace
            self.claim = claim
            self.path = path
        }
    }

    let byPod = Mutex<[String: [Entry]]>([:])

    public init() {}

    /// The claim volumes of pod `uid` (none: forgotten).
    public func set(_ uid: String, _ entries: [Entry]) {
        byPod.withLock { $0[uid] = entries.isEmpty ? nil : entries }
    }

    public func entries(_ uid: String) -> [Entry] {
        byPod.withLock { $0[uid] ?? [] }
    }
}
