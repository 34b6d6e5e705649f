import Foundation
import Testing
import TestSupport

/// The dashboard in a real browser (Debian's headless chromium, driven by
/// Selenium): logging in, a pod's live log and a terminal into it, scaling a
/// Deployment, editing its YAML with a diff, a Secret's hidden values, and
/// RBAC's refusals, all against a control plane and a kubelet running real
/// pods. `DASHBOARD_SCREENSHOTS=DIR` keeps the screenshots (docs/dashboard).
@Suite(.ownThread, .requires(TestCluster.requirements, .browser))
struct DashboardBrowserTests {
    @Test func aUserLogsInFollowsAPodAndIsRefusedWhatRBACForbids() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let logToken = "dash-line-\(UInt32.random(in: 0...UInt32.max))"
        try cluster.apply("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, labels: {app: web}}
            spec:
              replicas: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: talk
                    image: "busybox:1.35"
                    command: ["sh", "-c", "i=0; while true; do echo \\"$i \(logToken)\\"; i=$((i+1)); sleep 0.3; done"]
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: creds}
            stringData: {password: s3cr3t-value}
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: dash-admin}
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: dash-viewer}
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: dash-doomed}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: dash-admin}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: ServiceAccount, name: dash-admin, namespace: default}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: dash-viewer}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{kind: ServiceAccount, name: dash-viewer, namespace: default}, {kind: ServiceAccount, name: dash-doomed, namespace: default}]
            """)
        // 1,000 pods no scheduler takes, for the list's paging and windowed drawing.
        let crowd = (0..<1000).map { i in
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"crowd-\(String(format: "%04d", i))\",\"namespace\":\"crowd\"},"
                + "\"spec\":{\"schedulerName\":\"nobody\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.35\"}]}}"
        }
        #expect(cluster.kubectl(["create", "namespace", "crowd"]).code == 0)
        let created = cluster.kubectl(["create", "-f", "-"], stdin: "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\(crowd.joined(separator: ","))]}",
                                      timeout: 300)
        #expect(created.code == 0, "\(created.stderr.suffix(2000))")
        func token(_ account: String) throws -> String {
            let r = cluster.kubectl(["create", "token", account])
            let token = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(r.code == 0 && !token.isEmpty, "\(r)")
            return token
        }
        let (admin, viewer, doomed) = (try token("dash-admin"), try token("dash-viewer"), try token("dash-doomed"))
        var pod = ""
        #expect(eventually(seconds: 120) {
            let r = cluster.kubectl(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[?(@.status.phase==\"Running\")].metadata.name}"])
            pod = r.stdout.split(separator: " ").first.map(String.init) ?? ""
            return !pod.isEmpty
        }, "\(cluster.kubeletLog)")
        try #require(!pod.isEmpty)
        var arguments = [TestPaths.browser!, TestPaths.packageRoot + "/Tests/Browser/dashboard_test.py", "--url", "https://127.0.0.1:\(cluster.port)", "--node", cluster.nodeName,
                         "--admin-token", admin, "--viewer-token", viewer, "--doomed-token", doomed, "--doomed-sa", "dash-doomed",
                         "--pod", pod, "--deployment", "web", "--secret", "creds", "--log-token", logToken]
        if let dir = ProcessInfo.processInfo.environment["DASHBOARD_SCREENSHOTS"] { arguments += ["--screenshots", dir] }
        let run = try TestProcess.run(["/usr/bin/nsenter", "--net=\(cluster.netnsPath)"] + arguments,
                                      env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=\(cluster.dir)", "KUBECONFIG=\(cluster.kubeconfig)"], timeout: 300)
        print(run.stdout)
        #expect(run.code == 0 && run.stdout.contains("dashboard: ok"), "\(run.stderr.suffix(3000))\n\(cluster.kubeletLog)")
    }
}
