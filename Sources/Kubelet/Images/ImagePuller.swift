import FoundationEssentials
public import Images
public import KubeAPI
public import Logging

/// The kubelet's registry pulls: one at a time per image (concurrent pods
/// asking for the same image share one pull), credentials from the pod's
/// imagePullSecrets, timing for the Pulled event.
public actor ImagePuller {
    public let store: ImageStore
    public let client: RegistryClient
    let logger: Logger
    var inFlight: [String: Task<ImageRecord, any Error>] = [:]

    /// A finished pull: the image and how long it took.
    public struct Pulled: Sendable {
        public var image: ImageRecord
        public var seconds: Double
    }

    public init(store: ImageStore, configuration: RegistryConfiguration, logger: Logger = Logger(label: "kubelet.images")) {
        self.store = store
        client = RegistryClient(configuration: configuration)
        self.logger = logger
    }

    /// Pulls `image` with `credentials`, joining a pull of the same image
    /// with the same credentials already under way.
    public func pull(_ image: String, credentials: DockerConfig) async throws -> Pulled {
        let start = ContinuousClock.now
        let registry = (try? ImageReference(parsing: image))?.registry ?? ""
        let key = image + "|" + (credentials.credentials(for: registry)?.basicAuthorization ?? "")
        let task: Task<ImageRecord, any Error>
        if let running = inFlight[key] {
            task = running
        } else {
            let store = store, client = client, logger = logger
            task = Task {
                logger.info("pulling image \(image)")
                return try await store.pull(image, using: client, credentials: credentials)
            }
            inFlight[key] = task
        }
        defer { inFlight[key] = nil }
        let record = try await task.value
        let elapsed = ContinuousClock.now - start
        return Pulled(image: record, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    public func shutdown() async {
        await client.shutdown()
    }

    /// Registry credentials from the pod's imagePullSecrets
    /// (`kubernetes.io/dockerconfigjson` or `kubernetes.io/dockercfg`); a
    /// missing or malformed secret is skipped with a warning, as upstream.
    public static func credentials(for pod: Pod, fetch: (String) async throws -> Secret?, logger: Logger) async -> DockerConfig {
        var config = DockerConfig()
        for ref in pod.spec?.imagePullSecrets ?? [] {
            guard let name = ref.name else { continue }
            do {
                guard let secret = try await fetch(name) else {
                    logger.warning("pod \(pod.metadata.name ?? ""): imagePullSecret \(name) not found")
                    continue
                }
                guard let encoded = secret.data?[".dockerconfigjson"] ?? secret.data?[".dockercfg"],
                      let bytes = Data(base64Encoded: encoded) else {
                    logger.warning("pod \(pod.metadata.name ?? ""): imagePullSecret \(name) has no .dockerconfigjson")
                    continue
                }
                config = config.merging(try DockerConfig(json: Array(bytes)))
            } catch {
                logger.warning("pod \(pod.metadata.name ?? ""): imagePullSecret \(name): \(error)")
            }
        }
        return config
    }
}
