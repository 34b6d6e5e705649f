/// No node fits a pod; the message is kube-scheduler's:
/// `0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.`
public struct FitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// How many nodes were considered.
    public var numAllNodes: Int
    /// Reason → number of nodes that failed for it.
    public var reasons: [String: Int]
    /// Set when the pod itself is unschedulable (bad selector), whatever the nodes.
    public var podProblem: String?

    public init(numAllNodes: Int, reasons: [String: Int], podProblem: String? = nil) {
        self.numAllNodes = numAllNodes
        self.reasons = reasons
        self.podProblem = podProblem
    }

    public var message: String {
        if let podProblem { return "0/\(numAllNodes) nodes are available: \(podProblem)." }
        if numAllNodes == 0 { return "no nodes available to schedule pods" }
        let parts = reasons.map { "\($0.value) \($0.key)" }.sorted()
        return "0/\(numAllNodes) nodes are available: \(parts.joined(separator: ", "))."
    }

    public var description: String { message }
}
