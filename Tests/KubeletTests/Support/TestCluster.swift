#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime
import Images
import TestSupport
import LinuxSystem

/// A control plane and one kubelet running inside a network namespace the
/// test creates (its own loopback, a veth for the node IP, the pod bridge).
/// Everything it starts it stops; `tearDown` also removes what a crashed
/// component might have left: containers, sandboxes, cgroups, mounts.
final class TestCluster: @unchecked Sendable {
    /// What a cluster of one node needs here.
    static let requirements: [TestRequirement] = [
        .root, .product("controlplane"), .product("kubelet"), .product("swiftrun"),
        .tool("kubectl"), .tool("nsenter", package: "util-linux"), .tool("ip", package: "iproute2"), .rootfs,
    ]

    let netns: String
    let dir: String
    let port: Int
    let podCIDR: String
    var controlplane: Int32 = 0
    var kubelet: Int32 = 0
    var kubeconfig: String { dir + "/cp/admin.kubeconfig" }
    var netnsPath: String { "/run/netns/\(netns)" }
    /// The kubelet's --pod-manifest-path (static pods).
    var manifests: String { dir + "/manifests" }
    let nodeName = "node-1"
    let nodeIP = "192.168.200.10"

    /// Extra kubelet flags (e.g. --insecure-registry).
    let kubeletArguments: [String]
    /// The kubelet's --token-file: the control plane's node-token, or a
    /// bootstrap token from `controlplane token create` (TLS bootstrap).
    var tokenFile: String { bootstrapToken ? dir + "/bootstrap-token" : dir + "/cp/node-token" }
    let bootstrapToken: Bool

    init(kubeletArguments: [String] = [], controlPlaneArguments: [String] = [], bootstrapToken: Bool = false) throws {
        self.kubeletArguments = kubeletArguments
        self.bootstrapToken = bootstrapToken
        let tag = UInt16.random(in: 1...UInt16.max)
        netns = "swk-kt-\(tag)"
        dir = TestPaths.temporaryDirectory("swiftkube-cluster")
        chmod(dir, 0o755)
        port = 20_000 + Int(tag % 10_000)
        podCIDR = "10.244.\(tag % 250 + 1).0/24"
        try sh("ip netns add \(netns) && ip netns exec \(netns) sh -c 'ip link set lo up && ip link add eth0 type veth peer name eth0p && ip addr add \(nodeIP)/24 dev eth0 && ip link set eth0 up && ip link set eth0p up'")
        do {
            controlplane = try spawn(["/usr/bin/nsenter", "--net=\(netnsPath)", TestPaths.product("controlplane")!,
                                      "--data-dir", dir + "/cp", "--secure-port", String(port), "--log-level", "warning"] + controlPlaneArguments,
                                     log: dir + "/controlplane.log")
            guard eventually(seconds: 60, { kubectl(["get", "--raw", "/readyz"]).code == 0 }) else {
                throw RuntimeError.other("controlplane did not become ready: \((try? FileIO.read(dir + "/controlplane.log")) ?? "")")
            }
            if bootstrapToken {
                try sh("nsenter --net=\(netnsPath) \(TestPaths.product("controlplane")!) token create --data-dir \(dir)/cp --description kubelet-test > \(dir)/bootstrap-token")
            }
            try FileIO.makeDirectories(manifests, mode: 0o755)
            try ImageStore(root: dir + "/kubelet/images").importLayout(at: TestPaths.packageRoot + "/rootfs/out/oci", name: "busybox")
            try startKubelet()
        } catch {
            tearDown()
            throw error
        }
    }

    func startKubelet() throws {
        kubelet = try spawn(["/usr/bin/nsenter", "--net=\(netnsPath)", TestPaths.product("kubelet")!,
                             "--apiserver", "https://127.0.0.1:\(port)", "--token-file", tokenFile, "--ca-file", dir + "/cp/ca.crt",
                             "--node-name", nodeName, "--node-ip", nodeIP, "--root-dir", dir + "/kubelet", "--pod-log-dir", dir + "/logs",
                             "--pod-cidr", podCIDR, "--pod-manifest-path", manifests, "--log-level", "debug"] + kubeletArguments, log: dir + "/kubelet.log")
        guard eventually(seconds: 60, { kubectl(["get", "node", nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]).stdout == "True" }) else {
            throw RuntimeError.other("node did not become Ready: \((try? FileIO.read(dir + "/kubelet.log"))?.suffix(3000) ?? "")")
        }
    }

    /// Stops the kubelet (SIGKILL to simulate a crash, SIGTERM for a clean stop).
    func stopKubelet(signal: Int32) {
        guard kubelet > 0 else { return }
        kill(kubelet, signal)
        _ = try? waitForExit(kubelet, timeout: 30)
        kubelet = 0
    }

    func spawn(_ args: [String], log: String) throws -> Int32 {
        let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(fd) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        return try Spawn.start(Spawn.Request(path: args[0], args: args, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], fds: [(null, 0), (fd, 1), (fd, 2)]))
    }

    @discardableResult
    func sh(_ command: String) throws -> TestProcess.Result {
        let r = try TestProcess.run(["/bin/sh", "-c", command], timeout: 120)
        guard r.code == 0 else { throw RuntimeError.other("\(command): \(r)") }
        return r
    }

    /// kubectl against the cluster, from inside the namespace.
    @discardableResult
    func kubectl(_ args: [String], stdin: String? = nil, env: [String] = [], timeout: Double = 60) -> TestProcess.Result {
        (try? TestProcess.run(["/usr/bin/nsenter", "--net=\(netnsPath)", TestPaths.which("kubectl")!, "--kubeconfig", kubeconfig, "--cache-dir", dir + "/kubectl-cache"] + args,
                              env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] + env, stdin: stdin, timeout: timeout))
            ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "kubectl did not run")
    }

    /// A command run in the cluster's network namespace (the node's view).
    func inNode(_ command: String, timeout: Double = 30) -> TestProcess.Result {
        (try? TestProcess.run(["/usr/bin/nsenter", "--net=\(netnsPath)", "/bin/sh", "-c", command], timeout: timeout))
            ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "")
    }

    func apply(_ yaml: String) throws {
        let r = kubectl(["apply", "-f", "-"], stdin: yaml)
        guard r.code == 0 else { throw RuntimeError.other("kubectl apply: \(r)") }
    }

    /// The pod as JSON (nil if absent).
    func pod(_ name: String) -> [String: Any]? {
        let r = kubectl(["get", "pod", name, "-o", "json"])
        guard r.code == 0 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
    }

    func jsonpath(_ name: String, _ path: String) -> String {
        kubectl(["get", "pod", name, "-o", "jsonpath=\(path)"]).stdout
    }

    func waitFor(_ name: String, _ path: String, equals value: String, seconds: Double = 120) -> Bool {
        eventually(seconds: seconds) { jsonpath(name, path) == value }
    }

    var kubeletLog: String { (try? FileIO.read(dir + "/kubelet.log")).map { String($0.suffix(4000)) } ?? "" }

    /// Leftovers this cluster made on the host: mounts and pod cgroups.
    var leftovers: [String] {
        let mounts = ((try? FileIO.read("/proc/self/mountinfo")) ?? "").split(separator: "\n").filter { $0.contains(dir) }.map(String.init)
        let pods = (try? FileIO.listDirectory(dir + "/kubelet/pods")) ?? []
        let containers = (try? FileIO.listDirectory(dir + "/kubelet/runtime")) ?? []
        return mounts + pods.map { "pod dir \($0)" } + containers.map { "container \($0)" }
    }

    func tearDown() {
        if kubelet > 0 {
            for file in (try? FileIO.listDirectory(manifests)) ?? [] { unlink(manifests + "/" + file) }
            _ = kubectl(["delete", "pods", "--all", "--all-namespaces", "--wait=false"])
            _ = eventually(seconds: 60) { ((try? FileIO.listDirectory(dir + "/kubelet/pods")) ?? []).isEmpty }
            stopKubelet(signal: SIGTERM)
        }
        if controlplane > 0 {
            kill(controlplane, SIGTERM)
            _ = try? waitForExit(controlplane, timeout: 30)
            controlplane = 0
        }
        // Whatever a failed test left: containers, sandboxes, cgroups, mounts.
        let runtime = ContainerRuntime(root: dir + "/kubelet/runtime", initExecutable: TestPaths.product("swiftrun") ?? "")
        for state in runtime.list() { try? runtime.delete(id: state.id, force: true) }
        for uid in (try? FileIO.listDirectory(dir + "/kubelet/pods")) ?? [] {
            let pod = dir + "/kubelet/pods/" + uid
            PinnedNamespaces.remove(["net", "ipc", "uts"].map { pod + "/ns/" + $0 })
            for qos in ["", "burstable/", "besteffort/"] {
                for mountpoint in ((try? CgroupHost.detect())?.v1.map(\.mountpoint) ?? []) + ["/sys/fs/cgroup/unified"] {
                    rmdir("\(mountpoint)/kubepods/\(qos)pod\(uid)")
                }
            }
        }
        for line in ((try? FileIO.read("/proc/self/mountinfo")) ?? "").split(separator: "\n").reversed() {
            let fields = line.split(separator: " ")
            if fields.count > 4, fields[4].hasPrefix(dir) { umount2(String(fields[4]), 2) }
        }
        // The shared kubepods parents go when no other kubelet uses them (rmdir refuses otherwise).
        for mountpoint in ((try? CgroupHost.detect())?.v1.map(\.mountpoint) ?? []) + ["/sys/fs/cgroup/unified"] {
            for dir in ["kubepods/burstable", "kubepods/besteffort", "kubepods"] { rmdir("\(mountpoint)/\(dir)") }
        }
        TestNamespaces.delete([netns])
        try? FileIO.removeTree(dir)
    }
}
