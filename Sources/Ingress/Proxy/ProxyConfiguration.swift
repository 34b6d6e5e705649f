/// How the proxy listens and talks to backends.
public struct ProxyConfiguration: Sendable {
    /// Address to bind, `0.0.0.0` by default.
    public var bindAddress: String
    /// Plain HTTP port (0 picks a free one; nil: no HTTP listener).
    public var httpPort: Int?
    /// HTTPS port (0 picks a free one; nil: no HTTPS listener).
    public var httpsPort: Int?
    /// Seconds to wait for a backend connection (nginx's proxy-connect-timeout, 5 s).
    public var connectTimeout: Double
    /// Seconds to wait for each read from a backend (nginx's proxy-read-timeout, 60 s).
    public var readTimeout: Double
    /// Seconds an idle pooled backend connection is kept.
    public var idleTimeout: Double
    /// Idle connections kept per backend endpoint and event loop.
    public var maxIdlePerEndpoint: Int
    /// Seconds SIGTERM waits for in-flight requests before closing connections.
    public var shutdownGracePeriod: Double
    /// Largest request or response head accepted, in bytes.
    public var maxHeaderBytes: Int

    public init(bindAddress: String = "0.0.0.0", httpPort: Int? = 80, httpsPort: Int? = 443, connectTimeout: Double = 5,
                readTimeout: Double = 60, idleTimeout: Double = 60, maxIdlePerEndpoint: Int = 64,
                shutdownGracePeriod: Double = 10, maxHeaderBytes: Int = 64 * 1024) {
        self.bindAddress = bindAddress
        self.httpPort = httpPort
        self.httpsPort = httpsPort
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.maxIdlePerEndpoint = maxIdlePerEndpoint
        self.shutdownGracePeriod = shutdownGracePeriod
        self.maxHeaderBytes = maxHeaderBytes
    }
}
