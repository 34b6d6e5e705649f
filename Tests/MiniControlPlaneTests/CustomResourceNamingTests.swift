import Foundation
import KubeAPI
import Testing
@testable import MiniControlPlane

/// Upstream's naming and establishing decisions, and the registry they feed.
@Suite struct CustomResourceNamingTests {
    static func crd(_ plural: String, kind: String, short: [String] = [], group: String = "example.com", accepted: Bool = false) -> CustomResourceDefinition {
        var names = CustomResourceDefinitionNames(plural: plural, singular: kind.lowercased(), shortNames: short, kind: kind, listKind: kind + "List")
        names.categories = nil
        var crd = CustomResourceDefinition(metadata: ObjectMeta(name: "\(plural).\(group)"), spec: CustomResourceDefinitionSpec(
            group: group, names: names, scope: "Namespaced", versions: [CustomResourceDefinitionVersion(name: "v1", storage: true)]))
        if accepted {
            crd.status = CustomResourceDefinitionStatus(conditions: [.init(type: "Established", status: "True")], acceptedNames: names, storedVersions: ["v1"])
        }
        return crd
    }

    @Test func freshNamesAreAcceptedAndEstablished() {
        let d = CustomResourceNaming.decide(Self.crd("widgets", kind: "Widget"), among: [])
        #expect(d.namesAccepted.status == "True" && d.namesAccepted.reason == "NoConflicts")
        #expect(d.established.status == "True" && d.established.reason == "InitialNamesAccepted")
        #expect(d.acceptedNames.plural == "widgets" && d.acceptedNames.kind == "Widget")
    }

    @Test func namesAnotherDefinitionOfTheGroupAcceptedAreRefused() {
        let first = Self.crd("widgets", kind: "Widget", short: ["wg"], accepted: true)
        let second = Self.crd("gadgets", kind: "Widget", short: ["wg"])
        let d = CustomResourceNaming.decide(second, among: [first, second])
        #expect(d.namesAccepted.status == "False")
        // Every name is checked in upstream's order (plural, singular, short names, kind, list kind); the last conflict is the one reported.
        #expect(d.namesAccepted.reason == "ListKindConflict" && d.namesAccepted.message == "\"WidgetList\" is already in use")
        #expect(d.established.status == "False" && d.established.reason == "NotAccepted")
        // The plural was free: taken; the kind was not.
        #expect(d.acceptedNames.plural == "gadgets" && d.acceptedNames.kind == "")
        // Another group may use the same names.
        let elsewhere = Self.crd("widgets", kind: "Widget", short: ["wg"], group: "other.example.com")
        #expect(CustomResourceNaming.decide(elsewhere, among: [first, elsewhere]).namesAccepted.status == "True")
    }

    @Test func onlyEstablishedDefinitionsAreServedInPreferredVersionOrder() {
        var crd = Self.crd("widgets", kind: "Widget", accepted: true)
        crd.spec.versions = [CustomResourceDefinitionVersion(name: "v1beta1", storage: false), CustomResourceDefinitionVersion(name: "v1", storage: true),
                             CustomResourceDefinitionVersion(name: "v2alpha1", storage: false)]
        let registry = ResourceRegistry()
        registry.replaceCustomResources(CustomResourceNaming.served([crd, Self.crd("gadgets", kind: "Gadget")]))
        let served = registry.snapshot.resources
        #expect(served.versions(group: "example.com") == ["v1", "v1beta1", "v2alpha1"])
        #expect(served.groups.last == "example.com")
        let beta = served.find(group: "example.com", version: "v1beta1", plural: "widgets")
        #expect(beta?.isStorageVersion == false && beta?.keyPrefix == "/registry/widgets.example.com/")
        #expect(beta?.fromStorage(["apiVersion": "example.com/v1"])["apiVersion"] == "example.com/v1beta1")
        #expect(served.find(group: "example.com", plural: "gadgets") == nil, "not established")
        #expect(registry.snapshot.generation == 1)
    }

    @Test func kubeVersionOrder() {
        let sorted = ["v1alpha1", "foo", "v1", "v2beta1", "v1beta2", "v2", "v10", "bar", "v1beta1"].sorted(by: KubeVersion.precedes)
        #expect(sorted == ["v10", "v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "bar", "foo"])
    }
}
