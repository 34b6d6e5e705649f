/// `events.k8s.io/v1` Event ↔ core/v1 Event, as upstream's
/// `pkg/apis/events/v1` conversion maps them: `note` is `message`,
/// `regarding` is `involvedObject`, `reportingController` is
/// `reportingComponent`, and the `deprecated*` fields are core's source,
/// first and last timestamps and count.
public enum EventsV1Conversion: StorageConversion {
    public static let storageGroup = ""
    public static let storageAPIVersion = "v1"
    public static let renamedFields: KeyValuePairs<String, String> = [
        "note": "message",
        "regarding": "involvedObject",
        "reportingController": "reportingComponent",
        "deprecatedSource": "source",
        "deprecatedFirstTimestamp": "firstTimestamp",
        "deprecatedLastTimestamp": "lastTimestamp",
        "deprecatedCount": "count",
    ]

    /// core/v1 requires `involvedObject`; `regarding` is optional.
    public static func completeForStorage(_ object: inout JSONValue) {
        if object["involvedObject"] == nil { object["involvedObject"] = .emptyObject }
    }
}
