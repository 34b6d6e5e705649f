public import Netlink
import Images

/// Everything the kubelet is told on its command line.
public struct KubeletConfiguration: Sendable {
    public var nodeName: String
    public var nodeIP: String
    /// All node state: pods, runtime state, images, IPAM.
    public var rootDirectory: String
    public var podLogDirectory: String
    public var podCIDR: CIDR?
    public var clusterCIDR: CIDR
    public var clusterDNS: [String]
    public var clusterDomain: String
    public var bridge: String
    public var mtu: UInt32
    public var maxPods: Int
    public var podPidsLimit: Int64?
    public var staticPodPath: String?
    public var port: Int
    public var nodeLabels: [String: String]
    public var resolvConf: String
    /// CA whose client certificates the kubelet API accepts (the cluster CA); nil: no client verification.
    public var clientCAPEM: String?
    /// Registries pulled from over plain HTTP (`--insecure-registry HOST:PORT`).
    public var insecureRegistries: [String] = []
    /// Image GC thresholds (`--image-gc-high-threshold`, `--image-gc-low-threshold`).
    public var imageGC = ImageGCPolicy()
    /// The cgroup the pod hierarchy (`kubepods/…`) lives under (`--cgroup-root`):
    /// "" for the hierarchy's root, or an absolute path such as `/lab/node-1`.
    public var cgroupRoot = ""
    /// The executable that runs container monitors, container inits and
    /// namespace pinning (`--runtime-helper`): the kubelet itself, or
    /// `swiftrun` from the same build, which starts faster (a sixth of the size).
    public var runtimeHelper = "/proc/self/exe"
    /// Events sent per second after a burst of `eventBurst` (`--event-qps`; 0: unlimited).
    /// `--rotate-server-certificates`: the HTTPS server's certificate comes
    /// from the cluster CA through a `kubelet-serving` CSR and is renewed.
    public var rotateServerCertificates = false
    public var eventQPS: Double = 50
    /// `--anonymous-auth`: requests without credentials are `system:anonymous`
    /// (then authorized like anyone else) instead of a 401. Off by default, as kubeadm and k3s set it.
    public var anonymousAuth = false
    /// `--ship-logs`: containers' log lines go to the cluster's log store (``LogShipper``).
    public var shipLogs = true
    /// `--authorization-mode`: Webhook (a SubjectAccessReview per request, cached) or AlwaysAllow.
    public var authorizationMode = KubeletAuth.Mode.webhook
    public var eventBurst = 100

    public init(nodeName: String, nodeIP: String, rootDirectory: String = "/var/lib/kubelet", podLogDirectory: String = "/var/log/pods",
                podCIDR: CIDR? = nil, clusterCIDR: CIDR = CIDR("10.244.0.0/16")!, clusterDNS: [String] = [], clusterDomain: String = "cluster.local",
                bridge: String = "swk0", mtu: UInt32 = 1500, maxPods: Int = 110, podPidsLimit: Int64? = nil, staticPodPath: String? = nil,
                port: Int = 10250, nodeLabels: [String: String] = [:], resolvConf: String = "/etc/resolv.conf", clientCAPEM: String? = nil) {
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.rootDirectory = rootDirectory
        self.podLogDirectory = podLogDirectory
        self.podCIDR = podCIDR
        self.clusterCIDR = clusterCIDR
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
        self.bridge = bridge
        self.mtu = mtu
        self.maxPods = maxPods
        self.podPidsLimit = podPidsLimit
        self.staticPodPath = staticPodPath
        self.port = port
        self.nodeLabels = nodeLabels
        self.resolvConf = resolvConf
        self.clientCAPEM = clientCAPEM
    }

    public var runtimeRoot: String { rootDirectory + "/runtime" }
    public var imageRoot: String { rootDirectory + "/images" }
    public var ipamDirectory: String { rootDirectory + "/ipam" }
    /// The root-only Unix socket nodectl talks to.
    public var socketPath: String { rootDirectory + "/kubelet.sock" }
}
