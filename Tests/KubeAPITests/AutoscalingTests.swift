import Foundation
import Testing
@testable import KubeAPI

/// HorizontalPodAutoscalers: v2 defaults, upstream's validation, and the
/// v1 ↔ v2 conversion that keeps what v1 cannot say in annotations.
@Suite struct AutoscalingTests {
    static func v2(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web", "namespace": "default"], "spec": spec]
    }

    static let target: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"]

    func errors(_ obj: JSONValue, apiVersion: String = "autoscaling/v2") -> [String] {
        var o = obj
        Defaulter().apply(kind: "HorizontalPodAutoscaler", to: &o)
        switch Validator.validate(apiVersion, kind: "HorizontalPodAutoscaler", o) {
        case .valid: return []
        case .invalid(let errs): return errs.map(\.description)
        case .undecodable(let message): return ["undecodable: \(message)"]
        }
    }

    @Test func v2DefaultsAreMinOneAndEightyPercentCPU() {
        var o = Self.v2(["scaleTargetRef": Self.target, "maxReplicas": 5])
        Defaulter().apply(kind: "HorizontalPodAutoscaler", to: &o)
        #expect(o[path: ["spec", "minReplicas"]] == 1)
        #expect(o[path: ["spec", "metrics"]] == [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]]]])
        #expect(o[path: ["spec", "behavior"]] == nil)
    }

    @Test func aGivenBehaviorIsFilledWithTheDefaultRules() {
        var o = Self.v2(["scaleTargetRef": Self.target, "maxReplicas": 5, "behavior": ["scaleDown": ["stabilizationWindowSeconds": 10]]])
        Defaulter().apply(kind: "HorizontalPodAutoscaler", to: &o)
        #expect(o[path: ["spec", "behavior", "scaleDown"]] == ["stabilizationWindowSeconds": 10, "selectPolicy": "Max",
                                                               "policies": [["type": "Percent", "value": 100, "periodSeconds": 15]]])
        #expect(o[path: ["spec", "behavior", "scaleUp", "policies"]]?.arrayValue?.count == 2)
    }

    @Test func badSpecsAreRefusedWithUpstreamsFields() {
        #expect(errors(Self.v2(["scaleTargetRef": Self.target, "minReplicas": 3, "maxReplicas": 2]))
            == ["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"])
        #expect(errors(Self.v2(["scaleTargetRef": Self.target, "minReplicas": 0, "maxReplicas": 2]))
            == ["spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"])
        #expect(errors(Self.v2(["scaleTargetRef": ["kind": "Deployment"], "maxReplicas": 2])) == ["spec.scaleTargetRef.name: Required value"])
        #expect(errors(Self.v2(["scaleTargetRef": Self.target, "maxReplicas": 2,
                                "metrics": [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization"]]]]]))
            == ["spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization"])
        #expect(errors(Self.v2(["scaleTargetRef": Self.target, "maxReplicas": 2,
                                "behavior": ["scaleUp": ["policies": [["type": "Pods", "value": 1, "periodSeconds": 3600]]]]]))
            == ["spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than or equal to 1800"])
    }

    @Test func aTargetKindWithoutScaleIsRefused() {
        let errs = errors(Self.v2(["scaleTargetRef": ["apiVersion": "v1", "kind": "ConfigMap", "name": "c"], "maxReplicas": 2]))
        #expect(errs.count == 1)
        #expect(errs.first?.hasPrefix("spec.scaleTargetRef.kind: Invalid value: \"ConfigMap\": ConfigMap has no scale subresource; scalable kinds:") == true)
        // A kind this server does not serve (a custom resource) is left to the controller.
        #expect(errors(Self.v2(["scaleTargetRef": ["apiVersion": "example.com/v1", "kind": "Widget", "name": "w"], "maxReplicas": 2])).isEmpty)
    }

    @Test func v1ConvertsToV2AndBackKeepingWhatV1CannotSay() throws {
        let v1: JSONValue = ["apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
                             "metadata": ["name": "web", "namespace": "default"],
                             "spec": ["scaleTargetRef": Self.target, "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50],
                             "status": ["currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 70]]
        let stored = AutoscalingV1Conversion.toStorage(v1)
        #expect(stored["apiVersion"] == "autoscaling/v2")
        #expect(stored[path: ["spec", "metrics"]] == [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 50]]]])
        #expect(stored[path: ["status", "currentMetrics"]]?.arrayValue?.first?[path: ["resource", "current", "averageUtilization"]] == 70)
        #expect(AutoscalingV1Conversion.fromStorage(stored, apiVersion: "autoscaling/v1") == v1)

        // A v2 object with a memory metric, behavior and conditions: v1 carries them in annotations, and back.
        var rich = stored
        rich.set(path: ["spec", "metrics"], to: .array((stored[path: ["spec", "metrics"]]?.arrayValue ?? [])
            + [["type": "Resource", "resource": ["name": "memory", "target": ["type": "AverageValue", "averageValue": "100Mi"]]]]))
        rich.set(path: ["spec", "behavior"], to: ["scaleDown": ["stabilizationWindowSeconds": 30]])
        rich.set(path: ["status", "conditions"], to: [["type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"]])
        let asV1 = AutoscalingV1Conversion.fromStorage(rich, apiVersion: "autoscaling/v1")
        #expect(asV1[path: ["spec", "targetCPUUtilizationPercentage"]] == 50)
        #expect(asV1[path: ["spec", "metrics"]] == nil)
        let annotations = asV1[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        #expect(Set(annotations.keys) == ["autoscaling.alpha.kubernetes.io/metrics", "autoscaling.alpha.kubernetes.io/behavior",
                                          "autoscaling.alpha.kubernetes.io/conditions"])
        #expect(AutoscalingV1Conversion.toStorage(asV1) == rich)
        // And v1 validates in the v2 form: a v1 object with no target gets v1's 80%.
        var bare = v1
        bare.set(path: ["spec", "targetCPUUtilizationPercentage"], to: nil)
        #expect(AutoscalingV1Conversion.toStorage(bare)[path: ["spec", "metrics"]]?.arrayValue?.first?[path: ["resource", "target", "averageUtilization"]] == 80)
        #expect(errors(bare, apiVersion: "autoscaling/v1").isEmpty)
    }

    @Test func bothVersionsAreServedWithV2Preferred() {
        #expect(ResourceCatalog.versions(group: "autoscaling") == ["v2", "v1"])
        #expect(ResourceCatalog.find(group: "autoscaling", plural: "horizontalpodautoscalers")?.version == "v2")
        let v1 = ResourceCatalog.find(group: "autoscaling", version: "v1", plural: "horizontalpodautoscalers")
        #expect(v1?.conversion != nil && v1?.keyPrefix == "/registry/horizontalpodautoscalers.autoscaling/")
        #expect(ResourceCatalog.info(for: HorizontalPodAutoscalerV1.self).version == "v1")
    }
}
