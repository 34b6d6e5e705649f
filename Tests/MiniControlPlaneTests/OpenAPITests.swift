import Foundation
import HTTPServing
import KubeAPI
import NIOHTTP1
import Testing
import TestSupport
@testable import MiniControlPlane

/// The OpenAPI documents as served: content negotiation, ETags and hashes.
@Suite struct OpenAPIDocumentTests {
    func get(_ uri: String, _ headers: [(String, String)] = []) -> HTTPResponse? {
        let req = HTTPRequest(method: .GET, uri: uri, headers: HTTPHeaders(headers), body: [])
        return OpenAPI.respond(req, segs: req.path.split(separator: "/").map(String.init))
    }

    func body(_ r: HTTPResponse?) -> JSONValue? {
        guard let r, case .bytes(let b) = r.body else { return nil }
        return try? JSONParser.parse(b)
    }

    @Test func indexLinksEveryGroupVersionWithItsHash() throws {
        let index = try #require(body(get("/openapi/v3")))
        let apps = try #require(index["paths"]?["apis/apps/v1"]?["serverRelativeURL"]?.stringValue)
        let doc = try #require(get(apps))
        #expect(doc.status == .ok)
        let etag = try #require(doc.headers.first(name: "etag"))
        #expect(apps.hasSuffix("?hash=" + etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
        #expect(doc.headers.first(name: "cache-control") == "public, immutable")
        #expect(get(apps, [("If-None-Match", etag)])?.status == .notModified)
        #expect(get("/openapi/v3/apis/apps/v1?hash=old")?.status == .movedPermanently)
        let schemas = try #require(body(doc)?["components"]?["schemas"])
        #expect(schemas["io.k8s.api.apps.v1.Deployment"]?["x-kubernetes-group-version-kind"] == [["group": "apps", "version": "v1", "kind": "Deployment"]])
        #expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] != nil)
        #expect(schemas["io.k8s.api.core.v1.PodSpec"] != nil)
    }

    @Test func everyServedKindHasASchema() throws {
        for r in ResourceCatalog.all where r.kind != "Binding" {
            let doc = try #require(body(get("/openapi/v3/" + OpenAPI.gvPath(r.group, r.version))))
            let kinds = (doc["components"]?["schemas"]?.objectValue ?? [:]).values.flatMap { $0["x-kubernetes-group-version-kind"]?.arrayValue ?? [] }
            #expect(kinds.contains(["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)]), "\(r.apiVersion) \(r.kind)")
        }
    }

    @Test func v2IsJSONOrGnosticProtobufAndNothingElse() throws {
        let json = try #require(body(get("/openapi/v2", [("Accept", "application/json")])))
        #expect(json["swagger"] == "2.0")
        #expect(json["definitions"]?["io.k8s.api.core.v1.Container"]?["properties"]?["env"]?["x-kubernetes-patch-merge-key"] == "name")
        let pb = try #require(get("/openapi/v2", [("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")]))
        #expect(pb.headers.first(name: "content-type") == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        guard case .bytes(let bytes) = pb.body else { Issue.record("no body"); return }
        // Document.swagger (field 1) = "2.0", then Document.info (field 2).
        #expect(Array(bytes.prefix(5)) == [0x0A, 0x03, 0x32, 0x2E, 0x30])
        #expect(bytes.count > 100_000)
        #expect(get("/openapi/v2", [("Accept", "application/yaml")])?.status == .notAcceptable)
        #expect(get("/openapi/v3/api/v1", [("Accept", "application/com.github.proto-openapi.spec.v3@v1.0+protobuf")])?.status == .notAcceptable)
    }
}

/// kubectl 1.32 against the served OpenAPI: explain, and strict validation
/// without the "failed to download openapi" warning.
@Suite(.requires(.product("controlplane"), .kubectl))
struct OpenAPIKubectlTests {
    @Test func explainAndValidate() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl("explain", "pod.spec.containers.livenessProbe")
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stdout.contains("Periodic probe of container liveness"))
            #expect(r.stdout.contains("failureThreshold\t<integer>"))
            r = try c.kubectl("explain", "pod.spec.volumes.nfs.server")
            #expect(r.stdout.contains("server is the hostname or IP address of the NFS server"), "\(r.output)")
            for res in ResourceCatalog.all where res.kind != "Binding" {
                // `--api-version` tells apart kinds served in two groups (events).
                let name = res.group.isEmpty ? res.plural : "\(res.plural) --api-version=\(res.apiVersion)"
                r = try c.kubectl(["explain", "--recursive"] + name.split(separator: " ").map(String.init))
                #expect(r.status == 0 && r.stdout.contains("KIND:       \(res.kind)"), "explain \(name): \(r.output)")
                #expect(r.stdout.contains("metadata\t<ObjectMeta>"), "explain \(name)")
            }
            r = try c.kubectl("explain", "deploy.spec.strategy", "--output", "plaintext-openapiv2")
            #expect(r.status == 0 && r.stdout.contains("Deployment"), "\(r.output)")

            let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: v}\nspec:\n  containers: [{name: c, image: x:1%@}]\n"
            r = try c.kubectl(["create", "--validate=strict", "-f", "-"], stdin: pod.replacingOccurrences(of: "%@", with: ", bogus: 1"))
            #expect(r.status != 0 && r.stderr.contains("unknown field \"spec.containers[0].bogus\""), "\(r.output)")
            #expect(!r.output.contains("failed to download openapi"))
            r = try c.kubectl(["apply", "--validate=strict", "-f", "-"], stdin: pod.replacingOccurrences(of: "%@", with: ", bogus: 1"))
            #expect(r.status != 0 && r.stderr.contains("unknown field"), "\(r.output)")
            r = try c.kubectl(["apply", "--validate=strict", "-f", "-"], stdin: pod.replacingOccurrences(of: "%@", with: ""))
            #expect(r.status == 0, "\(r.output)")
            // A second apply patches with strategic merge metadata from OpenAPI v3, quietly.
            r = try c.kubectl(["apply", "--validate=strict", "-v=6", "-f", "-"], stdin: pod.replacingOccurrences(of: "x:1%@", with: "x:2"))
            #expect(r.status == 0, "\(r.output)")
            #expect(!r.output.contains("failed to download openapi") && !r.output.contains("does not support strategic merge patch"), "\(r.output)")
            #expect(!r.output.contains("/openapi/v2"))
            #expect(try c.kubectl("get", "pod", "v", "-o", "jsonpath={.spec.containers[0].image}").stdout == "x:2")

            // A List is not a kind the server validates, so kubectl checks its
            // items itself against /openapi/v2 (gnostic protobuf).
            let list = """
                apiVersion: v1
                kind: List
                items:
                - {apiVersion: v1, kind: ConfigMap, metadata: {name: l1}, data: {a: b}}
                - apiVersion: apps/v1
                  kind: Deployment
                  metadata: {name: l2}
                  spec:
                    replicas: %@
                    selector: {matchLabels: {a: b}}
                    template:
                      metadata: {labels: {a: b}}
                      spec: {containers: [{name: c, image: "x:1"%@}]}

                """
            func listWith(_ replicas: String, _ extra: String) -> String {
                var text = list
                for value in [replicas, extra] {
                    if let r = text.range(of: "%@") { text.replaceSubrange(r, with: value) }
                }
                return text
            }
            r = try c.kubectl(["apply", "--validate=strict", "-f", "-"], stdin: listWith("1", ", bogus: 1"))
            #expect(r.status != 0 && r.stderr.contains("unknown field \"bogus\" in io.k8s.api.core.v1.Container"), "\(r.output)")
            r = try c.kubectl(["apply", "--validate=strict", "-f", "-"], stdin: listWith("\"two\"", ""))
            #expect(r.status != 0 && r.stderr.contains("invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got \"string\", expected \"integer\""), "\(r.output)")
            r = try c.kubectl(["apply", "--validate=strict", "-f", "-"], stdin: listWith("1", ""))
            #expect(r.status == 0 && !r.output.contains("failed to download openapi"), "\(r.output)")
        }
    }
}
