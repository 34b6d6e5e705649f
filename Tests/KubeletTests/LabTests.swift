#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Runtime
import TestSupport

/// Whether the lab can run here.
enum LabEnvironment {
    static var available: Bool {
        TestCluster.available && ["kube-proxy", "nodectl", "cluster-dns"].allSatisfy { TestPaths.product($0) != nil }
            && !FileIO.exists("/sys/class/net/swk-lab0")
    }
    static let skipReason = "requires root, built controlplane/kubelet/kube-proxy/nodectl/cluster-dns, kubectl, and no lab already up (swk-lab0)"
}

/// End to end in `scripts/lab`: a control plane and two nodes in network
/// namespaces, a Deployment behind a Service reached by ClusterIP and DNS
/// name from pods on both nodes, and `down` leaving the host as it was.
@Suite(.enabled(if: LabEnvironment.available, Comment(rawValue: LabEnvironment.skipReason)))
struct LabTests {

    /// What a lab could leave behind on the host (only its own names: other
    /// tests running beside this one make namespaces and cgroups of their own).
    static func snapshot() -> [String] {
        func run(_ command: String) -> String { (try? TestProcess.run(["/bin/sh", "-c", command]))?.stdout ?? "" }
        return [
            run("ip netns list | awk '{print $1}' | grep '^swk-lab-' | sort"),
            run("ip -o link | awk -F': ' '{print $2}' | grep -E '^(lab-|swk-lab)' | sort"),
            run("nft list tables | sort"),
        ]
    }

    /// Pod cgroup directories left for these pod UIDs, in any hierarchy.
    static func podCgroups(_ uids: [String]) -> [String] {
        let text = (try? FileIO.read("/proc/self/mounts")) ?? ""
        var mounts: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count > 2 && fields[2].hasPrefix("cgroup") { mounts.append(String(fields[1])) }
        }
        var left: [String] = []
        for m in mounts {
            for uid in uids {
                for qos in ["", "burstable/", "besteffort/"] where FileIO.exists("\(m)/kubepods/\(qos)pod\(uid)") {
                    left.append("\(m)/kubepods/\(qos)pod\(uid)")
                }
            }
        }
        return left
    }

    @Test func twoNodesServeADeploymentThroughItsServiceAndLeaveNoTrace() throws {
        let before = Self.snapshot()
        let labDir = TestPaths.temporaryDirectory("lab")
        let env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LAB_DIR=\(labDir)/state", "LAB_BIN=\((TestPaths.product("kubelet")! as NSString).deletingLastPathComponent)"]
        let lab = TestPaths.packageRoot + "/scripts/lab"
        defer {
            _ = try? TestProcess.run([lab, "down"], env: env, timeout: 300)
            try? FileIO.removeTree(labDir)
        }
        let up = try TestProcess.run([lab, "up", "--nodes", "2"], env: env, timeout: 300)
        try #require(up.code == 0, "\(up)")
        func kubectl(_ args: [String], stdin: String? = nil) -> TestProcess.Result {
            (try? TestProcess.run([TestPaths.which("kubectl")!, "--kubeconfig", "\(labDir)/state/kubeconfig", "--cache-dir", "\(labDir)/cache"] + args,
                                  stdin: stdin, timeout: 180))
                ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "kubectl did not run")
        }
        let apply = kubectl(["apply", "-f", "-"], stdin: """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 3
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: httpd
                    image: busybox:1.35
                    command: ["sh", "-c", "echo served-by-$(hostname) > /srv/www/index.html && exec httpd -f -p 8080 -h /srv/www"]
                    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
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
            """)
        try #require(apply.code == 0, "\(apply)")
        let rollout = kubectl(["rollout", "status", "deployment/web", "--timeout=150s"])
        #expect(rollout.code == 0, "\(rollout) \(kubectl(["get", "pods", "-o", "wide"]))")
        #expect(kubectl(["wait", "--for=condition=Ready", "pod/client-1", "pod/client-2", "--timeout=120s"]).code == 0)
        let nodes = Set(kubectl(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}"]).stdout.split(separator: " "))
        #expect(nodes.count == 2, "replicas on \(nodes)")
        let vip = kubectl(["get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}"]).stdout
        for client in ["client-1", "client-2"] {
            for target in [vip, "web", "web.default.svc.cluster.local"] {
                let r = kubectl(["exec", client, "--", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 \(target) 80"])
                #expect(r.stdout.contains("served-by-web-"), "\(client) → \(target): \(r)")
            }
        }
        let uids = kubectl(["get", "pods", "-A", "-o", "jsonpath={.items[*].metadata.uid}"]).stdout.split(separator: " ").map(String.init)
        #expect(!uids.isEmpty)
        let down = try TestProcess.run([lab, "down"], env: env, timeout: 300)
        #expect(down.code == 0, "\(down)")
        #expect(Self.snapshot() == before)
        #expect(Self.podCgroups(uids).isEmpty, "left: \(Self.podCgroups(uids))")
    }
}
