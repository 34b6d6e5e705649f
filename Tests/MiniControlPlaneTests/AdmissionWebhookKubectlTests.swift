import Foundation
import KubeAPI
import Logging
import NIOSSL
import Testing
import TestSupport
@testable import MiniControlPlane
import HTTPServing

/// An admission webhook served over HTTPS in the test process, with a
/// certificate from the cluster's CA for `hook.default.svc` and 127.0.0.1:
/// - `/mutate` adds the label `webhook.example.com/seen: "true"` and warns;
/// - `/validate` refuses objects labelled `deny: "true"` (403, with a message) and warns otherwise;
/// - `/slow` answers after five seconds; `/garbage` answers HTML;
/// - `/first` annotates what it saw of `/second`'s label and the request's `dryRun`;
/// - `/second` adds the label `second: done`;
/// - `/convert` answers ConversionReviews between `example.com/v1` (`spec.size`)
///   and `example.com/v2` (`spec.length`).
final class FakeWebhook: Sendable {
    let port: Int
    let caBundle: String
    let task: Task<Void, any Error>

    init(clusterData: URL, dir: URL) async throws {
        let signed = try ClusterSignedServer(clusterData: clusterData, dir: dir, sans: ["hook.default.svc", "127.0.0.1"])
        caBundle = signed.caBundle
        let tls = try NIOSSLContext(configuration: signed.tls)
        let port = Harness.freePort()
        self.port = port
        let server = HTTPServer(host: "127.0.0.1", port: port, tls: tls, logger: Logger(label: "fake-webhook")) { req in
            if req.path == "/convert" { return Self.convert(req.body) }
            if req.path == "/garbage" { return .text("<html>not a review</html>", contentType: "text/html") }
            guard let review = try? JSONValueDecoder.decode(AdmissionReview.self, from: JSONParser.parse(req.body)),
                  let request = review.request else { return .text("not an AdmissionReview", status: .badRequest) }
            var response = AdmissionResponse(uid: request.uid, allowed: true)
            let labels = request.object?[path: ["metadata", "labels"]]?.objectValue
            switch req.path {
            case "/mutate":
                let patch: JSONValue = labels == nil
                    ? [["op": "add", "path": "/metadata/labels", "value": ["webhook.example.com/seen": "true"]]]
                    : [["op": "add", "path": "/metadata/labels/webhook.example.com~1seen", "value": "true"]]
                response.patch = Data(JSONWriter.bytes(patch)).base64EncodedString()
                response.patchType = "JSONPatch"
                response.warnings = ["mutated by the test webhook"]
            case "/validate":
                if labels?["deny"]?.stringValue == "true" {
                    response.allowed = false
                    response.status = Status(message: "label deny=true is not allowed", reason: "Forbidden", code: 403)
                } else {
                    response.warnings = ["validated by the test webhook"]
                }
            case "/slow":
                try? await Task.sleep(for: .seconds(5))
            case "/first":
                var annotations = request.object?[path: ["metadata", "annotations"]]?.objectValue ?? [:]
                annotations["first.example.com/saw"] = .string(labels?["second"]?.stringValue ?? "nothing")
                annotations["first.example.com/dry-run"] = .string(String(request.dryRun ?? false))
                let patch: JSONValue = [["op": "add", "path": "/metadata/annotations", "value": .object(annotations)]]
                response.patch = Data(JSONWriter.bytes(patch)).base64EncodedString()
                response.patchType = "JSONPatch"
            case "/second":
                var merged = labels ?? [:]
                merged["second"] = "done"
                let patch: JSONValue = [["op": "add", "path": "/metadata/labels", "value": .object(merged)]]
                response.patch = Data(JSONWriter.bytes(patch)).base64EncodedString()
                response.patchType = "JSONPatch"
            default:
                return .text("no such webhook", status: .notFound)
            }
            var answer = AdmissionReview(response: response)
            answer.request = nil
            return .jsonBytes(JSONWriter.bytes(KubeCodec.encode(answer)))
        }
        task = Task { try await server.run() }
        _ = await Harness.waitUntil { Harness.canConnect(port: port) }
    }

    func stop() { task.cancel() }

    /// A conversion webhook: `spec.size` in v1 is `spec.length` in v2.
    static func convert(_ body: [UInt8]) -> HTTPResponse {
        guard let review = try? JSONParser.parse(body), let request = review["request"] else {
            return .text("not a ConversionReview", status: .badRequest)
        }
        let desired = request["desiredAPIVersion"]?.stringValue ?? ""
        let objects: [JSONValue] = (request["objects"]?.arrayValue ?? []).map { o in
            var c = o
            c["apiVersion"] = .string(desired)
            var spec = o["spec"]?.objectValue ?? [:]
            if desired == "example.com/v2", let size = spec.removeValue(forKey: "size") { spec["length"] = size }
            if desired == "example.com/v1", let length = spec.removeValue(forKey: "length") { spec["size"] = length }
            c["spec"] = .object(spec)
            return c
        }
        let answer: JSONValue = ["apiVersion": "apiextensions.k8s.io/v1", "kind": "ConversionReview",
                                 "response": ["uid": request["uid"] ?? "", "convertedObjects": .array(objects), "result": ["status": "Success"]]]
        return .jsonBytes(JSONWriter.bytes(answer))
    }
}

/// Admission webhooks through the real kubectl: a mutating webhook adds a
/// label (its warning shown), a validating webhook refuses with its message,
/// match conditions and object selectors pass requests by, a webhook that is
/// down is passed over under `failurePolicy: Ignore` and refuses under
/// `Fail`, a slow one times out, and bad configurations are refused with
/// upstream's field errors.
@Suite(.requires(.product("controlplane"), .kubectl))
struct AdmissionWebhookKubectlTests {
    static func service(port: Int) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: hook}
        spec: {ports: [{name: https, port: 443, targetPort: \(port)}]}
        ---
        apiVersion: v1
        kind: Endpoints
        metadata: {name: hook}
        subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{name: https, port: \(port)}]}]
        """
    }

    static func configurations(caBundle: String) -> String {
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: label-adder}
        webhooks:
        - name: mutate.example.com
          clientConfig: {service: {namespace: default, name: hook, path: /mutate}, caBundle: \(caBundle)}
          rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
          objectSelector: {matchExpressions: [{key: skip, operator: DoesNotExist}]}
          matchConditions: [{name: not-skipped, expression: "object.metadata.name != 'skip-me'"}]
          sideEffects: None
          admissionReviewVersions: [v1]
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata: {name: denier}
        webhooks:
        - name: deny.example.com
          clientConfig: {service: {namespace: default, name: hook, path: /validate}, caBundle: \(caBundle)}
          rules: [{operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
          sideEffects: None
          admissionReviewVersions: [v1]
        """
    }

    @Test func webhooksMutateValidateAndFailAsTheirPolicySays() async throws {
        try await withCluster(.sqlite) { c in
            let hook = try await FakeWebhook(clusterData: c.dataDir, dir: c.dir.appendingPathComponent("webhook"))
            defer { hook.stop() }
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.service(port: hook.port))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.configurations(caBundle: hook.caBundle))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "validatingwebhookconfigurations")
            #expect(r.stdout.contains("denier") && r.stdout.contains("WEBHOOKS"), "\(r.output)")

            // Mutated, with both webhooks' warnings shown by kubectl.
            r = try c.kubectl("create", "configmap", "plain")
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stderr.contains("Warning: mutated by the test webhook"), "\(r.output)")
            #expect(r.stderr.contains("Warning: validated by the test webhook"), "\(r.output)")
            r = try c.kubectl("get", "configmap", "plain", "-o", "jsonpath={.metadata.labels}")
            #expect(r.stdout.contains("\"webhook.example.com/seen\":\"true\""), "\(r.output)")

            // A match condition and an object selector pass requests by.
            r = try c.kubectl("create", "configmap", "skip-me")
            r = try c.kubectl("get", "configmap", "skip-me", "-o", "jsonpath={.metadata.labels}")
            #expect(r.status == 0 && r.stdout.isEmpty, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: selected-out, labels: {skip: \"yes\"}}\n")
            r = try c.kubectl("get", "configmap", "selected-out", "-o", "jsonpath={.metadata.labels}")
            #expect(r.stdout == "{\"skip\":\"yes\"}", "\(r.output)")

            // Refused with the webhook's message and code.
            r = try c.kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: refused, labels: {deny: \"true\"}}\n")
            #expect(r.status != 0)
            #expect(r.stderr.contains(#"admission webhook "deny.example.com" denied the request: label deny=true is not allowed"#), "\(r.output)")
            #expect(try c.kubectl("get", "configmap", "refused").status != 0)

            // A webhook that is down: passed over under Ignore, refusing under Fail.
            let closed = Harness.freePort()
            let down = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingWebhookConfiguration
                metadata: {name: down}
                webhooks:
                - name: down.example.com
                  clientConfig: {url: "https://127.0.0.1:\(closed)/validate", caBundle: \(hook.caBundle)}
                  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
                  failurePolicy: Ignore
                  timeoutSeconds: 2
                  sideEffects: None
                  admissionReviewVersions: [v1]
                """
            r = try c.kubectl(["apply", "-f", "-"], stdin: down)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("create", "configmap", "despite-down")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: down.replacingOccurrences(of: "failurePolicy: Ignore", with: "failurePolicy: Fail"))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("create", "configmap", "refused-down")
            #expect(r.status != 0)
            #expect(r.stderr.contains(#"Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:\#(closed)/validate?timeout=2s": dial tcp 127.0.0.1:\#(closed): connect: connection refused"#),
                    "\(r.output)")

            // A slow webhook times out.
            let slow = down.replacingOccurrences(of: "127.0.0.1:\(closed)/validate", with: "127.0.0.1:\(hook.port)/slow")
                .replacingOccurrences(of: "timeoutSeconds: 2", with: "timeoutSeconds: 1")
                .replacingOccurrences(of: "failurePolicy: Ignore", with: "failurePolicy: Fail")
            r = try c.kubectl(["apply", "-f", "-"], stdin: slow)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("create", "configmap", "too-slow")
            #expect(r.stderr.contains("context deadline exceeded"), "\(r.output)")

            // One that answers garbage.
            r = try c.kubectl(["apply", "-f", "-"], stdin: slow.replacingOccurrences(of: "/slow", with: "/garbage"))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("create", "configmap", "garbled")
            #expect(r.status != 0 && r.stderr.contains(#"failed calling webhook "down.example.com": received invalid webhook response"#), "\(r.output)")
            // The API server's other requests are unaffected.
            #expect(try c.kubectl("get", "configmaps").status == 0)
            #expect(try c.kubectl("delete", "validatingwebhookconfiguration", "down").status == 0)

            // The configurations themselves never go to webhooks, and bad ones are refused.
            let bad = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingWebhookConfiguration
                metadata: {name: bad}
                webhooks:
                - name: bad
                  clientConfig: {url: "http://example.com/x"}
                  rules: [{operations: [CREATE, "*"], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
                  timeoutSeconds: 31
                  admissionReviewVersions: [v2]
                """
            r = try c.kubectl(["apply", "-f", "-"], stdin: bad)
            #expect(r.status != 0)
            for message in [#"webhooks[0].name: Invalid value: "bad": should be a domain with at least three segments separated by dots"#,
                            "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
                            #"webhooks[0].clientConfig.url: Invalid value: "http://example.com/x": 'https' is the only allowed URL scheme"#,
                            "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
                            #"webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1"#,
                            #"webhooks[0].rules[0].operations: Invalid value: []string{"CREATE", "*"}: if '*' is present, must not specify other operations"#] {
                #expect(r.stderr.contains(message), "\(message)\n\(r.output)")
            }
        }
    }

    /// Two mutating webhooks limited to labelled namespaces: the first
    /// (`reinvocationPolicy: IfNeeded`) is called again after the second
    /// changed the object, and sees its label; a server-side dry run reaches
    /// the webhooks with `dryRun: true` and stores nothing.
    @Test func reinvocationNamespaceSelectorAndDryRun() async throws {
        try await withCluster(.sqlite) { c in
            let hook = try await FakeWebhook(clusterData: c.dataDir, dir: c.dir.appendingPathComponent("webhook"))
            defer { hook.stop() }
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.service(port: hook.port))
            #expect(r.status == 0, "\(r.output)")
            let chain = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: MutatingWebhookConfiguration
                metadata: {name: chain}
                webhooks:
                - name: first.example.com
                  clientConfig: {service: {namespace: default, name: hook, path: /first}, caBundle: \(hook.caBundle)}
                  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
                  namespaceSelector: {matchLabels: {hooked: "yes"}}
                  reinvocationPolicy: IfNeeded
                  sideEffects: None
                  admissionReviewVersions: [v1]
                - name: second.example.com
                  clientConfig: {service: {namespace: default, name: hook, path: /second}, caBundle: \(hook.caBundle)}
                  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
                  namespaceSelector: {matchLabels: {hooked: "yes"}}
                  sideEffects: None
                  admissionReviewVersions: [v1]
                """
            r = try c.kubectl(["apply", "-f", "-"], stdin: chain)
            #expect(r.status == 0, "\(r.output)")
            for ns in ["hooked", "plain"] { #expect(try c.kubectl("create", "namespace", ns).status == 0) }
            #expect(try c.kubectl("label", "namespace", "hooked", "hooked=yes").status == 0)

            // Reinvoked: the first webhook's second call saw the second's label.
            #expect(try c.kubectl("create", "configmap", "x", "-n", "hooked").status == 0)
            r = try c.kubectl("get", "configmap", "x", "-n", "hooked", "-o",
                              "jsonpath={.metadata.labels.second} {.metadata.annotations.first\\.example\\.com/saw} {.metadata.annotations.first\\.example\\.com/dry-run}")
            #expect(r.stdout == "done done false", "\(r.output)")

            // The namespace selector leaves other namespaces alone.
            #expect(try c.kubectl("create", "configmap", "x", "-n", "plain").status == 0)
            r = try c.kubectl("get", "configmap", "x", "-n", "plain", "-o", "jsonpath={.metadata.labels}{.metadata.annotations}")
            #expect(r.status == 0 && r.stdout.isEmpty, "\(r.output)")

            // A server-side dry run: the webhooks see dryRun and nothing is stored.
            r = try c.kubectl("create", "configmap", "y", "-n", "hooked", "--dry-run=server", "-o",
                              "jsonpath={.metadata.labels.second} {.metadata.annotations.first\\.example\\.com/dry-run}")
            #expect(r.status == 0 && r.stdout == "done true", "\(r.output)")
            #expect(try c.kubectl("get", "configmap", "y", "-n", "hooked").status != 0)
        }
    }
}
