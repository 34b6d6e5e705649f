/// kube-proxy's metrics, named like upstream's where one exists, rendered
/// as Prometheus text for `/metrics`.
public struct ProxyMetrics: Sendable, Equatable {
    /// Histogram bucket upper bounds in seconds.
    public static let buckets: [Double] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30]

    public struct Histogram: Sendable, Equatable {
        public var counts = [UInt64](repeating: 0, count: ProxyMetrics.buckets.count)
        public var count: UInt64 = 0
        public var sum: Double = 0

        public mutating func observe(_ seconds: Double) {
            for (i, bound) in ProxyMetrics.buckets.enumerated() where seconds <= bound { counts[i] += 1 }
            count += 1
            sum += seconds
        }
    }

    public var syncDuration = Histogram()
    public var fullSyncDuration = Histogram()
    public var partialSyncDuration = Histogram()
    /// Unix time of the last successful sync.
    public var lastSyncTimestamp: Double = 0
    public var syncFailures: UInt64 = 0
    public var chains = 0
    public var rules = 0
    public var elements = 0
    public var services = 0
    public var endpoints = 0
    public var serviceChanges: UInt64 = 0
    public var endpointChanges: UInt64 = 0
    public var conntrackEntriesDeleted: UInt64 = 0

    public init() {}

    /// The Prometheus text exposition.
    public var text: String {
        var out = ""
        func histogram(_ name: String, _ help: String, _ h: Histogram) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
            for (bound, count) in zip(ProxyMetrics.buckets, h.counts) { out += "\(name)_bucket{le=\"\(bound)\"} \(count)\n" }
            out += "\(name)_bucket{le=\"+Inf\"} \(h.count)\n\(name)_sum \(h.sum)\n\(name)_count \(h.count)\n"
        }
        func gauge(_ name: String, _ help: String, _ value: String, type: String = "gauge") {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        histogram("kubeproxy_sync_proxy_rules_duration_seconds", "Time a sync of the nftables rules took.", syncDuration)
        histogram("kubeproxy_sync_full_proxy_rules_duration_seconds", "Time a full sync took.", fullSyncDuration)
        histogram("kubeproxy_sync_partial_proxy_rules_duration_seconds", "Time a partial sync took.", partialSyncDuration)
        gauge("kubeproxy_sync_proxy_rules_last_timestamp_seconds", "Unix time of the last successful sync.", String(lastSyncTimestamp))
        gauge("kubeproxy_sync_proxy_rules_nftables_sync_failures_total", "Syncs the kernel refused.", String(syncFailures), type: "counter")
        gauge("kubeproxy_sync_proxy_rules_nftables_chains", "Chains in the proxy's tables.", String(chains))
        gauge("kubeproxy_sync_proxy_rules_nftables_rules", "Rules in the proxy's tables.", String(rules))
        gauge("kubeproxy_sync_proxy_rules_nftables_elements", "Map elements in the proxy's tables.", String(elements))
        gauge("kubeproxy_services", "Service ports programmed.", String(services))
        gauge("kubeproxy_endpoints", "Endpoints programmed.", String(endpoints))
        gauge("kubeproxy_sync_proxy_rules_service_changes_total", "Service changes seen.", String(serviceChanges), type: "counter")
        gauge("kubeproxy_sync_proxy_rules_endpoint_changes_total", "EndpointSlice changes seen.", String(endpointChanges), type: "counter")
        gauge("kubeproxy_conntrack_entries_deleted_total", "Stale conntrack entries deleted (UDP, and unanswered TCP/SCTP to removed endpoints).", String(conntrackEntriesDeleted), type: "counter")
        return out
    }
}
