public import Foundation
public import KubeAPI

/// When each node was last heard from, on *our* clock: a node counts as
/// heard from when its Ready heartbeat or its Lease renewal changes, so the
/// kubelet's clock never matters (kube's nodeHealthData). A node first seen
/// now gets a full grace period from now, so a new leader does not mark
/// every node Unknown at once.
public struct NodeHealthTracker: Sendable {
    struct Record: Sendable, Equatable {
        var heartbeat: Date?
        var renew: Date?
        var probedAt: Date
    }

    private var records: [String: Record] = [:]
    /// `--node-monitor-grace-period`.
    public let gracePeriod: TimeInterval

    public init(gracePeriod: TimeInterval) { self.gracePeriod = gracePeriod }

    static func heartbeat(_ n: Node) -> Date? {
        n.status?.conditions?.first { $0.type == "Ready" }?.lastHeartbeatTime?.date
    }

    /// Records what the node and its Lease say at `now`.
    public mutating func observe(node: Node, lease: Lease?, now: Date) {
        let name = node.metadata.name ?? ""
        let hb = Self.heartbeat(node)
        let renew = lease?.spec?.renewTime?.date
        if var r = records[name] {
            if r.heartbeat != hb || r.renew != renew {
                r.heartbeat = hb
                r.renew = renew
                r.probedAt = now
                records[name] = r
            }
        } else {
            records[name] = Record(heartbeat: hb, renew: renew, probedAt: now)
        }
    }

    /// True when the node has not been heard from for the grace period.
    public func isStale(_ name: String, now: Date) -> Bool {
        guard let r = records[name] else { return false }
        return now.timeIntervalSince(r.probedAt) > gracePeriod
    }

    /// When the node will turn stale without news.
    public func staleAt(_ name: String) -> Date? {
        records[name].map { $0.probedAt.addingTimeInterval(gracePeriod) }
    }

    public mutating func forget(_ name: String) { records[name] = nil }

    /// Forgets every node not in `names` (deleted nodes).
    public mutating func retain(_ names: Set<String>) {
        for k in records.keys where !names.contains(k) { records[k] = nil }
    }
}

/// Node conditions and taints as the node lifecycle controller maintains them.
public enum NodeLifecycle {
    public static let notReadyKey = "node.kubernetes.io/not-ready"
    public static let unreachableKey = "node.kubernetes.io/unreachable"
    public static let unschedulableKey = "node.kubernetes.io/unschedulable"
    static let conditionTaints: [(condition: String, status: String, key: String)] = [
        ("MemoryPressure", "True", "node.kubernetes.io/memory-pressure"),
        ("DiskPressure", "True", "node.kubernetes.io/disk-pressure"),
        ("PIDPressure", "True", "node.kubernetes.io/pid-pressure"),
        ("NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"),
    ]
    /// Taint keys this controller owns.
    public static let managedKeys: Set<String> = Set([notReadyKey, unreachableKey, unschedulableKey] + conditionTaints.map(\.key))

    /// The Ready condition's status ("True", "False", "Unknown"), nil when absent.
    public static func readyStatus(_ n: Node) -> String? {
        n.status?.conditions?.first { $0.type == "Ready" }?.status
    }

    /// Conditions after the kubelet went silent: Ready and the pressure
    /// conditions become Unknown (Ready is added when the kubelet never posted).
    public static func unknownConditions(_ n: Node, now: Date) -> [Condition] {
        var out = n.status?.conditions ?? []
        let stamp = Timestamp(now)
        if !out.contains(where: { $0.type == "Ready" }) {
            var c = Condition(type: "Ready", status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.")
            c.lastHeartbeatTime = n.metadata.creationTimestamp
            c.lastTransitionTime = stamp
            out.append(c)
        }
        for i in out.indices where ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"].contains(out[i].type) {
            if out[i].status != "Unknown" {
                out[i].status = "Unknown"
                out[i].reason = "NodeStatusUnknown"
                out[i].message = "Kubelet stopped posting node status."
                out[i].lastTransitionTime = stamp
            }
        }
        return out
    }

    /// The node's taints with the controller-owned ones recomputed from its
    /// conditions and `spec.unschedulable`; taints already present keep their
    /// timeAdded, new NoExecute ones are stamped `now`.
    public static func desiredTaints(_ n: Node, now: Date) -> [Taint] {
        let existing = n.spec?.taints ?? []
        var wanted: [Taint] = []
        func want(_ key: String, _ effect: String) {
            if let e = existing.first(where: { $0.key == key && $0.effect == effect }) {
                wanted.append(e)
            } else {
                wanted.append(Taint(key: key, effect: effect, timeAdded: effect == "NoExecute" ? Timestamp(now) : nil))
            }
        }
        switch readyStatus(n) {
        case "False"?:
            want(notReadyKey, "NoSchedule")
            want(notReadyKey, "NoExecute")
        case "Unknown"?:
            want(unreachableKey, "NoSchedule")
            want(unreachableKey, "NoExecute")
        case nil:
            want(notReadyKey, "NoSchedule")
        default:
            break
        }
        for (condition, status, key) in conditionTaints where n.status?.conditions?.contains(where: { $0.type == condition && $0.status == status }) == true {
            want(key, "NoSchedule")
        }
        if n.spec?.unschedulable == true { want(unschedulableKey, "NoSchedule") }
        return existing.filter { !managedKeys.contains($0.key) } + wanted
    }
}
