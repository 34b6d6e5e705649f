#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import struct Testing.Comment
import LinuxSystem

/// A node, its pods and an outside host, each in a network namespace the
/// test creates, plus a real controlplane and kube-proxy (the built
/// products) running in the node's namespace:
///
///     ext (192.168.201.99) ──veth── node (192.168.201.10; br0 10.244.1.1/24) ──br0── s1, s2, s3 (10.244.1.11-13), client (10.244.1.50)
///
/// Nothing is added to the host's own namespace. `tearDown` stops every
/// process and deletes every namespace, also after a failure.
final class ProxyLab: @unchecked Sendable {
    static let requirements: [TestRequirement] = [
        .root, .product("controlplane"), .product("kube-proxy"), .tool("kubectl"), .tool("nsenter", package: "util-linux"),
        .tool("ip", package: "iproute2"), .tool("nft", package: "nftables"), .tool("busybox", package: "busybox-static"),
    ]

    let tag = UInt16.random(in: 1...UInt16.max)
    let dir: String
    let port: Int
    let nodeName = "node-1"
    let nodeIP = "192.168.201.10"
    let externalIP = "192.168.201.99"
    let servers = ["s1": "10.244.1.11", "s2": "10.244.1.12", "s3": "10.244.1.13"]
    let clientIP = "10.244.1.50"
    var processes: [Int32] = []
    var proxy: Int32 = 0
    var namespaces: [String] = []

    func ns(_ role: String) -> String { "swk-px\(tag)-\(role)" }
    var node: String { ns("node") }
    var kubeconfig: String { dir + "/cp/admin.kubeconfig" }

    init() throws {
        dir = TestPaths.temporaryDirectory("swiftkube-proxy")
        chmod(dir, 0o755)
        port = 20_000 + Int(tag % 10_000)
        do {
            try build()
        } catch {
            tearDown()
            throw error
        }
    }

    func build() throws {
        for role in ["node", "ext", "client"] + servers.keys.sorted() {
            try sh("ip netns add \(ns(role))")
            namespaces.append(ns(role))
            try sh("ip -n \(ns(role)) link set lo up")
        }
        try sh("""
            ip -n \(node) link add br0 type bridge && ip -n \(node) addr add 10.244.1.1/24 dev br0 && ip -n \(node) link set br0 up
            ip -n \(node) link add eth0 type veth peer name eth0 netns \(ns("ext"))
            ip -n \(node) addr add \(nodeIP)/24 dev eth0 && ip -n \(node) link set eth0 up
            ip -n \(ns("ext")) addr add \(externalIP)/24 dev eth0 && ip -n \(ns("ext")) link set eth0 up
            ip -n \(node) route add default via \(externalIP)
            ip netns exec \(node) sysctl -qw net.ipv4.ip_forward=1
            """)
        for (role, ip) in servers.sorted(by: { $0.key < $1.key }) + [("client", clientIP)] {
            try sh("""
                ip -n \(node) link add v-\(role) type veth peer name eth0 netns \(ns(role))
                ip -n \(node) link set v-\(role) master br0 up
                ip -n \(node) link set v-\(role) type bridge_slave hairpin on
                ip -n \(ns(role)) addr add \(ip)/24 dev eth0 && ip -n \(ns(role)) link set eth0 up
                ip -n \(ns(role)) route add default via 10.244.1.1
                """)
        }
        // Each server answers HTTP with its name.
        for role in servers.keys.sorted() {
            let root = dir + "/www-\(role)"
            mkdir(root, 0o755)
            try "\(role)\n".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
            processes.append(try spawn(["/usr/sbin/ip", "netns", "exec", ns(role), TestPaths.which("busybox")!, "httpd", "-f", "-p", "8080", "-h", root],
                                       log: dir + "/httpd-\(role).log"))
        }
        processes.append(try spawn(["/usr/bin/nsenter", "--net=/run/netns/\(node)", TestPaths.product("controlplane")!,
                                    "--data-dir", dir + "/cp", "--secure-port", String(port), "--log-level", "warning"], log: dir + "/controlplane.log"))
        guard eventually(seconds: 60, { kubectl(["get", "--raw", "/readyz"]).code == 0 }) else {
            throw TestError("controlplane did not become ready: \((try? String(contentsOfFile: dir + "/controlplane.log", encoding: .utf8)) ?? "")")
        }
    }

    /// Starts kube-proxy in the node's namespace.
    func startProxy(extra: [String] = []) throws {
        proxy = try spawn(["/usr/bin/nsenter", "--net=/run/netns/\(node)", TestPaths.product("kube-proxy")!,
                           "--kubeconfig", dir + "/cp/kube-proxy.kubeconfig", "--node-name", nodeName, "--healthz-bind-address", "127.0.0.1:10256",
                           "--min-sync-period", "100ms", "--sync-period", "2s", "--log-level", "debug"] + extra, log: dir + "/kube-proxy.log")
    }

    /// Stops kube-proxy with `signal`; returns its exit status.
    @discardableResult
    func stopProxy(signal: Int32 = SIGTERM) -> ExitStatus? {
        guard proxy > 0 else { return nil }
        kill(proxy, signal)
        let status = try? waitForExit(proxy, timeout: 30)
        proxy = 0
        return status ?? nil
    }

    var proxyLog: String { (try? String(contentsOfFile: dir + "/kube-proxy.log", encoding: .utf8)).map { String($0.suffix(4000)) } ?? "" }

    func spawn(_ args: [String], log: String) throws -> Int32 {
        let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(fd) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        return try Spawn.start(Spawn.Request(path: args[0], args: args, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], fds: [(null, 0), (fd, 1), (fd, 2)]))
    }

    @discardableResult
    func sh(_ command: String) throws -> TestProcess.Result {
        let r = try TestProcess.run(["/bin/sh", "-ec", command], timeout: 60)
        guard r.code == 0 else { throw TestError("\(command): \(r)") }
        return r
    }

    /// A command in one of the namespaces.
    func run(in role: String, _ args: [String], timeout: Double = 30) -> TestProcess.Result {
        (try? TestProcess.run(["/usr/bin/nsenter", "--net=/run/netns/\(ns(role))"] + args, timeout: timeout))
            ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "did not run")
    }

    /// An HTTP GET from a namespace with busybox nc (busybox's wget crashes
    /// on some builds); the body, or nil with the error in `error`.
    func fetch(from role: String, _ host: String, _ port: Int, path: String = "/") -> (body: String?, error: String) {
        let nc = TestPaths.which("busybox")! + " nc -w 5 \(host) \(port)"
        let r = run(in: role, ["/bin/sh", "-c", "printf 'GET \(path) HTTP/1.0\\r\\n\\r\\n' | \(nc)"], timeout: 20)
        guard r.code == 0, let split = r.stdout.range(of: "\r\n\r\n") else { return (nil, r.stderr + r.stdout) }
        let status = r.stdout.prefix { $0 != "\r" }
        guard status.contains(" 200 ") else { return (nil, String(status)) }
        return (String(r.stdout[split.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines), "")
    }

    @discardableResult
    func kubectl(_ args: [String]) -> TestProcess.Result {
        run(in: "node", [TestPaths.which("kubectl")!, "--kubeconfig", kubeconfig, "--cache-dir", dir + "/kubectl-cache"] + args, timeout: 60)
    }

    func apply(_ yaml: String) throws {
        let r = (try? TestProcess.run(["/usr/bin/nsenter", "--net=/run/netns/\(node)", TestPaths.which("kubectl")!, "--kubeconfig", kubeconfig, "--cache-dir", dir + "/kubectl-cache",
                                       "apply", "-f", "-"], stdin: yaml, timeout: 60))
        guard let r, r.code == 0 else { throw TestError("kubectl apply: \(r?.description ?? "did not run")\n\(yaml)") }
    }

    /// kube-proxy --dump in the node's namespace.
    func dump() -> String { run(in: "node", [TestPaths.product("kube-proxy")!, "--dump"]).stdout }

    func tearDown() {
        stopProxy(signal: SIGKILL)
        for pid in processes.reversed() {
            kill(pid, SIGTERM)
            if (try? waitForExit(pid, timeout: 20)) == nil {
                kill(pid, SIGKILL)
                _ = try? waitForExit(pid, timeout: 5)
            }
        }
        processes = []
        TestNamespaces.delete(namespaces.reversed())
        namespaces = []
        _ = try? FileManager.default.removeItem(atPath: dir)
    }
}
