import Foundation
import KubeAPI
import Testing
import TestSupport

/// CustomResourceDefinitions through the real kubectl: a definition is
/// established and its resource served (discovery, create, get, list, short
/// names), two versions share one storage, a clashing definition is refused
/// its names, and deleting a definition deletes its objects first.
@Suite(.requires(.product("controlplane"), .kubectl))
struct CustomResourceKubectlTests {
    static func definition(plural: String = "widgets", kind: String = "Widget", short: String = "wg", group: String = "example.com") -> String {
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: \(plural).\(group)}
        spec:
          group: \(group)
          scope: Namespaced
          names: {plural: \(plural), kind: \(kind), shortNames: [\(short)]}
          versions:
          - name: v1
            served: true
            storage: true
            schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
          - name: v1beta1
            served: true
            storage: false
            schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
        """
    }

    static let widget = """
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w1}
        spec: {size: 3}
        """

    @Test func aDefinitionServesItsResourceUntilDeleted() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.definition())
            #expect(r.status == 0 && r.stdout.contains("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created"), "\(r.output)")
            r = try c.kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "crd", "widgets.example.com", "-o",
                              "jsonpath={.spec.names.singular}/{.spec.names.listKind}/{.status.acceptedNames.kind}/{.status.storedVersions}")
            #expect(r.stdout == #"widget/WidgetList/Widget/["v1"]"#, "\(r.output)")

            r = try c.kubectl("api-resources", "--api-group=example.com")
            #expect(r.stdout.contains("widgets") && r.stdout.contains("wg") && r.stdout.contains("example.com/v1"), "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.widget)
            #expect(r.status == 0 && r.stdout.contains("widget.example.com/w1 created"), "\(r.output)")
            r = try c.kubectl("get", "wg", "w1", "-o", "jsonpath={.spec.size}/{.metadata.generation}")
            #expect(r.stdout == "3/1", "\(r.output)")
            // The other version reads the same object.
            r = try c.kubectl("get", "widgets.v1beta1.example.com", "w1", "-o", "jsonpath={.apiVersion}")
            #expect(r.stdout == "example.com/v1beta1", "\(r.output)")
            r = try c.kubectl("patch", "widget", "w1", "--type=merge", "-p", #"{"spec":{"size":4}}"#)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("patch", "widget", "w1", "--type=strategic", "-p", #"{"spec":{"size":5}}"#)
            #expect(r.status != 0 && r.stderr.contains("the body of the request was in an unknown format"), "\(r.output)")
            r = try c.kubectl("get", "widgets", "-o", "jsonpath={.kind}/{.items[0].spec.size}/{.items[0].metadata.generation}")
            #expect(r.stdout == "List/4/2", "\(r.output)")

            // Another definition of the group wanting the same short name is refused it.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.definition(plural: "gadgets", kind: "Gadget"))
            #expect(r.status == 0, "\(r.output)")
            let refused = try eventually {
                try c.kubectl("get", "crd", "gadgets.example.com", "-o",
                              #"jsonpath={.status.conditions[?(@.type=="NamesAccepted")].reason}"#).stdout == "ShortNamesConflict"
            }
            #expect(refused, "gadgets.example.com kept NamesAccepted other than ShortNamesConflict")

            // Deleting the definition deletes its objects, then the definition and its endpoint.
            r = try c.kubectl("delete", "crd", "widgets.example.com", "--timeout=60s")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "crd", "widgets.example.com")
            #expect(r.status != 0 && r.stderr.contains("NotFound"), "\(r.output)")
            r = try c.kubectl("get", "--raw", "/apis/example.com/v1/namespaces/default/widgets")
            #expect(r.status != 0, "\(r.output)")
        }
    }

    @Test func invalidDefinitionsAreRefusedWithUpstreamsMessages() async throws {
        try await withCluster(.sqlite) { c in
            let wrongName = Self.definition().replacingOccurrences(of: "name: widgets.example.com", with: "name: widget.example.com")
            var r = try c.kubectl(["apply", "-f", "-"], stdin: wrongName)
            #expect(r.status != 0 && r.stderr.contains(#"metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group"#), "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.definition(group: "x.k8s.io"))
            #expect(r.status != 0 && r.stderr.contains("protected groups must have approval annotation"), "\(r.output)")
        }
    }
}
