import Foundation
import Testing
import TestSupport

/// `pods/NAME/proxy`, `services/NAME/proxy` and `kubectl proxy`, against an
/// HTTP server on loopback standing in for the pod (the Pod's status gives
/// 127.0.0.1 as its IP; the selector-less Service's Endpoints point there),
/// so no pod address is ever routed on the host.
@Suite(.requires(.product("controlplane"), .kubectl, .tool("python3", package: "python3")))
struct ProxySubresourceTests {
    @Test func proxiesToPodsServicesAndThroughKubectlProxy() async throws {
        try await withCluster(.sqlite) { c in
            let site = c.dir.appendingPathComponent("site")
            try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
            try "hello from the pod\n".write(to: site.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
            let port = Harness.freePort()
            let server = try ChildProcess("/usr/bin/python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", site.path],
                                          log: c.dir.appendingPathComponent("http.log"))
            defer { server.stop(signal: SIGKILL) }
            #expect(await Harness.waitUntil { Harness.canConnect(port: port) })

            var r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: web}
                spec:
                  containers: [{name: c, image: busybox:1.36, ports: [{name: http, containerPort: \(port)}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  ports: [{port: 80, targetPort: \(port)}]
                ---
                apiVersion: v1
                kind: Endpoints
                metadata: {name: web}
                subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: \(port)}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: empty}
                spec:
                  ports: [{port: 80}]
                """)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("patch", "pod", "web", "--subresource=status", "--type=merge", "-p", #"{"status":{"podIP":"127.0.0.1","podIPs":[{"ip":"127.0.0.1"}]}}"#)
            #expect(r.status == 0, "\(r.output)")

            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/web:\(port)/proxy/")
            #expect(r.stdout == "hello from the pod\n", "\(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/web:http/proxy/index.html")
            #expect(r.stdout == "hello from the pod\n", "\(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/services/web:80/proxy/index.html")
            #expect(r.stdout == "hello from the pod\n", "\(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/web:\(port)/proxy/missing")
            #expect(r.status != 0 && r.stderr.contains("NotFound"), "the target's own 404 comes back: \(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/services/empty:80/proxy/")
            #expect(r.status != 0 && r.stderr.contains(#"no endpoints available for service "empty""#), "\(r.output)")

            // kubectl proxy, then plain HTTP through it.
            let proxyPort = Harness.freePort()
            let proxy = try c.kubectlBackground(["proxy", "--port", String(proxyPort)], output: c.dir.appendingPathComponent("proxy.log"))
            defer { proxy.stop(signal: SIGKILL) }
            #expect(await Harness.waitUntil { Harness.canConnect(port: proxyPort) })
            let url = "http://127.0.0.1:\(proxyPort)/api/v1/namespaces/default/services/web:80/proxy/"
            let curl = try TestProcess.run(["/usr/bin/curl", "-sS", "--max-time", "30", url])
            #expect(curl.code == 0 && curl.stdout == "hello from the pod\n", "\(curl.stdout)\(curl.stderr)")
        }
    }
}
