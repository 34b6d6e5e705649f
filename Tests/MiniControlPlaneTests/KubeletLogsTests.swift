import Foundation
import KubeAPI
import Logging
import NIOSSL
import Testing
import TestSupport
@testable import MiniControlPlane
import HTTPServing

/// A fake kubelet serving /containerLogs over HTTPS, in the test process.
final class FakeKubelet: Sendable {
    let port: Int
    let task: Task<Void, any Error>

    init(dir: URL) async throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ca = try CertificateAuthority.prepare(dir: dir, sans: ["127.0.0.1"])
        let tls = try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(ca.servingCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(ca.servingKeyPEM.utf8), format: .pem))))
        let port = Harness.freePort()
        self.port = port
        let server = HTTPServer(host: "127.0.0.1", port: port, tls: tls, logger: Logger(label: "fake-kubelet")) { req in
            guard req.path.hasPrefix("/containerLogs/") else { return .text("not found", status: .notFound) }
            if req.path.hasSuffix("/missing") { return .text("container not found", status: .notFound) }
            let query = req.query.keys.sorted().map { "\($0)=\(req.query[$0]?.first ?? "")" }.joined(separator: "&")
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .stream({ w in
                try await w.write(Array("path=\(req.path)\n".utf8))
                try await w.write(Array("query=\(query)\n".utf8))
                try await w.write(Array("done\n".utf8))
            }))
        }
        task = Task { try await server.run() }
        _ = await Harness.waitUntil { Harness.canConnect(port: port) }
    }

    func stop() { task.cancel() }
}

@Suite(.requires(.product("controlplane"), .kubectl))
struct KubeletLogsTests {
    @Test func kubectlLogsIsProxiedToTheKubelet() async throws {
        try await withCluster(.sqlite) { c in
            let kubelet = try await FakeKubelet(dir: c.dir.appendingPathComponent("kubelet"))
            defer { kubelet.stop() }
            let node = #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":\#(kubelet.port)}}}}"#
            #expect(try c.kubectl(["create", "-f", "-"], stdin: node).status == 0)
            let pod = """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"lp"},"spec":{"nodeName":"n1","containers":[{"name":"a","image":"x:1"},{"name":"b","image":"x:1"}]}}
                """
            #expect(try c.kubectl(["create", "-f", "-"], stdin: pod).status == 0)
            var r = try c.kubectl("logs", "lp", "-c", "b", "--tail=5", "-f")
            #expect(r.status == 0, "stdout: \(r.stdout) stderr: \(r.stderr)")
            #expect(r.stdout == "path=/containerLogs/default/lp/b\nquery=follow=true&tailLines=5\ndone\n")
            // kubectl picks the first container itself; the API asks for one when there are several.
            r = try c.kubectl("logs", "lp")
            #expect(r.stdout.hasPrefix("path=/containerLogs/default/lp/a\n"), "\(r.output)")
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            do {
                _ = try await client.request(.GET, client.url(apiVersion: "v1", resource: "pods", namespace: "default", name: "lp", subresource: "log"))
                Issue.record("log without container accepted")
            } catch let e as KubeClientError {
                #expect(e.code == 400 && e.description.contains("a container name must be specified for pod lp, choose one of: [a b]"))
            }
            r = try c.kubectl("logs", "lp", "-c", "missing")
            #expect(r.status != 0 && r.stderr.contains("container missing is not valid for pod lp"), "\(r.output)")
            #expect(try c.kubectl(["run", "floating", "--image=x:1"]).status == 0)
            r = try c.kubectl("logs", "floating")
            #expect(r.status != 0 && r.stderr.contains("does not have a host assigned"), "\(r.output)")
        }
    }
}
