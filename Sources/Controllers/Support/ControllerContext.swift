public import Foundation
import KubeAPI
public import Logging
public import ControllerRuntime
public import CSI

/// Settings of the controllers (kube-controller-manager's flags).
public struct ControllerConfiguration: Sendable {
    /// `--cluster-cidr`: node podCIDRs are cut from it.
    public var clusterCIDR = "10.244.0.0/16"
    /// Prefix length of each node's podCIDR (`--node-cidr-mask-size`).
    public var nodeCIDRMaskSize = 24
    /// A node not heard from for this long becomes Unknown (`--node-monitor-grace-period`).
    public var nodeMonitorGracePeriod: Duration = .seconds(40)
    /// How often node health is checked (`--node-monitor-period`).
    public var nodeMonitorPeriod: Duration = .seconds(5)
    /// Pods bound to a node that does not exist are force-deleted after this long.
    public var podGCQuarantine: Duration = .seconds(40)
    /// PEM of the cluster CA, published as `kube-root-ca.crt` in every namespace.
    public var rootCAPEM: String?
    /// Signs approved CSRs (the cluster CA); nil disables csrsigning.
    public var certificateIssuer: (any CertificateIssuer)?
    /// The longest certificate csrsigning issues (`--cluster-signing-duration`, one year).
    public var clusterSigningDuration: TimeInterval = 365 * 86400
    /// Whether csrapproving approves kubelet serving CSRs for a node's own addresses.
    public var kubeletServingAutoApprove = true
    /// Answers csrapproving's SubjectAccessReviews (the API server's authorizer).
    public var subjectAccessReviewer: any SubjectAccessReviewer = DefaultBindingsReviewer()
    /// Where the built-in local-path provisioner puts volumes on nodes
    /// (`--local-path-root`); nil turns the provisioner off.
    public var localPathRoot: String? = "/var/lib/swiftkube/storage"
    /// The CSI drivers whose controller service the control plane drives
    /// (`--csi-controller NAME=unix:///path`): driver name → socket.
    public var csiControllers: [String: CSIEndpoint] = [:]
    /// Connects to a driver's controller service (a fake in unit tests).
    public var csiClient: @Sendable (CSIEndpoint) throws -> any CSIControllerClient = { try GRPCCSIClient(endpoint: $0, timeout: .seconds(60)) }
    /// Workers per controller queue.
    public var workers = 4
    /// How often each HorizontalPodAutoscaler is evaluated (`--horizontal-pod-autoscaler-sync-period`).
    public var horizontalPodAutoscalerSyncPeriod: Duration = .seconds(15)
    /// Where the autoscaler reads pod usage (the API server's metrics.k8s.io); nil: no resource metrics.
    public var podMetrics: (any PodMetricsSource)?
    /// Where LoadBalancer Services get their addresses (`--lb-address-pool`);
    /// empty: the nodes' own addresses (k3s's ServiceLB).
    public var loadBalancerPools: [AddressPool] = []

    public init() {}
}

/// What every controller gets: the client, the shared informers, an event
/// recorder, a clock and the settings.
public struct ControllerContext: Sendable {
    public let client: any ClusterClient
    public let informers: InformerFactory
    public let configuration: ControllerConfiguration
    public let logger: Logger
    /// Wall-clock time; injected so tests can move it.
    public let now: @Sendable () -> Date
    let makeRecorder: @Sendable (String) -> EventRecorder

    public init(client: any ClusterClient, informers: InformerFactory, configuration: ControllerConfiguration, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }, recorder: @escaping @Sendable (String) -> EventRecorder) {
        self.client = client
        self.informers = informers
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.makeRecorder = recorder
    }

    /// An event recorder for a component (`replicaset-controller`, ...).
    public func recorder(_ component: String) -> EventRecorder { makeRecorder(component) }
}

/// A controller the manager runs while it leads.
public protocol Controller: Sendable {
    /// The name used in `--controllers` and logs.
    var name: String { get }
    /// Runs until cancelled; called once the informers have synced.
    func run() async
}
