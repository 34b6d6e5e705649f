public import CSI
public import Controllers
public import Foundation

/// Everything `controlplane` is started with.
public struct ControlPlaneConfiguration: Sendable {
    /// State directory: certificates, tokens, kubeconfig, SQLite database.
    public var dataDir: URL
    public var bindAddress = "127.0.0.1"
    /// The address other hosts and pods reach the API server at (the
    /// `kubernetes` Service's endpoint, the kubeconfigs' server); defaults to
    /// the bind address, or 127.0.0.1 when binding every address.
    public var advertiseAddress: String?
    public var securePort = 6443
    /// `etcd://host:2379[,host:2379]`, or nil for embedded SQLite.
    public var datastore: String?
    public var serviceCIDR = "10.96.0.0/12"
    public var clusterCIDR = "10.244.0.0/16"
    /// A node silent this long becomes Unknown and tainted unreachable.
    public var nodeMonitorGracePeriod: Duration = .seconds(40)
    /// How often the node lifecycle controller looks (never less often than a quarter of the grace period).
    public var nodeMonitorPeriod: Duration = .seconds(5)
    /// Prefix length of the podCIDR each node gets from clusterCIDR.
    public var nodeCIDRMaskSize = 24
    /// How often the autoscaler evaluates each HorizontalPodAutoscaler.
    public var horizontalPodAutoscalerSyncPeriod: Duration = .seconds(15)
    /// `--lb-address-pool`: where LoadBalancer Services get addresses (empty: the nodes' own).
    public var loadBalancerPools: [AddressPool] = []
    /// `--controllers`: `*` (everything, the scheduler included), `NAME`, `-NAME`.
    public var controllers: [String] = ["*"]
    /// `--kubelet-serving-auto-approve`: csrapproving approves kubelet
    /// serving CSRs whose SANs are the node's own addresses.
    public var kubeletServingAutoApprove = true
    /// `--local-path-root`: where the built-in local-path provisioner puts
    /// volumes on nodes.
    public var localPathRoot = "/var/lib/swiftkube/storage"
    /// `--disable`: bundled parts left out, as k3s's flag (`local-storage`:
    /// no local-path class or provisioner; `dashboard`: no web dashboard).
    public var disabled: Set<String> = []
    /// `--csi-controller DRIVER=ENDPOINT`: CSI drivers whose controller
    /// service the control plane drives (provisioner and attacher roles).
    public var csiControllers: [String: CSIEndpoint] = [:]
    /// The bundled parts `--disable` knows.
    public static let bundledParts = ["local-storage", "dashboard"]
    /// `--prometheus-url`: the Prometheus the dashboard draws graphs and alerts from.
    public var prometheusURL: String?
    /// Elect one leader among controlplanes sharing etcd (no effect with SQLite,
    /// whose data directory lock already allows only one process).
    public var leaderElect = true
    public var leaderElectLeaseDuration: Duration = .seconds(10)
    public var leaderElectRenewDeadline: Duration = .seconds(7)
    public var leaderElectRetryPeriod: Duration = .seconds(2)
    public var defaultNotReadyTolerationSeconds: Int64 = 300
    public var defaultUnreachableTolerationSeconds: Int64 = 300
    /// Extra subject alternative names for the serving certificate.
    public var tlsSANs: [String] = []
    /// How often old revisions are compacted.
    public var compactionInterval: Duration = .seconds(300)
    /// Events older than this are deleted (kube-apiserver's `--event-ttl`).
    public var eventTTL: Duration = .seconds(3600)
    /// `--log-store`: the cluster's log store (Loki's API at `/loki/api/v1/…`), nil when off.
    public var logStore: ClusterLogConfiguration? = ClusterLogConfiguration()
    /// How often watches with allowWatchBookmarks get a BOOKMARK.
    public var watchBookmarkInterval: Duration = .seconds(15)
    /// `--encryption-provider-config`: resources encrypted at rest, nil for none.
    public var encryptionConfiguration: EncryptionConfiguration?
    /// `--token-auth-file`: users authenticated by static bearer tokens.
    public var staticTokens: StaticTokenFile?
    /// `--anonymous-auth`: requests without credentials are `system:anonymous`
    /// (in `system:unauthenticated`), allowed what RBAC grants them; false refuses them with 401.
    public var anonymousAuth = true
    /// `--authorization-mode`: the authorizers after `system:masters`, in order.
    public var authorizationModes: [AuthorizationMode] = [.node, .rbac]
    /// `--audit-log-path` (`-` for standard output); nothing is logged without `auditPolicyFile`.
    public var auditLogPath: String?
    /// `--audit-policy-file`: an `audit.k8s.io/v1` Policy.
    public var auditPolicyFile: String?
    /// `--audit-log-maxsize` in megabytes (0: never rotated) and `--audit-log-maxbackup` (0: all kept).
    public var auditLogMaxSize = 0
    public var auditLogMaxBackups = 0

    public init(dataDir: URL) { self.dataDir = dataDir }

    /// Parses `40s`, `5m`, `1h`, `1500ms` or a bare number of seconds.
    public static func parseDuration(_ s: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            guard let v = Double(s.dropLast(suffix.count)), v >= 0 else { return nil }
            return .milliseconds(Int64(v * factor * 1000))
        }
        guard let v = Double(s), v >= 0 else { return nil }
        return .milliseconds(Int64(v * 1000))
    }
}
