import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Makes one HTTPS POST to a webhook, as kube-apiserver's webhook client:
/// TLS verified against the webhook's `caBundle` (the system's roots when it
/// has none) and the name the certificate must carry (`NAME.NAMESPACE.svc`
/// for a Service, the URL's host otherwise), whatever address is dialled;
/// the whole call bounded by the webhook's timeout and the answer by
/// ``maxResponseBytes``.
final class WebhookCaller: Sendable {
    /// Upstream's webhook client limit on a response body (3 MiB).
    static let maxResponseBytes = 3 * 1024 * 1024

    /// TLS contexts by CA bundle (building one parses the bundle).
    private let contexts = Mutex<[String: NIOSSLContext]>([:])

    /// Where a call goes: the address dialled and the name TLS verifies.
    struct Target: Sendable, Equatable {
        var host: String
        var port: Int
        /// The name the serving certificate must carry; nil for an IP address (verified as such).
        var serverName: String?
        /// Path and query.
        var path: String
        /// The URL as kube-apiserver words it in errors (`https://web.ns.svc:443/validate?timeout=10s`).
        var url: String
    }

    /// Why a call failed, worded as Go's HTTP client words it (users search for these).
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func context(caBundle: String?) throws(Failure) -> NIOSSLContext {
        let key = caBundle ?? ""
        if let c = contexts.withLock({ $0[key] }) { return c }
        var config = TLSConfiguration.makeClientConfiguration()
        config.certificateVerification = .fullVerification
        if let ca = caBundle, !ca.isEmpty {
            guard let pem = Data(base64Encoded: ca) else { throw Failure(description: "caBundle is not base64") }
            do {
                config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem)))
            } catch {
                throw Failure(description: "unable to load root certificates: \(error)")
            }
        }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: config) } catch {
            throw Failure(description: "unable to make a TLS client: \(error)")
        }
        contexts.withLock { c in
            if c.count > 64 { c.removeAll() }
            c[key] = context
        }
        return context
    }

    /// POSTs `body` as JSON and returns the status code and body of the answer.
    func post(_ target: Target, body: [UInt8], caBundle: String?, timeout: Duration) async throws(Failure) -> (status: Int, body: [UInt8]) {
        let tls = try context(caBundle: caBundle)
        let opened = OpenedChannel()
        do {
            return try await withThrowingTaskGroup(of: (Int, [UInt8])?.self) { group in
                group.addTask { try await Self.exchange(target, body: body, tls: tls, timeout: timeout, opened: opened) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let answer = first else {
                    opened.close()
                    throw Failure(description: "Post \"\(target.url)\": context deadline exceeded")
                }
                return answer
            }
        } catch let e as Failure {
            throw e
        } catch {
            opened.close()
            throw Failure(description: "Post \"\(target.url)\": \(Self.word(error, target))")
        }
    }

    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    static func exchange(_ target: Target, body: [UInt8], tls: NIOSSLContext, timeout: Duration,
                         opened: OpenedChannel) async throws -> (Int, [UInt8]) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: target.serverName))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Channel(wrappingChannelSynchronously: channel)
                }
            }
        opened.set(channel.channel)
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path)
            let hostHeader = (target.serverName ?? (target.host.contains(":") ? "[\(target.host)]" : target.host)) + ":\(target.port)"
            head.headers = ["Host": hostHeader, "Content-Type": "application/json", "Accept": "application/json, */*",
                            "Content-Length": String(body.count), "Connection": "close", "User-Agent": "kube-apiserver-admission"]
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status = 0
            var data: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let h): status = Int(h.status.code)
                case .body(let b):
                    guard data.count + b.readableBytes <= maxResponseBytes else {
                        throw Failure(description: "the response is larger than \(maxResponseBytes) bytes")
                    }
                    data.append(contentsOf: b.readableBytesView)
                case .end: return (status, data)
                }
            }
            throw Failure(description: "EOF")
        }
    }

    /// Go's wording of a transport error, closely enough to be recognized.
    static func word(_ error: any Error, _ target: Target) -> String {
        let host = target.host.contains(":") ? "[\(target.host)]:\(target.port)" : "\(target.host):\(target.port)"
        if let e = error as? Failure { return e.description }
        if let e = error as? NIOConnectionError, let first = e.connectionErrors.first { return word(first.error, target) }
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: return "dial tcp \(host): connect: connection refused"
            case EHOSTUNREACH: return "dial tcp \(host): connect: no route to host"
            case ENETUNREACH: return "dial tcp \(host): connect: network is unreachable"
            default: return "dial tcp \(host): \(e)"
            }
        }
        if let e = error as? ChannelError, case .connectTimeout(_) = e {
            return "dial tcp \(host): i/o timeout"
        }
        if let e = error as? NIOSSLError {
            switch e {
            case .handshakeFailed(let inner):
                return "tls: failed to verify certificate: x509: \(inner)"
            default:
                return "tls: \(e)"
            }
        }
        if let e = error as? NIOSSLExtraError { return "tls: failed to verify certificate: x509: \(e)" }
        return "\(error)"
    }
}

/// The channel of a call in flight, closed when the call times out.
final class OpenedChannel: Sendable {
    private let channel = Mutex<(any NIOCore.Channel)?>(nil)
    func set(_ c: any NIOCore.Channel) { channel.withLock { $0 = c } }
    func close() { channel.withLock { $0 }?.close(promise: nil) }
}
