import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import struct Testing.Comment
import LinuxSystem

/// cluster-dns end to end: a real controlplane on loopback, Services and
/// EndpointSlices created with kubectl, the built `cluster-dns` on
/// 127.0.0.1 with a free port, and Debian's `dig` as the client. No query
/// leaves the machine: there is no upstream, so other names get SERVFAIL.
@Suite(.serialized, .requires(DNSLab.requirements))
struct ClusterDNSIntegrationTests {
    static let manifests = """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec:
          ports:
          - {name: http, port: 80, protocol: TCP}
          - {name: metrics, port: 9100, protocol: UDP}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: default}
        spec:
          clusterIP: None
          ports:
          - {name: pg, port: 5432, protocol: TCP}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: db-1
          namespace: default
          labels: {kubernetes.io/service-name: db}
        addressType: IPv4
        ports:
        - {name: pg, port: 5432, protocol: TCP}
        endpoints:
        - {addresses: ["10.244.1.5"], hostname: db-0, conditions: {ready: true}}
        - {addresses: ["10.244.1.6"], conditions: {ready: true}}
        - {addresses: ["10.244.1.7"], conditions: {ready: false}}
        ---

        """

    @Test func servesServicesFromTheAPIServer() throws {
        let lab = try DNSLab()
        defer { lab.tearDown() }
        try lab.apply(Self.manifests)
        let webIP = lab.kubectl(["get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}"]).stdout
        #expect(!webIP.isEmpty)
        let port = try lab.startDNS()

        // A over UDP and TCP, once the watches have delivered the Service.
        let found = eventually(seconds: 30) { lab.dig(port, "web.default.svc.cluster.local", "A", "+short").stdout == webIP + "\n" }
        #expect(found, "\(lab.dig(port, "web.default.svc.cluster.local", "A"))\n\(lab.dnsLog)")
        #expect(lab.dig(port, "web.default.svc.cluster.local", "A", "+short", "+tcp").stdout == webIP + "\n")
        #expect(lab.dig(port, "kubernetes.default.svc.cluster.local", "A", "+short").stdout == "10.96.0.1\n")
        // Case does not matter.
        #expect(lab.dig(port, "WEB.Default.Svc.Cluster.Local", "A", "+short").stdout == webIP + "\n")
        // SRV of named ports.
        #expect(lab.dig(port, "_http._tcp.web.default.svc.cluster.local", "SRV", "+short").stdout == "0 100 80 web.default.svc.cluster.local.\n")
        #expect(lab.dig(port, "_metrics._udp.web.default.svc.cluster.local", "SRV", "+short").stdout == "0 100 9100 web.default.svc.cluster.local.\n")
        // PTR of the ClusterIP.
        #expect(lab.dig(port, "-x", webIP, "+short").stdout == "web.default.svc.cluster.local.\n")

        // Headless: ready endpoints only, per-pod names, SRV per endpoint.
        #expect(Set(lab.dig(port, "db.default.svc.cluster.local", "A", "+short").lines) == ["10.244.1.5", "10.244.1.6"])
        #expect(lab.dig(port, "db-0.db.default.svc.cluster.local", "A", "+short").stdout == "10.244.1.5\n")
        #expect(lab.dig(port, "10-244-1-6.db.default.svc.cluster.local", "A", "+short").stdout == "10.244.1.6\n")
        #expect(Set(lab.dig(port, "_pg._tcp.db.default.svc.cluster.local", "SRV", "+short").lines)
                == ["0 50 5432 db-0.db.default.svc.cluster.local.", "0 50 5432 10-244-1-6.db.default.svc.cluster.local."])
        // Pod names.
        #expect(lab.dig(port, "10-244-3-9.default.pod.cluster.local", "A", "+short").stdout == "10.244.3.9\n")

        // Unknown cluster names: NXDOMAIN with the SOA; other names: SERVFAIL (no upstream).
        let nx = lab.dig(port, "nope.default.svc.cluster.local", "A").stdout
        #expect(nx.contains("status: NXDOMAIN") && nx.contains("AUTHORITY: 1") && nx.contains("SOA"), "\(nx)")
        #expect(nx.contains(" aa"), "\(nx)")
        #expect(lab.dig(port, "example.com", "A").stdout.contains("status: SERVFAIL"))

        // Changes follow the watch: the endpoint turns not ready, the Service goes away.
        _ = lab.kubectl(["patch", "endpointslice", "db-1", "--type=json", "-p",
                         #"[{"op":"replace","path":"/endpoints/0/conditions/ready","value":false}]"#])
        #expect(eventually(seconds: 30) { lab.dig(port, "db.default.svc.cluster.local", "A", "+short").lines == ["10.244.1.6"] })
        #expect(lab.kubectl(["delete", "svc", "web"]).code == 0)
        #expect(eventually(seconds: 30) { lab.dig(port, "web.default.svc.cluster.local", "A").stdout.contains("status: NXDOMAIN") })

        // SIGTERM: a clean stop.
        let status = lab.stopDNS()
        #expect(status?.shellCode == 0, "\(lab.dnsLog)")
        #expect(lab.dnsLog.contains("stopped"))
    }
}

/// Per-pod names of a StatefulSet: the controller gives each pod its
/// hostname and the governing Service as subdomain, the EndpointSlice
/// controller puts the hostname on the endpoint, cluster-dns answers
/// `web-0.nginx.default.svc.cluster.local` (pod addresses are posted by hand:
/// no kubelet runs here).
@Suite(.serialized, .requires(DNSLab.requirements))
struct StatefulSetDNSTests {
    @Test func statefulSetPodsResolveByName() throws {
        let lab = try DNSLab()
        defer { lab.tearDown() }
        try lab.apply("""
            apiVersion: v1
            kind: Service
            metadata: {name: nginx, namespace: default}
            spec:
              clusterIP: None
              selector: {app: web}
              ports: [{name: web, port: 80, protocol: TCP}]
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: web, namespace: default}
            spec:
              serviceName: nginx
              replicas: 2
              podManagementPolicy: Parallel
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: "nginx:1.25"}]}
            """)
        #expect(eventually(seconds: 60) {
            lab.kubectl(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"]).stdout == "web-0 web-1"
        })
        for i in 0..<2 {
            let now = ISO8601DateFormatter().string(from: Date())
            let status = #"{"status":{"phase":"Running","podIP":"10.244.7.\#(i + 10)","podIPs":[{"ip":"10.244.7.\#(i + 10)"}],"#
                + #""conditions":[{"type":"Ready","status":"True","lastTransitionTime":"\#(now)"}]}}"#
            let r = lab.kubectl(["patch", "pod", "web-\(i)", "--subresource=status", "--type=merge", "-p", status])
            #expect(r.code == 0, "\(r)")
        }
        let port = try lab.startDNS()
        for i in 0..<2 {
            let name = "web-\(i).nginx.default.svc.cluster.local"
            let found = eventually(seconds: 30) { lab.dig(port, name, "A", "+short").stdout == "10.244.7.\(i + 10)\n" }
            #expect(found, "\(lab.dig(port, name, "A"))\n\(lab.kubectl(["get", "endpointslices", "-o", "yaml"]).stdout)")
        }
        #expect(Set(lab.dig(port, "nginx.default.svc.cluster.local", "A", "+short").lines) == ["10.244.7.10", "10.244.7.11"])
    }
}

/// A controlplane and cluster-dns on loopback, in a temporary directory;
/// `tearDown` stops both, also after a failure.
final class DNSLab: @unchecked Sendable {
    static let requirements: [TestRequirement] = [
        .product("controlplane"), .product("cluster-dns"), .tool("kubectl"), .tool("dig", package: "bind9-dnsutils"),
    ]

    let dir: String
    let apiPort: Int
    var controlplane: Int32 = 0
    var dns: Int32 = 0
    var kubeconfig: String { dir + "/cp/admin.kubeconfig" }
    var dnsLog: String { (try? FileIO.read(dir + "/cluster-dns.log")) ?? "" }

    init() throws {
        dir = TestPaths.temporaryDirectory("swiftkube-dns")
        apiPort = 40_000 + Int.random(in: 0..<10_000)
        do {
            controlplane = try spawn([TestPaths.product("controlplane") ?? "", "--data-dir", dir + "/cp", "--bind-address", "127.0.0.1",
                                      "--secure-port", String(apiPort), "--log-level", "warning"], log: dir + "/controlplane.log")
            guard eventually(seconds: 60, { kubectl(["get", "--raw", "/readyz"]).code == 0 }) else {
                throw TestError("controlplane did not become ready: \((try? FileIO.read(dir + "/controlplane.log")) ?? "")")
            }
        } catch {
            tearDown()
            throw error
        }
    }

    /// Starts cluster-dns on 127.0.0.1 with a free port; returns the port (read from its log).
    func startDNS() throws -> Int {
        dns = try spawn([TestPaths.product("cluster-dns") ?? "", "--kubeconfig", kubeconfig, "--listen", "127.0.0.1:0", "--log-level", "debug"],
                        log: dir + "/cluster-dns.log")
        var port: Int?
        eventually(seconds: 30) {
            guard let line = dnsLog.split(separator: "\n").first(where: { $0.contains("serving DNS on 127.0.0.1:") }),
                  let range = line.range(of: "127.0.0.1:") else { return false }
            port = Int(line[range.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        guard let port else { throw TestError("cluster-dns did not start: \(dnsLog)") }
        return port
    }

    /// SIGTERM to cluster-dns; its exit status (nil if it had to be killed).
    func stopDNS() -> LinuxSystem.ExitStatus? {
        guard dns > 0 else { return nil }
        kill(dns, SIGTERM)
        let status = try? waitForExit(dns, timeout: 15)
        if status == nil {
            kill(dns, SIGKILL)
            _ = try? waitForExit(dns, timeout: 5)
        }
        dns = 0
        return status
    }

    func spawn(_ args: [String], log: String) throws -> Int32 {
        let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(fd) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        return try Spawn.start(Spawn.Request(path: args[0], args: args, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], fds: [(null, 0), (fd, 1), (fd, 2)]))
    }

    @discardableResult
    func kubectl(_ args: [String], stdin: String? = nil) -> TestProcess.Result {
        (try? TestProcess.run([TestPaths.which("kubectl") ?? "kubectl", "--kubeconfig", kubeconfig, "--cache-dir", dir + "/kubectl-cache"] + args,
                              stdin: stdin, timeout: 60))
            ?? TestProcess.Result(status: LinuxSystem.ExitStatus(code: 255), stdout: "", stderr: "kubectl did not run")
    }

    func apply(_ yaml: String) throws {
        let r = kubectl(["apply", "-f", "-"], stdin: yaml)
        guard r.code == 0 else { throw TestError("kubectl apply: \(r)") }
    }

    /// `dig @127.0.0.1 -p PORT ARGS…`, one try, two seconds.
    func dig(_ port: Int, _ args: String...) -> TestProcess.Result {
        (try? TestProcess.run([TestPaths.which("dig") ?? "dig", "@127.0.0.1", "-p", String(port), "+tries=1", "+time=2"] + args, timeout: 20))
            ?? TestProcess.Result(status: LinuxSystem.ExitStatus(code: 255), stdout: "", stderr: "dig did not run")
    }

    func tearDown() {
        _ = stopDNS()
        if controlplane > 0 {
            kill(controlplane, SIGTERM)
            if (try? waitForExit(controlplane, timeout: 30)) == nil {
                kill(controlplane, SIGKILL)
                _ = try? waitForExit(controlplane, timeout: 5)
            }
            controlplane = 0
        }
        try? FileIO.removeTree(dir)
    }
}

extension TestProcess.Result {
    /// The non-empty lines of stdout.
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}
