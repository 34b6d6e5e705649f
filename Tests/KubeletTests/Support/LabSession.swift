#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Runtime
import TestSupport
import LinuxSystem

/// Whether the lab can run here.
enum LabEnvironment {
    static let requirements: [TestRequirement] = TestCluster.requirements + [
        .product("kube-proxy"), .product("nodectl"), .product("cluster-dns"), .tool("curl", package: "curl"),
        .tool("prometheus", package: "prometheus"), .tool("promtool", package: "prometheus"),
        TestRequirement("no lab already up (swk-lab0 exists: sudo scripts/lab down)") { !FileIO.exists("/sys/class/net/swk-lab0") },
    ]
}

/// One `scripts/lab` brought up for a test: runs the script's commands,
/// kubectl against the lab, and commands in the lab's hosts.
final class LabSession {
    let dir = TestPaths.temporaryDirectory("lab")
    let script = TestPaths.packageRoot + "/scripts/lab"
    var env: [String] {
        // Prometheus scrapes every 5 s and its alerts fire at their first evaluation (no `for:` wait).
        ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LAB_DIR=\(dir)/state", "MONITORING_ALERT_FOR=0s", "MONITORING_SCRAPE_INTERVAL=5s",
         "LAB_BIN=\((TestPaths.product("kubelet")! as NSString).deletingLastPathComponent)"]
    }

    /// `scripts/lab ARGS…`.
    @discardableResult
    func lab(_ args: String..., timeout: Double = 300) -> TestProcess.Result {
        (try? TestProcess.run([script] + args, env: env, timeout: timeout))
            ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "scripts/lab did not run")
    }

    /// kubectl with the lab's kubeconfig.
    @discardableResult
    func kubectl(_ args: [String], stdin: String? = nil, timeout: Double = 180) -> TestProcess.Result {
        (try? TestProcess.run([TestPaths.which("kubectl")!, "--kubeconfig", "\(dir)/state/kubeconfig", "--cache-dir", "\(dir)/cache"] + args,
                              stdin: stdin, timeout: timeout))
            ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "kubectl did not run")
    }

    /// kubectl's stdout, trimmed.
    func get(_ args: String...) -> String {
        kubectl(args).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls `condition` every half second for up to `seconds`.
    func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(500_000)
        }
        return condition()
    }

    /// The status of a node's Ready condition.
    func nodeReady(_ node: String) -> String {
        get("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")
    }

    /// Whether the Deployment's current template runs `replicas` ready pods
    /// and nothing else (old pods gone, terminating ones included).
    func converged(_ deployment: String, replicas: Int, label: String) -> Bool {
        let status = get("get", "deployment", deployment, "-o",
                         "jsonpath={.metadata.generation} {.status.observedGeneration} {.status.updatedReplicas} {.status.readyReplicas} {.status.replicas}")
        let f = status.split(separator: " ")
        guard f.count == 5, f[0] == f[1], f[2...].allSatisfy({ $0 == Substring(String(replicas)) }) else { return false }
        return get("get", "pods", "-l", label, "-o", "name").split(separator: "\n").count == replicas
    }

    /// A pod's lines of the form `EPOCH ok|fail` (written by the prober).
    /// A prober's results; reading its log is tried again a few times (a
    /// loaded lab's API server or kubelet may fail one `kubectl logs`).
    func probeResults(_ pod: String) -> [(time: Int, ok: Bool)] {
        var log = kubectl(["logs", pod])
        for _ in 0..<5 where log.code != 0 {
            print("lab: kubectl logs \(pod) failed, trying again: \(log)")
            sleep(2)
            log = kubectl(["logs", pod])
        }
        return log.stdout.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 2, let t = Int(f[0]), f[1] == "ok" || f[1] == "fail" else { return nil }
            return (t, f[1] == "ok")
        }
    }

    /// Pod UIDs of the containers a node's runtime holds (`nodectl ps -a`).
    func containerPods(on node: String) -> Set<String> {
        let out = lab("nodectl", node, "ps", "-a", "-o", "json").stdout
        guard let data = out.data(using: .utf8),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return ["unreadable: \(out)"] }
        return Set(list.compactMap { $0["podID"] as? String })
    }

    /// UIDs of the API's pods bound to `node`.
    func apiPods(on node: String) -> Set<String> {
        Set(get("get", "pods", "-A", "--field-selector", "spec.nodeName=\(node)", "-o", "jsonpath={.items[*].metadata.uid}")
            .split(separator: " ").map(String.init))
    }

    /// What a lab could leave behind on the host (only its own names: other
    /// tests running beside this one make namespaces and cgroups of their own).
    func snapshot() -> [String] {
        func run(_ command: String) -> String { (try? TestProcess.run(["/bin/sh", "-c", command]))?.stdout ?? "" }
        return [
            run("ip netns list | awk '{print $1}' | grep '^swk-lab-' | sort"),
            run("ip -o link | awk -F': ' '{print $2}' | grep -E '^(lab-|swk-lab)' | sort"),
            run("nft list tables | sort"),
            run("grep -c ' \(dir)' /proc/self/mountinfo || true"),
        ]
    }

    /// The nodes' mount namespaces (`mnt:[INODE]`, as /proc/PID/ns/mnt names them).
    func nodeMountNamespaces() -> Set<String> {
        let out = (try? TestProcess.run(["/bin/sh", "-c", "for f in \(dir)/state/mnt/node-*; do stat -L -c 'mnt:[%i]' $f; done"]))?.stdout ?? ""
        return Set(out.split(separator: "\n").map(String.init))
    }

    /// Processes in any of `namespaces`.
    static func processes(in namespaces: Set<String>) -> [String] {
        let out = (try? TestProcess.run(["/bin/sh", "-c", "for p in /proc/[0-9]*; do echo \"$(readlink $p/ns/mnt) ${p#/proc/} $(cat $p/comm 2>/dev/null)\"; done"]))?.stdout ?? ""
        return out.split(separator: "\n").filter { line in namespaces.contains(where: { line.hasPrefix($0 + " ") }) }.map(String.init)
    }

    /// Pod cgroup directories left for these pod UIDs, and the lab's own
    /// cgroup subtree (`/swk-lab`), in any hierarchy.
    static func podCgroups(_ uids: [String]) -> [String] {
        let text = (try? FileIO.read("/proc/self/mounts")) ?? ""
        var mounts: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count > 2 && fields[2].hasPrefix("cgroup") { mounts.append(String(fields[1])) }
        }
        var left: [String] = []
        for m in mounts {
            if FileIO.exists("\(m)/swk-lab") { left.append("\(m)/swk-lab") }
            for uid in uids {
                for qos in ["", "burstable/", "besteffort/"] where FileIO.exists("\(m)/kubepods/\(qos)pod\(uid)") {
                    left.append("\(m)/kubepods/\(qos)pod\(uid)")
                }
            }
        }
        return left
    }

    /// The last `lines` lines of a lab process's log (`controlplane`, `kubelet-node-1`, …),
    /// for a failure's message: the lab's directory is gone once the test ends.
    /// GET of the lab Prometheus' HTTP API (`/api/v1/…`) from the control-plane host: its `data`, nil when it fails.
    func prometheus(_ path: String, _ query: [String: String] = [:]) -> Any? {
        var args = ["exec", "cp", "curl", "-sS", "-m", "10", "-G", "http://10.99.0.2:9090/api/v1/\(path)"]
        for (k, v) in query { args += ["--data-urlencode", "\(k)=\(v)"] }
        let r = (try? TestProcess.run([script] + args, env: env, timeout: 30))
        guard let r, r.code == 0, let object = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
              object["status"] as? String == "success" else { return nil }
        return object["data"]
    }

    /// The samples of an instant PromQL query: each one's labels and value.
    func promQuery(_ query: String) -> [(labels: [String: String], value: Double)] {
        let result = (prometheus("query", ["query": query]) as? [String: Any])?["result"] as? [[String: Any]] ?? []
        return result.compactMap { sample in
            guard let labels = sample["metric"] as? [String: String], let pair = sample["value"] as? [Any], pair.count == 2,
                  let text = pair[1] as? String, let value = Double(text) else { return nil }
            return (labels, value)
        }
    }

    func logTail(_ name: String, lines: Int = 40) -> String {
        let text = (try? FileIO.read("\(dir)/state/logs/\(name).log")) ?? "(no log)"
        return "\n--- \(name).log (last \(lines) lines)\n" + text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Brings the lab down (again) and removes its directory.
    func tearDown() {
        lab("down")
        try? FileIO.removeTree(dir)
    }
}
