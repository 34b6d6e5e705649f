import Foundation
import KubeAPI
import Testing
import TestSupport
@testable import MiniControlPlane

/// Conversion `Webhook` through the real kubectl: a definition whose v1
/// (stored) has `spec.size` and v2 `spec.length`; objects written, read,
/// listed, patched and watched in v2 go through the test's conversion
/// webhook, and a webhook that fails makes reads in v2 fail with upstream's
/// message while v1 still reads.
@Suite(.requires(.product("controlplane"), .kubectl))
struct CustomResourceConversionTests {
    static func definition(caBundle: String, path: String) -> String {
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: gadgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: gadgets, singular: gadget, kind: Gadget}
          conversion:
            strategy: Webhook
            webhook:
              clientConfig: {service: {namespace: default, name: hook, path: \(path)}, caBundle: \(caBundle)}
              conversionReviewVersions: [v1]
          versions:
          - name: v1
            served: true
            storage: true
            schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
          - name: v2
            served: true
            storage: false
            schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {length: {type: integer}}}}}}
        """
    }

    @Test func objectsAreConvertedByTheDefinitionsWebhook() async throws {
        try await withCluster(.sqlite) { c in
            let hook = try await FakeWebhook(clusterData: c.dataDir, dir: c.dir.appendingPathComponent("webhook"))
            defer { hook.stop() }
            var r = try c.kubectl(["apply", "-f", "-"], stdin: AdmissionWebhookKubectlTests.service(port: hook.port))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.definition(caBundle: hook.caBundle, path: "/convert"))
            #expect(r.status == 0, "\(r.output)")
            #expect(try c.kubectl("wait", "--for=condition=Established", "crd/gadgets.example.com", "--timeout=30s").status == 0)

            // Written in v2, stored in v1 by the webhook, read back in both.
            r = try c.kubectl(["apply", "-f", "-"], stdin: "apiVersion: example.com/v2\nkind: Gadget\nmetadata: {name: g1}\nspec: {length: 5}\n")
            #expect(r.status == 0, "\(r.output)")
            #expect(try c.kubectl("get", "gadgets.v1.example.com", "g1", "-o", "jsonpath={.apiVersion} {.spec.size}").stdout == "example.com/v1 5")
            #expect(try c.kubectl("get", "gadgets.v2.example.com", "g1", "-o", "jsonpath={.apiVersion} {.spec.length}").stdout == "example.com/v2 5")
            r = try c.kubectl("get", "gadgets.v2.example.com", "-o", "jsonpath={.items[*].spec.length}")
            #expect(r.stdout == "5", "\(r.output)")

            // Patched in v2.
            r = try c.kubectl("patch", "gadgets.v2.example.com", "g1", "--type=merge", "-p", #"{"spec":{"length":7}}"#)
            #expect(r.status == 0, "\(r.output)")
            #expect(try c.kubectl("get", "gadgets.v1.example.com", "g1", "-o", "jsonpath={.spec.size}").stdout == "7")
            r = try c.kubectl("get", "--raw", "/apis/example.com/v2/namespaces/default/gadgets?watch=true&timeoutSeconds=1")
            #expect(r.stdout.contains(#""length":7"#) && r.stdout.contains(#""apiVersion":"example.com/v2""#), "\(r.output)")

            // A failing webhook: v2 cannot be read, v1 (stored) still can.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.definition(caBundle: hook.caBundle, path: "/nope"))
            #expect(r.status == 0, "\(r.output)")
            var failure = ""
            _ = await Harness.waitUntil(attempts: 100) {
                failure = (try? c.kubectl("get", "gadgets.v2.example.com", "g1"))?.stderr ?? ""
                return failure.contains("conversion webhook for example.com/v2, Kind=Gadget failed")
            }
            #expect(failure.contains("conversion webhook for example.com/v2, Kind=Gadget failed: the server responded with status 400"), "\(failure)")
            #expect(try c.kubectl("get", "gadgets.v1.example.com", "g1", "-o", "jsonpath={.spec.size}").stdout == "7")
        }
    }
}
