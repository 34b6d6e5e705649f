#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Runtime
import TestSupport
import LinuxSystem

/// End to end in `scripts/lab`: a control plane and two nodes in network
/// namespaces. One lab goes through the scenarios in turn (bringing a lab up
/// and down per scenario would triple the test's time):
///
/// 1. a Deployment of 3 replicas spread over both nodes, behind a NodePort
///    Service reached by ClusterIP, NodePort and DNS name from pods on both
///    nodes, from the node hosts, and by NodePort from the host itself;
/// 2. rolling updates while a prober pod sends requests through the Service:
///    not one fails;
/// 3. kill -9 of the controlplane, a kubelet and a kube-proxy during a
///    rollout: it converges, no object is lost or doubled, no container leaks;
/// 4. node failure: node-2's kubelet is killed and its link cut; its pods are
///    evicted and the Deployment's replaced on node-1 after the lab's grace
///    and eviction times, and the Service answers once the node is marked
///    unreachable; healed, node-2 removes what it ran;
/// 5. `down` leaves the host as it was.
@Suite(.ownThread, .requires(LabEnvironment.requirements), .serialized)
struct LabTests {
    static let workload = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              terminationGracePeriodSeconds: 10
              containers:
              - name: httpd
                image: busybox:1.35
                command: ["sh", "-c", "echo served-by-$(hostname) > /srv/www/index.html && exec httpd -f -p 8080 -h /srv/www"]
                readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
                # Time for every kube-proxy to drop the endpoint before httpd stops.
                lifecycle: {preStop: {exec: {command: ["sleep", "3"]}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: NodePort
          selector: {app: web}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client-1}
        spec:
          nodeName: node-1
          containers: [{name: sh, image: "busybox:1.35", command: ["sleep", "3600"]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client-2}
        spec:
          nodeName: node-2
          containers: [{name: sh, image: "busybox:1.35", command: ["sleep", "3600"]}]
        """

    /// A pod on `node` that requests `target` port 80 every
    /// 50 ms and logs `EPOCH ok` or `EPOCH fail`. A request waits up to 10 s
    /// to connect (`nc -w 10`): one sent to a lost endpoint never completes
    /// however long it waits, while a healthy one may stall for seconds on a
    /// CI machine whose two cores also run the other test process. The whole
    /// request is bounded too (`timeout 12`): busybox's `-w` bounds only the
    /// connect, and a request connected to a node-2 pod just before the cut
    /// would wait for its answer forever, and the prober with it.
    static func prober(_ name: String, node: String, target: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name)}
        spec:
          nodeName: \(node)
          containers:
          - name: sh
            image: busybox:1.35
            command: ["sh", "-c", "while :; do r=$(printf 'GET / HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | timeout 12 nc -w 10 \(target) 80 2>/dev/null); case $r in *served-by*) echo \\"$(date +%s) ok\\";; *) echo \\"$(date +%s) fail\\";; esac; sleep 0.05; done"]
        """
    }

    static func claimPod(_ name: String, claim: String, command: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name)}
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: sh, image: "busybox:1.35", command: ["sh", "-c", "\(command)"], volumeMounts: [{name: data, mountPath: /data}]}]
          volumes: [{name: data, persistentVolumeClaim: {claimName: \(claim)}}]
        """
    }

    func checkLocalPathStorage(_ s: LabSession) throws {
        let claims = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: notes}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            ---
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: keep}
            provisioner: rancher.io/local-path
            reclaimPolicy: Retain
            volumeBindingMode: WaitForFirstConsumer
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: kept}
            spec: {storageClassName: keep, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            """
        try #require(s.kubectl(["apply", "-f", "-"], stdin: claims).code == 0)
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.claimPod("writer", claim: "notes", command: "echo hello > /data/f; sleep 3600")).code == 0)
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.claimPod("keeper", claim: "kept", command: "echo kept > /data/f; sleep 3600")).code == 0)
        let ready = s.kubectl(["wait", "--for=condition=Ready", "pod/writer", "pod/keeper", "--timeout=120s"])
        try #require(ready.code == 0, "\(ready) \(s.kubectl(["describe", "pod", "writer"]))\(s.logTail("controlplane"))")
        let node = s.get("get", "pod", "writer", "-o", "jsonpath={.spec.nodeName}")
        let volume = s.get("get", "pvc", "notes", "-o", "jsonpath={.spec.volumeName}")
        let dir = s.get("get", "pv", volume, "-o", "jsonpath={.spec.hostPath.path}")
        #expect(dir == s.dir + "/state/storage/\(volume)_default_notes", "\(dir)")
        #expect(((try? FileIO.read(dir + "/f")) ?? "") == "hello\n")

        // The next pod on the claim goes to the volume's node and reads what the first wrote.
        #expect(s.kubectl(["delete", "pod", "writer", "--wait=true"]).code == 0)
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.claimPod("reader", claim: "notes", command: "cat /data/f; sleep 3600")).code == 0)
        #expect(s.kubectl(["wait", "--for=condition=Ready", "pod/reader", "--timeout=120s"]).code == 0)
        #expect(s.get("get", "pod", "reader", "-o", "jsonpath={.spec.nodeName}") == node)
        #expect(s.eventually(seconds: 30) { s.kubectl(["logs", "reader"]).stdout.contains("hello") })

        // A claim in use is not removed until its pod is gone; then Delete removes the directory.
        #expect(s.kubectl(["delete", "pvc", "notes", "--wait=false"]).code == 0)
        #expect(s.get("get", "pvc", "notes", "-o", "jsonpath={.status.phase}") == "Bound")
        #expect(s.kubectl(["delete", "pod", "reader", "--wait=true"]).code == 0)
        #expect(s.eventually(seconds: 60) { !FileIO.exists(dir) && s.kubectl(["get", "pv", volume]).code != 0 }, "\(dir) or \(volume) left")

        // Retain keeps the directory and the volume, Released.
        let keptVolume = s.get("get", "pvc", "kept", "-o", "jsonpath={.spec.volumeName}")
        let keptDir = s.get("get", "pv", keptVolume, "-o", "jsonpath={.spec.hostPath.path}")
        #expect(s.kubectl(["delete", "pod", "keeper", "--wait=true"]).code == 0)
        #expect(s.kubectl(["delete", "pvc", "kept", "--wait=true"]).code == 0)
        #expect(s.eventually(seconds: 60) { s.get("get", "pv", keptVolume, "-o", "jsonpath={.status.phase}") == "Released" })
        #expect(((try? FileIO.read(keptDir + "/f")) ?? "") == "kept\n")
        #expect(s.kubectl(["delete", "pv", keptVolume]).code == 0)
        #expect(FileIO.exists(keptDir), "a Retain volume's directory is the administrator's to remove")
    }

    /// The monitoring add-on: Prometheus finds every target through the API
    /// server (kubelets, kube-proxies, the API server, object-state metrics,
    /// cluster DNS, the ingress controllers) and scrapes it with its service
    /// account's token (the kubelets ask the API server whether it may), the
    /// kubelets' cAdvisor figures are the summary's, and a crash-looping pod
    /// fires kubernetes-mixin's alert.
    func checkMonitoring(_ s: LabSession) throws {
        let check = try TestProcess.run([TestPaths.which("promtool")!, "check", "config", s.dir + "/state/prometheus/prometheus.yml"], timeout: 60)
        #expect(check.code == 0, "\(check)")
        #expect(s.kubectl(["apply", "-f", "-"], stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: crasher}
            spec:
              nodeName: node-2
              containers:
              - {name: app, image: "busybox:1.35", command: ["sh", "-c", "echo failing; exit 3"]}
            """).code == 0)
        // Every target up: the API server, kube-state metrics, three kubelet paths and kube-proxy on each node.
        func health() -> [String: Int] {
            let targets = (s.prometheus("targets") as? [String: Any])?["activeTargets"] as? [[String: Any]] ?? []
            var up: [String: Int] = [:]
            for t in targets where t["health"] as? String == "up" {
                let labels = t["labels"] as? [String: String] ?? [:]
                up[(labels["job"] ?? "") + (labels["metrics_path"] ?? ""), default: 0] += 1
            }
            return up
        }
        let expected = ["apiserver": 1, "kube-state-metrics": 1, "kubelet/metrics": 2, "kubelet/metrics/resource": 2,
                        "kubelet/metrics/cadvisor": 2, "kube-proxy": 2, "coredns": 1, "ingress-nginx": 2]
        #expect(s.eventually(seconds: 90) { health() == expected },
                "targets up: \(health()); \(String(describing: s.prometheus("targets")).prefix(3000)) \(s.logTail("prometheus"))")
        // cAdvisor's working set of a container is the summary's (both sampled within seconds: within 20 %).
        let node = s.get("get", "pod", "client-1", "-o", "jsonpath={.spec.nodeName}")
        #expect(s.eventually(seconds: 60) {
            let scraped = s.promQuery("container_memory_working_set_bytes{job=\"kubelet\",metrics_path=\"/metrics/cadvisor\",pod=\"client-1\",container!=\"\"}")
            let summary = try? JSONSerialization.jsonObject(with: Data(s.kubectl(["get", "--raw", "/api/v1/nodes/\(node)/proxy/stats/summary"]).stdout.utf8)) as? [String: Any]
            let pod = (summary?["pods"] as? [[String: Any]])?.first { ($0["podRef"] as? [String: Any])?["name"] as? String == "client-1" }
            let working = ((pod?["containers"] as? [[String: Any]])?.first?["memory"] as? [String: Any])?["workingSetBytes"] as? Double
            guard let sample = scraped.first, scraped.count == 1, sample.labels["node"] == node, let working, working > 0 else { return false }
            return abs(sample.value - working) / working < 0.2
        }, "\(s.promQuery("container_memory_working_set_bytes{pod=\"client-1\"}"))")
        // Object state and alerts: the crash-looping pod fires KubePodCrashLooping.
        #expect(s.eventually(seconds: 180) {
            s.promQuery("ALERTS{alertname=\"KubePodCrashLooping\",alertstate=\"firing\",pod=\"crasher\",container=\"app\"}").count == 1
        }, "\(s.promQuery("kube_pod_container_status_waiting_reason")) \(s.promQuery("ALERTS")) \(s.kubectl(["get", "pod", "crasher"]))")
        // The dashboard shows the same firing alert, read through the API server from --prometheus-url.
        let alerts = s.kubectl(["get", "--raw", "/dashboard/prometheus/api/v1/alerts"])
        #expect(alerts.stdout.contains(#""alertname":"KubePodCrashLooping""#) && alerts.stdout.contains(#""state":"firing""#), "\(alerts)")
        #expect(s.promQuery("kube_deployment_status_replicas_available{deployment=\"web\"}").first?.value == 3)
        #expect(s.promQuery("kube_node_status_condition{condition=\"Ready\",status=\"true\"}").map(\.value) == [1, 1])
        // Cluster DNS answered the clients' lookups (CoreDNS' names).
        #expect(s.promQuery("sum(coredns_dns_requests_total{job=\"coredns\",type=\"A\"})").first.map { $0.value > 0 } == true,
                "\(s.promQuery("coredns_dns_requests_total"))")
        #expect(s.kubectl(["delete", "pod", "crasher", "--grace-period=1"]).code == 0)
    }

    @Test func aTwoNodeLabServesSurvivesRolloutsCrashesAndNodeLossAndLeavesNoTrace() throws {
        let s = LabSession()
        let before = s.snapshot()
        defer { s.tearDown() }
        let up = s.lab("up", "--nodes", "2")
        try #require(up.code == 0, "\(up)")

        // 1. Reachability.
        let apply = s.kubectl(["apply", "-f", "-"], stdin: Self.workload)
        try #require(apply.code == 0, "\(apply)")
        let rollout = s.kubectl(["rollout", "status", "deployment/web", "--timeout=150s"])
        try #require(rollout.code == 0, "\(rollout) \(s.kubectl(["get", "pods", "-o", "wide"])) \(s.kubectl(["get", "events", "--field-selector", "type=Warning"]))\(s.logTail("controlplane"))")
        #expect(s.kubectl(["wait", "--for=condition=Ready", "pod/client-1", "pod/client-2", "--timeout=120s"]).code == 0)
        let nodes = Set(s.get("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}").split(separator: " "))
        #expect(nodes.count == 2, "replicas on \(nodes)")
        let vip = s.get("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
        let nodePort = s.get("get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}")
        for client in ["client-1", "client-2"] {
            for target in [vip, "web", "web.default.svc.cluster.local"] {
                let r = s.kubectl(["exec", client, "--", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 \(target) 80"])
                #expect(r.stdout.contains("served-by-web-"), "\(client) → \(target): \(r)")
            }
            let byNodePort = s.kubectl(["exec", client, "--", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.99.0.11 \(nodePort)"])
            #expect(byNodePort.stdout.contains("served-by-web-"), "\(client) → node-1:\(nodePort): \(byNodePort)")
        }
        // The node hosts (ClusterIP and NodePort) and the host itself, on the lab bridge (NodePort).
        for host in ["node-1", "node-2"] {
            for url in ["http://\(vip)/", "http://10.99.0.11:\(nodePort)/", "http://10.99.0.12:\(nodePort)/"] {
                let r = s.lab("exec", host, "curl", "-sS", "-m", "5", url)
                #expect(r.stdout.contains("served-by-web-"), "\(host) → \(url): \(r)")
            }
        }
        for nodeIP in ["10.99.0.11", "10.99.0.12"] {
            let r = try TestProcess.run([TestPaths.which("curl")!, "-sS", "-m", "5", "http://\(nodeIP):\(nodePort)/"], timeout: 30)
            #expect(r.stdout.contains("served-by-web-"), "host → \(nodeIP):\(nodePort): \(r)")
        }

        // The audit log (Metadata level) names who did what: the admin's
        // apply, and cluster DNS watching as its own service account.
        let audit = (try? FileIO.read(s.dir + "/state/logs/audit.log")) ?? ""
        #expect(audit.split(separator: "\n").contains { $0.contains(#""verb":"create""#) && $0.contains(#""resource":"deployments""#)
            && $0.contains(#""username":"kubernetes-admin""#) }, "audit log: \(audit.suffix(2000))")
        #expect(audit.contains(#""username":"system:serviceaccount:kube-system:coredns""#), "cluster DNS is not its service account")

        try checkMonitoring(s)

        // Storage: a local-path claim written by a pod and read by its
        // successor, which the volume keeps on the same node; Delete removes
        // the directory, Retain keeps it and the volume Released.
        try checkLocalPathStorage(s)

        // 2. Rolling updates under load: zero failed requests.
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.prober("prober-2", node: "node-2", target: vip)).code == 0)
        #expect(s.kubectl(["wait", "--for=condition=Ready", "pod/prober-2", "--timeout=120s"]).code == 0)
        for revision in 2...3 {
            #expect(s.kubectl(["set", "env", "deployment/web", "REVISION=\(revision)"]).code == 0)
            #expect(s.kubectl(["rollout", "status", "deployment/web", "--timeout=150s"]).code == 0)
            #expect(s.eventually(seconds: 90) { s.converged("web", replicas: 3, label: "app=web") })
        }
        let rolling = s.probeResults("prober-2")
        #expect(rolling.count > 50 && rolling.allSatisfy(\.ok),
                "\(rolling.filter { !$0.ok }.count) of \(rolling.count) requests failed during the rolling updates")
        print("lab: \(rolling.count) requests during two rolling updates, \(rolling.filter { !$0.ok }.count) failed")

        // 3. kill -9 of each component during a rollout.
        let uidsBefore = s.get("get", "deployment,service,pods", "-l", "app!=web", "-o", "jsonpath={.items[*].metadata.uid}")
        #expect(s.kubectl(["set", "env", "deployment/web", "REVISION=4"]).code == 0)
        for component in ["controlplane", "kubelet-node-1", "kube-proxy-node-2"] {
            #expect(s.lab("kill", component).code == 0, "kill -9 \(component)")
            usleep(500_000)
            let restart = s.lab("restart", component)
            #expect(restart.code == 0, "\(restart)")
            if component == "controlplane" {
                #expect(s.eventually(seconds: 60) { s.kubectl(["get", "--raw", "/readyz"]).code == 0 })
            }
        }
        #expect(s.kubectl(["rollout", "status", "deployment/web", "--timeout=180s"]).code == 0)
        #expect(s.eventually(seconds: 120) { s.converged("web", replicas: 3, label: "app=web") },
                "\(s.kubectl(["get", "deploy,rs,pods", "-o", "wide"]))")
        #expect(s.get("get", "deployment,service,pods", "-l", "app!=web", "-o", "jsonpath={.items[*].metadata.uid}") == uidsBefore,
                "objects lost or replaced across the restarts")
        #expect(s.get("get", "rs", "-l", "app=web", "-o", "name").split(separator: "\n").count == 4, "one ReplicaSet per revision")
        for node in ["node-1", "node-2"] {
            #expect(s.eventually(seconds: 60) { s.containerPods(on: node) == s.apiPods(on: node) },
                    "\(node): containers of pods \(s.containerPods(on: node)), API pods \(s.apiPods(on: node))")
        }

        // 4. Node failure: node-2's kubelet dies and its link is cut.
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.prober("prober-1", node: "node-1", target: vip)).code == 0)
        #expect(s.kubectl(["wait", "--for=condition=Ready", "pod/prober-1", "--timeout=120s"]).code == 0)
        let lostEndpoints = s.get("get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=node-2",
                                  "-o", "jsonpath={.items[*].status.podIP}").split(separator: " ").map { "\($0):8080" }
        let cut = Date()
        #expect(s.lab("kill", "kubelet-node-2").code == 0)
        #expect(s.lab("cut", "node-2").code == 0)
        // Right after the cut, requests from node-1's host from fixed source
        // ports (below the ephemeral range) until two go unanswered: those were
        // DNATed to a node-2 pod and left SYN_SENT conntrack entries (120 s).
        // Linux reuses a source port to the same address within a minute when a
        // client connects in a loop (the prober does), and conntrack takes the
        // SYN of a new connection from such a port for a retransmission of the
        // old one: unless kube-proxy deletes the entry, it goes to the lost pod again.
        var lostPorts: [Int] = []
        for port in 20001...20030 where lostPorts.count < 2 {
            if s.lab("exec", "node-1", "curl", "-sS", "-m", "3", "--local-port", "\(port)", "http://\(vip)/").code != 0 { lostPorts.append(port) }
        }
        #expect(s.eventually(seconds: 90) { s.nodeReady("node-2") != "True" })
        let unreachable = Date()
        // The cluster's log store still has what node-2's pods wrote before it was cut off.
        let shipped = s.kubectl(["get", "--raw", "/loki/api/v1/query_range?limit=10&query=" +
                                 (#"{node="node-2", pod="prober-2"} |= "ok""#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")])
        #expect(shipped.stdout.contains(#""pod":"prober-2""#) && shipped.stdout.contains(" ok"), "\(shipped)")
        // Components ship their own lines too: every kube-proxy and kubelet, under kube-system (the lab's
        // control plane logs at --log-level warning, so it may have nothing to ship: ControlPlaneOwnLogsTests has it at info).
        for component in ["kube-proxy", "kubelet"] {
            let own = s.kubectl(["get", "--raw", "/loki/api/v1/query_range?limit=5&since=24h&query=" +
                                 (#"{namespace="kube-system", component="\#(component)"}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")])
            #expect(own.stdout.contains(#""component":"\#(component)""#), "\(component): \(own)")
        }
        // Its pods are marked not ready, so the Service's slices stop offering them.
        #expect(s.eventually(seconds: 60) {
            !s.get("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                   "jsonpath={range .items[*].endpoints[*]}{.nodeName}={.conditions.ready}{\"\\n\"}{end}")
                .split(separator: "\n").contains("node-2=true")
        })
        let withdrawn = Date()
        // And node-1's kube-proxy (the prober's) has taken them out of the kernel's table.
        #expect(s.eventually(seconds: 60) {
            let table = s.lab("exec", "node-1", "nft", "list", "table", "ip", "kube-proxy").stdout
            // An endpoint is an element's value (`: 10.244.2.5 . 8080`), or a `dnat to` of Services on chains.
            return !table.isEmpty && !lostEndpoints.contains {
                table.contains(": " + $0.replacingOccurrences(of: ":", with: " . ")) || table.contains("to \($0)")
            }
        }, "node-2's endpoints \(lostEndpoints) still programmed on node-1")
        let programmed = Date()
        // Node-1's kube-proxy deleted those entries with the endpoints: a new
        // connection from such a port reaches a pod that is left.
        for port in lostPorts {
            let r = s.lab("exec", "node-1", "curl", "-sS", "-m", "5", "--local-port", "\(port)", "http://\(vip)/")
            #expect(r.stdout.contains("served-by-web-"), "a request from port \(port), whose last one went to a node-2 pod, failed: \(r)")
        }
        let replaced = s.eventually(seconds: 150) {
            s.get("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}") == "3"
                && s.get("get", "pods", "-l", "app=web", "--field-selector", "spec.nodeName=node-1",
                         "-o", "name").split(separator: "\n").count == 3
        }
        #expect(replaced, "\(s.kubectl(["get", "pods", "-o", "wide"]))")
        print(String(format: "lab: node-2 unreachable %.1f s, its endpoints withdrawn %.1f s and its pods replaced %.1f s after the cut (grace 20 s, tolerations 30 s); %ld source ports whose connection went to node-2 after the cut tried again",
                     unreachable.timeIntervalSince(cut), withdrawn.timeIntervalSince(cut), Date().timeIntervalSince(cut), lostPorts.count))
        usleep(3_000_000)
        // Once node-1's table no longer has node-2's endpoints (and its conntrack
        // no unanswered connection to them), every request succeeds. A request
        // is logged when it ends: one sent to a lost pod before then fails when
        // nc's 10 s connect timeout ends (busybox nc's -w bounds the connect
        // only), and the log has whole seconds.
        let settled = Int(programmed.timeIntervalSince1970) + 11
        let probes = s.probeResults("prober-1")
        let afterLoss = probes.filter { $0.time > settled }
        let cutAt = Int(cut.timeIntervalSince1970)
        // On a failure, node-1's kube-proxy says what it programmed when (its syncs, timestamped).
        func proxyLog() -> String {
            ((try? FileIO.read(s.dir + "/state/logs/kube-proxy-node-1.log")) ?? "").split(separator: "\n").suffix(40).joined(separator: "\n")
        }
        #expect(afterLoss.count > 10 && afterLoss.allSatisfy(\.ok),
                "\(afterLoss.filter { !$0.ok }.count) of \(afterLoss.count) requests failed after node-2 was marked unreachable; failures at \(probes.filter { !$0.ok }.map { $0.time - cutAt }) s after the cut, marked at \(Int(unreachable.timeIntervalSince(cut))) s, withdrawn at \(Int(withdrawn.timeIntervalSince(cut))) s, out of node-1's table at \(Int(programmed.timeIntervalSince(cut))) s (cut at epoch \(cutAt)); \(probes.count) results in all, the last at \(probes.last.map { $0.time - cutAt } ?? 0) s; the prober's log ends: \(s.kubectl(["logs", "prober-1", "--tail", "3"])); node-1's kube-proxy:\n\(proxyLog())")
        // Healed, node-2 comes back and removes what it ran.
        #expect(s.lab("heal", "node-2").code == 0)
        #expect(s.lab("restart", "kubelet-node-2").code == 0)
        #expect(s.eventually(seconds: 90) { s.nodeReady("node-2") == "True" })
        // Every pod it had was evicted (the bare ones too, as in Kubernetes).
        #expect(s.eventually(seconds: 120) { s.apiPods(on: "node-2").isEmpty }, "\(s.kubectl(["get", "pods", "-o", "wide"]))")
        #expect(s.eventually(seconds: 60) { s.containerPods(on: "node-2") == s.apiPods(on: "node-2") },
                "node-2: containers of pods \(s.containerPods(on: "node-2")), API pods \(s.apiPods(on: "node-2"))")

        // 5. down leaves the host as it was, and no process in the nodes' mount namespaces.
        let uids = s.get("get", "pods", "-A", "-o", "jsonpath={.items[*].metadata.uid}").split(separator: " ").map(String.init)
        #expect(!uids.isEmpty)
        let mountNamespaces = s.nodeMountNamespaces()
        #expect(mountNamespaces.count == 2, "\(mountNamespaces)")
        let down = s.lab("down")
        #expect(down.code == 0, "\(down)")
        #expect(s.snapshot() == before)
        #expect(LabSession.processes(in: mountNamespaces).isEmpty, "left: \(LabSession.processes(in: mountNamespaces))")
        #expect(LabSession.podCgroups(uids).isEmpty, "left: \(LabSession.podCgroups(uids))")
    }

    /// The HA lab: three etcd members and two control planes. Killing the
    /// leading control plane hands the scheduler and controllers to the other,
    /// and the node's kubelet and kube-proxy move to its API server; killing
    /// an etcd member leaves a quorum that keeps working.
    @Test(.requires(.etcd))
    func anHALabSurvivesTheLossOfItsLeaderAndAnEtcdMember() throws {
        let s = LabSession()
        let before = s.snapshot()
        defer { s.tearDown() }
        let up = s.lab("up", "--nodes", "1", "--datastore", "etcd")
        try #require(up.code == 0, "\(up)")
        let second = "--server=https://10.99.0.3:6443"
        #expect(s.get(second, "get", "node", "node-1", "-o", "name") == "node/node-1", "the second API server serves the same cluster")
        #expect(s.kubectl(["create", "deployment", "web", "--image=busybox:1.35", "--replicas=2", "--", "sleep", "3600"]).code == 0)
        #expect(s.kubectl(["rollout", "status", "deployment/web", "--timeout=120s"]).code == 0)

        // Kill whichever control plane holds the Lease.
        let holder = s.get("-n", "kube-system", "get", "lease", "swiftkube-controlplane", "-o", "jsonpath={.spec.holderIdentity}")
        let pid = { (name: String) in (try? FileIO.read("\(s.dir)/state/pids/\(name)"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?" }
        let leader = holder.contains("_\(pid("controlplane"))_") ? "controlplane" : "controlplane-2"
        let survivor = leader == "controlplane" ? second : "--server=https://10.99.0.2:6443"
        #expect(holder.contains("_\(pid(leader))_"), "lease holder \(holder)")
        let killed = Date()
        #expect(s.lab("kill", leader).code == 0)
        #expect(s.kubectl([survivor, "scale", "deployment", "web", "--replicas=3"]).code == 0)
        let scaled = s.kubectl([survivor, "rollout", "status", "deployment/web", "--timeout=120s"])
        #expect(scaled.code == 0, "\(scaled) \(s.kubectl([survivor, "get", "pods", "-o", "wide"]))")
        print(String(format: "lab: %@ killed; the other control plane scaled the Deployment and the node ran the new pod within %.1f s",
                     leader, Date().timeIntervalSince(killed)))
        let newHolder = s.get(survivor, "-n", "kube-system", "get", "lease", "swiftkube-controlplane", "-o", "jsonpath={.spec.holderIdentity}")
        #expect(!newHolder.contains("_\(pid(leader))_"), "lease holder \(newHolder)")

        // One etcd member down: two of three still make a quorum.
        #expect(s.lab("kill", "etcd-1").code == 0)
        #expect(s.kubectl([survivor, "scale", "deployment", "web", "--replicas=4"]).code == 0)
        #expect(s.kubectl([survivor, "rollout", "status", "deployment/web", "--timeout=120s"]).code == 0)
        #expect(s.get(survivor, "get", "rs", "-l", "app=web", "-o", "name").split(separator: "\n").count == 1)

        let uids = s.get(survivor, "get", "pods", "-A", "-o", "jsonpath={.items[*].metadata.uid}").split(separator: " ").map(String.init)
        let down = s.lab("down")
        #expect(down.code == 0, "\(down)")
        #expect(s.snapshot() == before)
        #expect(LabSession.podCgroups(uids).isEmpty, "left: \(LabSession.podCgroups(uids))")
    }
}
