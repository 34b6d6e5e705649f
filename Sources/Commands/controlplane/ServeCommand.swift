import ArgumentParser
import CSI
import Controllers
import CommandSupport
import Foundation
import KubeAPI
import Logging
import MiniControlPlane

/// `controlplane [serve]`: the Kubernetes API server, scheduler and controllers.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Kubernetes API server, scheduler and controllers, with embedded SQLite or etcd storage (the default command).")

    @Option(help: "State directory: certificates, tokens, admin.kubeconfig, SQLite database.")
    var dataDir: String

    @Option(help: "Address to serve HTTPS on.")
    var bindAddress = "127.0.0.1"

    @Option(help: "Address other hosts and pods reach the API server at (default: the bind address; 127.0.0.1 when binding 0.0.0.0).")
    var advertiseAddress: String?

    @Option(help: "HTTPS port.")
    var securePort = 6443

    @Option(help: "etcd://host:2379[,host:2379] to store in etcd instead of SQLite.")
    var datastore: String?

    @Option(help: "Service cluster IP range.")
    var serviceCIDR = "10.96.0.0/12"

    @Option(help: "Pod network range; nodes get a /24 each.")
    var clusterCIDR = "10.244.0.0/16"

    @Option(help: "How long a node may go without a heartbeat before it is NotReady (e.g. 40s).")
    var nodeMonitorGracePeriod = "40s"

    @Option(help: "How often node health is checked (e.g. 5s; at least four times per grace period).")
    var nodeMonitorPeriod = "5s"

    @Option(help: "How often each HorizontalPodAutoscaler is evaluated (e.g. 15s).")
    var horizontalPodAutoscalerSyncPeriod = "15s"

    @Option(name: .customLong("lb-address-pool"), help: "Addresses for LoadBalancer Services: FIRST-LAST or a CIDR, IPv4 or IPv6 (repeatable or comma-separated). None: Services get the nodes' own addresses (k3s's ServiceLB).")
    var lbAddressPool: [String] = []

    @Option(help: "Prefix length of the podCIDR each node gets from --cluster-cidr.")
    var nodeCIDRMaskSize = 24

    @Option(help: "Controllers to run: '*' for all (the scheduler included), NAME to add one, -NAME to remove one (repeatable or comma-separated). Names: scheduler, replicaset, deployment, daemonset, endpointslice, endpoints, nodelifecycle, garbagecollector, namespace, serviceaccount, root-ca-cert-publisher, nodeipam, podgc, csrapproving, csrsigning, tokencleaner, persistentvolume-binder, pvc-protection, pv-protection, ephemeral-volume, attachdetach, disruption, horizontalpodautoscaling, service-lb-controller.")
    var controllers: [String] = ["*"]

    @Option(help: "Approve kubelet serving CSRs whose subject alternative names are only the node's own addresses and host name.")
    var kubeletServingAutoApprove = true

    @Option(help: "Elect one leader for the scheduler and controllers among controlplanes sharing etcd.")
    var leaderElect = true

    @Option(help: "How long the leader Lease lasts without renewal (e.g. 10s).")
    var leaderElectLeaseDuration = "10s"

    @Option(help: "How long the leader keeps trying to renew before it stops its controllers (e.g. 7s).")
    var leaderElectRenewDeadline = "7s"

    @Option(help: "How often candidates try to acquire and the leader renews (e.g. 2s).")
    var leaderElectRetryPeriod = "2s"

    @Option(help: "tolerationSeconds of the default not-ready toleration added to pods.")
    var defaultNotReadyTolerationSeconds: Int64 = 300

    @Option(help: "tolerationSeconds of the default unreachable toleration added to pods.")
    var defaultUnreachableTolerationSeconds: Int64 = 300

    @Option(name: .customLong("tls-san"), help: "Extra subject alternative name for the serving certificate (repeatable).")
    var tlsSAN: [String] = []

    @Option(help: "How long events are kept (e.g. 1h).")
    var eventTTL = "1h"

    @Option(name: .customLong("log-store"), help: "Keep the cluster's logs (what every node ships) and serve them with Loki's API at /loki/api/v1/; false turns it off.")
    var logStore = true

    @Option(name: .customLong("log-retention"), help: "How long the cluster's log lines are kept (e.g. 168h).")
    var logRetention = "168h"

    @Option(name: .customLong("log-retention-size"), help: "The log store is kept under this size (e.g. 1Gi, 500Mi).")
    var logRetentionSize = "1Gi"

    @Option(name: .customLong("log-forward-url"), help: "A Loki base URL (http://loki:3100): nodes' logs are pushed there instead of kept here.")
    var logForwardURL: String?

    @Option(name: .customLong("prometheus-url"), help: "A Prometheus base URL (http://127.0.0.1:9090): the dashboard's graphs and alerts come from it.")
    var prometheusURL: String?

    @Option(help: "Interval between watch bookmarks (e.g. 15s).")
    var watchBookmarkInterval = "15s"

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    @Option(help: "EncryptionConfiguration file (apiserver.config.k8s.io/v1): resources encrypted at rest with aesgcm or aescbc.")
    var encryptionProviderConfig: String?

    @Option(help: "Static token file (CSV: token,user,uid[,\"group1,group2\"]): users authenticated by bearer token.")
    var tokenAuthFile: String?

    @Option(help: "Requests without credentials are user system:anonymous in group system:unauthenticated, allowed what RBAC grants them (by default /healthz, /livez, /readyz and /version); false refuses them with 401.")
    var anonymousAuth: Bool = true

    @Option(help: "Authorizers after the system:masters group, in order, comma-separated: Node, RBAC, AlwaysAllow (everyone may do everything).")
    var authorizationMode: String = "Node,RBAC"

    @Option(help: "Audit log file ('-' for standard output); needs --audit-policy-file.")
    var auditLogPath: String?

    @Option(help: "Audit policy file (audit.k8s.io/v1 Policy): which requests are logged at which level.")
    var auditPolicyFile: String?

    @Option(help: "Megabytes an audit log file may reach before it is rotated (0: never).")
    var auditLogMaxsize = 0

    @Option(help: "Rotated audit log files kept (0: all).")
    var auditLogMaxbackup = 0

    @Option(help: "Directory on every node under which the built-in local-path provisioner makes claims' volumes.")
    var localPathRoot = "/var/lib/swiftkube/storage"

    @Option(help: "Bundled part to leave out (repeatable): local-storage (the local-path StorageClass and provisioner), dashboard (the web dashboard at /dashboard/).")
    var disable: [String] = []

    @Option(help: ArgumentHelp("A CSI driver whose controller service the control plane drives as the external provisioner and attacher (repeatable).",
                               valueName: "DRIVER=unix:///path/csi.sock"))
    var csiController: [String] = []

    func run() async throws {
        bootstrapLogging(level: logLevel)
        let logger = Logger(label: "controlplane")
        guard let grace = ControlPlaneConfiguration.parseDuration(nodeMonitorGracePeriod) else {
            throw ValidationError("invalid --node-monitor-grace-period \(nodeMonitorGracePeriod)")
        }
        guard let bookmarks = ControlPlaneConfiguration.parseDuration(watchBookmarkInterval), bookmarks > .zero else {
            throw ValidationError("invalid --watch-bookmark-interval \(watchBookmarkInterval)")
        }
        var config = ControlPlaneConfiguration(dataDir: URL(fileURLWithPath: dataDir))
        config.watchBookmarkInterval = bookmarks
        guard let ttl = ControlPlaneConfiguration.parseDuration(eventTTL) else {
            throw ValidationError("invalid --event-ttl \(eventTTL)")
        }
        config.eventTTL = ttl
        if logStore {
            var logs = ClusterLogConfiguration()
            guard let retention = ControlPlaneConfiguration.parseDuration(logRetention) else {
                throw ValidationError("invalid --log-retention \(logRetention) (want a duration such as 168h)")
            }
            logs.retention = Double(retention.components.seconds)
            let size = Quantity(logRetentionSize)
            guard size.decimal != nil, size.value > 0 else {
                throw ValidationError("invalid --log-retention-size \(logRetentionSize) (want a quantity such as 1Gi)")
            }
            logs.retentionBytes = size.value
            if let url = logForwardURL {
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw ValidationError("--log-forward-url \(url) is not an http:// or https:// URL")
                }
                logs.forwardURL = url
            }
            config.logStore = logs
        } else {
            config.logStore = nil
        }
        if let url = prometheusURL {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ValidationError("--prometheus-url \(url) is not an http:// or https:// URL")
            }
            config.prometheusURL = url
        }
        config.bindAddress = bindAddress
        config.advertiseAddress = advertiseAddress
        config.securePort = securePort
        config.datastore = datastore
        config.serviceCIDR = serviceCIDR
        config.clusterCIDR = clusterCIDR
        config.nodeMonitorGracePeriod = grace
        config.defaultNotReadyTolerationSeconds = defaultNotReadyTolerationSeconds
        config.defaultUnreachableTolerationSeconds = defaultUnreachableTolerationSeconds
        config.tlsSANs = tlsSAN
        config.anonymousAuth = anonymousAuth
        do {
            config.authorizationModes = try AuthorizationMode.parse(authorizationMode)
        } catch {
            throw ValidationError(error.description)
        }
        // Files read at start: a bad one stops the start with the file and the record at fault.
        do {
            config.staticTokens = try tokenAuthFile.map(StaticTokenFile.load)
            config.encryptionConfiguration = try encryptionProviderConfig.map(EncryptionConfiguration.load)
        } catch {
            throw ValidationError("\(error)")
        }
        config.auditLogPath = auditLogPath
        config.auditPolicyFile = auditPolicyFile
        config.auditLogMaxSize = auditLogMaxsize
        config.auditLogMaxBackups = auditLogMaxbackup
        guard let monitor = ControlPlaneConfiguration.parseDuration(nodeMonitorPeriod), monitor > .zero else {
            throw ValidationError("invalid --node-monitor-period \(nodeMonitorPeriod)")
        }
        config.nodeMonitorPeriod = monitor
        guard let hpaPeriod = ControlPlaneConfiguration.parseDuration(horizontalPodAutoscalerSyncPeriod), hpaPeriod > .zero else {
            throw ValidationError("invalid --horizontal-pod-autoscaler-sync-period \(horizontalPodAutoscalerSyncPeriod): give a duration such as 15s")
        }
        config.horizontalPodAutoscalerSyncPeriod = hpaPeriod
        do {
            config.loadBalancerPools = try AddressPool.parsePools(
                lbAddressPool, reserved: [("--service-cidr", serviceCIDR), ("--cluster-cidr", clusterCIDR)])
        } catch {
            throw ValidationError("invalid --lb-address-pool: \(error.description)")
        }
        config.nodeCIDRMaskSize = nodeCIDRMaskSize
        config.controllers = controllers
        config.kubeletServingAutoApprove = kubeletServingAutoApprove
        guard localPathRoot.hasPrefix("/") else { throw ValidationError("--local-path-root must be an absolute path, not \(localPathRoot)") }
        config.localPathRoot = localPathRoot
        for value in csiController {
            guard let equals = value.firstIndex(of: "="), let endpoint = CSIEndpoint(String(value[value.index(after: equals)...])),
                  equals != value.startIndex else {
                throw ValidationError("invalid --csi-controller \(value): want DRIVER=unix:///path/to/csi.sock")
            }
            config.csiControllers[String(value[..<equals])] = endpoint
        }
        for part in disable.flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard ControlPlaneConfiguration.bundledParts.contains(part) else {
                throw ValidationError("unknown --disable \(part); known: \(ControlPlaneConfiguration.bundledParts.joined(separator: ", "))")
            }
            config.disabled.insert(part)
        }
        config.leaderElect = leaderElect
        guard let lease = ControlPlaneConfiguration.parseDuration(leaderElectLeaseDuration),
              let renew = ControlPlaneConfiguration.parseDuration(leaderElectRenewDeadline),
              let retry = ControlPlaneConfiguration.parseDuration(leaderElectRetryPeriod),
              retry > .zero, renew > retry, lease > renew, lease >= .seconds(1) else {
            throw ValidationError("invalid leader election timing: need --leader-elect-lease-duration > --leader-elect-renew-deadline > --leader-elect-retry-period > 0 (lease at least 1s)")
        }
        config.leaderElectLeaseDuration = lease
        config.leaderElectRenewDeadline = renew
        config.leaderElectRetryPeriod = retry
        let controlPlane = ControlPlane(configuration: config, logger: logger)
        try await runUntilSignalled(logger: logger) { try await controlPlane.run() }
    }
}
