import ArgumentParser
import CommandSupport
import Foundation
import KubeAPI
import Kubelet
import Logging
import Netlink
import Runtime

/// `kubelet`: joins a cluster as a node and runs the pods bound to it.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
struct KubeletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubelet",
        abstract: "The node agent: registers this machine as a Node and runs the pods bound to it.",
        discussion: """
            Join with the control plane's address, CA and a bootstrap token (its node-token, or one
            from `controlplane token create`); the kubelet gets its own certificate through a CSR:
              sudo kubelet --apiserver https://HOST:6443 --ca-file ca.crt --token-file node-token --node-ip 192.168.1.10
            or with a bootstrap kubeconfig (--bootstrap-kubeconfig FILE, and --kubeconfig FILE to write
            the kubeconfig of the certificate), or with a kubeconfig of its own (--kubeconfig FILE).
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customLong("rotate-server-certificates"), help: "Serve the kubelet API with a certificate from the cluster CA (a kubelet-serving CSR), renewed as it ages (default: on when the kubelet has its own client certificate).")
    var rotateServerCertificates: Bool?
    @Option(name: .customLong("bootstrap-kubeconfig"), help: "kubeconfig with a bootstrap token: the kubelet requests its client certificate with it (kept in ROOT_DIR/pki) and writes --kubeconfig for that certificate.")
    var bootstrapKubeconfig: String?
    @Option(name: .customLong("node-name"), help: "Node name (default: the host name).") var nodeName: String?
    @Option(name: .customLong("node-ip"), help: "The node's address (InternalIP).") var nodeIP: String?
    @Option(name: .customLong("root-dir"), help: "Node state: pods, runtime, images.") var rootDir = "/var/lib/kubelet"
    @Option(name: .customLong("pod-log-dir"), help: "Container logs (CRI format).") var podLogDir = "/var/log/pods"
    @Option(name: .customLong("pod-cidr"), help: "Pod range of this node, when the control plane assigns none.") var podCIDR: String?
    @Option(name: .customLong("cluster-cidr"), help: "All pods' range; traffic leaving it is masqueraded.") var clusterCIDR = "10.244.0.0/16"
    @Option(name: .customLong("cluster-dns"), help: "Cluster DNS server for pods (repeatable).") var clusterDNS: [String] = []
    @Option(name: .customLong("cluster-domain"), help: "Cluster domain.") var clusterDomain = "cluster.local"
    @Option(name: .customLong("pod-manifest-path"), help: "Directory of static pod manifests.") var podManifestPath: String?
    @Option(help: "Bridge for pod networking.") var bridge = "swk0"
    @Option(name: .customLong("max-pods")) var maxPods = 110
    @Option(name: .customLong("pod-max-pids"), help: "pids limit for each container (-1: none).") var podMaxPids: Int64 = -1
    @Option(name: .customLong("node-labels"), help: "key=value,... labels for the Node.") var nodeLabels: String?
    @Option(name: .customLong("resolv-conf"), help: "resolv.conf for pods with dnsPolicy Default.") var resolvConf = "/etc/resolv.conf"
    @Option(name: .customLong("client-ca-file"), help: "CA for client certificates of the kubelet API (default: --ca-file, or the kubeconfig's CA).") var clientCAFile: String?
    @Option(help: "Port of the kubelet API (HTTPS).") var port = 10250
    @Option(name: .customLong("anonymous-auth"), help: "Treat kubelet API requests without credentials as system:anonymous instead of refusing them (401).") var anonymousAuth = false
    @Option(name: .customLong("ship-logs"), help: "Ship every container's log lines to the cluster's log store (Loki's push API on the API server); false keeps them on the node only.") var shipLogs = true
    @Option(name: .customLong("authorization-mode"), help: "Webhook: the API server authorizes each kubelet API request (SubjectAccessReview on nodes/stats, nodes/metrics, nodes/log, nodes/proxy); AlwaysAllow: any authenticated client may do anything.") var authorizationMode = "Webhook"
    @Option(name: .customLong("log-level")) var logLevel = "info"
    @Option(name: .customLong("runtime-helper"),
            help: "Executable that runs container monitors and inits: the kubelet itself by default, or swiftrun from the same build, which starts faster.")
    var runtimeHelper: String?
    @Option(name: .customLong("cgroup-root"), help: "cgroup to put the pods' kubepods hierarchy under (e.g. /lab/node-1; default: the root).") var cgroupRoot = ""
    @Option(name: .customLong("insecure-registry"), help: "HOST:PORT of a registry pulled from over plain HTTP (repeatable).") var insecureRegistries: [String] = []
    @Option(name: .customLong("image-gc-high-threshold"), help: "Disk usage percent of the image filesystem that starts image GC.") var imageGCHigh = 85
    @Option(name: .customLong("image-gc-low-threshold"), help: "Disk usage percent image GC frees down to.") var imageGCLow = 80
    @Option(name: .customLong("event-qps"), help: "Events sent per second once --event-burst is used up (0: unlimited).") var eventQPS: Double = 50
    @Option(name: .customLong("event-burst"), help: "Events sent at once before --event-qps applies.") var eventBurst = 100

    func validate() throws {
        if !cgroupRoot.isEmpty && (!cgroupRoot.hasPrefix("/") || cgroupRoot.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })) {
            throw ValidationError("--cgroup-root must be an absolute cgroup path such as /lab/node-1, not \"\(cgroupRoot)\"")
        }
        guard eventQPS >= 0, eventBurst >= 1 else {
            throw ValidationError("--event-qps (\(eventQPS)) must be 0 or more and --event-burst (\(eventBurst)) at least 1")
        }
        guard (0...100).contains(imageGCHigh), (0...100).contains(imageGCLow), imageGCLow <= imageGCHigh else {
            throw ValidationError("--image-gc-low-threshold (\(imageGCLow)) must be at most --image-gc-high-threshold (\(imageGCHigh)), both 0-100")
        }
    }

    func run() async throws {
        bootstrapLogging(level: logLevel)
        let name = nodeName ?? ProcessInfo.processInfo.hostName.lowercased()
        let logger = Logger(label: "kubelet")
        let certificates = KubeletClientCertificates(rootDirectory: rootDir, nodeName: name, logger: logger)
        var config = try await clientConfiguration(node: name, certificates: certificates)
        let rotating = config.clientCertificatePEM != nil && (bootstrapKubeconfig != nil || connection.kubeconfig == nil)
        config.userAgent = "kubelet/v1.32.0 (swiftkube)"
        guard let ip = nodeIP ?? Self.defaultAddress() else {
            throw ValidationError("cannot tell this node's address; pass --node-ip")
        }
        guard let cluster = CIDR(clusterCIDR) else { throw ValidationError("--cluster-cidr \(clusterCIDR) is not a CIDR") }
        var podRange: CIDR?
        if let podCIDR {
            guard let c = CIDR(podCIDR) else { throw ValidationError("--pod-cidr \(podCIDR) is not a CIDR") }
            podRange = c
        }
        var labels: [String: String] = [:]
        for pair in (nodeLabels ?? "").split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            labels[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        var configuration = KubeletConfiguration(
            nodeName: name, nodeIP: ip, rootDirectory: rootDir, podLogDirectory: podLogDir, podCIDR: podRange, clusterCIDR: cluster,
            clusterDNS: clusterDNS, clusterDomain: clusterDomain, bridge: bridge, maxPods: maxPods,
            podPidsLimit: podMaxPids > 0 ? podMaxPids : nil, staticPodPath: podManifestPath, port: port, nodeLabels: labels,
            resolvConf: resolvConf, clientCAPEM: try clientCAFile.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? config.caPEM)
        configuration.insecureRegistries = insecureRegistries
        configuration.cgroupRoot = cgroupRoot == "/" ? "" : cgroupRoot
        if let runtimeHelper { configuration.runtimeHelper = try RuntimeHelper.validated(runtimeHelper) }
        configuration.imageGC = ImageGCPolicy(highPercent: imageGCHigh, lowPercent: imageGCLow)
        configuration.rotateServerCertificates = rotateServerCertificates ?? rotating
        configuration.eventQPS = eventQPS
        configuration.eventBurst = eventBurst
        configuration.anonymousAuth = anonymousAuth
        configuration.shipLogs = shipLogs
        guard let mode = KubeletAuth.Mode(rawValue: authorizationMode) else {
            throw ValidationError("--authorization-mode must be Webhook or AlwaysAllow, not '\(authorizationMode)'")
        }
        configuration.authorizationMode = mode
        let client = try KubeClient(config: config)
        let kubelet = Kubelet(configuration: configuration, client: client)
        do {
            try await runUntilSignalled(logger: logger, stopping: "pods keep running") {
                let rotation = rotating ? Task { await certificates.rotate(client: client) } : nil
                defer { rotation?.cancel() }
                try await kubelet.run()
            }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    /// Who the kubelet is to the API server: with `--bootstrap-kubeconfig`,
    /// or a bootstrap token in `--token-file`, its own client certificate
    /// (TLS bootstrap); with another token, the node token naming the node
    /// by impersonation; else `--kubeconfig`.
    func clientConfiguration(node: String, certificates: KubeletClientCertificates) async throws -> KubeConfig {
        if let bootstrapKubeconfig {
            let bootstrap: KubeConfig
            do { bootstrap = try KubeConfig.load(path: bootstrapKubeconfig) } catch { throw ValidationError("--bootstrap-kubeconfig: \(error)") }
            let config = try await certificates.clientConfiguration(bootstrap: bootstrap)
            if let path = connection.kubeconfig {
                try certificates.writeKubeconfig(to: path, server: bootstrap.servers.joined(separator: ","), caPEM: bootstrap.caPEM)
            }
            return config
        }
        let config = try connection.kubeConfig()
        if connection.kubeconfig == nil, KubeletClientCertificates.isBootstrapToken(config.token) {
            return try await certificates.clientConfiguration(bootstrap: config)
        }
        return config
    }

    /// The source address of the default route (what most single-NIC hosts want).
    static func defaultAddress() -> String? {
        guard let rt = try? RouteNetlink.open(), let routes = try? rt.routes(), let addresses = try? rt.addresses() else { return nil }
        guard let dev = routes.first(where: { $0.destination == nil })?.outputIndex else {
            return addresses.first { $0.address.isV4 && $0.address.description != "127.0.0.1" }?.address.description
        }
        return addresses.first { $0.index == dev && $0.address.isV4 }?.address.description
    }
}
