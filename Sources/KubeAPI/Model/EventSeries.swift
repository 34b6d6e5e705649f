/// EventSeries contain information on series of events, i.e.
public struct EventSeries: Sendable, Hashable, Codable {
    public var count: Int32?
    public var lastObservedTime: Timestamp?
    public init() {}
}
