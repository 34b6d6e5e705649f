/// Where names outside the cluster domain go.
public protocol DNSUpstream: Sendable {
    /// The reply to `query` (raw bytes, forwarded unchanged).
    func exchange(_ query: [UInt8], over transport: DNSTransport) async throws -> [UInt8]
}

/// Forwards to the `--upstream` servers in order, moving to the next on a
/// timeout or error; a query that came over TCP is forwarded over TCP.
public struct UpstreamServers: DNSUpstream {
    public let servers: [HostPort]
    public let timeout: Duration

    public init(_ servers: [HostPort], timeout: Duration = .seconds(2)) {
        self.servers = servers
        self.timeout = timeout
    }

    public func exchange(_ query: [UInt8], over transport: DNSTransport) async throws -> [UInt8] {
        var errors: [String] = []
        for server in servers {
            do {
                return try await DNSExchange.exchange(query, with: server, over: transport, timeout: timeout)
            } catch {
                if Task.isCancelled { throw CancellationError() }
                errors.append("\(server): \(error)")
            }
        }
        throw DNSExchangeError.allUpstreamsFailed(errors)
    }
}
