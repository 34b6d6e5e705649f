public import KubeAPI
public import Logging
import HTTPServing

/// Settings of the whole add-on, as the `cluster-dns` flags give them.
public struct ClusterDNSConfiguration: Sendable {
    /// `--listen` (default 0.0.0.0:53).
    public var listen: HostPort
    /// `--cluster-domain` (default cluster.local).
    public var zone: DNSName
    /// `--ttl` (default 5 seconds).
    public var ttl: UInt32
    /// `--upstream`, in order; empty: names outside the cluster get SERVFAIL.
    public var upstreams: [HostPort]
    /// How long to wait for one upstream.
    public var upstreamTimeout: Duration
    /// `--metrics-bind-address`: where `/metrics` is served over plain HTTP
    /// (CoreDNS' `prometheus` plugin serves :9153); nil serves none.
    public var metricsAddress: HostPort?

    public init(listen: HostPort = HostPort(host: "0.0.0.0", port: 53), zone: DNSName = (try? DNSName("cluster.local")) ?? .root,
                ttl: UInt32 = 5, upstreams: [HostPort] = [], upstreamTimeout: Duration = .seconds(2), metricsAddress: HostPort? = nil) {
        self.metricsAddress = metricsAddress
        self.listen = listen
        self.zone = zone
        self.ttl = ttl
        self.upstreams = upstreams
        self.upstreamTimeout = upstreamTimeout
    }
}

/// Cluster DNS: watches the API server and serves the records.
///
/// ```swift
/// let dns = ClusterDNSServer(configuration: ClusterDNSConfiguration(), client: client)
/// try await dns.run()    // until cancelled (SIGTERM in the executable)
/// ```
public struct ClusterDNSServer: Sendable {
    public let configuration: ClusterDNSConfiguration
    public let store: RecordStore
    let client: KubeClient
    let logger: Logger

    public init(configuration: ClusterDNSConfiguration, client: KubeClient, logger: Logger = Logger(label: "cluster-dns")) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        store = RecordStore(zone: configuration.zone)
    }

    /// Serves until cancelled; fails when the address cannot be bound.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let resolver = DNSResolver(ResolverConfiguration(zone: configuration.zone, ttl: configuration.ttl,
                                                         forwards: !configuration.upstreams.isEmpty))
        let upstream = configuration.upstreams.isEmpty ? nil : UpstreamServers(configuration.upstreams, timeout: configuration.upstreamTimeout)
        let metrics = configuration.metricsAddress.map { _ in DNSMetrics(server: "dns://\(configuration.listen)") }
        let server = DNSServer(listen: configuration.listen, resolver: resolver, store: store, upstream: upstream, metrics: metrics, logger: logger)
        let watcher = ClusterWatcher(client: client, store: store, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run(onListening: onListening) }
            if let address = configuration.metricsAddress, let metrics {
                let status = StatusServer(host: address.host, port: address.port, logger: logger, purpose: "serving /metrics") { _, path in
                    path == "/metrics" ? .init(status: 200, contentType: PrometheusExposition.contentType, body: metrics.render())
                        : .init(status: 404, body: "404 page not found\n")
                }
                group.addTask { try await status.run() }
            }
            group.addTask { await watcher.run() }
            try await group.next()
            group.cancelAll()
        }
    }
}
