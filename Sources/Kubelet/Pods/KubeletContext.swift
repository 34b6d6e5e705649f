public import KubeAPI
public import Images
public import Logging

/// What every pod worker uses: the node's managers and the API.
public struct KubeletContext: Sendable {
    public var nodeName: String
    public var nodeIP: String
    public var memoryCapacity: Int64
    public var pidsLimit: Int64?
    public var client: KubeClient
    public var sandboxes: SandboxManager
    public var containers: ContainerManager
    public var volumes: VolumeManager
    public var prober: Prober
    public var status: StatusManager
    public var events: PodEventRecorder
    public var images: ImageStore
    /// Registry pulls; nil: images only from the store (nodectl import).
    public var puller: ImagePuller?
    public var logger: Logger
    /// The kubelet's Prometheus metrics.
    public var metrics: KubeletMetrics
    /// How often a worker re-checks its pod without being woken.
    public var resyncInterval: Duration
    /// configMap/secret volumes are refreshed this often.
    public var volumeRefreshSeconds: Double
    /// Services for the service environment variables.
    public var services: ServiceLister

    public init(nodeName: String, nodeIP: String, memoryCapacity: Int64, pidsLimit: Int64?, client: KubeClient,
                sandboxes: SandboxManager, containers: ContainerManager, volumes: VolumeManager, prober: Prober,
                status: StatusManager, events: PodEventRecorder, images: ImageStore, logger: Logger,
                metrics: KubeletMetrics = KubeletMetrics(), resyncInterval: Duration = .seconds(1), volumeRefreshSeconds: Double = 30,
                puller: ImagePuller? = nil, services: ServiceLister) {
        self.puller = puller
        self.services = services
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.memoryCapacity = memoryCapacity
        self.pidsLimit = pidsLimit
        self.client = client
        self.sandboxes = sandboxes
        self.containers = containers
        self.volumes = volumes
        self.prober = prober
        self.status = status
        self.events = events
        self.images = images
        self.logger = logger
        self.metrics = metrics
        self.resyncInterval = resyncInterval
        self.volumeRefreshSeconds = volumeRefreshSeconds
    }
}

/// VolumeSources and env lookups through the API server; configMaps and
/// secrets from their watches when `configMaps` and `secrets` are given.
public struct APIVolumeSources: VolumeSources {
    let client: KubeClient
    let configMaps: WatchedObjects<ConfigMap>?
    let secrets: WatchedObjects<Secret>?

    public init(client: KubeClient, configMaps: WatchedObjects<ConfigMap>? = nil, secrets: WatchedObjects<Secret>? = nil) {
        self.client = client
        self.configMaps = configMaps
        self.secrets = secrets
    }

    public func configMap(namespace: String, name: String) async throws -> ConfigMap? {
        try await read(configMaps, namespace: namespace, name: name)
    }

    public func secret(namespace: String, name: String) async throws -> Secret? {
        try await read(secrets, namespace: namespace, name: name)
    }

    /// From the object's watch when there is one, else a GET.
    func read<T: KubeObject>(_ watched: WatchedObjects<T>?, namespace: String, name: String) async throws -> T? {
        guard let watched else { return try await fetch(T.self, namespace: namespace, name: name) }
        return try await watched.get(namespace: namespace, name: name) { [self] in
            try await fetch(T.self, namespace: namespace, name: name)
        }
    }

    /// A GET; nil when the object does not exist.
    func fetch<T: KubeObject>(_ type: T.Type, namespace: String, name: String) async throws -> T? {
        do { return try await client.get(T.self, name: name, namespace: namespace) } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    public func persistentVolumeClaim(namespace: String, name: String) async throws -> PersistentVolumeClaim? {
        try await fetch(PersistentVolumeClaim.self, namespace: namespace, name: name)
    }

    public func csiDriver(name: String) async throws -> CSIDriver? {
        do { return try await client.get(CSIDriver.self, name: name) } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    public func updateClaimStatus(_ claim: PersistentVolumeClaim) async throws {
        _ = try await client.updateStatus(claim)
    }

    public func volumeAttachment(name: String) async throws -> VolumeAttachment? {
        do { return try await client.get(VolumeAttachment.self, name: name) } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    public func persistentVolume(name: String) async throws -> PersistentVolume? {
        do { return try await client.get(PersistentVolume.self, name: name) } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    public func serviceAccountToken(namespace: String, serviceAccount: String, audience: String?, expirationSeconds: Int64?, pod: Pod) async throws -> String {
        var spec: [String: JSONValue] = ["expirationSeconds": .int(expirationSeconds ?? 3600)]
        if let audience { spec["audiences"] = .array([.string(audience)]) }
        spec["boundObjectRef"] = .object(["kind": .string("Pod"), "apiVersion": .string("v1"), "name": .string(pod.metadata.name ?? ""),
                                          "uid": .string(pod.metadata.uid ?? "")])
        let body: JSONValue = .object(["apiVersion": .string("authentication.k8s.io/v1"), "kind": .string("TokenRequest"), "spec": .object(spec)])
        let url = client.url(apiVersion: "v1", resource: "serviceaccounts", namespace: namespace, name: serviceAccount, subresource: "token")
        let data = try await client.request(.POST, url, body: JSONWriter.bytes(body))
        let value = try JSONParser.parse(data)
        guard case .string(let token)? = value.objectValue?["status"]?.objectValue?["token"] else {
            throw VolumeError("the API server returned no token for service account \(namespace)/\(serviceAccount)")
        }
        return token
    }
}
