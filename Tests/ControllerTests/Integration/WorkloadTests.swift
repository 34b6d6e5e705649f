import Foundation
import KubeAPI
import Testing
import TestSupport

@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct WorkloadTests {
    @Test func daemonSetRunsOnePodPerEligibleNode() async throws {
        let nodes = [FakeKubelet.NodeSpec("n1", labels: ["role": "edge"]), FakeKubelet.NodeSpec("n2", labels: ["role": "edge"]),
                     FakeKubelet.NodeSpec("n3"),
                     FakeKubelet.NodeSpec("n4", labels: ["role": "edge"], taints: [Taint(key: "dedicated", value: "db", effect: "NoSchedule")])]
        try await withCluster(nodes: nodes) { cp, kubelet in
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: agent}
                spec:
                  selector: {matchLabels: {app: agent}}
                  template:
                    metadata: {labels: {app: agent}}
                    spec:
                      nodeSelector: {role: edge}
                      containers: [{name: agent, image: "agent:1.0"}]
                """)
            try await cp.must("rollout", "status", "daemonset/agent", "--timeout=120s")
            func placement() async throws -> [String] {
                try await cp.must("get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.nodeName}").split(separator: " ").map(String.init).sorted()
            }
            // (rollout status can pass before the controller has seen the nodes,
            // with nothing desired yet, as in Kubernetes: wait for the placement.)
            let placedOnEdges = try await TestEnv.eventually { try await placement() == ["n1", "n2"] }
            let placed = (try? await placement()) ?? []
            let pods = (try? await cp.must("get", "pods", "-o", "wide")) ?? ""
            #expect(placedOnEdges, "\(placed)\n\(pods)\n\(cp.log.suffix(3000))")
            let status = { try await cp.must("get", "ds", "agent", "-o", "jsonpath={.status.desiredNumberScheduled}/{.status.numberReady}") }
            let counted = try await TestEnv.eventually { try await status() == "2/2" }
            let last = (try? await status()) ?? ""
            #expect(counted, "\(last)")
            // A new eligible node gets a pod; labelling a node in or out moves pods.
            try await kubelet.register([FakeKubelet.NodeSpec("n5", labels: ["role": "edge"])])
            try await cp.must("label", "node", "n3", "role=edge")
            try await cp.must("label", "node", "n1", "role-")
            let moved = try await TestEnv.eventually { try await placement() == ["n2", "n3", "n5"] }
            let afterMove = (try? await placement()) ?? []
            #expect(moved, "\(afterMove)")
            // Rolling update, one node at a time.
            try await cp.must("set", "image", "daemonset/agent", "agent=agent:2.0")
            try await cp.must("rollout", "status", "daemonset/agent", "--timeout=120s")
            let images = try await cp.must("get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.containers[0].image}")
            #expect(Set(images.split(separator: " ")) == ["agent:2.0"])
            // Daemon pods carry the daemon tolerations and stay through cordon.
            try await cp.must("cordon", "n2")
            let tolerations = try await cp.must("get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[0].spec.tolerations[*].key}")
            #expect(tolerations.contains("node.kubernetes.io/unschedulable") && tolerations.contains("node.kubernetes.io/unreachable"))
            #expect(try await placement().contains("n2"))
        }
    }

    @Test func nodeWhoseLeaseStopsIsTaintedAndItsPodsReplaced() async throws {
        let nodes = [FakeKubelet.NodeSpec("n1"), FakeKubelet.NodeSpec("n2"), FakeKubelet.NodeSpec("n3")]
        try await withCluster(args: TestControlPlane.fastNodeFlags, nodes: nodes) { cp, kubelet in
            try await cp.must("create", "deployment", "web", "--image=nginx:1.25", "--replicas=6")
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            let onN1 = try await cp.must("get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=n1", "-o", "name")
            #expect(!onN1.isEmpty)
            kubelet.silence("n1")
            let unknown = try await TestEnv.eventually {
                try await cp.must("get", "node", "n1", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}") == "Unknown"
            }
            #expect(unknown)
            let tainted = try await TestEnv.eventually {
                let t = try await cp.must("get", "node", "n1", "-o", "jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}")
                return t.contains("node.kubernetes.io/unreachable:NoExecute") && t.contains("node.kubernetes.io/unreachable:NoSchedule")
            }
            #expect(tainted)
            // Evicted after the 2 s toleration; replaced elsewhere.
            let replaced = try await TestEnv.eventually {
                let out = try await cp.must("get", "pods", "-l", "app=web", "-o",
                                      "jsonpath={range .items[*]}{.spec.nodeName} {.metadata.deletionTimestamp} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}")
                let live = out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: false) }.filter { $0.count == 3 && $0[1].isEmpty }
                return live.count == 6 && live.allSatisfy { $0[0] != "n1" && $0[2] == "True" }
            }
            #expect(replaced)
            #expect(try await cp.must("get", "events", "--field-selector", "reason=TaintManagerEviction", "-o", "name").isEmpty == false)
            // The kubelet comes back: taints go away.
            try await kubelet.revive("n1")
            let healthy = try await TestEnv.eventually {
                try await cp.must("get", "node", "n1", "-o", "jsonpath={.spec.taints}").isEmpty
            }
            #expect(healthy)
        }
    }

    @Test func endpointsFollowPodReadiness() async throws {
        try await withCluster(nodes: [FakeKubelet.NodeSpec("n1"), FakeKubelet.NodeSpec("n2")]) { cp, kubelet in
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  selector: {app: web}
                  ports: [{name: http, port: 80, targetPort: http}, {name: metrics, port: 9100, targetPort: 9100}]
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 3
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers: [{name: web, image: "nginx:1.25", ports: [{name: http, containerPort: 8080}]}]
                """)
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            func sliceEndpoints() async throws -> [(String, String)] {
                let out = try await cp.must("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                                      "jsonpath={range .items[*].endpoints[*]}{.targetRef.name} {.conditions.ready}{\"\\n\"}{end}")
                return out.split(separator: "\n").map { l in
                    let f = l.split(separator: " ")
                    return (String(f[0]), f.count > 1 ? String(f[1]) : "")
                }
            }
            let allReady = try await TestEnv.eventually {
                let eps = try await sliceEndpoints()
                return eps.count == 3 && eps.allSatisfy { $0.1 == "true" }
            }
            #expect(allReady)
            let ports = try await cp.must("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                                    "jsonpath={range .items[0].ports[*]}{.name}={.port} {end}")
            #expect(ports.contains("http=8080") && ports.contains("metrics=9100"), "\(ports)")
            #expect(try await cp.must("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                                "jsonpath={.items[0].metadata.ownerReferences[0].kind}") == "Service")
            // One pod stops being ready.
            let victim = try await sliceEndpoints()[0].0
            try await kubelet.setReady(victim, false)
            let followed = try await TestEnv.eventually {
                let eps = try await sliceEndpoints()
                return eps.first { $0.0 == victim }?.1 == "false" && eps.filter { $0.1 == "true" }.count == 2
            }
            #expect(followed)
            let legacy = try await TestEnv.eventually {
                let ready = try await cp.must("get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].targetRef.name}")
                let notReady = try await cp.must("get", "endpoints", "web", "-o", "jsonpath={.subsets[*].notReadyAddresses[*].targetRef.name}")
                return notReady == victim && ready.split(separator: " ").count == 2
            }
            #expect(legacy)
            try await kubelet.setReady(victim, true)
            #expect(try await TestEnv.eventually { try await sliceEndpoints().allSatisfy { $0.1 == "true" } })
            // Scale down: the removed pods leave the slice.
            try await cp.must("scale", "deployment", "web", "--replicas=1")
            #expect(try await TestEnv.eventually { try await sliceEndpoints().count == 1 })
            try await cp.must("delete", "service", "web")
            #expect(try await TestEnv.eventually {
                let left = try await cp.must("get", "endpointslices,endpoints", "-l", "kubernetes.io/service-name=web", "-o", "name")
                let legacy = try await cp.kubectl("get", "endpoints", "web")
                return left.isEmpty && legacy.status != 0
            })
        }
    }

    @Test func unschedulablePodsAreReportedAndRetried() async throws {
        try await withCluster(nodes: [FakeKubelet.NodeSpec("n1", cpu: "1"), FakeKubelet.NodeSpec("n2", cpu: "1"),
                                      FakeKubelet.NodeSpec("n3", cpu: "8", taints: [Taint(key: "gpu", value: "yes", effect: "NoSchedule")])]) { cp, kubelet in
            try await cp.must("run", "big", "--image=busybox:1.36", "--overrides", #"{"spec":{"containers":[{"name":"big","image":"busybox:1.36","resources":{"requests":{"cpu":"2"}}}]}}"#)
            let message = "0/3 nodes are available: 1 node(s) had untolerated taint {gpu: yes}, 2 Insufficient cpu."
            let reported = try await TestEnv.eventually {
                try await cp.must("get", "pod", "big", "-o", "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].reason}|{.status.conditions[?(@.type==\"PodScheduled\")].message}")
                    == "Unschedulable|" + message
            }
            let yaml = (try? await cp.must("get", "pod", "big", "-o", "yaml")) ?? ""
            #expect(reported, "\(yaml)")
            let describe = try await cp.must("describe", "pod", "big")
            #expect(describe.contains("FailedScheduling") && describe.contains(message))
            // A node that fits arrives: the pod is retried without anyone touching it.
            try await kubelet.register([FakeKubelet.NodeSpec("n4", cpu: "4")])
            let placed = try await TestEnv.eventually { try await cp.must("get", "pod", "big", "-o", "jsonpath={.spec.nodeName}") == "n4" }
            #expect(placed)
            // Impossible affinities and bad operators give a clear condition, not a crash.
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: odd}
                spec:
                  affinity:
                    nodeAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                        nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [mars]}]}]
                  containers: [{name: c, image: "busybox:1.36"}]
                """)
            let odd = try await TestEnv.eventually {
                try await cp.must("get", "pod", "odd", "-o", "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].message}")
                    .contains("node(s) didn't match Pod's node affinity/selector")
            }
            #expect(odd)
            #expect(try await cp.must("get", "--raw", "/readyz") == "ok")
        }
    }

    @Test func cordonAndDrainMovePodsAway() async throws {
        try await withCluster(nodes: [FakeKubelet.NodeSpec("n1"), FakeKubelet.NodeSpec("n2")]) { cp, _ in
            try await cp.must("create", "deployment", "web", "--image=nginx:1.25", "--replicas=4")
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: agent}
                spec:
                  selector: {matchLabels: {app: agent}}
                  template:
                    metadata: {labels: {app: agent}}
                    spec: {containers: [{name: agent, image: "agent:1.0"}]}
                """)
            try await cp.must("rollout", "status", "daemonset/agent", "--timeout=120s")
            try await cp.must("cordon", "n1")
            #expect(try await cp.must("get", "node", "n1", "-o", "jsonpath={.spec.unschedulable}") == "true")
            let tainted = try await TestEnv.eventually {
                try await cp.must("get", "node", "n1", "-o", "jsonpath={.spec.taints[*].key}").contains("node.kubernetes.io/unschedulable")
            }
            #expect(tainted)
            let drain = try await cp.kubectl("drain", "n1", "--ignore-daemonsets", "--timeout=120s")
            #expect(drain.status == 0, "\(drain.output)")
            #expect(drain.output.contains("evicted") && drain.output.contains("drained"))
            let moved = try await TestEnv.eventually {
                let nodes = try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}").split(separator: " ")
                return nodes.count == 4 && nodes.allSatisfy { $0 == "n2" }
            }
            #expect(moved)
            // The daemon pod stays on the drained node.
            #expect(try await cp.must("get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.nodeName}").contains("n1"))
            try await cp.must("uncordon", "n1")
            #expect(try await TestEnv.eventually { try await cp.must("get", "node", "n1", "-o", "jsonpath={.spec.taints}").isEmpty })
        }
    }

    @Test func badWorkloadsAreRejectedWithClearErrors() async throws {
        try await withCluster(nodes: [FakeKubelet.NodeSpec("n1")]) { cp, _ in
            var r = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: bad}
                spec:
                  replicas: -1
                  selector: {matchLabels: {app: one}}
                  template:
                    metadata: {labels: {app: two}}
                    spec: {containers: [{name: c, image: "busybox:1.36"}]}
                """)
            #expect(r.status != 0)
            #expect(r.stderr.contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0"))
            #expect(r.stderr.contains("`selector` does not match template `labels`"))
            r = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: apps/v1
                kind: ReplicaSet
                metadata: {name: none}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: none}}
                  template:
                    metadata: {labels: {app: none}}
                    spec:
                      tolerations: [{key: x, operator: Exists, effect: Sometimes}]
                      containers: [{name: c, image: "busybox:1.36"}]
                """)
            #expect(r.status != 0 && r.stderr.contains("Unsupported value: \"Sometimes\""), "\(r.output)")
            // A selector that matches nothing else: the ReplicaSet just runs its own pods.
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: apps/v1
                kind: ReplicaSet
                metadata: {name: lonely}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: lonely}}
                  template:
                    metadata: {labels: {app: lonely}}
                    spec: {containers: [{name: c, image: "busybox:1.36"}]}
                """)
            #expect(try await TestEnv.eventually { try await cp.must("get", "rs", "lonely", "-o", "jsonpath={.status.readyReplicas}") == "2" })
            #expect(try await cp.must("get", "--raw", "/readyz") == "ok")
        }
    }
}
