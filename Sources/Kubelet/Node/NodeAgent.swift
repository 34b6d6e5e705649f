import Foundation
public import KubeAPI
public import Logging
public import Images
import Netlink

/// The node's side of the node lifecycle: registers the Node, keeps its
/// status (capacity, addresses, conditions, images) current, and renews
/// its Lease in kube-node-lease so the control plane knows it is alive.
public actor NodeAgent {
    public struct Configuration: Sendable {
        public var nodeName: String
        public var nodeIP: String
        public var rootDirectory: String
        public var maxPods: Int
        public var podCIDR: String?
        public var statusInterval: Duration
        public var leaseInterval: Duration
        public var leaseDurationSeconds: Int
        public var labels: [String: String]
        public var kubeletPort: Int

        public init(nodeName: String, nodeIP: String, rootDirectory: String, maxPods: Int = 110, podCIDR: String? = nil,
                    statusInterval: Duration = .seconds(10), leaseInterval: Duration = .seconds(10), leaseDurationSeconds: Int = 40,
                    labels: [String: String] = [:], kubeletPort: Int = 10250) {
            self.nodeName = nodeName
            self.nodeIP = nodeIP
            self.rootDirectory = rootDirectory
            self.maxPods = maxPods
            self.podCIDR = podCIDR
            self.statusInterval = statusInterval
            self.leaseInterval = leaseInterval
            self.leaseDurationSeconds = leaseDurationSeconds
            self.labels = labels
            self.kubeletPort = kubeletPort
        }
    }

    let config: Configuration
    let client: KubeClient
    let images: ImageStore?
    let logger: Logger
    /// The latest Node as the API server returned it.
    public private(set) var node: Node?
    var readyCondition: (ready: Bool, reason: String, message: String) = (true, "KubeletReady", "kubelet is posting ready status")

    public init(config: Configuration, client: KubeClient, images: ImageStore?, logger: Logger = Logger(label: "kubelet.node")) {
        self.config = config
        self.client = client
        self.images = images
        self.logger = logger
    }

    /// The pod CIDR to use: the control plane's assignment, else the flag.
    public var podCIDR: String? { node?.spec?.podCIDR ?? config.podCIDR }

    /// Sets the Ready condition (e.g. false while the pod network is broken).
    public func setReady(_ ready: Bool, reason: String, message: String) {
        readyCondition = (ready, reason, message)
    }

    /// Creates the Node if needed and writes a first status. Retries until it succeeds or the task is cancelled.
    public func register() async throws {
        var delay = 1
        while true {
            do {
                try await registerOnce()
                return
            } catch {
                logger.warning("registering node \(config.nodeName): \(error); retrying in \(delay)s")
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 30)
            }
        }
    }

    func registerOnce() async throws {
        var labels = [
            "kubernetes.io/hostname": config.nodeName, "kubernetes.io/os": "linux",
            "kubernetes.io/arch": Platform.architectureName, "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": Platform.architectureName,
        ]
        labels.merge(config.labels) { _, new in new }
        var fresh = Node(metadata: ObjectMeta(name: config.nodeName, labels: labels))
        if let cidr = config.podCIDR {
            var spec = NodeSpec()
            spec.podCIDR = cidr
            spec.podCIDRs = [cidr]
            fresh.spec = spec
        }
        let created: Node?
        do {
            created = try await client.create(fresh)
        } catch {
            guard error.isConflict else { throw error }
            created = nil
        }
        if let created {
            node = created
            logger.info("registered node \(config.nodeName)")
        } else {
            node = try await client.get(Node.self, name: config.nodeName)
            if node?.spec?.podCIDR == nil, let cidr = config.podCIDR {
                node = try await client.patch(Node.self, name: config.nodeName, type: .merge,
                                              .object(["spec": .object(["podCIDR": .string(cidr), "podCIDRs": .array([.string(cidr)])])]))
            }
        }
        try await updateStatus()
    }

    /// Writes the node status (heartbeat included).
    public func updateStatus() async throws {
        let now = Timestamp()
        let capacity = MachineInfo.capacity(rootDirectory: config.rootDirectory, maxPods: config.maxPods)
        var status = NodeStatus()
        status.capacity = capacity
        status.allocatable = capacity
        status.addresses = [NodeAddress(type: "InternalIP", address: config.nodeIP), NodeAddress(type: "Hostname", address: config.nodeName)]
        status.nodeInfo = try MachineInfo.systemInfo()
        let endpoint = try KubeCodec.decode(NodeDaemonEndpoints.self, from: .object(["kubeletEndpoint": .object(["Port": .int(Int64(config.kubeletPort))])]))
        status.daemonEndpoints = endpoint
        let disk = MachineInfo.disk(config.rootDirectory)
        let memoryAvailable = Self.memoryAvailable()
        func condition(_ type: String, _ value: Bool, _ reason: String, _ message: String) -> Condition {
            var c = Condition(type: type, status: value ? "True" : "False", reason: reason, message: message)
            c.lastHeartbeatTime = now
            let old = node?.status?.conditions?.first { $0.type == type }
            c.lastTransitionTime = old?.status == c.status ? old?.lastTransitionTime ?? now : now
            return c
        }
        let diskPressure = disk.total > 0 && disk.available * 10 < disk.total
        let memoryPressure = memoryAvailable > 0 && memoryAvailable < 100 << 20
        status.conditions = [
            condition("MemoryPressure", memoryPressure, memoryPressure ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
                      memoryPressure ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available"),
            condition("DiskPressure", diskPressure, diskPressure ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
                      diskPressure ? "kubelet has disk pressure" : "kubelet has no disk pressure"),
            condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            condition("Ready", readyCondition.ready, readyCondition.reason, readyCondition.message),
        ]
        if let images {
            status.images = ((try? images.list()) ?? []).compactMap { image in
                // As upstream lists them: repo@digest first, then the tags.
                var digests: [String] = []
                for name in image.names {
                    guard let ref = try? ImageReference(parsing: name) else { continue }
                    let pinned = "\(ref.registry)/\(ref.repository)@\(image.manifestDigest)"
                    if !digests.contains(pinned) { digests.append(pinned) }
                }
                return try? KubeCodec.decode(ContainerImage.self, from: .object([
                    "names": .array((digests + image.names.filter { !$0.contains("@") }).map { .string($0) }), "sizeBytes": .int(image.size),
                ]))
            }
        }
        node = try await client.patch(Node.self, name: config.nodeName, type: .merge, .object(["status": KubeCodec.encode(status)]), subresource: "status")
    }

    static func memoryAvailable() -> Int64 {
        for line in ((try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? "").split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            return (line.split(separator: " ").dropFirst().first.flatMap { Int64($0) } ?? 0) * 1024
        }
        return 0
    }

    /// Renews (or creates) kube-node-lease/NODE.
    public func renewLease() async throws {
        let name = config.nodeName
        let existing: Lease?
        do {
            existing = try await client.get(Lease.self, name: name, namespace: "kube-node-lease")
        } catch {
            guard error.isNotFound else { throw error }
            existing = nil
        }
        if var lease = existing {
            var spec = lease.spec ?? LeaseSpec()
            spec.holderIdentity = name
            spec.leaseDurationSeconds = config.leaseDurationSeconds
            spec.renewTime = Timestamp.nowMicro()
            lease.spec = spec
            _ = try await client.update(lease)
        } else {
            var spec = LeaseSpec(holderIdentity: name, leaseDurationSeconds: config.leaseDurationSeconds)
            spec.renewTime = Timestamp.nowMicro()
            spec.acquireTime = spec.renewTime
            var meta = ObjectMeta(name: name, namespace: "kube-node-lease")
            if let uid = node?.metadata.uid {
                meta.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "Node", name: name, uid: uid)]
            }
            _ = try await client.create(Lease(metadata: meta, spec: spec), namespace: "kube-node-lease")
        }
    }

    /// Status updates and lease renewals until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.config.statusInterval)
                    do { try await self.updateStatus() } catch { self.logger.warning("node status: \(error)") }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await self.renewLease() } catch { self.logger.warning("node lease: \(error)") }
                    try? await Task.sleep(for: self.config.leaseInterval)
                }
            }
        }
    }
}
