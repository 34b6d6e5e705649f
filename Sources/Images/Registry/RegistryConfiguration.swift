/// How the node talks to registries.
public struct RegistryConfiguration: Sendable, Equatable {
    /// Registries (`host:port` as written in image references) reached over
    /// plain HTTP instead of HTTPS, like Docker's `insecure-registries` and
    /// the kubelet's `--insecure-registry`.
    public var insecureRegistries: Set<String>
    /// Layers downloaded at once per pull.
    public var maxConcurrentDownloads: Int
    /// Tries per request before giving up (transport errors, 5xx, 429, truncated bodies).
    public var attempts: Int
    /// The first retry waits this long; each further one twice as long.
    public var initialBackOff: Double
    /// A connection or response head that takes longer fails (and is retried).
    public var requestTimeout: Double
    /// A download that stalls this long fails (and is retried).
    public var readTimeout: Double
    /// The platform picked from image indexes.
    public var platform: Platform

    public init(insecureRegistries: [String] = [], maxConcurrentDownloads: Int = 3, attempts: Int = 4, initialBackOff: Double = 0.5,
                requestTimeout: Double = 30, readTimeout: Double = 60, platform: Platform = .current) {
        self.insecureRegistries = Set(insecureRegistries.map { DockerConfig.normalize(host: $0) })
        self.maxConcurrentDownloads = max(1, maxConcurrentDownloads)
        self.attempts = max(1, attempts)
        self.initialBackOff = initialBackOff
        self.requestTimeout = requestTimeout
        self.readTimeout = readTimeout
        self.platform = platform
    }

    /// `http` for insecure registries, `https` otherwise.
    public func scheme(for registry: String) -> String {
        insecureRegistries.contains(DockerConfig.normalize(host: registry)) ? "http" : "https"
    }

    /// Where the registry's API lives: Docker Hub's is `registry-1.docker.io`.
    public func baseURL(for registry: String) -> String {
        let host = registry == "docker.io" ? "registry-1.docker.io" : registry
        return "\(scheme(for: registry))://\(host)"
    }
}
