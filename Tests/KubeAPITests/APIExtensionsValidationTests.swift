import Foundation
import Testing
@testable import KubeAPI

/// Upstream's defaults and validation of CustomResourceDefinitions (apiextensions.k8s.io/v1).
@Suite struct APIExtensionsValidationTests {
    /// Defaults then validates, as the API server does on create (and on update, with `old`).
    func errors(_ crd: JSONValue, old: JSONValue? = nil) -> [String] {
        var obj = crd
        Defaulter().apply(kind: "CustomResourceDefinition", to: &obj)
        switch Validator.validate(kind: "CustomResourceDefinition", obj, old: old) {
        case .valid: return []
        case .invalid(let errs): return errs.map(\.description)
        case .undecodable(let message): return ["undecodable: \(message)"]
        }
    }

    static let schema: JSONValue = ["openAPIV3Schema": ["type": "object", "properties": ["spec": ["type": "object", "properties": ["replicas": ["type": "integer"]]]]]]

    static func crd(name: String = "widgets.example.com", group: String = "example.com", scope: String = "Namespaced",
                    names: JSONValue = ["plural": "widgets", "kind": "Widget"], versions: JSONValue? = nil) -> JSONValue {
        ["apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": .string(name)],
         "spec": ["group": .string(group), "scope": .string(scope), "names": names,
                  "versions": versions ?? [["name": "v1", "served": true, "storage": true, "schema": schema]]]]
    }

    @Test func defaultsFillTheNamesTheConversionAndTheStoredVersion() {
        var obj = Self.crd()
        Defaulter().apply(kind: "CustomResourceDefinition", to: &obj)
        #expect(obj[path: ["spec", "names", "singular"]] == "widget")
        #expect(obj[path: ["spec", "names", "listKind"]] == "WidgetList")
        #expect(obj[path: ["spec", "conversion", "strategy"]] == "None")
        #expect(obj[path: ["status", "storedVersions"]] == ["v1"])
        #expect(errors(Self.crd()) == [])
    }

    @Test func theNameIsPluralDotGroup() {
        #expect(errors(Self.crd(name: "widget.example.com")) ==
            [#"metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group"#])
    }

    @Test func theGroupIsADomainWithADot() {
        #expect(errors(Self.crd(name: "widgets.example", group: "example")) ==
            [#"spec.group: Invalid value: "example": should be a domain with at least one dot"#])
    }

    @Test func scopeIsClusterOrNamespaced() {
        #expect(errors(Self.crd(scope: "Global")) ==
            [#"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#])
    }

    @Test func exactlyOneStorageVersionAndEverySchemaGiven() {
        let two: JSONValue = [["name": "v1", "served": true, "storage": true, "schema": Self.schema],
                              ["name": "v2", "served": true, "storage": true]]
        #expect(errors(Self.crd(versions: two)) == [
            "spec.versions[1].schema.openAPIV3Schema: Required value",
            #"spec.versions: Invalid value: "": must have exactly one version marked as storage version"#,
        ])
        let same: JSONValue = [["name": "v1", "served": true, "storage": true, "schema": Self.schema],
                               ["name": "v1", "served": true, "storage": false, "schema": Self.schema]]
        #expect(errors(Self.crd(versions: same)) == [#"spec.versions: Invalid value: "": must contain unique version names"#])
    }

    @Test func namesAreDNSLabelsAndKindDiffersFromListKind() {
        let names: JSONValue = ["plural": "widgets", "kind": "Widget", "listKind": "Widget", "shortNames": ["w_g"]]
        let errs = errors(Self.crd(names: names))
        #expect(errs.count == 2)
        #expect(errs.contains { $0.hasPrefix(#"spec.names.shortNames[0]: Invalid value: "w_g": "#) })
        #expect(errs.contains(#"spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same"#))
    }

    @Test func scaleAndPrinterColumnPaths() {
        let version: JSONValue = ["name": "v1", "served": true, "storage": true, "schema": Self.schema,
                                  "subresources": ["status": .emptyObject, "scale": ["specReplicasPath": ".status.replicas", "statusReplicasPath": ".status.replicas"]],
                                  "additionalPrinterColumns": [["name": "Replicas", "type": "int", "jsonPath": "spec.replicas"]]]
        #expect(errors(Self.crd(versions: [version])) == [
            #"spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec"#,
            #"spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "int": must be one of boolean,date,integer,number,string"#,
            #"spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: "spec.replicas": must be a simple json path starting with ."#,
        ])
    }

    @Test func webhookConversionNeedsAClientAndAReviewVersion() {
        var obj = Self.crd()
        obj.set(path: ["spec", "conversion"], to: ["strategy": "Webhook", "webhook": ["conversionReviewVersions": ["v2"]]])
        #expect(errors(obj) == [
            "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook",
            #"spec.conversion.conversionReviewVersions: Invalid value: "v2": must include at least one of v1, v1beta1"#,
        ])
        obj.set(path: ["spec", "conversion", "webhook"], to: ["conversionReviewVersions": ["v1"],
                                                               "clientConfig": ["url": "http://convert.example.com/x?y=1"]])
        #expect(errors(obj) == [
            #"spec.conversion.webhookClientConfig.url: Invalid value: "http://convert.example.com/x?y=1": 'https' is the only allowed URL scheme"#,
            #"spec.conversion.webhookClientConfig.url: Invalid value: "http://convert.example.com/x?y=1": query parameters are not permitted in the URL"#,
        ])
    }

    @Test func protectedGroupsNeedTheApprovalAnnotation() {
        let crd = Self.crd(name: "widgets.x.k8s.io", group: "x.k8s.io")
        #expect(errors(crd) == [
            #"metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111"#,
        ])
        var approved = crd
        approved.set(path: ["metadata", "annotations"], to: ["api-approved.kubernetes.io": "https://github.com/kubernetes/kubernetes/pull/1"])
        #expect(errors(approved) == [])
        approved.set(path: ["metadata", "annotations"], to: ["api-approved.kubernetes.io": "unapproved, experimental"])
        #expect(errors(approved) == [])
    }

    @Test func groupAndPluralAreImmutableAndKindOnceEstablished() {
        var old = Self.crd()
        Defaulter().apply(kind: "CustomResourceDefinition", to: &old)
        old.set(path: ["metadata", "uid"], to: "u1")
        old.set(path: ["status", "conditions"], to: [["type": "Established", "status": "True"]])
        var renamed = old
        renamed.set(path: ["spec", "names"], to: ["plural": "widgets", "kind": "Gadget", "singular": "gadget", "listKind": "GadgetList"])
        #expect(errors(renamed, old: old) == [#"spec.names.kind: Invalid value: "Gadget": field is immutable"#])
    }

    @Test func storedVersionsMustStayServed() {
        var obj = Self.crd()
        obj.set(path: ["status", "storedVersions"], to: ["v1", "v1beta1"])
        #expect(errors(obj) == [
            "status.storedVersions[1]: Invalid value: \"v1beta1\": missing from spec.versions; v1beta1 was previously a storage version, and must remain in "
                + "spec.versions until a storage migration ensures no data remains persisted in v1beta1 and removes v1beta1 from status.storedVersions",
        ])
    }
}
