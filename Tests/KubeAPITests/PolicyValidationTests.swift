import Foundation
import Testing
@testable import KubeAPI

/// Upstream's validation of PodDisruptionBudgets (policy/v1).
@Suite struct PolicyValidationTests {
    func errors(_ obj: JSONValue, old: JSONValue? = nil) -> [String] {
        var o = obj
        Defaulter().apply(kind: "PodDisruptionBudget", to: &o)
        switch Validator.validate(kind: "PodDisruptionBudget", o, old: old) {
        case .valid: return []
        case .invalid(let errs): return errs.map(\.description)
        case .undecodable(let message): return ["undecodable: \(message)"]
        }
    }

    static func pdb(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": "web", "namespace": "default"], "spec": spec]
    }

    @Test func validBudgets() {
        #expect(errors(Self.pdb(["minAvailable": 2, "selector": ["matchLabels": ["app": "web"]]])) == [])
        #expect(errors(Self.pdb(["maxUnavailable": "25%", "selector": ["matchLabels": ["app": "web"]]])) == [])
        // An empty selector is valid in v1 (it selects every pod of the namespace).
        #expect(errors(Self.pdb(["minAvailable": "100%", "selector": .emptyObject, "unhealthyPodEvictionPolicy": "AlwaysAllow"])) == [])
        #expect(errors(Self.pdb(.emptyObject)) == [])
    }

    @Test func bothBoundsAreRefused() {
        let errs = errors(Self.pdb(["minAvailable": 1, "maxUnavailable": 1]))
        #expect(errs.count == 1)
        #expect(errs.first?.hasPrefix("spec: Invalid value: policy.PodDisruptionBudgetSpec{") == true)
        #expect(errs.first?.hasSuffix(": minAvailable and maxUnavailable cannot be both set") == true)
    }

    @Test func negativeAndPercentBounds() {
        #expect(errors(Self.pdb(["minAvailable": -1])) == ["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"])
        #expect(errors(Self.pdb(["maxUnavailable": "120%"])) == ["spec.maxUnavailable: Invalid value: \"120%\": must not be greater than 100%"])
        #expect(errors(Self.pdb(["minAvailable": "half"])).first?.contains("a valid percent string must be a numeric string followed by an ending '%'") == true)
    }

    @Test func policyAndSelectorAreChecked() {
        #expect(errors(Self.pdb(["unhealthyPodEvictionPolicy": "Sometimes"]))
            == ["spec.unhealthyPodEvictionPolicy: Unsupported value: \"Sometimes\": supported values: \"AlwaysAllow\", \"IfHealthyBudget\""])
        let bad = errors(Self.pdb(["selector": ["matchExpressions": [["key": "app", "operator": "In"]]]]))
        #expect(bad.count == 1 && bad.first?.hasPrefix("spec.selector: Invalid value") == true)
    }

    @Test func statusCountsAreNonNegative() {
        var p = Self.pdb(["minAvailable": 1])
        p["status"] = ["disruptionsAllowed": -1, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0]
        #expect(errors(p) == ["status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0"])
    }
}
