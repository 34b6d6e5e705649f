import ArgumentParser
import CommandSupport
import ClusterDNS
import KubeAPI
import Logging

/// `cluster-dns`: the cluster's DNS server, answering for Services and pods
/// from the API server and forwarding other names upstream.
@main
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
struct ClusterDNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-dns",
        abstract: "Answers SERVICE.NAMESPACE.svc.cluster.local (A, AAAA, SRV, PTR) from the API server; forwards other names upstream.",
        discussion: """
            Join with a kubeconfig that may read Services and EndpointSlices:
              cluster-dns --kubeconfig admin.kubeconfig --listen 10.96.0.10:53 --upstream 192.0.2.53
            or with --apiserver, --ca-file and --token-file. Without --upstream, names outside the cluster domain get SERVFAIL.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "IP:PORT to serve DNS on, UDP and TCP (port 0 picks a free one).") var listen = "0.0.0.0:53"
    @Option(name: .customLong("cluster-domain"), help: "The cluster's DNS domain.") var clusterDomain = "cluster.local"
    @Option(help: "TTL of the records served, in seconds (also the negative-answer TTL).") var ttl = 5
    @Option(help: "IP[:PORT] of a server for names outside the cluster domain; repeat for more, tried in order.")
    var upstream: [String] = []
    @Option(name: .customLong("upstream-timeout"), help: "Seconds to wait for one upstream.") var upstreamTimeout = 2.0
    @Option(name: .customLong("log-level")) var logLevel = "info"
    @Option(name: .customLong("metrics-bind-address"), help: "IP:PORT to serve Prometheus metrics on at /metrics, named as CoreDNS names them (CoreDNS serves :9153); empty serves none.")
    var metricsBindAddress = ""

    func run() async throws {
        bootstrapLogging(level: logLevel)
        guard let address = HostPort(parsing: listen, defaultPort: 53) else {
            throw ValidationError("--listen \(listen) is not IP:PORT")
        }
        let zone: DNSName
        do { zone = try DNSName(clusterDomain) } catch { throw ValidationError("--cluster-domain: \(error)") }
        guard !zone.labels.isEmpty else { throw ValidationError("--cluster-domain must not be the root") }
        guard (0...Int(Int32.max)).contains(ttl) else { throw ValidationError("--ttl \(ttl) is not a number of seconds") }
        var upstreams: [HostPort] = []
        for u in upstream {
            guard let hp = HostPort(parsing: u, defaultPort: 53), hp.port > 0 else { throw ValidationError("--upstream \(u) is not IP[:PORT]") }
            upstreams.append(hp)
        }
        guard upstreamTimeout > 0 else { throw ValidationError("--upstream-timeout must be positive") }
        var metricsAddress: HostPort?
        if !metricsBindAddress.isEmpty {
            guard let hp = HostPort(parsing: metricsBindAddress, defaultPort: 9153) else {
                throw ValidationError("--metrics-bind-address \(metricsBindAddress) is not IP:PORT")
            }
            metricsAddress = hp
        }
        var config = try connection.kubeConfig()
        config.userAgent = "cluster-dns/v1.32.0 (swiftkube)"
        let client = try KubeClient(config: config)
        let logger = Logger(label: "cluster-dns")
        let dns = ClusterDNSServer(
            configuration: ClusterDNSConfiguration(listen: address, zone: zone, ttl: UInt32(ttl), upstreams: upstreams,
                                                   upstreamTimeout: .milliseconds(Int64(upstreamTimeout * 1000)), metricsAddress: metricsAddress),
            client: client, logger: logger)
        logger.info("cluster-dns for \(zone) from \(config.server); upstreams: \(upstreams.isEmpty ? "none (SERVFAIL)" : upstreams.map(\.description).joined(separator: ", "))")
        do {
            try await runUntilSignalled(logger: logger) { try await dns.run() }
        } catch {
            await client.shutdown()
            throw error
        }
        logger.debug("server and watches stopped; closing the API client")
        await client.shutdown()
        logger.info("stopped")
    }
}
