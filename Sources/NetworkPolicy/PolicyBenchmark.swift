#if canImport(Glibc)
import Glibc
#endif
public import KubeAPI
import Netfilter
import Netlink

/// `scripts/bench-netpol`'s measurements (through `kube-proxy
/// --benchmark-network-policy`): `policies` NetworkPolicies over `pods` fake
/// pods of one node, synced into this network namespace's kernel.
public enum PolicyBenchmark {
    public struct Timing: Sendable {
        public var wall: Duration = .zero
        public var cpu: Duration = .zero
    }

    public struct Figures: Sendable {
        /// Policies, pods and namespaces into the planner's sets.
        public var plan = Timing()
        /// The chains and the transaction, built.
        public var build = Timing()
        /// The transaction through the kernel.
        public var kernel = Timing()
        /// Plan + build + kernel: a full sync from nothing.
        public var fullSync = Timing()
        /// One more pod: planner update and a partial sync (set elements only);
        /// the median of ``cycles`` adds, and the slowest.
        public var addPod = Timing()
        public var addPodSlowest = Timing()
        public var addPodChanges = 0
        /// The same pod removed again: the median of ``cycles`` and the slowest.
        public var removePod = Timing()
        public var removePodSlowest = Timing()
        /// How many times the pod was added and removed.
        public var cycles = 0
        public var fullSyncChanges = 0
        public var chains = 0
        public var rules = 0
        public var elements = 0

        public var lines: [String] {
            func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
            func timing(_ name: String, _ t: Timing) -> [String] { ["\(name)_seconds \(seconds(t.wall))", "\(name)_cpu_seconds \(seconds(t.cpu))"] }
            return timing("plan", plan) + timing("build", build) + timing("kernel", kernel) + timing("full_sync", fullSync)
                + ["full_sync_changes \(fullSyncChanges)"] + timing("add_pod", addPod) + timing("add_pod_slowest", addPodSlowest)
                + ["add_pod_changes \(addPodChanges)"] + timing("remove_pod", removePod) + timing("remove_pod_slowest", removePodSlowest)
                + ["cycles \(cycles)", "chains \(chains)", "rules \(rules)", "elements \(elements)"]
        }
    }

    static func measure<T>(_ body: () throws -> T) rethrows -> (T, Timing) {
        let clock = ContinuousClock()
        let cpu = threadCPUTime()
        let start = clock.now
        let value = try body()
        return (value, Timing(wall: clock.now - start, cpu: threadCPUTime() - cpu))
    }

    /// The median (by wall time) and the slowest of some timings.
    static func medianAndSlowest(_ timings: [Timing]) -> (Timing, Timing) {
        let sorted = timings.sorted { $0.wall < $1.wall }
        guard let slowest = sorted.last else { return (Timing(), Timing()) }
        return (sorted[sorted.count / 2], slowest)
    }

    static func threadCPUTime() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }

    /// A synthetic cluster: `pods` pods in 10 namespaces (labels `app`,
    /// `tier`, named port `http`), and `policies` policies spread over the
    /// namespaces, mixing what policies use: pod selectors, namespace
    /// selectors (with and without pod selectors), IP blocks with except,
    /// numbered, named and ranged ports, UDP, egress.
    public static func cluster(policies: Int, pods: Int, node: String = "bench-node") -> (namespaces: [String: [String: String]], pods: [PodInfo], policies: [NetworkPolicy]) {
        let namespaceCount = 10
        var namespaces: [String: [String: String]] = [:]
        for n in 0..<namespaceCount { namespaces["ns-\(n)"] = ["kubernetes.io/metadata.name": "ns-\(n)", "team": "team-\(n % 3)"] }
        var podList: [PodInfo] = []
        for i in 0..<pods {
            let ns = "ns-\(i % namespaceCount)"
            podList.append(PodInfo(namespace: ns, name: "pod-\(i)", node: node, ip: 0x0af4_0000 | UInt32(i + 2),
                                   labels: ["app": "app-\(i / namespaceCount % 50)", "tier": i % 2 == 0 ? "web" : "db"],
                                   namedPorts: [.init(name: "http", proto: 6, port: UInt16(8000 + i % 100))]))
        }
        func selector(_ labels: [String: String]) -> LabelSelector { LabelSelector(matchLabels: labels) }
        var list: [NetworkPolicy] = []
        for k in 0..<policies {
            let ns = "ns-\(k % namespaceCount)"
            let app = "app-\(k / namespaceCount % 50)"
            var spec = NetworkPolicySpec(podSelector: selector(["app": app]))
            switch k % 4 {
            case 0:
                spec.ingress = [NetworkPolicyIngressRule(ports: [NetworkPolicyPort(port: .int(80))],
                                                         from: [NetworkPolicyPeer(podSelector: selector(["app": "app-\((k + 1) % 50)"]))])]
            case 1:
                spec.ingress = [NetworkPolicyIngressRule(ports: [NetworkPolicyPort(port: .string("http"))],
                                                         from: [NetworkPolicyPeer(podSelector: selector(["tier": "web"]),
                                                                                  namespaceSelector: selector(["team": "team-\(k % 3)"]))])]
            case 2:
                spec.ingress = [NetworkPolicyIngressRule(ports: [NetworkPolicyPort(port: .int(9000), endPort: 9100)],
                                                         from: [NetworkPolicyPeer(ipBlock: IPBlock(cidr: "10.\(k % 200).0.0/16", except: ["10.\(k % 200).1.0/24"]))])]
            default:
                spec.egress = [NetworkPolicyEgressRule(ports: [NetworkPolicyPort(protocol: "UDP", port: .int(53)), NetworkPolicyPort(protocol: "TCP", port: .int(53))]),
                               NetworkPolicyEgressRule(to: [NetworkPolicyPeer(namespaceSelector: selector(["team": "team-\(k % 3)"]))])]
                spec.policyTypes = ["Egress"]
            }
            list.append(NetworkPolicy(metadata: ObjectMeta(name: "policy-\(k)", namespace: ns), spec: spec))
        }
        return (namespaces, podList, list)
    }

    /// Runs the measurements; `render` gets the table's `nft -f` text for the
    /// script's reference load. Leaves the namespace without the table.
    public static func run(policies: Int, pods: Int, cycles: Int = 21, table: String = PolicyChains.table,
                           render: (String) throws -> Void) throws -> Figures {
        let nft = try NFTables.open()
        let syncer = PolicyTableSyncer(nft: nft, table: table)
        try syncer.deleteTable()
        let (namespaces, podList, policyList) = cluster(policies: policies, pods: pods)
        var f = Figures()
        var (planner, plan) = measure { () -> PolicyPlanner in
            var p = PolicyPlanner(nodeName: "bench-node")
            for (name, labels) in namespaces { p.update(namespace: name, labels: labels) }
            for pod in podList { p.update(pod: pod) }
            for policy in policyList { p.update(policy: policy) }
            return p
        }
        f.plan = plan
        let ((chains, batch, applied), build) = measure { () -> (PolicyChains, NFTBatch, PolicyTableSyncer.Applied) in
            let chains = PolicyChains(Array(planner.policies.values))
            let (batch, applied) = syncer.fullBatch(planner, chains)
            return (chains, batch, applied)
        }
        _ = applied
        f.build = build
        let (_, kernel) = try measure { try nft.apply(batch) }
        f.kernel = kernel
        f.fullSync = Timing(wall: plan.wall + build.wall + kernel.wall, cpu: plan.cpu + build.cpu + kernel.cpu)
        f.fullSyncChanges = batch.count
        // The syncer takes over the table just written (a full sync through it, to know what it holds).
        _ = planner.takeDirty()
        try syncer.sync(&planner, chains, full: true)
        try render(PolicyTableText.render(chains, planner, table: table))
        f.chains = chains.order.count
        f.rules = chains.ruleCount
        f.elements = planner.setNames.keys.reduce(0) { $0 + planner.elements($1).count }
        // One more pod, matching several policies' selectors and peers.
        let extra = PodInfo(namespace: "ns-1", name: "extra", node: "bench-node", ip: 0x0af5_0001, labels: ["app": "app-1", "tier": "web"],
                            namedPorts: [.init(name: "http", proto: 6, port: 8080)])
        // Added and removed again and again: one sync is milliseconds, and
        // on a shared machine a single one says more about the neighbours.
        var adds: [Timing] = [], removes: [Timing] = []
        for _ in 0..<cycles {
            let (report, add) = try measure { () -> PolicySyncReport in
                planner.update(pod: extra)
                return try syncer.sync(&planner, chains)
            }
            adds.append(add)
            f.addPodChanges = report.changes
            let (_, remove) = try measure { () -> PolicySyncReport in
                planner.remove(pod: extra.key)
                return try syncer.sync(&planner, chains)
            }
            removes.append(remove)
        }
        f.cycles = cycles
        (f.addPod, f.addPodSlowest) = medianAndSlowest(adds)
        (f.removePod, f.removePodSlowest) = medianAndSlowest(removes)
        try syncer.deleteTable()
        return f
    }
}
