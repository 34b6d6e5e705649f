public import KubeAPI

/// What a Job's `podFailurePolicy` says about one failed pod (upstream's
/// `matchPodFailurePolicy`): the first rule that matches decides; no match counts.
public struct JobPodFailureVerdict: Sendable, Equatable {
    /// `FailJob`, `FailIndex`, `Ignore` or `Count`.
    public var action: String
    /// For `FailJob`, the message of the Job's failure condition.
    public var message: String?
}

public enum JobPodFailurePolicy {
    /// The verdict on a pod in phase Failed; `Count` when there is no policy or no rule matches.
    public static func verdict(_ policy: PodFailurePolicy?, pod: Pod) -> JobPodFailureVerdict {
        guard let policy else { return JobPodFailureVerdict(action: "Count") }
        let statuses = (pod.status?.initContainerStatuses ?? []) + (pod.status?.containerStatuses ?? [])
        let who = "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"
        for (index, rule) in policy.rules.enumerated() {
            if let req = rule.onExitCodes {
                for s in statuses {
                    guard let code = s.state?.terminated?.exitCode, code != 0 else { continue }
                    if let name = req.containerName, name != s.name { continue }
                    let listed = req.values.contains(code)
                    guard req.operator == "In" ? listed : !listed else { continue }
                    let message = rule.action == "FailJob"
                        ? "Container \(s.name) for pod \(who) failed with exit code \(code) matching FailJob rule at index \(index)" : nil
                    return JobPodFailureVerdict(action: rule.action, message: message)
                }
            } else if let patterns = rule.onPodConditions {
                for pattern in patterns {
                    let want = pattern.status ?? "True"
                    guard pod.status?.conditions?.contains(where: { $0.type == pattern.type && $0.status == want }) == true else { continue }
                    let message = rule.action == "FailJob"
                        ? "Pod \(who) has condition \(pattern.type) matching FailJob rule at index \(index)" : nil
                    return JobPodFailureVerdict(action: rule.action, message: message)
                }
            }
        }
        return JobPodFailureVerdict(action: "Count")
    }
}
