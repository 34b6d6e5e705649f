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
            // Listed in the other version, every item is in it too.
            r = try c.kubectl("get", "widgets.v1beta1.example.com", "-o", "jsonpath={.items[*].apiVersion}")
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

    static let crontabs = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: crontabs.stable.example.com}
        spec:
          group: stable.example.com
          scope: Namespaced
          names: {plural: crontabs, kind: CronTab, shortNames: [ct]}
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
            selectableFields: [{jsonPath: .spec.image}]
            additionalPrinterColumns:
            - {name: Spec, type: string, jsonPath: .spec.cronSpec}
            - {name: Replicas, type: integer, jsonPath: .spec.replicas}
            - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
            - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [cronSpec]
                    x-kubernetes-validations:
                    - {rule: "self.image != 'forbidden'", message: that image is not allowed}
                    - {rule: "self.cronSpec == oldSelf.cronSpec", messageExpression: "'cronSpec is immutable (was ' + oldSelf.cronSpec + ')'"}
                    - rule: "!has(self.allowFrom) || isCIDR(self.allowFrom) && cidr(self.allowFrom).prefixLength() >= 8"
                      messageExpression: "'%s is not a network of /8 or narrower'.format([self.allowFrom])"
                    properties:
                      allowFrom: {type: string}
                      cronSpec: {type: string, pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'}
                      image: {type: string, default: busybox, description: The image the job runs.}
                      replicas: {type: integer, minimum: 1, maximum: 10, default: 1}
                  status:
                    type: object
                    properties:
                      replicas: {type: integer}
                      selector: {type: string}
                      conditions:
                        type: array
                        items: {type: object, properties: {type: {type: string}, status: {type: string}}}
        """

    /// A structural schema validates, prunes and defaults; printer columns and the scale subresource work through kubectl.
    @Test func aSchemaValidatesPrunesAndDefaultsAndColumnsAndScaleWork() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.crontabs)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("wait", "--for=condition=Established", "crd/crontabs.stable.example.com", "--timeout=30s")
            #expect(r.status == 0, "\(r.output)")

            // Invalid: refused with the schema's messages, nothing stored.
            let bad = "apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: bad}\nspec: {cronSpec: nope, replicas: 20}\n"
            r = try c.kubectl(["apply", "-f", "-"], stdin: bad)
            #expect(r.status != 0, "\(r.output)")
            #expect(r.stderr.contains(#"spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match"#), "\(r.output)")
            #expect(r.stderr.contains("spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10"), "\(r.output)")

            // Unknown fields are pruned with a warning; defaults are filled in.
            let good = "apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: ct1}\nspec: {cronSpec: '*/5 * * * *', colour: red}\n"
            r = try c.kubectl(["create", "--validate=warn", "-f", "-"], stdin: good)
            #expect(r.status == 0 && r.stderr.contains(#"unknown field "spec.colour""#), "\(r.output)")
            r = try c.kubectl("get", "ct", "ct1", "-o", "jsonpath={.spec.image}/{.spec.replicas}/{.spec.colour}")
            #expect(r.stdout == "busybox/1/", "\(r.output)")
            r = try c.kubectl(["create", "--validate=strict", "-f", "-"], stdin: good.replacingOccurrences(of: "ct1", with: "ct2"))
            #expect(r.status != 0 && r.stderr.contains(#"unknown field "spec.colour""#), "\(r.output)")

            // Status through the status subresource; printer columns in kubectl get.
            r = try c.kubectl("patch", "ct", "ct1", "--subresource=status", "--type=merge", "-p",
                              #"{"status":{"replicas":1,"selector":"app=ct1","conditions":[{"type":"Ready","status":"True"}]}}"#)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "crontabs")
            let header = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
            #expect(header.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "SPEC", "REPLICAS", "READY", "AGE"], "\(r.output)")
            #expect(r.stdout.contains("ct1") && r.stdout.contains("*/5 * * * *") && r.stdout.contains("True"), "\(r.output)")

            // kubectl scale goes through the scale subresource.
            r = try c.kubectl("scale", "crontab/ct1", "--replicas=3")
            #expect(r.status == 0 && r.stdout.contains("scaled"), "\(r.output)")
            r = try c.kubectl("get", "--raw", "/apis/stable.example.com/v1/namespaces/default/crontabs/ct1/scale")
            let scale = try JSONParser.parse(Array(r.stdout.utf8))
            #expect(scale[path: ["spec", "replicas"]] == 3 && scale[path: ["status", "selector"]] == "app=ct1", "\(r.output)")
            r = try c.kubectl("scale", "crontab/ct1", "--replicas=30")
            #expect(r.status != 0 && r.stderr.contains("should be less than or equal to 10"), "\(r.output)")

            // CEL rules, a transition rule among them.
            r = try c.kubectl(["create", "-f", "-"], stdin: good.replacingOccurrences(of: "ct1", with: "ct3").replacingOccurrences(of: "colour: red", with: "image: forbidden"))
            #expect(r.status != 0 && r.stderr.contains("spec: Invalid value: that image is not allowed"), "\(r.output)")
            r = try c.kubectl("patch", "ct", "ct1", "--type=merge", "-p", #"{"spec":{"cronSpec":"0 * * * *"}}"#)
            #expect(r.status != 0 && r.stderr.contains("spec: Invalid value: cronSpec is immutable (was */5 * * * *)"), "\(r.output)")
            // Kubernetes' CEL libraries (CIDR, format).
            r = try c.kubectl("patch", "ct", "ct1", "--type=merge", "-p", #"{"spec":{"allowFrom":"10.0.0.0/4"}}"#)
            #expect(r.status != 0 && r.stderr.contains("spec: Invalid value: 10.0.0.0/4 is not a network of /8 or narrower"), "\(r.output)")
            r = try c.kubectl("patch", "ct", "ct1", "--type=merge", "-p", #"{"spec":{"allowFrom":"10.1.0.0/16"}}"#)
            #expect(r.status == 0, "\(r.output)")

            // Selectable fields; other fields are refused as upstream refuses them.
            r = try c.kubectl("get", "ct", "--field-selector", "spec.image=busybox", "-o", "name")
            #expect(r.stdout == "crontab.stable.example.com/ct1\n", "\(r.output)")
            r = try c.kubectl("get", "ct", "--field-selector", "spec.image=nginx", "-o", "name")
            #expect(r.status == 0 && r.stdout.isEmpty, "\(r.output)")
            r = try c.kubectl("get", "ct", "--field-selector", "spec.cronSpec=x")
            #expect(r.status != 0 && r.stderr.contains("field label not supported: spec.cronSpec"), "\(r.output)")

            // kubectl explain reads the schema from the published OpenAPI.
            r = try c.kubectl("explain", "crontab.spec")
            #expect(r.status == 0 && r.stdout.contains("KIND:       CronTab") && r.stdout.contains("image\t<string>")
                    && r.stdout.contains("The image the job runs."), "\(r.output)")
            r = try c.kubectl("explain", "crontab.spec.image", "--output=plaintext-openapiv2")
            #expect(r.status == 0 && r.stdout.contains("The image the job runs."), "\(r.output)")

            // Deleting a namespace deletes its custom objects, waiting for their finalizers.
            r = try c.kubectl("create", "namespace", "jobs")
            let held = "apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: held, namespace: jobs, finalizers: [example.com/hold]}\nspec: {cronSpec: '* * * * *'}\n"
            r = try c.kubectl(["create", "-f", "-"], stdin: held)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("delete", "namespace", "jobs", "--wait=false")
            let marked = try eventually {
                try !c.kubectl("get", "ct", "held", "-n", "jobs", "-o", "jsonpath={.metadata.deletionTimestamp}").stdout.isEmpty
            }
            #expect(marked, "the namespace controller did not delete the custom object")
            r = try c.kubectl("get", "namespace", "jobs", "-o", "jsonpath={.status.phase}")
            #expect(r.stdout == "Terminating", "\(r.output)")
            r = try c.kubectl("patch", "ct", "held", "-n", "jobs", "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#)
            #expect(r.status == 0, "\(r.output)")
            let gone = try eventually { try c.kubectl("get", "namespace", "jobs").status != 0 }
            #expect(gone, "the namespace stayed after its last object went")

            // Ratcheting: made stricter, the definition refuses new offending values
            // but lets through updates that leave an old one (image busybox) alone.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.crontabs.replacingOccurrences(of: "image: {type: string, default: busybox,", with: "image: {type: string, maxLength: 3, default: bb,"))
            #expect(r.status == 0, "\(r.output)")
            let stricter = try eventually {
                try c.kubectl("patch", "ct", "ct1", "--dry-run=server", "--type=merge", "-p", #"{"spec":{"image":"nginx"}}"#)
                    .stderr.contains("spec.image: Too long: may not be more than 3 bytes")
            }
            #expect(stricter, "the stricter schema was not applied")
            r = try c.kubectl("patch", "ct", "ct1", "--type=merge", "-p", #"{"spec":{"replicas":2}}"#)
            #expect(r.status == 0, "\(r.output)")
        }
    }

    /// A rule that would run too long is stopped at upstream's per-call cost
    /// limit: the write gets a 422 that says so, and the server answers the
    /// next requests as before.
    @Test func aRuleOverItsCostLimitIsRefusedAndTheServerGoesOn() async throws {
        try await withCluster(.sqlite) { c in
            let definition = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: spinners.example.com}
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {plural: spinners, kind: Spinner}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec:
                            type: object
                            x-kubernetes-validations:
                            - rule: "self.words.all(a, self.words.all(b, self.words.all(c, a + b + c != 'x')))"
                            properties:
                              words: {type: array, items: {type: string}}
                """
            var r = try c.kubectl(["apply", "-f", "-"], stdin: definition)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("wait", "--for=condition=Established", "crd/spinners.example.com", "--timeout=30s")
            let words = (0..<200).map { "w\($0)" }.joined(separator: ", ")
            r = try c.kubectl(["create", "-f", "-"], stdin: "apiVersion: example.com/v1\nkind: Spinner\nmetadata: {name: s}\nspec: {words: [\(words)]}\n")
            #expect(r.status != 0 && r.stderr.contains("The Spinner \"s\" is invalid: spec: Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.words.all(a, self.words.all(b, self.words.all(c, a + b + c != 'x')))"),
                    "\(r.output)")
            r = try c.kubectl(["create", "-f", "-"], stdin: "apiVersion: example.com/v1\nkind: Spinner\nmetadata: {name: small}\nspec: {words: [a, b]}\n")
            #expect(r.status == 0, "\(r.output)")
            #expect(try c.kubectl("get", "spinners", "-o", "name").stdout == "spinner.example.com/small\n")
        }
    }

    /// The garbage collector follows custom resources: a ConfigMap owned by a
    /// custom object goes with it (background and foreground), and a custom
    /// object owned by a ConfigMap goes with that.
    @Test func garbageCollectionFollowsCustomResources() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.definition())
            r = try c.kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s")
            #expect(r.status == 0, "\(r.output)")
            func uid(_ what: String) throws -> String { try c.kubectl("get", what, "-o", "jsonpath={.metadata.uid}").stdout }
            func owned(_ name: String, by kind: String, _ apiVersion: String, _ owner: String, _ ownerUID: String, block: Bool = false) -> String {
                "metadata: {name: \(name), ownerReferences: [{apiVersion: \(apiVersion), kind: \(kind), name: \(owner), uid: \(ownerUID)\(block ? ", blockOwnerDeletion: true" : "")}]}"
            }
            // A ConfigMap owned by a widget.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.widget)
            let w1 = try uid("widget/w1")
            r = try c.kubectl(["create", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\n" + owned("cm1", by: "Widget", "example.com/v1", "w1", w1))
            #expect(r.status == 0, "\(r.output)")
            // A widget owned by a ConfigMap (its owner reference in the other served version).
            r = try c.kubectl("create", "configmap", "owner")
            let owner = try uid("configmap/owner")
            r = try c.kubectl(["create", "-f", "-"], stdin: "apiVersion: example.com/v1beta1\nkind: Widget\n" + owned("w2", by: "ConfigMap", "v1", "owner", owner))
            #expect(r.status == 0, "\(r.output)")

            r = try c.kubectl("delete", "widget", "w1")
            let cmGone = try eventually(seconds: 90) { try c.kubectl("get", "configmap", "cm1").status != 0 }
            #expect(cmGone, "cm1 outlived its owner widget w1")
            r = try c.kubectl("delete", "configmap", "owner")
            let widgetGone = try eventually(seconds: 90) { try c.kubectl("get", "widget", "w2").status != 0 }
            #expect(widgetGone, "widget w2 outlived its owner configmap")

            // Foreground: the owner waits for its blocking dependent.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.widget.replacingOccurrences(of: "w1", with: "w3"))
            let w3 = try uid("widget/w3")
            r = try c.kubectl(["create", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\n" + owned("cm3", by: "Widget", "example.com/v1", "w3", w3, block: true))
            r = try c.kubectl("delete", "widget", "w3", "--cascade=foreground", "--timeout=90s")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "configmap", "cm3")
            #expect(r.status != 0, "\(r.output)")
        }
    }

    /// Server-side apply merges custom objects by their schema: a `map` list by its key,
    /// so two managers own one item each, and changing another's item is a conflict.
    @Test func serverSideApplyMergesMapListsByKey() async throws {
        try await withCluster(.sqlite) { c in
            let crd = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: gateways.net.example.com}
                spec:
                  group: net.example.com
                  scope: Namespaced
                  names: {plural: gateways, kind: Gateway}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec:
                            type: object
                            properties:
                              listeners:
                                type: array
                                x-kubernetes-list-type: map
                                x-kubernetes-list-map-keys: [name]
                                items: {type: object, required: [name], properties: {name: {type: string}, port: {type: integer}}}
                """
            var r = try c.kubectl(["apply", "-f", "-"], stdin: crd)
            r = try c.kubectl("wait", "--for=condition=Established", "crd/gateways.net.example.com", "--timeout=30s")
            #expect(r.status == 0, "\(r.output)")
            func gateway(_ name: String, _ port: Int) -> String {
                "apiVersion: net.example.com/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: {listeners: [{name: \(name), port: \(port)}]}\n"
            }
            r = try c.kubectl(["apply", "--server-side", "--field-manager=a", "-f", "-"], stdin: gateway("http", 80))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "--server-side", "--field-manager=b", "-f", "-"], stdin: gateway("https", 443))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "gateway", "gw", "-o", "jsonpath={.spec.listeners[*].name}")
            #expect(r.stdout == "http https", "\(r.output)")
            r = try c.kubectl(["apply", "--server-side", "--field-manager=a", "-f", "-"], stdin: gateway("https", 8443))
            #expect(r.status != 0 && r.stderr.contains("conflict") && r.stderr.contains("\"b\""), "\(r.output)")
        }
    }
}
