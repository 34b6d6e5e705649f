import KubeAPI
import Testing
@testable import Controllers

@Suite struct PodTemplateTests {
    let template: JSONValue = ["metadata": ["labels": ["app": "web"]],
                               "spec": ["containers": [["name": "c", "image": "nginx:1.25", "futureField": "kept"]]]]

    @Test func hashIsStableIgnoresItsLabelAndUsesTheSafeAlphabet() {
        let h = PodTemplate.hash(template, collisionCount: nil)
        #expect(h == PodTemplate.hash(template, collisionCount: nil))
        var labelled = template
        labelled.set(path: ["metadata", "labels", PodTemplate.hashLabel], to: .string(h))
        #expect(PodTemplate.hash(labelled, collisionCount: nil) == h)
        #expect(PodTemplate.hash(template, collisionCount: 1) != h)
        #expect(h.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        var changed = template
        changed.set(path: ["spec", "containers"], to: [["name": "c", "image": "nginx:1.26"]])
        #expect(PodTemplate.hash(changed, collisionCount: nil) != h)
    }

    @Test func templatesCompareWithoutTheHashLabel() {
        var labelled = template
        labelled.set(path: ["metadata", "labels", PodTemplate.hashLabel], to: "abc")
        #expect(PodTemplate.equalIgnoringHash(template, labelled))
        var other = template
        other.set(path: ["metadata", "labels", "tier"], to: "x")
        #expect(!PodTemplate.equalIgnoringHash(template, other))
    }

    @Test func podsKeepFieldsTheModelDoesNotKnow() throws {
        let owner = OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u1", controller: true, blockOwnerDeletion: true)
        let pod = try PodTemplate.pod(from: template, namespace: "ns", generateName: "web-1-", owner: owner)
        #expect(pod.metadata.generateName == "web-1-" && pod.metadata.namespace == "ns")
        #expect(pod.metadata.controllerRef?.uid == "u1")
        #expect(pod.metadata.labels == ["app": "web"])
        #expect(KubeCodec.encodeObject(pod)[path: ["spec", "containers"]]?.arrayValue?.first?["futureField"] == "kept")
    }
}
