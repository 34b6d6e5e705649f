public import Foundation

/// One pod's resource usage, as `metrics.k8s.io` reports it: per container,
/// in milli-units (millicores of CPU, thousandths of a byte of memory, as
/// upstream's metrics client reads `MilliValue()`), over a window ending
/// at `timestamp`.
public struct PodMetricsSample: Sendable, Hashable {
    public var containers: [String: [String: Int64]]
    public var timestamp: Date
    public var window: TimeInterval

    public init(containers: [String: [String: Int64]], timestamp: Date, window: TimeInterval) {
        self.containers = containers
        self.timestamp = timestamp
        self.window = window
    }

    /// The usage of `resource` summed over the containers (or of one container).
    public func usage(_ resource: String, container: String? = nil) -> Int64? {
        if let container { return containers[container]?[resource] }
        var total: Int64 = 0
        var any = false
        for c in containers.values {
            if let v = c[resource] {
                total += v
                any = true
            }
        }
        return any ? total : nil
    }
}

/// Where the autoscaler reads pod usage: the API server's `metrics.k8s.io`
/// (upstream's resource metrics client). A protocol, so the controller's
/// decisions can be tested with fixed readings.
public protocol PodMetricsSource: Sendable {
    /// The usage of the pods of `namespace` matching the label selector
    /// `selector` (query syntax), by pod name.
    func podMetrics(namespace: String, selector: String) async throws(PodMetricsError) -> [String: PodMetricsSample]
}

/// Why usage could not be read.
public struct PodMetricsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
