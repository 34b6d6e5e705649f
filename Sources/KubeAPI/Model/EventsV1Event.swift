/// An event as `events.k8s.io/v1` serves it: the same objects as core/v1
/// events (one storage, ``EventsV1Conversion`` between the two), with the
/// fields renamed and the core-only ones marked deprecated.
public struct EventsV1Event: KubeObject, Hashable {
    public static let apiVersion = "events.k8s.io/v1"
    public static let kind = "Event"
    public static let resource = "events"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// When the event was first observed; required for new events.
    public var eventTime: Timestamp?
    public var series: EventsV1EventSeries?
    /// The controller that emitted the event (`kubernetes.io/kubelet`); core/v1's `reportingComponent`.
    public var reportingController: String?
    public var reportingInstance: String?
    public var action: String?
    public var reason: String?
    /// The object the event is about; core/v1's `involvedObject`.
    public var regarding: ObjectReference?
    public var related: ObjectReference?
    /// A human-readable description; core/v1's `message`.
    public var note: String?
    public var type: String?
    public var deprecatedSource: EventSource?
    public var deprecatedFirstTimestamp: Timestamp?
    public var deprecatedLastTimestamp: Timestamp?
    public var deprecatedCount: Int32?

    public init(metadata: ObjectMeta = ObjectMeta()) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
    }
}

/// The occurrences of an event seen again (`events.k8s.io/v1`).
public struct EventsV1EventSeries: Sendable, Hashable, Codable {
    /// Occurrences up to the last heartbeat; at least 2.
    public var count: Int32
    public var lastObservedTime: Timestamp

    public init(count: Int32, lastObservedTime: Timestamp) {
        self.count = count
        self.lastObservedTime = lastObservedTime
    }
}
