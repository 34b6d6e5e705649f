import Foundation
import KubeAPI
import Logging
import NIOSSL
import Synchronization
import Testing
import TestSupport
@testable import MiniControlPlane
import HTTPServing

/// An aggregated API server in the test process, as upstream's
/// sample-apiserver would answer: HTTPS with a certificate from the cluster
/// CA for `wardle.default.svc`, requiring a client certificate from the
/// front-proxy CA (as `--requestheader-client-ca-file` makes a real one
/// require), serving `wardle.example.com/v1alpha1` flunders (each telling
/// the `X-Remote-User` and `X-Remote-Group`s it was asked by) and a
/// `metrics.k8s.io/v1beta1` of its own.
final class FakeAggregatedServer: Sendable {
    let port: Int
    let caBundle: String
    let task: Task<Void, any Error>

    init(clusterData: URL, dir: URL) async throws {
        let signed = try ClusterSignedServer(clusterData: clusterData, dir: dir, sans: ["wardle.default.svc"])
        caBundle = signed.caBundle
        var config = signed.tls
        config.certificateVerification = .noHostnameVerification
        config.trustRoots = .file(clusterData.appendingPathComponent("front-proxy-ca.crt").path)
        let port = Harness.freePort()
        self.port = port
        let server = HTTPServer(host: "127.0.0.1", port: port, tls: try NIOSSLContext(configuration: config),
                                logger: Logger(label: "fake-aggregated")) { req in
            let user = req.headers.first(name: "X-Remote-User") ?? ""
            let groups = req.headers["X-Remote-Group"].joined(separator: ",")
            func flunder(_ name: String) -> JSONValue {
                ["apiVersion": "wardle.example.com/v1alpha1", "kind": "Flunder",
                 "metadata": ["name": .string(name), "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z",
                              "annotations": ["seen-user": .string(user), "seen-groups": .string(groups)]]]
            }
            let body: JSONValue
            switch req.path {
            case "/apis/wardle.example.com/v1alpha1":
                body = ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "wardle.example.com/v1alpha1",
                        "resources": [["name": "flunders", "singularName": "flunder", "namespaced": true, "kind": "Flunder",
                                       "verbs": ["get", "list"]]]]
            case "/apis/wardle.example.com/v1alpha1/namespaces/default/flunders":
                body = ["kind": "FlunderList", "apiVersion": "wardle.example.com/v1alpha1", "metadata": [:], "items": [flunder("one")]]
            case "/apis/wardle.example.com/v1alpha1/namespaces/default/flunders/one":
                body = flunder("one")
            case "/openapi/v3/apis/wardle.example.com/v1alpha1":
                // As a k8s.io/apiserver backend publishes it: kubectl explain finds the kind through the paths.
                let gvk: JSONValue = ["group": "wardle.example.com", "version": "v1alpha1", "kind": "Flunder"]
                let get: JSONValue = ["x-kubernetes-action": "get", "x-kubernetes-group-version-kind": gvk, "responses": ["200": [
                    "description": "OK", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/com.example.wardle.v1alpha1.Flunder"]]]]]]
                body = ["openapi": "3.0.0", "info": ["title": "wardle", "version": "v1alpha1"],
                        "paths": ["/apis/wardle.example.com/v1alpha1/namespaces/{namespace}/flunders/{name}": ["get": get]],
                        "components": ["schemas": ["com.example.wardle.v1alpha1.Flunder": [
                            "type": "object", "description": "A Flunder is what the wardle server keeps.",
                            "properties": ["apiVersion": ["type": "string"], "kind": ["type": "string"],
                                           "metadata": ["type": "object"],
                                           "spec": ["type": "object", "description": "What a flunder wants.",
                                                    "properties": ["reference": ["type": "string", "description": "Another flunder."]]]],
                            "x-kubernetes-group-version-kind": [["group": "wardle.example.com", "version": "v1alpha1", "kind": "Flunder"]]]]]]
            case "/apis/metrics.k8s.io/v1beta1":
                body = ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "metrics.k8s.io/v1beta1",
                        "resources": [["name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"]]]]
            case "/apis/metrics.k8s.io/v1beta1/nodes":
                body = ["kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": [:],
                        "items": [["metadata": ["name": "fake-node"], "timestamp": "2026-01-01T00:00:00Z", "window": "10s",
                                   "usage": ["cpu": "1m", "memory": "1Ki"]]]]
            default:
                return .text("404 page not found", status: .notFound)
            }
            return .jsonBytes(JSONWriter.bytes(body))
        }
        task = Task { try await server.run() }
        _ = await Harness.waitUntil { Harness.canConnect(port: port) }
    }

    func stop() { task.cancel() }
}

/// API aggregation through the real kubectl: Local APIServices for what the
/// server serves, an APIService backed by a Service becoming Available, its
/// resources in discovery and proxied with the user's identity, RBAC
/// applied before the proxy, an APIService without its Service unavailable
/// (503), metrics.k8s.io taken over by an APIService applied over the local
/// one, and bad APIServices refused with upstream's field errors.
@Suite(.requires(.product("controlplane"), .kubectl))
struct APIAggregationKubectlTests {
    static func waitFor(_ c: ClusterFixture, _ expected: String, _ args: String...) async -> String {
        var last = ""
        _ = await Harness.waitUntil(attempts: 300) {
            last = ((try? c.kubectl(args))?.stdout ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return last == expected
        }
        return last
    }

    static func apiService(_ name: String, group: String, version: String, service: String, caBundle: String, priority: Int = 1000) -> String {
        """
        apiVersion: apiregistration.k8s.io/v1
        kind: APIService
        metadata: {name: \(name)}
        spec:
          group: \(group)
          version: \(version)
          service: {namespace: default, name: \(service), port: 443}
          caBundle: \(caBundle)
          groupPriorityMinimum: \(priority)
          versionPriority: 15
        """
    }

    @Test func aggregatedAPIsAreProxiedWithTheUsersIdentity() async throws {
        try await withCluster(.sqlite) { c in
            let backend = try await FakeAggregatedServer(clusterData: c.dataDir, dir: c.dir.appendingPathComponent("aggregated"))
            defer { backend.stop() }

            // What the server serves itself is Local and Available.
            #expect(await Self.waitFor(c, "Local True", "get", "apiservice", "v1.apps", "-o",
                                       "jsonpath={.status.conditions[0].reason} {.status.conditions[0].status}") == "Local True")
            var r = try c.kubectl("get", "apiservices")
            #expect(r.stdout.contains("NAME") && r.stdout.contains("SERVICE") && r.stdout.contains("AVAILABLE"), "\(r.output)")
            #expect(r.stdout.contains("v1beta1.metrics.k8s.io") && r.stdout.contains("v1.apiregistration.k8s.io"), "\(r.output)")
            r = try c.kubectl("get", "configmap", "extension-apiserver-authentication", "-n", "kube-system", "-o",
                              "jsonpath={.data.requestheader-allowed-names} {.data.requestheader-username-headers}")
            #expect(r.stdout == #"["front-proxy-client"] ["X-Remote-User"]"#, "\(r.output)")
            #expect(try c.kubectl("get", "role", "extension-apiserver-authentication-reader", "-n", "kube-system").status == 0)

            // An APIService backed by a Service: Available, discovered, proxied.
            let service = """
                apiVersion: v1
                kind: Service
                metadata: {name: wardle}
                spec: {ports: [{port: 443, targetPort: \(backend.port)}]}
                ---
                apiVersion: v1
                kind: Endpoints
                metadata: {name: wardle}
                subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: \(backend.port)}]}]
                ---

                """ + Self.apiService("v1alpha1.wardle.example.com", group: "wardle.example.com", version: "v1alpha1", service: "wardle",
                                      caBundle: backend.caBundle)
            r = try c.kubectl(["apply", "-f", "-"], stdin: service)
            #expect(r.status == 0, "\(r.output)")
            #expect(await Self.waitFor(c, "Passed True", "get", "apiservice", "v1alpha1.wardle.example.com", "-o",
                                       "jsonpath={.status.conditions[0].reason} {.status.conditions[0].status}") == "Passed True")
            r = try c.kubectl("get", "apiservice", "v1alpha1.wardle.example.com")
            #expect(r.stdout.contains("default/wardle") && r.stdout.contains("True"), "\(r.output)")
            r = try c.kubectl("api-resources", "--api-group=wardle.example.com")
            #expect(r.stdout.contains("flunders") && r.stdout.contains("Flunder"), "\(r.output)")
            r = try c.kubectl("get", "--raw", "/apis/wardle.example.com")
            #expect(r.stdout.contains(#""preferredVersion":{"groupVersion":"wardle.example.com/v1alpha1""#), "\(r.output)")
            r = try c.kubectl("get", "flunders")
            #expect(r.status == 0 && r.stdout.contains("one"), "\(r.output)")
            r = try c.kubectl("get", "flunder", "one", "-o", "jsonpath={.metadata.annotations.seen-user} {.metadata.annotations.seen-groups}")
            #expect(r.stdout.hasPrefix("kubernetes-admin ") && r.stdout.contains("system:masters"), "\(r.output)")

            // OpenAPI v3 of the aggregated group-version comes from the backend: kubectl explain works.
            r = try c.kubectl("explain", "flunders.spec")
            #expect(r.status == 0 && r.stdout.contains("KIND:       Flunder") && r.stdout.contains("What a flunder wants.")
                    && r.stdout.contains("reference\t<string>"), "\(r.output)")

            // Authorized here before the proxy.
            r = try c.kubectl("get", "flunders", "--as=someone")
            #expect(r.status != 0)
            #expect(r.stderr.contains(#"flunders.wardle.example.com is forbidden: User "someone" cannot list resource "flunders" in API group "wardle.example.com" in the namespace "default""#),
                    "\(r.output)")

            // Without its Service: unavailable, and its requests refused with 503.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.apiService("v1.gone.example.com", group: "gone.example.com", version: "v1",
                                                                          service: "missing", caBundle: backend.caBundle))
            #expect(r.status == 0, "\(r.output)")
            #expect(await Self.waitFor(c, #"ServiceNotFound service/missing in "default" is not present"#, "get", "apiservice", "v1.gone.example.com", "-o",
                                       "jsonpath={.status.conditions[0].reason} {.status.conditions[0].message}")
                    == #"ServiceNotFound service/missing in "default" is not present"#)
            r = try c.kubectl("get", "apiservice", "v1.gone.example.com")
            #expect(r.stdout.contains("False (ServiceNotFound)"), "\(r.output)")
            r = try c.kubectl("get", "--raw", "/apis/gone.example.com/v1/things")
            #expect(r.status != 0 && r.stderr.contains("ServiceUnavailable"), "\(r.output)")

            // metrics.k8s.io: served here until an APIService sends it elsewhere, as metrics-server's does.
            r = try c.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes")
            #expect(r.status == 0 && !r.stdout.contains("fake-node"), "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.apiService("v1beta1.metrics.k8s.io", group: "metrics.k8s.io", version: "v1beta1",
                                                                          service: "wardle", caBundle: backend.caBundle, priority: 100))
            #expect(r.status == 0, "\(r.output)")
            #expect(await Self.waitFor(c, "Passed", "get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "jsonpath={.status.conditions[0].reason}") == "Passed")
            r = try c.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes")
            #expect(r.stdout.contains("fake-node"), "\(r.output)")

            // Bad APIServices.
            let bad = """
                apiVersion: apiregistration.k8s.io/v1
                kind: APIService
                metadata: {name: v1.wrong.example.com}
                spec: {group: bad.example.com, version: v1, groupPriorityMinimum: 0, versionPriority: 2000, insecureSkipTLSVerify: true}
                """
            r = try c.kubectl(["apply", "-f", "-"], stdin: bad)
            #expect(r.status != 0)
            for message in [#"metadata.name: Invalid value: "v1.wrong.example.com": must be `spec.version+"."+spec.group`: "v1.bad.example.com""#,
                            "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
                            "spec.versionPriority: Invalid value: 2000: must be positive and less than 1000",
                            "spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify"] {
                #expect(r.stderr.contains(message), "\(message)\n\(r.output)")
            }
        }
    }
}
