/// autoscaling/v1 HorizontalPodAutoscaler ↔ autoscaling/v2 (storage), as
/// upstream's `pkg/apis/autoscaling/v1` conversion: v1's
/// `targetCPUUtilizationPercentage` is v2's first `cpu` `Utilization`
/// metric and `currentCPUUtilizationPercentage` its reading; what v1 cannot
/// say (other metrics, their readings, conditions, behavior) travels in
/// the `autoscaling.alpha.kubernetes.io/*` annotations, so a v1 client's
/// read-modify-write keeps it. The annotations hold the v2 shapes.
public enum AutoscalingV1Conversion: StorageConversion {
    public static let storageGroup = "autoscaling"
    public static let storageAPIVersion = "autoscaling/v2"

    static let metricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
    static let currentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
    static let conditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
    static let behaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior"

    /// v1 → v2.
    public static func toStorage(_ object: JSONValue) -> JSONValue {
        guard case .object = object else { return object }
        var o = object
        o["apiVersion"] = .string(storageAPIVersion)
        var annotations = o[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        func take(_ key: String) -> JSONValue? {
            guard let text = annotations.removeValue(forKey: key)?.stringValue else { return nil }
            return try? JSONParser.parse(text)
        }
        if var spec = o["spec"], case .object = spec {
            var metrics: [JSONValue] = []
            if let cpu = spec["targetCPUUtilizationPercentage"], cpu != .null {
                metrics.append(cpuMetric(["type": "Utilization", "averageUtilization": cpu]))
            }
            metrics += take(metricsAnnotation)?.arrayValue ?? []
            spec["targetCPUUtilizationPercentage"] = nil
            // v1's default target, applied here where the annotations' metrics are known (as upstream).
            if metrics.isEmpty {
                metrics = [cpuMetric(["type": "Utilization", "averageUtilization": .int(Int64(Defaulter.defaultCPUUtilization))])]
            }
            spec["metrics"] = .array(metrics)
            if let behavior = take(behaviorAnnotation) { spec["behavior"] = behavior }
            o["spec"] = spec
        }
        var currentMetrics: [JSONValue] = []
        var conditions: JSONValue?
        if var status = o["status"], case .object = status {
            if let cpu = status["currentCPUUtilizationPercentage"], cpu != .null {
                currentMetrics.append(["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": cpu]]])
            }
            status["currentCPUUtilizationPercentage"] = nil
            currentMetrics += take(currentMetricsAnnotation)?.arrayValue ?? []
            if !currentMetrics.isEmpty { status["currentMetrics"] = .array(currentMetrics) }
            conditions = take(conditionsAnnotation)
            if let conditions { status["conditions"] = conditions }
            o["status"] = status
        } else {
            _ = take(currentMetricsAnnotation)
            _ = take(conditionsAnnotation)
        }
        o.set(path: ["metadata", "annotations"], to: annotations.isEmpty ? nil : .object(annotations))
        return o
    }

    /// v2 → v1.
    public static func fromStorage(_ object: JSONValue, apiVersion: String) -> JSONValue {
        guard case .object = object else { return object }
        var o = object
        o["apiVersion"] = .string(apiVersion)
        var annotations = o[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        func put(_ key: String, _ value: JSONValue?) {
            guard let value, value != .null, value != .array([]) else { return }
            annotations[key] = .string(JSONWriter.string(value))
        }
        if var spec = o["spec"], case .object = spec {
            var others: [JSONValue] = []
            for m in spec["metrics"]?.arrayValue ?? [] {
                if spec["targetCPUUtilizationPercentage"] == nil, isCPUUtilization(m), let u = m[path: ["resource", "target", "averageUtilization"]] {
                    spec["targetCPUUtilizationPercentage"] = u
                } else {
                    others.append(m)
                }
            }
            spec["metrics"] = nil
            put(metricsAnnotation, .array(others))
            put(behaviorAnnotation, spec["behavior"])
            spec["behavior"] = nil
            o["spec"] = spec
        }
        if var status = o["status"], case .object = status {
            var others: [JSONValue] = []
            for m in status["currentMetrics"]?.arrayValue ?? [] {
                if status["currentCPUUtilizationPercentage"] == nil, m["type"]?.stringValue == "Resource",
                   m[path: ["resource", "name"]]?.stringValue == "cpu", let u = m[path: ["resource", "current", "averageUtilization"]] {
                    status["currentCPUUtilizationPercentage"] = u
                } else {
                    others.append(m)
                }
            }
            status["currentMetrics"] = nil
            put(currentMetricsAnnotation, .array(others))
            put(conditionsAnnotation, status["conditions"])
            status["conditions"] = nil
            if status["currentReplicas"] == nil { status["currentReplicas"] = .int(0) }
            o["status"] = status
        }
        o.set(path: ["metadata", "annotations"], to: annotations.isEmpty ? nil : .object(annotations))
        return o
    }

    static func cpuMetric(_ target: JSONValue) -> JSONValue {
        ["type": "Resource", "resource": ["name": "cpu", "target": target]]
    }

    static func isCPUUtilization(_ m: JSONValue) -> Bool {
        m["type"]?.stringValue == "Resource" && m[path: ["resource", "name"]]?.stringValue == "cpu"
            && m[path: ["resource", "target", "type"]]?.stringValue == "Utilization"
    }
}
