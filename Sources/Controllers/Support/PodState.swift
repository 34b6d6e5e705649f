public import Foundation
public import KubeAPI

/// Questions controllers ask about pods.
public enum PodState {
    /// Not terminating and not finished.
    public static func isActive(_ p: Pod) -> Bool {
        p.metadata.deletionTimestamp == nil && !isTerminal(p)
    }

    /// Phase Succeeded or Failed.
    public static func isTerminal(_ p: Pod) -> Bool {
        let phase = p.status?.phase
        return phase == "Succeeded" || phase == "Failed"
    }

    /// The Ready condition is True.
    public static func isReady(_ p: Pod) -> Bool {
        p.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
    }

    /// Since when the pod has been Ready.
    public static func readySince(_ p: Pod) -> Date? {
        guard let c = p.status?.conditions?.first(where: { $0.type == "Ready" }), c.status == "True" else { return nil }
        return c.lastTransitionTime?.date
    }

    /// Ready for at least `minReadySeconds` at `now`.
    public static func isAvailable(_ p: Pod, minReadySeconds: Int, now: Date) -> Bool {
        guard isReady(p) else { return false }
        if minReadySeconds <= 0 { return true }
        guard let since = readySince(p) else { return false }
        return since.addingTimeInterval(Double(minReadySeconds)) <= now
    }

    /// For a ready pod that is not yet available, the seconds until it will be.
    public static func secondsUntilAvailable(_ p: Pod, minReadySeconds: Int, now: Date) -> Double? {
        guard minReadySeconds > 0, isReady(p), let since = readySince(p) else { return nil }
        let remaining = since.addingTimeInterval(Double(minReadySeconds)).timeIntervalSince(now)
        return remaining > 0 ? remaining : nil
    }
}

extension ObjectMeta {
    /// True for objects whose controller owner has this UID.
    public func isControlled(by uid: String?) -> Bool {
        guard let uid else { return false }
        return controllerRef?.uid == uid
    }
}

/// An owner reference marking `owner` as the controller.
public func controllerReference<T: KubeObject>(to owner: T) -> OwnerReference {
    OwnerReference(apiVersion: T.apiVersion, kind: T.kind, name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "",
                   controller: true, blockOwnerDeletion: true)
}
