public import Foundation
public import KubeAPI

/// One step of a StatefulSet sync, in the order the controller takes them.
public enum StatefulSetAction: Sendable, Equatable {
    /// Create the claims the pod lacks, then the pod.
    case createPod(Pod, claims: [PersistentVolumeClaim])
    /// Create the claims of a pod that exists (a pending pod whose claim was removed).
    case createClaims([PersistentVolumeClaim], pod: String)
    /// Delete a pod: failed or finished (recreated next), beyond the replica count, or of an old revision.
    case deletePod(Pod, reason: StatefulSetDeleteReason)
    /// Set the owner references of a claim (the retention policy).
    case setClaimOwners(claim: String, [OwnerReference])
    /// Restore a pod's identity labels (`statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`).
    case setPodLabels(pod: String, [String: String])
}

/// Why a pod is deleted.
public enum StatefulSetDeleteReason: String, Sendable {
    case failed, succeeded, condemned, update
}

/// What to do and the status to report.
public struct StatefulSetPlan: Sendable {
    public var actions: [StatefulSetAction] = []
    public var status: StatefulSetStatus
    /// Seconds until a ready pod becomes available (minReadySeconds), to look again.
    public var recheckAfter: Double?
}

/// The decisions of upstream's `defaultStatefulSetControl.updateStatefulSet`
/// as a pure function of the set, its pods and claims and the two revisions:
/// missing pods are created (claims first) at the current revision below the
/// partition and the update revision above; OrderedReady (monotonic) stops
/// at the first pod that is not Running, Ready and available and removes
/// surplus pods highest first, one at a time; Parallel does not wait; failed
/// and finished pods are deleted to be recreated; RollingUpdate then deletes
/// the highest pod not at the update revision down to the partition, one at
/// a time (or up to `maxUnavailable` when that is set); OnDelete leaves
/// updates to the user.
public enum StatefulSetPlanner {
    /// The set's current and update revisions, with their pod templates.
    public struct Revisions: Sendable {
        public var current: String
        public var currentTemplate: JSONValue
        public var update: String
        public var updateTemplate: JSONValue
        public init(current: String, currentTemplate: JSONValue, update: String, updateTemplate: JSONValue) {
            self.current = current
            self.currentTemplate = currentTemplate
            self.update = update
            self.updateTemplate = updateTemplate
        }
    }

    static func isCreated(_ p: Pod) -> Bool { !(p.status?.phase ?? "").isEmpty }
    static func isTerminating(_ p: Pod) -> Bool { p.metadata.deletionTimestamp != nil }
    static func isRunningAndReady(_ p: Pod) -> Bool { p.status?.phase == "Running" && PodState.isReady(p) }
    static func isRunningAndAvailable(_ p: Pod, _ minReady: Int, _ now: Date) -> Bool {
        p.status?.phase == "Running" && PodState.isAvailable(p, minReadySeconds: minReady, now: now)
    }
    static func isHealthy(_ p: Pod) -> Bool { isRunningAndReady(p) && !isTerminating(p) }

    /// `maxUnavailable` of a rolling update against the replica count, rounded up, at least 1.
    public static func maxUnavailable(_ set: StatefulSet) -> Int? {
        guard let mu = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable else { return nil }
        let n = StatefulSetIdentity.replicas(set)
        let v: Int
        switch mu {
        case .int(let i): v = i
        case .string(let s): v = Int((Double(Int(s.dropLast()) ?? 1) * Double(n) / 100).rounded(.up))
        }
        return max(v, 1)
    }

    /// Plans one sync. `pods` are the set's own pods, `claims` the claims of
    /// its namespace by name.
    public static func plan(_ set: StatefulSet, pods: [Pod], claims: [String: PersistentVolumeClaim], revisions: Revisions,
                            now: Date) throws(KubeCodecError) -> StatefulSetPlan {
        let name = set.metadata.name ?? ""
        let start = StatefulSetIdentity.startOrdinal(set)
        let count = StatefulSetIdentity.replicas(set)
        let minReady = set.spec?.minReadySeconds ?? 0
        let monotonic = set.spec?.podManagementPolicy != "Parallel"
        var slots: [Pod?] = Array(repeating: nil, count: max(count, 0))
        var condemned: [(Int, Pod)] = []
        for p in pods {
            guard let ord = StatefulSetIdentity.ordinal(of: p.metadata.name ?? "", setName: name) else { continue }
            if StatefulSetIdentity.inRange(ord, set) {
                if slots[ord - start] == nil { slots[ord - start] = p }
            } else {
                condemned.append((ord, p))
            }
        }
        condemned.sort { $0.0 > $1.0 }
        var plan = StatefulSetPlan(status: status(set, pods: slots.compactMap { $0 } + condemned.map(\.1), revisions: revisions, now: now))
        plan.recheckAfter = pods.compactMap { PodState.secondsUntilAvailable($0, minReadySeconds: minReady, now: now) }.min()
        if set.metadata.deletionTimestamp != nil { return plan }

        let strategy = set.spec?.updateStrategy
        let rolling = (strategy?.type ?? "RollingUpdate") == "RollingUpdate"
        let partition = strategy?.rollingUpdate?.partition ?? 0
        let firstUnhealthy = (slots.compactMap { $0 } + condemned.map(\.1)).first { !isHealthy($0) }?.metadata.uid

        // Each replica, in ordinal order.
        for i in slots.indices {
            let ord = start + i
            guard let pod = slots[i] else {
                // Below the partition, a missing pod comes back at the current revision.
                let atCurrent = rolling && (strategy?.rollingUpdate == nil ? i < (set.status?.currentReplicas ?? 0) : i < partition)
                let (rev, template) = atCurrent ? (revisions.current, revisions.currentTemplate) : (revisions.update, revisions.updateTemplate)
                let newPod = try StatefulSetIdentity.pod(set, template: template, ordinal: ord, revision: rev)
                let wanted = StatefulSetIdentity.claims(set, ordinal: ord)
                if wanted.contains(where: { claims[$0.metadata.name ?? ""].map { StatefulSetClaimRetention.isStale($0, for: newPod, set: set) } ?? false }) {
                    // Its claim is being collected with a previous pod: wait for it to go.
                    if monotonic { return plan }
                    continue
                }
                var missing = wanted.filter { claims[$0.metadata.name ?? ""] == nil }
                for j in missing.indices {
                    if let refs = StatefulSetClaimRetention.owners(of: missing[j], set: set, pod: newPod) { missing[j].metadata.ownerReferences = refs }
                }
                plan.actions.append(.createPod(newPod, claims: missing))
                slots[i] = newPod
                if monotonic { return plan }
                continue
            }
            if pod.status?.phase == "Failed" || pod.status?.phase == "Succeeded" {
                if !isTerminating(pod) {
                    plan.actions.append(.deletePod(pod, reason: pod.status?.phase == "Failed" ? .failed : .succeeded))
                }
                if monotonic { return plan }
                continue
            }
            let wanted = StatefulSetIdentity.claims(set, ordinal: ord)
            if pod.status?.phase == "Pending" {
                let missing = wanted.filter { claims[$0.metadata.name ?? ""] == nil }
                if !missing.isEmpty { plan.actions.append(.createClaims(missing, pod: pod.metadata.name ?? "")) }
            }
            if monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now)) {
                return plan
            }
            // Upstream's identityMatches / UpdateStatefulPod: an adopted or edited pod gets its labels back.
            let identity = [StatefulSetIdentity.podNameLabel: pod.metadata.name ?? "", StatefulSetIdentity.podIndexLabel: String(ord)]
            if identity.contains(where: { pod.metadata.labels?[$0.key] != $0.value }) {
                plan.actions.append(.setPodLabels(pod: pod.metadata.name ?? "", identity))
            }
            for claim in wanted {
                guard let existing = claims[claim.metadata.name ?? ""],
                      let refs = StatefulSetClaimRetention.owners(of: existing, set: set, pod: pod) else { continue }
                plan.actions.append(.setClaimOwners(claim: existing.metadata.name ?? "", refs))
            }
        }

        // Pods beyond the replica count: their claims are handed to them
        // (whenScaled), then they go, highest first.
        for (ord, pod) in condemned {
            for claim in StatefulSetIdentity.claims(set, ordinal: ord) {
                guard let existing = claims[claim.metadata.name ?? ""],
                      let refs = StatefulSetClaimRetention.owners(of: existing, set: set, pod: pod) else { continue }
                plan.actions.append(.setClaimOwners(claim: existing.metadata.name ?? "", refs))
            }
        }
        for (_, pod) in condemned {
            if isTerminating(pod) {
                if monotonic { return plan }
                continue
            }
            let isFirstUnhealthy = pod.metadata.uid == firstUnhealthy
            if monotonic && !isFirstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now)) { return plan }
            plan.actions.append(.deletePod(pod, reason: .condemned))
            if monotonic { return plan }
        }

        guard rolling else { return plan }
        let created = slots.compactMap { $0 }
        guard created.count == slots.count else { return plan }
        if let maxUnavailable = maxUnavailable(set) {
            // Upstream's MaxUnavailableStatefulSet: up to maxUnavailable pods
            // down at once, counting those already unhealthy.
            let unavailable = created.filter { !isHealthy($0) }.count
            var budget = maxUnavailable - unavailable
            var target = created.count - 1
            while budget > 0 && target >= partition {
                let pod = created[target]
                if StatefulSetIdentity.revision(of: pod) != revisions.update && !isTerminating(pod) {
                    plan.actions.append(.deletePod(pod, reason: .update))
                    plan.status.currentReplicas = (plan.status.currentReplicas ?? 0) - 1
                    budget -= 1
                }
                target -= 1
            }
            return plan
        }
        var target = created.count - 1
        while target >= partition {
            let pod = created[target]
            if StatefulSetIdentity.revision(of: pod) != revisions.update && !isTerminating(pod) {
                plan.actions.append(.deletePod(pod, reason: .update))
                plan.status.currentReplicas = (plan.status.currentReplicas ?? 0) - 1
                return plan
            }
            if !isHealthy(pod) { return plan }
            target -= 1
        }
        return plan
    }

    /// Upstream's status counts over the pods, with `completeRollingUpdate`:
    /// once every pod is updated and ready the update revision is current.
    public static func status(_ set: StatefulSet, pods: [Pod], revisions: Revisions, now: Date) -> StatefulSetStatus {
        var s = StatefulSetStatus()
        s.observedGeneration = set.metadata.generation
        s.collisionCount = set.status?.collisionCount
        s.currentRevision = revisions.current
        s.updateRevision = revisions.update
        var ready = 0, available = 0, current = 0, updated = 0
        let minReady = set.spec?.minReadySeconds ?? 0
        for p in pods {
            if isCreated(p) { s.replicas += 1 }
            if isRunningAndReady(p) {
                ready += 1
                if isRunningAndAvailable(p, minReady, now) { available += 1 }
            }
            if isCreated(p) && !isTerminating(p) {
                if StatefulSetIdentity.revision(of: p) == revisions.current { current += 1 }
                if StatefulSetIdentity.revision(of: p) == revisions.update { updated += 1 }
            }
        }
        s.readyReplicas = ready
        s.availableReplicas = available
        s.currentReplicas = current
        s.updatedReplicas = updated
        let wanted = StatefulSetIdentity.replicas(set)
        if (set.spec?.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate" && updated == wanted && ready == wanted && s.replicas == wanted {
            s.currentReplicas = updated
            s.currentRevision = revisions.update
        }
        return s
    }
}
