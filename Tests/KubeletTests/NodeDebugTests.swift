#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Runtime
import TestSupport
import LinuxSystem

/// Node metrics (`/stats/summary`, `/metrics`, `/metrics/resource`,
/// `kubectl top`) and every nodectl verb against real pods, also with the
/// kubelet and the API server stopped.
@Suite(.ownThread, .requires(TestCluster.requirements, .product("nodectl")))
struct NodeDebugTests {
    @Test func metricsTopAndNodectl() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let root = cluster.dir + "/kubelet"
        func nodectl(_ args: [String], stdin: String? = nil, timeout: Double = 60) -> TestProcess.Result {
            let argv = ["/usr/bin/nsenter", "--net=\(cluster.netnsPath)", TestPaths.product("nodectl")!] + [args[0], "--root-dir", root, "--pod-log-dir", cluster.dir + "/logs"] + args.dropFirst()
            return (try? TestProcess.run(argv, stdin: stdin, timeout: timeout)) ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "nodectl did not run")
        }

        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web, labels: {app: web}}
            spec:
              nodeName: \(cluster.nodeName)
              containers:
              - name: httpd
                image: busybox:1.35
                command: ["sh", "-c", "echo serving; mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www"]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: burner, labels: {app: burner}}
            spec:
              nodeName: \(cluster.nodeName)
              containers:
              - {name: spin, image: "busybox:1.35", command: ["sh", "-c", "while true; do :; done"]}
              - {name: ticker, image: "busybox:1.35", command: ["sh", "-c", "while true; do echo tick; sleep 0.3; done"]}
            """)
        for name in ["web", "burner"] {
            #expect(cluster.waitFor(name, "{.status.phase}", equals: "Running"), "\(cluster.kubectl(["describe", "pod", name])) \(cluster.kubeletLog)")
        }
        let webUID = cluster.jsonpath("web", "{.metadata.uid}")

        // The kubelet API: summary, resource metrics and Prometheus metrics.
        let curl = "curl -sk --cert \(cluster.dir)/cp/apiserver-kubelet-client.crt --key \(cluster.dir)/cp/apiserver-kubelet-client.key https://\(cluster.nodeIP):10250"
        #expect(eventually(seconds: 60) {
            let summary = cluster.inNode("\(curl)/stats/summary").stdout
            return summary.contains("\"burner\"") && summary.contains("\"usageNanoCores\"") && summary.contains("\"workingSetBytes\"")
        }, "\(cluster.inNode("\(curl)/stats/summary"))")
        let resource = cluster.inNode("\(curl)/metrics/resource").stdout
        #expect(resource.contains("container_cpu_usage_seconds_total{container=\"spin\",namespace=\"default\",pod=\"burner\"}"), "\(resource)")
        let metrics = cluster.inNode("\(curl)/metrics").stdout
        for family in ["kubelet_pod_worker_duration_seconds", "kubelet_running_pods", "kubelet_runtime_operations_duration_seconds"] {
            #expect(metrics.contains(family), "\(family) missing: \(metrics.prefix(2000))")
        }

        // cAdvisor's container metrics, with the figures of the summary.
        let cadvisor = cluster.inNode("\(curl)/metrics/cadvisor").stdout
        for series in ["container_cpu_usage_seconds_total{container=\"spin\",image=\"busybox:1.35\",name=\"k8s-",
                       "container_memory_working_set_bytes{container=\"spin\"", "container_network_receive_bytes_total{container=\"\",image=\"\",interface=\"eth0\"",
                       "container_fs_usage_bytes{container=\"ticker\"", "container_memory_working_set_bytes{container=\"\",image=\"\",name=\"\",namespace=\"default\",pod=\"burner\"}",
                       "machine_cpu_cores "] {
            #expect(cadvisor.contains(series), "\(series) missing: \(cadvisor.prefix(3000))")
        }

        // Who may read what: upstream's subresources, decided by the API server (SubjectAccessReview).
        try cluster.apply("""
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: scraper, namespace: default}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: node-metrics-reader}
            rules:
            - {apiGroups: [""], resources: [nodes/metrics], verbs: [get]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: scraper-node-metrics}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-metrics-reader}
            subjects: [{kind: ServiceAccount, name: scraper, namespace: default}]
            """)
        let scraperToken = cluster.kubectl(["create", "token", "scraper"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        func asScraper(_ path: String, token: String = scraperToken) -> String {
            cluster.inNode("curl -sk -w ' %{http_code}' -H 'Authorization: Bearer \(token)' https://\(cluster.nodeIP):10250\(path)").stdout
        }
        #expect(asScraper("/metrics/cadvisor").hasSuffix(" 200"), "\(asScraper("/metrics/cadvisor").suffix(300))")
        #expect(asScraper("/metrics").hasSuffix(" 200"))
        #expect(asScraper("/stats/summary") == "Forbidden (user=system:serviceaccount:default:scraper, verb=get, resource=nodes, subresource=stats)\n 403")
        #expect(asScraper("/pods").hasSuffix("subresource=proxy)\n 403"), "\(asScraper("/pods"))")
        #expect(asScraper("/metrics", token: "not-a-token") == "Unauthorized\n 401")

        // metrics.k8s.io through the API server: kubectl top.
        #expect(eventually(seconds: 90) {
            let r = cluster.kubectl(["top", "node", "--no-headers"])
            return r.code == 0 && r.stdout.contains(cluster.nodeName)
        }, "\(cluster.kubectl(["top", "node"]))")
        #expect(eventually(seconds: 90) {
            // The spinning pod uses more CPU than the idle one. (Not a fixed
            // share of a core: on a loaded two-core CI machine it got 79m.)
            func millicores(_ pod: String) -> Int {
                let line = cluster.kubectl(["top", "pod", pod, "--no-headers"]).stdout
                return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0.dropLast()) } ?? 0
            }
            let spinning = millicores("burner")
            return spinning > 0 && spinning > millicores("web")
        }, "\(cluster.kubectl(["top", "pod"])) \(cluster.kubectl(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"]))")

        // nodectl: listing and inspecting.
        let pods = nodectl(["pods"])
        #expect(pods.code == 0 && pods.stdout.contains("web") && pods.stdout.contains("burner") && pods.stdout.contains("Running"), "\(pods)")
        #expect(nodectl(["pods", "--label", "app=web", "-q"]).stdout == webUID + "\n")
        #expect(nodectl(["pods", "--namespace", "kube-system", "-q"]).stdout.isEmpty)
        let podsJSON = try JSONSerialization.jsonObject(with: Data(nodectl(["pods", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(podsJSON?.count == 2)
        let ps = nodectl(["ps", "--pod", "burner"])
        #expect(ps.stdout.contains("spin") && ps.stdout.contains("ticker") && !ps.stdout.contains("httpd"), "\(ps)")
        let inspect = try JSONSerialization.jsonObject(with: Data(nodectl(["inspect", "httpd"]).stdout.utf8)) as? [String: Any]
        #expect((inspect?["status"] as? [String: Any])?["name"] as? String == "httpd")
        #expect((inspect?["state"] as? [String: Any])?["status"] as? String == "running")
        let inspectp = nodectl(["inspectp", "default/web"])
        #expect(inspectp.code == 0 && inspectp.stdout.contains(cluster.jsonpath("web", "{.status.podIP}")), "\(inspectp)")
        #expect(nodectl(["logs", "httpd"]).stdout == "serving\n")
        #expect(nodectl(["logs", "--tail", "1", "ticker"]).stdout == "tick\n")
        let attached = nodectl(["attach", "ticker"], timeout: 2)
        #expect(attached.stdout.contains("tick"), "\(attached)")
        // Node options may also come before the verb, as in crictl.
        let images = try TestProcess.run([TestPaths.product("nodectl")!, "--root-dir", root, "images"])
        #expect(images.stdout.contains("busybox"), "\(images)")
        let info = nodectl(["info"])
        #expect(info.stdout.contains("\"KubeletReady\"") && info.stdout.contains("\"runningContainers\" : 3"), "\(info)")
        #expect(nodectl(["version"]).stdout.contains("RuntimeName:         swiftrun"))
        let doctor = nodectl(["doctor"])
        #expect(doctor.code == 0 && doctor.stdout.contains("cgroup layout") && doctor.stdout.contains("kubelet: answering"), "\(doctor)")

        // Stats, from the kubelet's socket.
        let stats = nodectl(["stats", "-o", "json"])
        #expect(stats.stdout.contains("\"spin\"") && stats.stdout.contains("usageNanoCores"), "\(stats)")
        let statsp = nodectl(["statsp", "burner"])
        #expect(statsp.code == 0 && statsp.stdout.contains("default/burner"), "\(statsp)")

        // exec: output, exit status, stdin, commands that do not exist.
        let exec = nodectl(["exec", "httpd", "--", "sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(exec.code == 3 && exec.stdout == "out\n" && exec.stderr == "err\n", "\(exec)")
        #expect(nodectl(["exec", "-i", "httpd", "--", "cat"], stdin: "piped\n").stdout == "piped\n")
        #expect(nodectl(["exec", "httpd", "--", "cat"], stdin: "ignored\n").stdout.isEmpty)
        let missing = nodectl(["exec", "httpd", "--", "no-such-command"])
        #expect(missing.code == 127 && missing.stderr.contains("executable file not found"), "\(missing)")
        // Every pod gets a bound service account token (ServiceAccount admission, a projected
        // volume the kubelet fills through TokenRequest) that the API server accepts.
        let token = nodectl(["exec", "httpd", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"]).stdout
        #expect(token.split(separator: ".").count == 3, "not a JWT: \(token)")
        #expect(nodectl(["exec", "httpd", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace"]).stdout == "default")
        let asPod = cluster.inNode("curl -sk -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer \(token)' https://127.0.0.1:\(cluster.port)/api")
        #expect(asPod.stdout == "200", "\(asPod)")
        let nobody = nodectl(["exec", "no-such-container", "--", "true"])
        #expect(nobody.code != 0 && nobody.stderr.contains("no container matches"), "\(nobody)")

        // port-forward reaches a server bound to the pod's loopback only.
        let forwardLog = cluster.dir + "/port-forward.log"
        let forwarder = try cluster.spawn(["/usr/bin/nsenter", "--net=\(cluster.netnsPath)", TestPaths.product("nodectl")!,
                                           "port-forward", "--root-dir", root, "web", "0:8080"], log: forwardLog)
        defer { kill(forwarder, SIGKILL); _ = try? waitForExit(forwarder, timeout: 10) }
        var localPort = ""
        #expect(eventually(seconds: 20) {
            let text = (try? FileIO.read(forwardLog)) ?? ""
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Forwarding from 127.0.0.1:") }) else { return false }
            localPort = String(line.dropFirst("Forwarding from 127.0.0.1:".count).prefix { $0.isNumber })
            return true
        })
        let fetched = cluster.inNode("curl -s http://127.0.0.1:\(localPort)/")
        #expect(fetched.stdout == "hello-from-pod\n", "\(fetched) \((try? FileIO.read(forwardLog)) ?? "")")

        // With the kubelet and the API server down, nodectl still sees and acts on the node.
        cluster.stopKubelet(signal: SIGTERM)
        kill(cluster.controlplane, SIGTERM)
        _ = try? waitForExit(cluster.controlplane, timeout: 30)
        cluster.controlplane = 0
        let offline = nodectl(["pods"])
        #expect(offline.stdout.contains("(kubelet down)") && offline.stdout.contains("burner"), "\(offline)")
        #expect(nodectl(["stats", "spin"]).stdout.contains("spin"))
        let stop = nodectl(["stop", "--timeout", "1", "ticker"])
        #expect(stop.code == 0, "\(stop)")
        #expect(nodectl(["ps", "-a", "--state", "exited", "-q"]).stdout.contains("ticker"))
        #expect(nodectl(["rm", "--all"]).code == 0)
        #expect(!nodectl(["ps", "-a"]).stdout.contains("ticker"))
        let busy = nodectl(["rmp", "web"])
        #expect(busy.code != 0 && busy.stderr.contains("running containers"), "\(busy)")
        #expect(nodectl(["stopp", "--timeout", "1", "web"]).code == 0)
        let removed = nodectl(["rmp", "web"])
        #expect(removed.code == 0, "\(removed)")
        #expect(!nodectl(["pods"]).stdout.contains("web"))
        #expect(!FileIO.exists(root + "/pods/" + webUID))
    }
}
