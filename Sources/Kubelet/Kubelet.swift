import Foundation
public import KubeAPI
public import Logging
import Runtime
import Images
import Netlink
import AsyncHTTPClient
import NIOSSL
import NIOPosix
import LinuxSystem
import HTTPServing
import X509

/// The node agent: joins the cluster as a Node and runs the pods bound to
/// it. Components run as child tasks until the surrounding task is
/// cancelled (SIGTERM); pods keep running when the kubelet stops, and a new
/// kubelet adopts them.
public final class Kubelet: Sendable {
    public let configuration: KubeletConfiguration
    let client: KubeClient
    let logger: Logger

    public init(configuration: KubeletConfiguration, client: KubeClient, logger: Logger = Logger(label: "kubelet")) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        let c = configuration
        try FileIO.makeDirectories(c.rootDirectory, mode: 0o750)
        try FileIO.makeDirectories(c.podLogDirectory, mode: 0o755)
        let host = try CgroupHost.current()
        logger.info("cgroup layout: \(host.summary)")

        let images = ImageStore(root: c.imageRoot)
        let node = NodeAgent(config: .init(nodeName: c.nodeName, nodeIP: c.nodeIP, rootDirectory: c.rootDirectory, maxPods: c.maxPods,
                                           podCIDR: c.podCIDR?.description, labels: c.nodeLabels, kubeletPort: c.port),
                             client: client, images: images, logger: logger)
        try await node.register()

        // Pod network: the control plane's podCIDR for this node, else --pod-cidr.
        var podNetwork: PodNetwork?
        var nodeNetwork: NodeNetwork?
        if let text = await node.podCIDR, let cidr = CIDR(text) {
            let nn = NodeNetwork(configuration: .init(bridge: c.bridge, podCIDR: cidr, clusterCIDR: c.clusterCIDR, mtu: c.mtu))
            _ = try await Blocking.run { try nn.setUp() }
            podNetwork = PodNetwork(node: nn, ipam: try IPAM(cidr: cidr, directory: c.ipamDirectory))
            nodeNetwork = nn
            logger.info("pod network \(cidr) on bridge \(c.bridge)")
        } else {
            await node.setReady(false, reason: "KubeletNotReady", message: "container runtime network not ready: no podCIDR (pass --pod-cidr or let the control plane allocate one)")
            logger.warning("no podCIDR: pods with their own network get only loopback")
        }

        // One resident helper forks every container's monitor and every
        // sandbox's namespace pinner (see ForkServer).
        let forkServer = ForkServer(executable: c.runtimeHelper)
        let runtime = ContainerRuntime(root: c.runtimeRoot, initExecutable: c.runtimeHelper, forkServer: forkServer, logger: logger)
        let metrics = KubeletMetrics()
        let containers = ContainerManager(runtime: runtime, images: images, logDirectory: c.podLogDirectory, metrics: metrics, logger: logger)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow))
        let events = PodEventRecorder(client: client, node: c.nodeName, qps: c.eventQPS, burst: c.eventBurst, logger: logger)
        let puller = ImagePuller(store: images, configuration: RegistryConfiguration(insecureRegistries: c.insecureRegistries), logger: logger)
        let imageGC = ImageGarbageCollector(store: images, runtime: runtime, policy: c.imageGC, logger: logger)
        let status = StatusManager(client: client, logger: logger)
        let claims = ClaimVolumes()
        // CSI node plugins register through <root-dir>/plugins_registry.
        let csiDrivers = CSIDriverRegistry()
        let csiRegistration = CSIPluginRegistration(
            directory: c.rootDirectory + "/plugins_registry", registry: csiDrivers,
            nodeWriter: KubeCSINodeWriter(client: client, nodeName: c.nodeName), logger: logger)
        let context = KubeletContext(
            nodeName: c.nodeName, nodeIP: c.nodeIP, memoryCapacity: MachineInfo.memory, pidsLimit: c.podPidsLimit, client: client,
            sandboxes: SandboxManager(rootDirectory: c.rootDirectory, network: podNetwork, nodeIP: c.nodeIP,
                                      dns: .init(clusterDNS: c.clusterDNS, clusterDomain: c.clusterDomain, hostResolvConf: c.resolvConf),
                                      executable: c.runtimeHelper, forkServer: forkServer, cgroupRoot: c.cgroupRoot, logger: logger),
            containers: containers,
            volumes: VolumeManager(sources: APIVolumeSources(client: client, configMaps: WatchedObjects(ConfigMap.self, client: client),
                                                             secrets: WatchedObjects(Secret.self, client: client)), claims: claims,
                                  csi: CSIVolumePlugin(registry: csiDrivers, rootDirectory: c.rootDirectory, nodeName: c.nodeName)),
            prober: Prober(containers: containers, http: http), status: status, events: events, images: images, logger: logger,
            metrics: metrics, puller: puller, services: ServiceLister(client: client))
        let pods = PodManager(context: context)
        await pods.setAllocatable(MachineInfo.capacity(rootDirectory: c.rootDirectory, maxPods: c.maxPods))
        // Static pods are known before the first API list, so a restarted
        // kubelet adopts their containers instead of removing them as orphans.
        let staticPods = c.staticPodPath.map { StaticPods(directory: $0, nodeName: c.nodeName, client: client, logger: logger) }
        if let staticPods { await pods.setStaticPods(staticPods.scan()) }
        let stats = StatsProvider(nodeName: c.nodeName, rootDirectory: c.rootDirectory, logDirectory: c.podLogDirectory,
                                  containers: containers, sandboxes: context.sandboxes, host: host, claims: claims)
        var certificate = try ServingCertificate.load(directory: c.rootDirectory + "/pki", nodeName: c.nodeName, nodeIP: c.nodeIP)
        let serving = c.rotateServerCertificates
            ? KubeletServingCertificates(rootDirectory: c.rootDirectory, nodeName: c.nodeName, nodeIP: c.nodeIP, logger: logger) : nil
        if let stored = serving?.current() { certificate = (stored.certificatePEM, stored.keyPEM) }
        let holder = serving == nil ? nil : try ServingCertificateHolder(certificatePEM: certificate.certificate, keyPEM: certificate.key)
        let shipper = c.shipLogs ? LogShipper(
            directory: c.podLogDirectory, nodeName: c.nodeName, positionsPath: c.rootDirectory + "/log-positions.json",
            podLabels: { uid in await pods.pods().first { $0.metadata.uid == uid }?.metadata.labels ?? nil },
            push: { [client] body in
                do {
                    _ = try await client.request(.POST, client.server + "/loki/api/v1/push", body: body, timeout: .seconds(10))
                } catch {
                    guard let failure = error as? KubeClientError, case .status(let status) = failure else { throw error }
                    switch status.code ?? 0 {
                    case 404: throw LogShipper.PushFailure.storeOff(status.message ?? "404")
                    case 400, 403, 413, 422: throw LogShipper.PushFailure.rejected(status.message ?? "\(status.code ?? 0)")
                    default: throw error
                    }
                }
            }, componentLogs: .shared, logger: logger) : nil
        let server = try KubeletServer(
            port: c.port, certificatePEM: certificate.certificate, keyPEM: certificate.key, clientCAPEM: c.clientCAPEM,
            logs: ContainerLogs(containers: containers, pods: { await pods.pods() }), pods: { await pods.pods() },
            stats: stats,
            metrics: {
                metrics.setVolumeStats(await stats.summary().pods.flatMap { $0.volume ?? [] })
                var text = Self.scrape(metrics, context: context)
                if let shipper { text += Array(LogShipperMetrics.render(await shipper.counters).utf8) }
                return text
            }, servingCertificate: holder,
            auth: KubeletAuth(clientCA: try c.clientCAPEM.flatMap { try Certificate(pemEncoded: $0) }, anonymous: c.anonymousAuth,
                              mode: c.authorizationMode, nodeName: c.nodeName, reviewer: APIKubeletReviewer(client: client)),
            logger: logger)

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await events.run() }
            group.addTask { await node.run() }
            group.addTask { await pods.run() }
            group.addTask { await context.services.run() }
            group.addTask { await stats.run() }
            group.addTask { await imageGC.run() }
            group.addTask { [client, logger] in
                await LocalPathCleaner(client: client, nodeName: c.nodeName, events: events, logger: logger).run()
            }
            group.addTask { await csiRegistration.run() }
            if let shipper { group.addTask { await shipper.run() } }
            group.addTask { await HeapTrimmer.run() }
            group.addTask {
                do { try await server.run() } catch { self.logger.error("kubelet API on :\(c.port): \(error)") }
            }
            group.addTask {
                // nodectl's socket is a convenience: without it the kubelet still runs.
                do { try await server.run(unixSocket: c.socketPath) } catch { self.logger.error("kubelet API on \(c.socketPath): \(error)") }
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            }
            if let serving, let holder {
                group.addTask { [client] in await serving.run(client: client, holder: holder) }
            }
            if let nodeNetwork {
                group.addTask { await self.followNodeRoutes(nodeNetwork) }
            }
            if let staticPods {
                group.addTask { await staticPods.run(pods: pods) }
            }
            await group.next()
            group.cancelAll()
        }
        events.stop()
        try? await http.shutdown()
        await puller.shutdown()
        logger.info("kubelet stopped; pods keep running")
    }

    /// The kubelet's metrics with the running pod and container gauges brought up to date.
    static func scrape(_ metrics: KubeletMetrics, context: KubeletContext) -> [UInt8] {
        var states: [String: Int] = [:]
        for container in context.containers.all().values.joined() {
            switch container.state {
            case .running: states["running", default: 0] += 1
            case .created: states["created", default: 0] += 1
            case .exited: states["exited", default: 0] += 1
            case .unknown: states["unknown", default: 0] += 1
            }
        }
        metrics.setRunning(pods: context.sandboxes.all().count, containers: states)
        return metrics.render()
    }
}
