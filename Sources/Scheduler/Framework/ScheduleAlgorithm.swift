import KubeAPI

/// Where a pod goes: the node and how many nodes were looked at.
public struct ScheduleResult: Sendable, Equatable {
    public var node: String
    public var evaluatedNodes: Int
    public var feasibleNodes: Int
    /// What binding the pod's unbound WaitForFirstConsumer claims on the node takes (nil: nothing).
    public var volumes: PodVolumes?

    public init(node: String, evaluatedNodes: Int, feasibleNodes: Int, volumes: PodVolumes? = nil) {
        self.node = node
        self.evaluatedNodes = evaluatedNodes
        self.feasibleNodes = feasibleNodes
        self.volumes = volumes
    }
}

/// One scheduling decision over a cache: filter nodes (visiting them from a
/// rotating start and stopping after enough feasible ones, as kube-scheduler's
/// percentageOfNodesToScore does), score the feasible ones with weighted,
/// normalized plugin scores, and pick the best (ties at random).
public struct ScheduleAlgorithm: Sendable {
    public var filters: [any FilterPlugin]
    public var scorers: [any ScorePlugin]
    /// Percentage of nodes to find feasible before scoring; nil: adaptive
    /// (50% minus 1% per 125 nodes, at least 5%, at least 100 nodes).
    public var percentageOfNodesToScore: Int?
    /// Where the next search starts.
    public var nextStartIndex = 0

    /// The default plugin set, in kube-scheduler's order and weights.
    public init(percentageOfNodesToScore: Int? = nil) {
        let fit = NodeResourcesFitPlugin()
        let taints = TaintTolerationPlugin()
        let affinity = NodeAffinityPlugin()
        let podAffinity = InterPodAffinityPlugin()
        let spread = PodTopologySpreadPlugin()
        filters = [NodeUnschedulablePlugin(), NodeNamePlugin(), taints, affinity, NodePortsPlugin(), fit, VolumeRestrictionsPlugin(),
                   VolumeBindingPlugin(), spread, podAffinity]
        scorers = [fit, BalancedAllocationPlugin(), affinity, taints, podAffinity, spread]
        self.percentageOfNodesToScore = percentageOfNodesToScore
    }

    public init(filters: [any FilterPlugin], scorers: [any ScorePlugin], percentageOfNodesToScore: Int? = nil) {
        self.filters = filters
        self.scorers = scorers
        self.percentageOfNodesToScore = percentageOfNodesToScore
    }

    /// How many feasible nodes to find among `all`.
    public func feasibleNodesToFind(_ all: Int) -> Int {
        let minimum = 100
        if all < minimum { return all }
        var pct = percentageOfNodesToScore ?? max(5, 50 - all / 125)
        if pct <= 0 { pct = 100 }
        return min(all, max(minimum, all * pct / 100))
    }

    /// The first failure of a node, or nil when it fits.
    public func runFilters(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        Self.firstFailure(filters, pod, node, state)
    }

    static func firstFailure(_ filters: [any FilterPlugin], _ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        for f in filters {
            if let failure = f.filter(pod, node, state) { return failure }
        }
        return nil
    }

    /// Picks a node for `pod`.
    public mutating func schedule<G: RandomNumberGenerator>(_ pod: PodInfo, cache: SchedulerCache,
                                                           using rng: inout G) -> Result<ScheduleResult, FitError> {
        let names = cache.nodeNames
        if let problem = pod.invalid { return .failure(FitError(numAllNodes: names.count, reasons: [:], podProblem: problem)) }
        guard !names.isEmpty else { return .failure(FitError(numAllNodes: 0, reasons: [:])) }
        let state = CycleState.prepare(pod, cache)
        if let problem = state.preFilterFailure { return .failure(FitError(numAllNodes: names.count, reasons: [:], podProblem: problem)) }
        // Plugins that pass every node, or score every node alike, for this pod are left out.
        let filters = self.filters.filter { !$0.skipsFilter(pod, state) }
        let scorers = self.scorers.filter { !$0.skipsScore(pod, state) }
        let want = feasibleNodesToFind(names.count)
        var feasible: [NodeInfo] = []
        feasible.reserveCapacity(want)
        var reasons: [String: Int] = [:]
        var visited = 0
        let start = nextStartIndex % names.count
        while visited < names.count && feasible.count < want {
            let name = names[(start + visited) % names.count]
            visited += 1
            guard let node = cache.node(name, for: pod), node.hasNode else { continue }
            if let failure = Self.firstFailure(filters, pod, node, state) {
                for r in failure.reasons { reasons[r, default: 0] += 1 }
            } else {
                feasible.append(node)
            }
        }
        nextStartIndex = (start + visited) % names.count
        if feasible.isEmpty { return .failure(FitError(numAllNodes: names.count, reasons: reasons)) }
        if feasible.count == 1 {
            return .success(ScheduleResult(node: feasible[0].name, evaluatedNodes: visited, feasibleNodes: 1,
                                           volumes: Self.volumes(state, on: feasible[0])))
        }
        var total = [Int64](repeating: 0, count: feasible.count)
        var raw = [Int64](repeating: 0, count: feasible.count)
        for s in scorers {
            for (i, n) in feasible.enumerated() { raw[i] = s.score(pod, n, state) }
            s.normalize(&raw)
            let w = Int64(s.weight)
            for i in raw.indices { total[i] += raw[i] * w }
        }
        var best = 0
        var ties = 1
        for i in 1..<total.count {
            if total[i] > total[best] {
                best = i
                ties = 1
            } else if total[i] == total[best] {
                ties += 1
                if Int.random(in: 0..<ties, using: &rng) == 0 { best = i }
            }
        }
        return .success(ScheduleResult(node: feasible[best].name, evaluatedNodes: visited, feasibleNodes: feasible.count,
                                       volumes: Self.volumes(state, on: feasible[best])))
    }

    /// The volume bindings of the chosen node (VolumeBinding's Reserve), nil when every claim is bound.
    static func volumes(_ state: CycleState, on node: NodeInfo) -> PodVolumes? {
        guard let claims = state.volumeClaims, !claims.allBound else { return nil }
        guard case .fits(let plan) = claims.find(on: VolumeMatching.Node(name: node.name, labels: node.labels)) else { return nil }
        return plan.isEmpty ? nil : plan
    }
}
