public import Prometheus

/// The proxy's Prometheus metrics under ingress-nginx's names and labels
/// (what its Grafana dashboards and kube-prometheus' rules query): requests
/// and their duration by ingress, namespace, service, host, method and
/// status. A request no ingress routed has empty ingress labels; a client
/// that went away before the answer is counted with status 499, as nginx does.
public final class IngressMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let controllerClass: String
    static let buckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map { .milliseconds(Int64($0 * 1000)) }

    public init(controllerClass: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.controllerClass = controllerClass
        self.registry = registry
    }

    /// The methods counted by name; any other token a client sends is `other`.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    /// One finished exchange. `ingress` is `namespace/name`; `backend` is
    /// `namespace/service:port`. Only what clients cannot vary at will becomes
    /// a label: a request no ingress routed has `host=""` (ingress-nginx
    /// counts undefined hosts only with `--metrics-per-undefined-host`), and
    /// methods outside the standard ones are `other`, so no client can grow
    /// the series without bound.
    func record(ingress: String?, backend: String?, host: String?, method: String, status: Int, seconds: Double) {
        let parts = ingress?.split(separator: "/", maxSplits: 1).map(String.init) ?? []
        let host = ingress == nil ? "" : host
        let method = Self.methods.contains(method) ? method : "other"
        let service = backend.flatMap { $0.split(separator: "/", maxSplits: 1).last }.map { String($0.split(separator: ":").first ?? "") } ?? ""
        let labels = [("controller_class", controllerClass), ("host", host ?? ""), ("ingress", parts.count == 2 ? parts[1] : ""),
                      ("method", method), ("namespace", parts.first ?? ""), ("service", service), ("status", String(status))]
        registry.makeCounter(descriptor: .init(metricName: "nginx_ingress_controller_requests", unitName: "", helpText: "The total number of client requests"),
                             labels: labels).increment()
        registry.makeDurationHistogram(descriptor: .init(metricName: "nginx_ingress_controller_request_duration", unitName: "seconds",
                                                         helpText: "The request processing time in seconds"),
                                       labels: labels, buckets: Self.buckets).record(.nanoseconds(Int64(seconds * 1e9)))
    }

    /// The exposition text.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
