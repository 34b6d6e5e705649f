import Foundation
import KubeAPI

/// The decisions of upstream's eviction subresource
/// (pkg/registry/core/pod/storage/eviction.go), as pure functions of the
/// pod, its budgets and a clock; ``ResourceStorage/evict`` carries them out.
enum EvictionPolicy {
    /// Evicted pods the budget may list before evictions are refused (upstream's MaxDisruptedPodSize).
    static let maxDisruptedPods = 2000
    /// The message of a refusal, and of the 500 for a pod under two budgets.
    static let violatesBudget = "Cannot evict pod as it would violate the pod's disruption budget."
    static let multipleBudgets = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    /// The cause type of a refusal (policy/v1's DisruptionBudgetCause).
    static let disruptionBudgetCause = "DisruptionBudget"

    /// Pods whose eviction disrupts nothing more: finished, not yet running
    /// (Pending) or already being deleted are deleted without a budget check.
    static func ignoresBudgets(_ pod: Pod) -> Bool {
        let phase = pod.status?.phase
        return phase == "Succeeded" || phase == "Failed" || phase == "Pending" || pod.metadata.deletionTimestamp != nil
    }

    /// Whether the delete must be pinned to the resourceVersion read, so a
    /// pod that became Ready meanwhile is not deleted past its budget.
    static func enforcesResourceVersion(_ pod: Pod) -> Bool {
        let phase = pod.status?.phase
        return !(phase == "Succeeded" || phase == "Failed" || pod.metadata.deletionTimestamp != nil)
    }

    /// What one budget says about evicting a (running) pod.
    enum BudgetCheck: Equatable {
        /// The pod is not Ready and the budget lets unhealthy pods go: delete
        /// it, pinned to the resourceVersion read, without using the budget.
        case deleteUnhealthy
        /// Write this status (one disruption fewer, the pod listed as
        /// disrupted), then delete the pod.
        case decrement(PodDisruptionBudgetStatus)
        /// Refuse the eviction with this error.
        case refuse(Status)
    }

    /// Upstream's unhealthy-pod rule, then checkAndDecrement.
    static func check(_ pod: Pod, budget: PodDisruptionBudget, dryRun: Bool, now: Date) -> BudgetCheck {
        let status = budget.status ?? PodDisruptionBudgetStatus()
        let ready = pod.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
        if !ready {
            if budget.spec?.unhealthyPodEvictionPolicy == "AlwaysAllow" { return .deleteUnhealthy }
            // IfHealthyBudget (the default): only while the budget is met.
            if status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0 { return .deleteUnhealthy }
        }
        let name = budget.metadata.name ?? ""
        if (status.observedGeneration ?? 0) < (budget.metadata.generation ?? 0) {
            return .refuse(tooManyRequests(retryAfter: 10, cause: "The disruption budget \(name) is still being processed by the server."))
        }
        if status.disruptionsAllowed < 0 {
            return .refuse(APIErrors.forbidden("poddisruptionbudgets.policy \"\(name)\" is forbidden: pdb disruptions allowed is negative",
                                               kind: "poddisruptionbudgets", name: name))
        }
        if (status.disruptedPods?.count ?? 0) > maxDisruptedPods {
            return .refuse(APIErrors.forbidden("poddisruptionbudgets.policy \"\(name)\" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller",
                                               kind: "poddisruptionbudgets", name: name))
        }
        if status.disruptionsAllowed == 0 {
            return .refuse(tooManyRequests(retryAfter: 0,
                                           cause: "The disruption budget \(name) needs \(status.desiredHealthy) healthy pods and has \(status.currentHealthy) currently"))
        }
        var next = status
        next.disruptionsAllowed -= 1
        if next.disruptionsAllowed == 0 { setInsufficient(&next, now: now) }
        if !dryRun {
            var disrupted = next.disruptedPods ?? [:]
            disrupted[pod.metadata.name ?? ""] = Timestamp(now)
            next.disruptedPods = disrupted
        }
        return .decrement(next)
    }

    /// pdbhelper.UpdateDisruptionAllowedCondition for a budget just used up.
    static func setInsufficient(_ s: inout PodDisruptionBudgetStatus, now: Date) {
        var conditions = s.conditions ?? []
        var c = Condition(type: "DisruptionAllowed", status: "False", reason: "InsufficientPods", message: "")
        c.observedGeneration = s.observedGeneration
        if let i = conditions.firstIndex(where: { $0.type == "DisruptionAllowed" }) {
            c.lastTransitionTime = conditions[i].status == "False" ? conditions[i].lastTransitionTime : Timestamp(now)
            conditions[i] = c
        } else {
            c.lastTransitionTime = Timestamp(now)
            conditions.append(c)
        }
        s.conditions = conditions
    }

    /// A 429 TooManyRequests with the DisruptionBudget cause.
    static func tooManyRequests(retryAfter: Int, cause: String) -> Status {
        Status(message: violatesBudget, reason: "TooManyRequests", code: 429,
               details: StatusDetails(causes: [StatusCause(reason: disruptionBudgetCause, message: cause, field: nil)],
                                      retryAfterSeconds: retryAfter))
    }

    /// The 500 for a pod more than one budget selects (a Status upstream returns, not an error).
    static var tooManyBudgets: Status {
        var s = Status(message: multipleBudgets, reason: "", code: 500)
        s.reason = nil
        return s
    }
}
