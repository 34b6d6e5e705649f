import KubeAPI

extension TablePrinter {
    /// `kubectl get hpa`: upstream's printHorizontalPodAutoscaler, on the v2
    /// form (a v1 object is converted first).
    static func horizontalPodAutoscalerCells(_ served: JSONValue, name: JSONValue, age: JSONValue) -> [JSONValue] {
        let o = served["apiVersion"]?.stringValue == HorizontalPodAutoscalerV1.apiVersion ? AutoscalingV1Conversion.toStorage(served) : served
        let spec = o["spec"], status = o["status"]
        let reference = "\(str(spec?[path: ["scaleTargetRef", "kind"]]))/\(str(spec?[path: ["scaleTargetRef", "name"]]))"
        let minPods = spec?["minReplicas"]?.intValue.map { String($0) } ?? "<unset>"
        return [name, .string(reference), .string(hpaTargets(spec?["metrics"]?.arrayValue ?? [], status?["currentMetrics"]?.arrayValue ?? [])),
                .string(minPods), .int(int(spec?["maxReplicas"])), .int(int(status?["currentReplicas"])), age]
    }

    /// upstream's formatHPAMetrics: `cpu: 40%/50%`, `<unknown>` before the
    /// first reading, at most two metrics then `+ N more...`.
    static func hpaTargets(_ specs: [JSONValue], _ statuses: [JSONValue]) -> String {
        guard !specs.isEmpty else { return "<none>" }
        func current(_ i: Int, _ source: String, _ field: String) -> String? {
            guard i < statuses.count, let v = statuses[i][path: [source, "current", field]] else { return nil }
            return field == "averageUtilization" ? "\(v.intValue ?? 0)%" : str(v)
        }
        var list: [String] = []
        for (i, m) in specs.enumerated() {
            switch str(m["type"]) {
            case "Resource", "ContainerResource":
                let source = str(m["type"]) == "Resource" ? "resource" : "containerResource"
                let resource = str(m[path: [source, "name"]])
                if let average = m[path: [source, "target", "averageValue"]] {
                    list.append("\(resource): \(current(i, source, "averageValue") ?? "<unknown>")/\(str(average))")
                } else {
                    let target = m[path: [source, "target", "averageUtilization"]]?.intValue.map { "\($0)%" } ?? "<auto>"
                    list.append("\(resource): \(current(i, source, "averageUtilization") ?? "<unknown>")/\(target)")
                }
            case "Pods":
                list.append("\(current(i, "pods", "averageValue") ?? "<unknown>")/\(str(m[path: ["pods", "target", "averageValue"]]))")
            case "Object", "External":
                let source = str(m["type"]) == "Object" ? "object" : "external"
                if let average = m[path: [source, "target", "averageValue"]] {
                    list.append("\(current(i, source, "averageValue") ?? "<unknown>")/\(str(average)) (avg)")
                } else {
                    list.append("\(current(i, source, "value") ?? "<unknown>")/\(str(m[path: [source, "target", "value"]]))")
                }
            default:
                list.append("<unknown type>")
            }
        }
        guard list.count > 2 else { return list.joined(separator: ", ") }
        return list.prefix(2).joined(separator: ", ") + " + \(list.count - 2) more..."
    }
}
