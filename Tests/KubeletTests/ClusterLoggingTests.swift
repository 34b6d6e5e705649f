#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
import LinuxSystem

/// Cluster logging end to end: the kubelet ships a pod's lines to the
/// control plane's store, Loki's query API finds them by label and text,
/// also after the pod is gone, and reading them takes `pods/log` in the
/// namespace, as `kubectl logs` does.
@Suite(.ownThread, .requires(TestCluster.requirements))
struct ClusterLoggingTests {
    static func encoded(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    @Test func podLinesAreFoundByLabelAndTextAfterThePodIsGone() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let token = "needle-\(UInt32.random(in: 0...UInt32.max))"
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: talker, labels: {app: talker, app.kubernetes.io/part-of: demo}}
            spec:
              nodeName: \(cluster.nodeName)
              containers:
              - {name: say, image: "busybox:1.35", command: ["sh", "-c", "i=0; while true; do echo \\"$i \(token) hello\\"; echo \\"$i noise\\"; i=$((i+1)); sleep 0.2; done"]}
            """)
        #expect(cluster.waitFor("talker", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        func query(_ logql: String) -> TestProcess.Result {
            cluster.kubectl(["get", "--raw", "/loki/api/v1/query_range?limit=1000&query=\(Self.encoded(logql))"])
        }
        /// As a bearer token alone (kubectl would also present the admin kubeconfig's certificate).
        func get(_ path: String, token: String) -> TestProcess.Result {
            cluster.inNode("curl -sk -H 'Authorization: Bearer \(token)' 'https://127.0.0.1:\(cluster.port)\(path)'")
        }
        func lines(_ result: TestProcess.Result) -> [String] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                  let data = object["data"] as? [String: Any], let streams = data["result"] as? [[String: Any]] else { return [] }
            return streams.flatMap { ($0["values"] as? [[String]] ?? []).map { $0[1] } }
        }
        let started = Date()
        #expect(eventually(seconds: 60) { lines(query(#"{namespace="default", pod="talker"} |= "\#(token)""#)).count >= 3 },
                "\(query(#"{namespace="default", pod="talker"}"#)) \(cluster.kubeletLog)")
        print("cluster logging: the first lines were found \(String(format: "%.1f", Date().timeIntervalSince(started))) s after the pod ran")
        // By the pod's labels (sanitized), the container and the node, with line filters.
        let found = query(#"{app="talker", app_kubernetes_io_part_of="demo", container="say", node="\#(cluster.nodeName)"} |= "\#(token)" != "noise""#)
        #expect(lines(found).allSatisfy { $0.contains(token) } && !lines(found).isEmpty, "\(found)")
        #expect(lines(query(#"{pod="talker"} |~ "^[0-9]+ noise$""#)).count >= 3)
        // The kubelet's own lines, under kube-system, by component and node.
        #expect(eventually(seconds: 30) {
            lines(query(#"{namespace="kube-system", component="kubelet", node="\#(cluster.nodeName)"} |= "serving HTTPS on""#)).count >= 1
        }, "\(query(#"{component="kubelet"}"#).stdout.prefix(3000))")
        // A node may not push lines of a pod bound to another node (its own pods' lines it may).
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: elsewhere}
            spec: {nodeName: node-2, containers: [{name: c, image: "busybox:1.35"}]}
            """)
        func push(pod: String) -> TestProcess.Result {
            let pki = cluster.dir + "/kubelet/pki/kubelet-client-current.pem"
            let labels = pod.isEmpty ? #""namespace":"default""# : #""namespace":"default","pod":"\#(pod)","container":"say""#
            let body = #"{"streams":[{"stream":{\#(labels)},"values":[["\#(UInt64(Date().timeIntervalSince1970 * 1e9))","forged"]]}]}"#
            return cluster.inNode("curl -sk --cert \(pki) --key \(pki) -H 'Content-Type: application/json' -w '%{http_code}' "
                                  + "--data '\(body)' https://127.0.0.1:\(cluster.port)/loki/api/v1/push")
        }
        let forged = push(pod: "elsewhere")
        #expect(forged.stdout.hasSuffix("403") && forged.stdout.contains("bound to node \\\"node-2\\\""), "\(forged)")
        #expect(push(pod: "talker").stdout.hasSuffix("204"))
        let unnamed = push(pod: "")
        #expect(unnamed.stdout.hasSuffix("403") && unnamed.stdout.contains("only lines labelled with a namespace and pod"), "\(unnamed)")
        // Malformed queries get Loki's 400 text.
        let bad = query(#"{pod=~".*"}"#)
        #expect(bad.code != 0 && bad.stderr.contains("empty-compatible"), "\(bad)")

        // The command line: controlplane logs, as logcli prints.
        let cli = cluster.inNode("\(TestPaths.product("controlplane")!) logs --kubeconfig \(cluster.kubeconfig) '{pod=\"talker\"} |= \"\(token)\"' --limit 2 --raw")
        #expect(cli.code == 0 && cli.stdout.split(separator: "\n").count == 2 && cli.stdout.contains(token), "\(cli)")
        let labelled = cluster.inNode("\(TestPaths.product("controlplane")!) logs --kubeconfig \(cluster.kubeconfig) '{pod=\"talker\"}' --limit 1")
        #expect(labelled.stdout.contains(#"container="say""#) && labelled.stdout.contains(#"namespace="default""#), "\(labelled)")
        let refused = cluster.inNode("\(TestPaths.product("controlplane")!) logs --kubeconfig \(cluster.kubeconfig) 'pod=\"talker\"'")
        #expect(refused.code != 0 && refused.stderr.contains("stream selector"), "\(refused)")

        // Deleted, its lines stay.
        let before = lines(query(#"{namespace="default", pod="talker"} |= "\#(token)""#)).count
        #expect(cluster.kubectl(["delete", "pod", "talker", "--grace-period=1"]).code == 0)
        #expect(eventually(seconds: 60) { cluster.kubectl(["get", "pod", "talker"]).code != 0 })
        #expect(lines(query(#"{namespace="default", pod="talker"} |= "\#(token)""#)).count >= before)

        // Reading takes pods/log: in the namespace named, or everywhere when none is.
        try cluster.apply("""
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: reader, namespace: default}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: log-reader, namespace: default}
            rules: [{apiGroups: [""], resources: [pods/log], verbs: [get]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: reader-logs, namespace: default}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: log-reader}
            subjects: [{kind: ServiceAccount, name: reader, namespace: default}]
            """)
        let created = cluster.kubectl(["create", "token", "reader"])
        let readerToken = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!readerToken.isEmpty, "\(created)")
        let range = "/loki/api/v1/query_range?limit=1000&query="
        #expect(eventually(seconds: 30) { !lines(get(range + Self.encoded(#"{namespace="default", pod="talker"}"#), token: readerToken)).isEmpty })
        let everywhere = get(range + Self.encoded(#"{pod="talker"}"#), token: readerToken)
        #expect(everywhere.stdout.contains(#"cannot get resource \"pods/log\" in API group \"\" at the cluster scope"#), "\(everywhere)")
        #expect(get("/loki/api/v1/labels", token: readerToken).stdout.contains("Forbidden"))
        #expect(cluster.kubectl(["get", "--raw", "/loki/api/v1/label/pod/values"]).stdout.contains("talker"))
    }

    /// Hostile output: a 1 MB line, binary bytes, and 100 MB written as fast
    /// as a shell can: the line is cut and counted, the binary line stored,
    /// the flood read or skipped (counted), and the node keeps answering.
    @Test func aFloodA1MBLineAndBinaryAreCutSkippedOrDroppedAndCounted() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let token = "flood-\(UInt32.random(in: 0...UInt32.max))"
        let line = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: flood}
            spec:
              nodeName: \(cluster.nodeName)
              containers:
              - name: c
                image: "busybox:1.35"
                command: ["sh", "-c", "head -c 1100000 /dev/zero | tr '\\\\0' a; echo; printf '\\\\001\\\\377\\\\376 binary-\(token)\\\\n'; yes \(line) | head -c 100000000; echo done-\(token); sleep 3600"]
            """)
        func query(_ logql: String) -> String {
            cluster.kubectl(["get", "--raw", "/loki/api/v1/query_range?limit=10&since=1h&query=\(Self.encoded(logql))"]).stdout
        }
        func metrics() -> String { cluster.kubectl(["get", "--raw", "/api/v1/nodes/\(cluster.nodeName)/proxy/metrics"]).stdout }
        func counter(_ name: String) -> Double {
            metrics().split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? -1
        }
        let started = Date()
        #expect(eventually(seconds: 180) { query(#"{pod="flood"} |= "done-\#(token)""#).contains("done-\(token)") },
                "\(metrics().split(separator: "\n").filter { $0.hasPrefix("swiftkube_log_shipper") }) \(cluster.kubeletLog)")
        print("cluster logging: 100 MB written, its last line found \(String(format: "%.1f", Date().timeIntervalSince(started))) s after the pod started")
        #expect(query(#"{pod="flood"} |= "binary-\#(token)""#).contains("binary-\(token)"))
        #expect(counter("swiftkube_log_shipper_truncated_lines_total") >= 1)
        let shipped = counter("swiftkube_log_shipper_shipped_lines_total"), dropped = counter("swiftkube_log_shipper_dropped_lines_total")
        let skipped = counter("swiftkube_log_shipper_skipped_bytes_total")
        print("cluster logging: the flood's 1,000,000 lines: \(Int(shipped)) shipped, \(Int(dropped)) dropped, \(Int(skipped)) bytes skipped")
        #expect(shipped + dropped + skipped / Double(line.count + 1) >= 900_000 || skipped > 0, "\(shipped) \(dropped) \(skipped)")
        // The node still answers.
        #expect(cluster.kubectl(["get", "--raw", "/api/v1/nodes/\(cluster.nodeName)/proxy/healthz"]).stdout == "ok")
    }
}
