import HTTPServing
import ArgumentParser
import ClusterLogs
import CommandSupport
import Foundation
import KubeAPI
import Logging
import Netfilter
import Netlink
import NetworkPolicy
import Proxy

/// `kube-proxy`: programs Service VIPs and NodePorts for this node in nftables.
@main
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
struct KubeProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube-proxy",
        abstract: "Makes every Service reachable by its ClusterIP and NodePort, through one nftables table.",
        discussion: """
            Join with the kubeconfig the control plane wrote for kube-proxy (user system:kube-proxy):
              sudo kube-proxy --kubeconfig kube-proxy.kubeconfig --node-name node-1
            or with --apiserver, --ca-file and --token-file for another identity.
              sudo kube-proxy --dump      lists the Services as programmed in the kernel
              sudo kube-proxy --cleanup   removes the proxy's tables (and the network policy table)
            It also enforces NetworkPolicies for this node's pods, in the table
            ip kube-network-policy (--no-network-policy to leave that to another component).
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customLong("node-name"), help: "This node's name (default: the host name).") var nodeName: String?
    @Option(name: .customLong("cluster-cidr"), help: "Pods' range; ClusterIP traffic from outside it is masqueraded (\"\" for none).")
    var clusterCIDR = "10.244.0.0/16"
    @Option(name: .customLong("healthz-bind-address"), help: "HOST:PORT for /healthz (and /metrics); \"\" to disable.")
    var healthzBindAddress = "0.0.0.0:10256"
    @Option(name: .customLong("metrics-bind-address"), help: "HOST:PORT for /metrics (default: the healthz address).")
    var metricsBindAddress: String?
    @Option(name: .customLong("min-sync-period"), help: "Shortest time between syncs (1s, 500ms).") var minSyncPeriod = "1s"
    @Option(name: .customLong("sync-period"), help: "Longest time between syncs; also checks the table still exists.") var syncPeriod = "30s"
    @Option(name: .customLong("full-sync-period"), help: "Time between full rewrites of the table.") var fullSyncPeriod = "1h"
    @Flag(help: "Remove the proxy's nftables tables and exit.") var cleanup = false
    @Flag(name: .customLong("network-policy"), inversion: .prefixedNo,
          help: "Enforce NetworkPolicies for this node's pods (table ip kube-network-policy).")
    var networkPolicy = true
    @Option(name: .customLong("network-policy-state-file"),
            help: "Where the enforcer leaves what it knows for `nodectl netpol` and `nodectl trace` (\"\" for nowhere).")
    var networkPolicyStateFile = PolicyState.defaultPath
    @Flag(help: "Print the Services as programmed in the kernel (read back over netlink) and exit.") var dump = false
    @Option(name: .customLong("announce-load-balancer-ips"),
            help: "Answer ARP/NDP for LoadBalancer addresses on this node's subnets while this node holds their Lease (MetalLB's layer-2 mode).")
    var announceLoadBalancerIPs = true
    @Option(name: .customLong("load-balancer-lease-duration"), help: "How long a load-balancer address's Lease lasts without renewal (failover time).")
    var loadBalancerLeaseDuration = "10s"
    @Option(name: .customLong("ship-logs"), help: "Ship kube-proxy's own log lines to the cluster's log store (Loki's push API on the API server), as {namespace=\"kube-system\", component=\"kube-proxy\", node=NODE}.")
    var shipLogs = true
    @Option(name: .customLong("log-level")) var logLevel = "info"
    @Option(name: .customLong("benchmark"), help: .hidden) var benchmarkServices: Int?
    @Option(name: .customLong("benchmark-endpoints"), help: .hidden) var benchmarkEndpoints = 10
    @Option(name: .customLong("benchmark-nft-file"), help: .hidden) var benchmarkNftFile: String?
    @Option(name: .customLong("benchmark-upstream-nft-file"), help: .hidden) var benchmarkUpstreamNftFile: String?
    @Option(name: .customLong("benchmark-network-policy"), help: .hidden) var benchmarkPolicies: Int?
    @Option(name: .customLong("benchmark-pods"), help: .hidden) var benchmarkPods = 1000

    func run() async throws {
        bootstrapLogging(level: logLevel)
        let table = "kube-proxy"
        if let policies = benchmarkPolicies {
            // scripts/bench-netpol: only in a throwaway network namespace.
            guard ProxyBenchmark.inNamedNetworkNamespace else {
                throw ValidationError("--benchmark-network-policy programs thousands of rules: run it in a throwaway named network namespace (scripts/bench-netpol does)")
            }
            let figures = try PolicyBenchmark.run(policies: policies, pods: benchmarkPods) { text in
                if let path = benchmarkNftFile { try text.write(toFile: path, atomically: true, encoding: .utf8) }
            }
            figures.lines.forEach { print($0) }
            return
        }
        if let services = benchmarkServices {
            // scripts/bench-proxy: only in a throwaway network namespace.
            guard ProxyBenchmark.inNamedNetworkNamespace else {
                throw ValidationError("--benchmark programs thousands of rules: run it in a throwaway named network namespace with `ip netns exec` (scripts/bench-proxy does)")
            }
            let figures = try ProxyBenchmark.run(services: services, endpoints: benchmarkEndpoints) { ruleset in
                if let path = benchmarkNftFile {
                    try RulesetText.render(ruleset, notation: .programmed).write(toFile: path, atomically: true, encoding: .utf8)
                }
                if let path = benchmarkUpstreamNftFile {
                    try RulesetText.render(ruleset, notation: .upstream).write(toFile: path, atomically: true, encoding: .utf8)
                }
            }
            figures.lines.forEach { print($0) }
            return
        }
        if cleanup {
            var removed = try KubeProxy.cleanup(table: table)
            if try PolicyEnforcer.cleanup(nft: try NFTables.open()) { removed.append("ip \(PolicyChains.table)") }
            print(removed.isEmpty ? "nothing to remove" : "removed table " + removed.joined(separator: ", table "))
            return
        }
        if dump {
            let nft = try NFTables.open()
            var entries: [ServiceDump.Entry] = []
            for family in IPFamily.allCases { entries += try ServiceDump.read(nft, family: family, table: table) }
            print(ServiceDump.format(entries), terminator: "")
            return
        }
        let name = nodeName ?? ProcessInfo.processInfo.hostName.lowercased()
        var config = try connection.kubeConfig()
        if BootstrapToken.parse(config.token ?? "") != nil {
            throw ValidationError("a bootstrap token only lets a kubelet ask for its certificate; give kube-proxy its own identity: --kubeconfig DATA_DIR/kube-proxy.kubeconfig (from the control plane's data directory)")
        }
        config.userAgent = "kube-proxy/v1.32.0 (swiftkube)"
        var cidr: CIDR?
        if !clusterCIDR.isEmpty {
            guard let c = CIDR(clusterCIDR) else { throw ValidationError("--cluster-cidr \(clusterCIDR) is not a CIDR") }
            cidr = c
        }
        let sync = SyncRunner.Settings(minInterval: try Self.duration(minSyncPeriod, "--min-sync-period"),
                                       syncPeriod: try Self.duration(syncPeriod, "--sync-period"),
                                       fullSyncPeriod: try Self.duration(fullSyncPeriod, "--full-sync-period"))
        for address in [healthzBindAddress, metricsBindAddress ?? ""] where !address.isEmpty && StatusServer.parseAddress(address) == nil {
            throw ValidationError("\(address) is not HOST:PORT")
        }
        var configuration = ProxyConfiguration(
            nodeName: name, clusterCIDR: cidr, table: table, sync: sync,
            healthzBindAddress: healthzBindAddress.isEmpty ? nil : healthzBindAddress, metricsBindAddress: metricsBindAddress)
        configuration.announceLoadBalancerIPs = announceLoadBalancerIPs
        let leaseDuration = try Self.duration(loadBalancerLeaseDuration, "--load-balancer-lease-duration")
        guard leaseDuration >= .seconds(2) else { throw ValidationError("--load-balancer-lease-duration must be 2s or more") }
        configuration.loadBalancerLeaseDuration = leaseDuration
        let client = try KubeClient(config: config)
        let logger = Logger(label: "kube-proxy")
        let proxy: KubeProxy
        do {
            proxy = try KubeProxy(configuration: configuration, client: client, logger: logger)
        } catch {
            await client.shutdown()
            throw error
        }
        logger.info("kube-proxy for node \(name) (cluster CIDR \(cidr?.description ?? "none")), table ip \(table)")
        var enforcer: PolicyEnforcer?
        if networkPolicy {
            enforcer = PolicyEnforcer(nodeName: name, client: client, nft: try NFTables.open(),
                                      statePath: networkPolicyStateFile.isEmpty ? nil : networkPolicyStateFile,
                                      logger: Logger(label: "network-policy"))
            logger.info("enforcing NetworkPolicies in table ip \(PolicyChains.table)")
        }
        do {
            try await runUntilSignalled(logger: logger, stopping: "the rules stay in place") { [enforcer] in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await proxy.run() }
                    if let enforcer { group.addTask { await enforcer.run() } }
                    if shipLogs {
                        group.addTask {
                            await ComponentLogTap.shared.deliver(component: "kube-proxy", node: name) { streams in
                                _ = try await client.request(.POST, client.server + "/loki/api/v1/push", body: LokiAPI.pushBody(streams),
                                                             timeout: .seconds(10))
                            }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    /// Parses `500ms`, `1s`, `2m`, `1h`.
    static func duration(_ text: String, _ flag: String) throws -> Duration {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let v = Double(text.dropLast(suffix.count)), v > 0 { return .milliseconds(Int64(v * scale * 1000)) }
        }
        throw ValidationError("\(flag) \(text) is not a duration like 500ms, 1s, 2m or 1h")
    }
}
