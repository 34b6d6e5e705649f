extension Defaulter {
    /// The CPU utilization an autoscaler without metrics targets (upstream's `DefaultCPUUtilization`).
    public static let defaultCPUUtilization = 80

    /// upstream's autoscaling defaults: `minReplicas` 1; in v2 a CPU target of
    /// 80% when no metric is given, and a given `behavior`'s missing rules and
    /// fields filled from the default rules. (v1's CPU default is applied
    /// in conversion, where the metrics of its annotations are known.)
    func defaultHorizontalPodAutoscaler(_ obj: inout JSONValue) {
        var spec = obj["spec"] ?? .emptyObject
        setIfMissing(&spec, "minReplicas", 1)
        if obj["apiVersion"]?.stringValue != HorizontalPodAutoscalerV1.apiVersion {
            if (spec["metrics"]?.arrayValue ?? []).isEmpty {
                spec["metrics"] = [["type": "Resource",
                                    "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(Int64(Self.defaultCPUUtilization))]]]]
            }
            if var behavior = spec["behavior"], case .object = behavior {
                behavior["scaleUp"] = Self.fillRules(behavior["scaleUp"], HPABehaviorDefaults.scaleUp)
                behavior["scaleDown"] = Self.fillRules(behavior["scaleDown"], HPABehaviorDefaults.scaleDown)
                spec["behavior"] = behavior
            }
        }
        obj["spec"] = spec
    }

    static func fillRules(_ given: JSONValue?, _ defaults: HPAScalingRules) -> JSONValue {
        var rules = given ?? .emptyObject
        if rules["stabilizationWindowSeconds"] == nil || rules["stabilizationWindowSeconds"] == .null {
            rules["stabilizationWindowSeconds"] = .int(Int64(defaults.stabilizationWindowSeconds ?? 0))
        }
        if rules["selectPolicy"] == nil || rules["selectPolicy"] == .null { rules["selectPolicy"] = .string(defaults.selectPolicy ?? "Max") }
        if (rules["policies"]?.arrayValue ?? []).isEmpty {
            rules["policies"] = .array((defaults.policies ?? []).map {
                ["type": .string($0.type), "value": .int(Int64($0.value)), "periodSeconds": .int(Int64($0.periodSeconds))]
            })
        }
        return rules
    }
}

/// upstream's default scaling rules (`GenerateHPAScaleUpRules`,
/// `GenerateHPAScaleDownRules`): up by 4 pods or 100% per 15 s, whichever
/// is more, at once; down by 100% per 15 s after 5 minutes of lower
/// recommendations.
public enum HPABehaviorDefaults {
    public static let scaleUp = HPAScalingRules(stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [
        HPAScalingPolicy(type: "Pods", value: 4, periodSeconds: 15), HPAScalingPolicy(type: "Percent", value: 100, periodSeconds: 15),
    ])
    public static let scaleDown = HPAScalingRules(stabilizationWindowSeconds: 300, selectPolicy: "Max", policies: [
        HPAScalingPolicy(type: "Percent", value: 100, periodSeconds: 15),
    ])
}
