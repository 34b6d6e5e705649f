public import Foundation
public import KubeAPI

/// When a pod on a node with NoExecute taints must go (kube's taint
/// eviction): at once if it does not tolerate one of them, after the
/// smallest tolerationSeconds of the tolerations it uses (counted from when
/// the taint was added), or never when every used toleration is unbounded.
public enum TaintEviction {
    public enum Decision: Sendable, Equatable {
        case keep
        case evictNow
        case evictAt(Date)
    }

    public static func decide(tolerations: [Toleration], taints: [Taint], now: Date) -> Decision {
        let noExecute = taints.filter { $0.effect == "NoExecute" }
        guard !noExecute.isEmpty else { return .keep }
        let candidates = tolerations.filter { ($0.effect ?? "").isEmpty || $0.effect == "NoExecute" }
        var minSeconds: Int64?
        var since = now
        for t in noExecute {
            let used = candidates.filter { $0.tolerates(t) }
            if used.isEmpty { return .evictNow }
            let bounded = used.compactMap(\.tolerationSeconds)
            // A toleration without tolerationSeconds tolerates the taint forever.
            if used.contains(where: { $0.tolerationSeconds == nil }) { continue }
            if let m = bounded.min() {
                minSeconds = min(minSeconds ?? m, m)
                if let added = t.timeAdded?.date, added < since { since = added }
            }
        }
        guard let seconds = minSeconds else { return .keep }
        if seconds <= 0 { return .evictNow }
        let at = since.addingTimeInterval(Double(seconds))
        return at <= now ? .evictNow : .evictAt(at)
    }
}
