import Foundation
import KubeAPI

extension TablePrinter {
    /// `kubectl get jobs`: upstream's printJob (1.32, with STATUS).
    static func jobCells(_ o: JSONValue, name: JSONValue, age: JSONValue, now: Date) -> [JSONValue] {
        let spec = o["spec"], status = o["status"]
        let succeeded = int(status?["succeeded"])
        let completions: String
        if let c = spec?["completions"]?.intValue {
            completions = "\(succeeded)/\(c)"
        } else if let p = spec?["parallelism"]?.intValue, p > 1 {
            completions = "\(succeeded)/1 of \(p)"
        } else {
            completions = "\(succeeded)/1"
        }
        var duration = ""
        if let start = status?["startTime"]?.stringValue.flatMap({ Timestamp(rfc3339: $0) }) {
            let end = status?["completionTime"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }?.date ?? now
            duration = humanDuration(Int(max(0, end.timeIntervalSince(start.date))))
        }
        let conditions = status?["conditions"]?.arrayValue ?? []
        func has(_ type: String) -> Bool {
            conditions.contains { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
        }
        let state: String
        if has("Complete") {
            state = "Complete"
        } else if has("Failed") {
            state = "Failed"
        } else if o[path: ["metadata", "deletionTimestamp"]] != nil {
            state = "Terminating"
        } else if has("Suspended") {
            state = "Suspended"
        } else if has("FailureTarget") {
            state = "FailureTarget"
        } else if has("SuccessCriteriaMet") {
            state = "SuccessCriteriaMet"
        } else {
            state = "Running"
        }
        let (c, i) = containersAndImages(spec?[path: ["template", "spec"]])
        return [name, .string(state), .string(completions), .string(duration), age, .string(c), .string(i),
                .string(none(selectorString(spec?["selector"])))]
    }
}
