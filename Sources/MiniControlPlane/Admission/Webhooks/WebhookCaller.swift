import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Makes HTTPS POSTs to webhooks, as kube-apiserver's webhook client:
/// TLS verified against the webhook's `caBundle` (the system's roots when it
/// has none) and the name the certificate must carry (`NAME.NAMESPACE.svc`
/// for a Service, the URL's host otherwise), whatever address is dialled;
/// the whole call bounded by the webhook's timeout and the answer by
/// ``maxResponseBytes``; connections kept alive between calls.
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

    /// Connections kept open between calls.
    private let pool = WebhookConnectionPool()

    /// POSTs `body` as JSON and returns the status code and body of the answer,
    /// on a kept-alive connection to the same place when there is one.
    func post(_ target: Target, body: [UInt8], caBundle: String?, timeout: Duration) async throws(Failure) -> (status: Int, body: [UInt8]) {
        let tls = try context(caBundle: caBundle)
        let key = "\(target.host)|\(target.port)|\(target.serverName ?? "")|\(caBundle ?? "")"
        let opened = OpenedChannel()
        let pool = self.pool
        do {
            return try await withThrowingTaskGroup(of: (Int, [UInt8])?.self) { group in
                group.addTask { try await Self.exchange(target, body: body, tls: tls, timeout: timeout, pool: pool, key: key, opened: opened) }
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

    static func exchange(_ target: Target, body: [UInt8], tls: NIOSSLContext, timeout: Duration, pool: WebhookConnectionPool, key: String,
                         opened: OpenedChannel) async throws -> (Int, [UInt8]) {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path)
        let hostHeader = (target.serverName ?? (target.host.contains(":") ? "[\(target.host)]" : target.host)) + ":\(target.port)"
        head.headers = ["Host": hostHeader, "Content-Type": "application/json", "Accept": "application/json, */*",
                        "Content-Length": String(body.count), "User-Agent": "kube-apiserver-admission"]
        // A kept connection the webhook closed meanwhile is dropped for a new one, once.
        if let kept = pool.take(key) {
            opened.set(kept.channel)
            do {
                let answer = try await kept.exchange(head, body: body)
                if answer.keepAlive { pool.give(kept, key) } else { kept.close() }
                return (answer.status, answer.body)
            } catch let closed as WebhookResponseCollector.Closed where !closed.answered {
                kept.close()
            }
        }
        let fresh = try await WebhookConnection.connect(host: target.host, port: target.port, serverName: target.serverName, tls: tls,
                                                        timeout: timeout, maxResponseBytes: maxResponseBytes)
        opened.set(fresh.channel)
        do {
            let answer = try await fresh.exchange(head, body: body)
            if answer.keepAlive { pool.give(fresh, key) } else { fresh.close() }
            return (answer.status, answer.body)
        } catch {
            fresh.close()
            throw error
        }
    }

    /// Go's wording of a transport error, closely enough to be recognized.
    static func word(_ error: any Error, _ target: Target) -> String {
        let host = target.host.contains(":") ? "[\(target.host)]:\(target.port)" : "\(target.host):\(target.port)"
        if let e = error as? Failure { return e.description }
        if let e = error as? WebhookResponseCollector.TooLarge { return "the response is larger than \(e.limit) bytes" }
        if error is WebhookResponseCollector.Closed { return "EOF" }
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
