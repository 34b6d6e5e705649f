import AsyncHTTPClient
import ClusterLogs
import Foundation
import Logging

/// Where the cluster's logs go (`controlplane serve --log-store`): the
/// embedded store (``LogStore``, `DATA_DIR/logs.db`), kept within
/// `--log-retention` and `--log-retention-size`; or, with
/// `--log-forward-url`, an external Loki that pushes are passed to.
public struct ClusterLogConfiguration: Sendable {
    /// Lines older than this are dropped (seconds; default 7 days).
    public var retention: Double = 7 * 86400
    /// The store is kept under this size (bytes; default 1 GiB).
    public var retentionBytes: Int64 = 1 << 30
    /// A Loki base URL (`http://loki:3100`) pushes are forwarded to instead of stored.
    public var forwardURL: String?

    public init() {}
}

/// Forwarding to an external Loki failed (its answer, or why it could not be reached).
struct LogForwardError: Error, CustomStringConvertible {
    var description: String
}

final class ClusterLogService: Sendable {
    let store: LogStore?
    let forwardURL: String?
    /// Forwards pushes (with the system's trust store), when `forwardURL` is set.
    let http: HTTPClient?
    let configuration: ClusterLogConfiguration
    let logger: Logger

    init(dataDir: URL, configuration: ClusterLogConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        forwardURL = configuration.forwardURL
        store = configuration.forwardURL == nil ? try LogStore(path: dataDir.appendingPathComponent("logs.db").path) : nil
        http = configuration.forwardURL == nil ? nil : HTTPClient(eventLoopGroupProvider: .singleton)
    }

    func shutdown() async {
        try? await http?.shutdown()
    }

    /// Where pushed streams go: the embedded store, or the external Loki.
    func ingest(_ streams: [LogStream]) async throws {
        if let url = forwardURL {
            guard let http else { throw LogForwardError(description: "no HTTP client to forward logs with") }
            var forward = HTTPClientRequest(url: url.hasSuffix("/") ? url + "loki/api/v1/push" : url + "/loki/api/v1/push")
            forward.method = .POST
            forward.headers.add(name: "Content-Type", value: "application/json")
            forward.body = .bytes(LokiAPI.pushBody(streams))
            let response: HTTPClientResponse
            do {
                response = try await http.execute(forward, timeout: .seconds(10))
            } catch {
                throw LogForwardError(description: "forwarding to \(url) failed: \(error)")
            }
            guard (200..<300).contains(Int(response.status.code)) else {
                throw LogForwardError(description: "forwarding to \(url) failed: \(response.status.code)")
            }
            return
        }
        try await store?.append(streams, oldest: LokiAPI.clamp(Date().timeIntervalSince1970 - configuration.retention))
    }

    /// The control plane's own log lines, every second, as
    /// `{namespace="kube-system", component="controlplane", node=HOST}`.
    func shipOwnLogs(tap: ComponentLogTap, node: String) async {
        await tap.deliver(component: "controlplane", node: node) { streams in try await self.ingest(streams) }
    }

    /// Applies retention every minute until cancelled.
    func run() async {
        guard let store else { return }
        while !Task.isCancelled {
            do {
                let removed = try await store.enforceRetention(maxAge: configuration.retention, maxBytes: configuration.retentionBytes)
                if removed > 0 { logger.info("log store: retention dropped \(removed) lines") }
            } catch {
                logger.warning("log store: retention failed: \(error)")
            }
            try? await Task.sleep(for: .seconds(60))
        }
    }
}
