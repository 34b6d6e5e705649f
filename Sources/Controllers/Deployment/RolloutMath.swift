public import Foundation
public import KubeAPI

/// What the rollout arithmetic needs to know about one ReplicaSet.
public struct ReplicaSetState: Sendable, Equatable {
    public var name: String
    /// `spec.replicas`: what the Deployment controller asked for.
    public var specReplicas: Int
    /// `status.replicas`: pods that exist and are not terminating.
    public var statusReplicas: Int
    public var readyReplicas: Int
    public var availableReplicas: Int
    public var created: Date
    /// `deployment.kubernetes.io/revision`.
    public var revision: Int
    /// `deployment.kubernetes.io/max-replicas` (for proportional scaling).
    public var maxReplicasAnnotation: Int?

    public init(name: String, specReplicas: Int, statusReplicas: Int = 0, readyReplicas: Int = 0, availableReplicas: Int = 0,
                created: Date = Date(timeIntervalSince1970: 0), revision: Int = 0, maxReplicasAnnotation: Int? = nil) {
        self.name = name
        self.specReplicas = specReplicas
        self.statusReplicas = statusReplicas
        self.readyReplicas = readyReplicas
        self.availableReplicas = availableReplicas
        self.created = created
        self.revision = revision
        self.maxReplicasAnnotation = maxReplicasAnnotation
    }
}

/// The Deployment controller's arithmetic, as pure functions: surge and
/// unavailability bounds with percentages and rounding, how far to scale the
/// new ReplicaSet up and the old ones down at each step, and proportional
/// scaling while a rollout is in progress.
public enum RolloutMath {
    /// maxSurge rounds up, maxUnavailable rounds down; both 0 makes
    /// maxUnavailable 1 so the rollout can move.
    public static func fenceposts(maxSurge: IntOrString?, maxUnavailable: IntOrString?, desired: Int) -> (surge: Int, unavailable: Int) {
        let surge = (maxSurge ?? .int(0)).scaled(total: desired, roundUp: true) ?? 0
        var unavailable = (maxUnavailable ?? .int(0)).scaled(total: desired, roundUp: false) ?? 0
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    /// maxUnavailable as the controller applies it (never above desired).
    public static func maxUnavailable(_ strategy: DeploymentStrategy?, desired: Int) -> Int {
        guard strategy?.type ?? "RollingUpdate" == "RollingUpdate", desired > 0 else { return 0 }
        let f = fenceposts(maxSurge: strategy?.rollingUpdate?.maxSurge, maxUnavailable: strategy?.rollingUpdate?.maxUnavailable, desired: desired)
        return min(f.unavailable, desired)
    }

    /// maxSurge as the controller applies it.
    public static func maxSurge(_ strategy: DeploymentStrategy?, desired: Int) -> Int {
        guard strategy?.type ?? "RollingUpdate" == "RollingUpdate" else { return 0 }
        return fenceposts(maxSurge: strategy?.rollingUpdate?.maxSurge, maxUnavailable: strategy?.rollingUpdate?.maxUnavailable, desired: desired).surge
    }

    /// The new ReplicaSet's size for this step of a rolling update: grow
    /// while the total stays within desired + maxSurge, never past desired.
    public static func newReplicaSetReplicas(strategy: DeploymentStrategy?, desired: Int, all: [ReplicaSetState], newRS: ReplicaSetState) -> Int {
        guard strategy?.type ?? "RollingUpdate" == "RollingUpdate" else { return desired }
        let surge = (strategy?.rollingUpdate?.maxSurge ?? .int(0)).scaled(total: desired, roundUp: true) ?? 0
        let current = all.reduce(0) { $0 + $1.specReplicas }
        let maxTotal = desired + surge
        if current >= maxTotal { return newRS.specReplicas }
        let up = min(maxTotal - current, desired - newRS.specReplicas)
        return newRS.specReplicas + max(up, 0)
    }

    /// How far old ReplicaSets may shrink in this step: first their
    /// unavailable pods, then available ones while at least
    /// desired - maxUnavailable pods stay available. Returns new sizes by name.
    public static func scaleDownOld(strategy: DeploymentStrategy?, desired: Int, old: [ReplicaSetState], newRS: ReplicaSetState?) -> [String: Int] {
        var old = old.sorted { $0.created != $1.created ? $0.created < $1.created : $0.name < $1.name }
        let oldCount = old.reduce(0) { $0 + $1.specReplicas }
        if oldCount == 0 { return [:] }
        let all = old + (newRS.map { [$0] } ?? [])
        let allCount = all.reduce(0) { $0 + $1.specReplicas }
        let minAvailable = desired - maxUnavailable(strategy, desired: desired)
        let newUnavailable = newRS.map { $0.specReplicas - $0.availableReplicas } ?? 0
        let maxScaledDown = allCount - minAvailable - newUnavailable
        if maxScaledDown <= 0 { return [:] }
        var result: [String: Int] = [:]
        // Unhealthy replicas first, or they would block the rollout.
        var cleaned = 0
        for i in old.indices {
            if cleaned >= maxScaledDown { break }
            let rs = old[i]
            if rs.specReplicas == 0 || rs.specReplicas <= rs.availableReplicas { continue }
            let n = min(maxScaledDown - cleaned, rs.specReplicas - rs.availableReplicas)
            old[i].specReplicas -= n
            result[rs.name] = old[i].specReplicas
            cleaned += n
        }
        // Then available ones, keeping minAvailable.
        let available = (old + (newRS.map { [$0] } ?? [])).reduce(0) { $0 + $1.availableReplicas }
        if available <= minAvailable { return result }
        let budget = available - minAvailable
        var scaled = 0
        for i in old.indices {
            if scaled >= budget { break }
            let rs = old[i]
            if rs.specReplicas == 0 { continue }
            let n = min(rs.specReplicas, budget - scaled)
            old[i].specReplicas -= n
            result[rs.name] = old[i].specReplicas
            scaled += n
        }
        return result
    }

    /// Spreads a change of `spec.replicas` during a rollout over the active
    /// ReplicaSets in proportion to their size (kube's GetProportion), the
    /// remainder going to the largest. Returns new sizes by name.
    public static func proportionalScale(desired: Int, maxSurge: Int, active: [ReplicaSetState], fallbackAnnotated: Int) -> [String: Int] {
        let total = active.reduce(0) { $0 + $1.specReplicas }
        let allowed = desired > 0 ? desired + maxSurge : 0
        let toAdd = allowed - total
        guard toAdd != 0 else { return [:] }
        // Larger first; on ties newer first when growing, older first when shrinking.
        let sorted = active.sorted { a, b in
            if a.specReplicas != b.specReplicas { return a.specReplicas > b.specReplicas }
            if a.created != b.created { return toAdd > 0 ? a.created > b.created : a.created < b.created }
            return a.name < b.name
        }
        var added = 0
        var sizes: [String: Int] = [:]
        for rs in sorted {
            var proportion = 0
            if rs.specReplicas != 0 && toAdd != added {
                let fraction: Int
                if desired == 0 {
                    fraction = -rs.specReplicas
                } else {
                    let annotated = rs.maxReplicasAnnotation ?? fallbackAnnotated
                    let target = annotated > 0 ? Double(rs.specReplicas * (desired + maxSurge)) / Double(annotated) : Double(rs.specReplicas)
                    fraction = Int(target.rounded(.toNearestOrAwayFromZero)) - rs.specReplicas
                }
                let remaining = toAdd - added
                proportion = toAdd > 0 ? min(fraction, remaining) : max(fraction, remaining)
            }
            sizes[rs.name] = rs.specReplicas + proportion
            added += proportion
        }
        if let first = sorted.first {
            sizes[first.name] = max(0, (sizes[first.name] ?? 0) + toAdd - added)
        }
        return sizes
    }
}
