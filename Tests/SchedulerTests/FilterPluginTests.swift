import KubeAPI
import Testing
@testable import Scheduler

@Suite struct FilterPluginTests {
    let state = CycleState()

    @Test func nodeNameMatchesOnlyTheNamedNode() {
        let p = PodInfo(Fixtures.pod("p", node: "a"))
        #expect(NodeNamePlugin().filter(p, Fixtures.nodeInfo(Fixtures.node("a")), state) == nil)
        #expect(NodeNamePlugin().filter(p, Fixtures.nodeInfo(Fixtures.node("b")), state)?.reasons == ["node(s) didn't match the requested node name"])
        #expect(NodeNamePlugin().filter(PodInfo(Fixtures.pod("q")), Fixtures.nodeInfo(Fixtures.node("b")), state) == nil)
    }

    @Test func cordonedNodesTakeOnlyPodsThatTolerateIt() {
        let cordoned = Fixtures.nodeInfo(Fixtures.node("a", unschedulable: true))
        #expect(NodeUnschedulablePlugin().filter(PodInfo(Fixtures.pod("p")), cordoned, state)?.reasons == ["node(s) were unschedulable"])
        let tolerant = PodInfo(Fixtures.pod("q") { $0.tolerations = [Toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule")] })
        #expect(NodeUnschedulablePlugin().filter(tolerant, cordoned, state) == nil)
        #expect(NodeUnschedulablePlugin().filter(PodInfo(Fixtures.pod("p")), Fixtures.nodeInfo(Fixtures.node("b")), state) == nil)
    }

    @Test func resourcesFitCountsRequestsInitContainersAndOverhead() {
        let fit = NodeResourcesFitPlugin()
        let node = Fixtures.nodeInfo(Fixtures.node("a", cpu: "2", memory: "1Gi"), [Fixtures.pod("x", cpu: "1500m", memory: "512Mi", node: "a")])
        #expect(fit.filter(PodInfo(Fixtures.pod("p", cpu: "500m", memory: "512Mi")), node, state) == nil)
        #expect(fit.filter(PodInfo(Fixtures.pod("p", cpu: "600m")), node, state)?.reasons == ["Insufficient cpu"])
        #expect(fit.filter(PodInfo(Fixtures.pod("p", cpu: "1", memory: "1Gi")), node, state)?.reasons == ["Insufficient cpu", "Insufficient memory"])
        // An init container larger than the app containers counts.
        let withInit = PodInfo(Fixtures.pod("p", cpu: "100m") { spec in
            var c = Container(name: "init", image: "busybox:1.36")
            c.resources = ResourceRequirements(requests: ["cpu": "700m"])
            spec.initContainers = [c]
        })
        #expect(withInit.requests.milliCPU == 700)
        #expect(fit.filter(withInit, node, state)?.reasons == ["Insufficient cpu"])
        // Pod overhead is added.
        let overhead = PodInfo(Fixtures.pod("p", cpu: "400m") { $0.overhead = ["cpu": "200m"] })
        #expect(overhead.requests.milliCPU == 600)
        #expect(fit.filter(overhead, node, state)?.reasons == ["Insufficient cpu"])
        // Sidecars (restartable init containers) add to the app containers.
        let sidecar = PodInfo(Fixtures.pod("p", cpu: "300m") { spec in
            var c = Container(name: "side", image: "busybox:1.36")
            c.restartPolicy = "Always"
            c.resources = ResourceRequirements(requests: ["cpu": "300m"])
            spec.initContainers = [c]
        })
        #expect(sidecar.requests.milliCPU == 600)
        // Pod slots and extended resources.
        let full = Fixtures.nodeInfo(Fixtures.node("b", pods: "1"), [Fixtures.pod("y", node: "b")])
        #expect(fit.filter(PodInfo(Fixtures.pod("p")), full, state)?.reasons == ["Too many pods"])
        let gpu = PodInfo(Fixtures.pod("p") { $0.containers[0].resources = ResourceRequirements(requests: ["example.com/gpu": "1"]) })
        #expect(fit.filter(gpu, node, state)?.reasons == ["Insufficient example.com/gpu"])
    }

    @Test func nodeSelectorAndRequiredAffinity() throws {
        let plugin = NodeAffinityPlugin()
        let ssd = Fixtures.nodeInfo(Fixtures.node("a", labels: ["disk": "ssd", "gen": "5"]))
        let hdd = Fixtures.nodeInfo(Fixtures.node("b", labels: ["disk": "hdd", "gen": "3"]))
        let bySelector = PodInfo(Fixtures.pod("p") { $0.nodeSelector = ["disk": "ssd"] })
        #expect(plugin.filter(bySelector, ssd, state) == nil)
        #expect(plugin.filter(bySelector, hdd, state)?.reasons == ["node(s) didn't match Pod's node affinity/selector"])
        let affinity: JSONValue = ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [
            ["matchExpressions": [["key": "gen", "operator": "Gt", "values": ["4"]]]],
            ["matchFields": [["key": "metadata.name", "operator": "In", "values": ["b"]]]],
        ]]]]
        let decoded = try KubeCodec.decode(Affinity.self, from: affinity)
        #expect(decoded.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms.count == 2)
        let byAffinity = PodInfo(Fixtures.pod("q") { $0.affinity = decoded })
        #expect(plugin.filter(byAffinity, ssd, state) == nil)
        #expect(plugin.filter(byAffinity, hdd, state) == nil)
        #expect(plugin.filter(byAffinity, Fixtures.nodeInfo(Fixtures.node("c", labels: ["gen": "2"])), state) != nil)
    }

    @Test func untoleratedTaintsAreNamedInTheReason() {
        let plugin = TaintTolerationPlugin()
        let tainted = Fixtures.nodeInfo(Fixtures.node("a", taints: [Taint(key: "dedicated", value: "gpu", effect: "NoSchedule")]))
        #expect(plugin.filter(PodInfo(Fixtures.pod("p")), tainted, state)?.reasons == ["node(s) had untolerated taint {dedicated: gpu}"])
        let tolerant = PodInfo(Fixtures.pod("q") { $0.tolerations = [Toleration(key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule")] })
        #expect(plugin.filter(tolerant, tainted, state) == nil)
        // PreferNoSchedule never filters.
        let soft = Fixtures.nodeInfo(Fixtures.node("b", taints: [Taint(key: "x", effect: "PreferNoSchedule")]))
        #expect(plugin.filter(PodInfo(Fixtures.pod("p")), soft, state) == nil)
    }

    @Test func hostPortsConflictOnSameProtocolAndAddress() {
        func withPort(_ port: Int, ip: String? = nil, proto: String = "TCP") -> Pod {
            Fixtures.pod("p\(port)\(ip ?? "")\(proto)") { spec in
                var cp = ContainerPort(containerPort: 80)
                cp.hostPort = port
                cp.hostIP = ip
                cp.protocol = proto
                spec.containers[0].ports = [cp]
            }
        }
        var used = withPort(8080, ip: "10.0.0.1")
        used.spec?.nodeName = "a"
        let node = Fixtures.nodeInfo(Fixtures.node("a"), [used])
        let plugin = NodePortsPlugin()
        #expect(plugin.filter(PodInfo(withPort(8080)), node, state)?.reasons == ["node(s) didn't have free ports for the requested pod ports"])
        #expect(plugin.filter(PodInfo(withPort(8080, ip: "10.0.0.1")), node, state) != nil)
        #expect(plugin.filter(PodInfo(withPort(8080, ip: "10.0.0.2")), node, state) == nil)
        #expect(plugin.filter(PodInfo(withPort(8080, proto: "UDP")), node, state) == nil)
        #expect(plugin.filter(PodInfo(withPort(9090)), node, state) == nil)
    }

    @Test func podAntiAffinityKeepsMatchingPodsApart() {
        let nodes = [Fixtures.node("a", labels: ["zone": "z1"]), Fixtures.node("b", labels: ["zone": "z1"]), Fixtures.node("c", labels: ["zone": "z2"])]
        let web = Fixtures.pod("web-0", labels: ["app": "web"], node: "a")
        let cache = Fixtures.cache(nodes, [web])
        let incoming = PodInfo(Fixtures.pod("web-1", labels: ["app": "web"]) { spec in
            var a = Affinity()
            var anti = PodAffinity()
            anti.requiredDuringSchedulingIgnoredDuringExecution = [Fixtures.term(["app": "web"], key: "zone")]
            a.podAntiAffinity = anti
            spec.affinity = a
        })
        let s = CycleState.prepare(incoming, cache)
        let plugin = InterPodAffinityPlugin()
        #expect(plugin.filter(incoming, cache.nodes["a"]!, s)?.reasons == ["node(s) didn't match pod anti-affinity rules"])
        #expect(plugin.filter(incoming, cache.nodes["b"]!, s) != nil)
        #expect(plugin.filter(incoming, cache.nodes["c"]!, s) == nil)
    }

    @Test func existingPodsAntiAffinityIsRespected() {
        let nodes = [Fixtures.node("a"), Fixtures.node("b")]
        let loner = Fixtures.pod("loner", labels: ["app": "db"], node: "a") { spec in
            var a = Affinity()
            var anti = PodAffinity()
            anti.requiredDuringSchedulingIgnoredDuringExecution = [Fixtures.term(["app": "web"])]
            a.podAntiAffinity = anti
            spec.affinity = a
        }
        let cache = Fixtures.cache(nodes, [loner])
        let web = PodInfo(Fixtures.pod("web", labels: ["app": "web"]))
        let s = CycleState.prepare(web, cache)
        #expect(InterPodAffinityPlugin().filter(web, cache.nodes["a"]!, s)?.reasons == ["node(s) didn't satisfy existing pods anti-affinity rules"])
        #expect(InterPodAffinityPlugin().filter(web, cache.nodes["b"]!, s) == nil)
    }

    @Test func podAffinityNeedsAMatchingPodInTheDomainExceptForTheFirst() {
        let nodes = [Fixtures.node("a", labels: ["zone": "z1"]), Fixtures.node("b", labels: ["zone": "z2"]), Fixtures.node("c")]
        func affine(_ name: String) -> PodInfo {
            PodInfo(Fixtures.pod(name, labels: ["app": "cache"]) { spec in
                var a = Affinity()
                var aff = PodAffinity()
                aff.requiredDuringSchedulingIgnoredDuringExecution = [Fixtures.term(["app": "cache"], key: "zone")]
                a.podAffinity = aff
                spec.affinity = a
            })
        }
        // The first of a self-affine group may go to any node carrying the key.
        let empty = Fixtures.cache(nodes)
        let first = affine("c0")
        let s0 = CycleState.prepare(first, empty)
        #expect(InterPodAffinityPlugin().filter(first, empty.nodes["a"]!, s0) == nil)
        #expect(InterPodAffinityPlugin().filter(first, empty.nodes["c"]!, s0)?.reasons == ["node(s) didn't match pod affinity rules"])
        // Later ones follow it.
        var placed = Fixtures.pod("c0", labels: ["app": "cache"], node: "b")
        placed.spec?.affinity = first.pod.spec?.affinity
        let cache = Fixtures.cache(nodes, [placed])
        let second = affine("c1")
        let s1 = CycleState.prepare(second, cache)
        #expect(InterPodAffinityPlugin().filter(second, cache.nodes["a"]!, s1) != nil)
        #expect(InterPodAffinityPlugin().filter(second, cache.nodes["b"]!, s1) == nil)
    }

    @Test func topologySpreadLimitsSkew() throws {
        let nodes = [Fixtures.node("a", labels: ["zone": "z1"]), Fixtures.node("b", labels: ["zone": "z2"]), Fixtures.node("c")]
        let pods = [Fixtures.pod("w0", labels: ["app": "w"], node: "a"), Fixtures.pod("w1", labels: ["app": "w"], node: "a")]
        let cache = Fixtures.cache(nodes, pods)
        let constraint = try KubeCodec.decode(TopologySpreadConstraint.self, from: [
            "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": ["matchLabels": ["app": "w"]],
        ])
        let incoming = PodInfo(Fixtures.pod("w2", labels: ["app": "w"]) { $0.topologySpreadConstraints = [constraint] })
        let s = CycleState.prepare(incoming, cache)
        let plugin = PodTopologySpreadPlugin()
        #expect(plugin.filter(incoming, cache.nodes["a"]!, s)?.reasons == ["node(s) didn't match pod topology spread constraints"])
        #expect(plugin.filter(incoming, cache.nodes["b"]!, s) == nil)
        #expect(plugin.filter(incoming, cache.nodes["c"]!, s)?.reasons == ["node(s) didn't match pod topology spread constraints (missing required label)"])
    }
}
