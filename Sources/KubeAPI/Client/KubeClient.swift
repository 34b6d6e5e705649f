import AsyncHTTPClient
import Foundation
public import NIOCore
public import NIOHTTP1
import NIOSSL
import NIOPosix
import Synchronization

/// Why a client call failed.
public enum KubeClientError: Error, Sendable, CustomStringConvertible {
    /// The server answered with a Status (404, 409, 410, 422, ...).
    case status(Status)
    /// The connection or TLS failed.
    case transport(String)
    /// The answer could not be decoded.
    case decoding(String)

    public var description: String {
        switch self {
        case .status(let s): return "\(s.code ?? 0) \(s.reason ?? ""): \(s.message ?? "")"
        case .transport(let m): return "transport: \(m)"
        case .decoding(let m): return "decoding: \(m)"
        }
    }

    /// The HTTP code of a Status error.
    public var code: Int? {
        if case .status(let s) = self { return s.code }
        return nil
    }

    public var isNotFound: Bool { code == 404 }
    /// A refusal because the namespace is being deleted (status cause `NamespaceTerminating`).
    public var isNamespaceTerminating: Bool {
        if case .status(let s) = self { return s.details?.causes?.contains { $0.reason == "NamespaceTerminating" } ?? false }
        return false
    }
    /// The server's message (a Status's), or the description, as upstream's clients print errors.
    public var message: String {
        if case .status(let s) = self, let m = s.message, !m.isEmpty { return m }
        return description
    }
    public var isConflict: Bool { code == 409 }
    /// A watch or continue token that is too old (HTTP 410): list again.
    public var isGone: Bool { code == 410 }
}

/// The patch formats.
public enum PatchType: String, Sendable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategic = "application/strategic-merge-patch+json"
}

/// Selectors, paging and watch settings.
public struct ListOptions: Sendable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?
    public var timeoutSeconds: Int?
    public var allowWatchBookmarks = false

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, resourceVersion: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.resourceVersion = resourceVersion
    }
}

/// An async Kubernetes API client over AsyncHTTPClient, verifying the
/// server with the configured CA. Typed calls keep unknown fields (see
/// ``KubeCodec``), so read-modify-update never drops data.
///
/// ```swift
/// let client = try KubeClient(config: KubeConfig.load(path: "admin.kubeconfig"))
/// let pods = try await client.list(Pod.self, namespace: "default", options: ListOptions(fieldSelector: "spec.nodeName=n1"))
/// for try await event in client.watch(Pod.self, namespace: nil, options: ListOptions(resourceVersion: pods.metadata?.resourceVersion)) { ... }
/// ```
public final class KubeClient: Sendable {
    public let config: KubeConfig
    /// The HTTP client of the current credentials (replaced on certificate rotation).
    private let current: Mutex<HTTPClient>
    var http: HTTPClient { current.withLock { $0 } }
    /// Index into `config.servers` of the server requests go to; moves on
    /// when that one cannot be reached.
    let active = Mutex(0)

    /// The API server requests go to now.
    public var server: String {
        let servers = config.servers
        return servers[active.withLock { $0 } % servers.count]
    }

    /// Creates a client; call ``shutdown()`` when done.
    public init(config: KubeConfig) throws(KubeClientError) {
        self.config = config
        current = Mutex(try Self.makeHTTPClient(config))
    }

    static func makeHTTPClient(_ config: KubeConfig) throws(KubeClientError) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if config.insecureSkipTLSVerify {
            tls.certificateVerification = .none
        } else if let pem = config.caPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
            } catch {
                throw .transport("invalid CA certificate: \(error)")
            }
        }
        if let certPEM = config.clientCertificatePEM, let keyPEM = config.clientKeyPEM {
            do {
                // One file may hold both (the kubelet's kubelet-client-current.pem).
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(pemBlocks(certPEM, "CERTIFICATE").utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(pemBlocks(keyPEM, "PRIVATE KEY").utf8), format: .pem))
            } catch {
                throw .transport("invalid client certificate or key: \(error)")
            }
        }
        // How long closing a connection waits for the server's close_notify
        // (NIOSSL's default of 5 s held every process's shutdown up, since
        // open watch streams do not answer it).
        tls.shutdownTimeout = .milliseconds(500)
        var c = HTTPClient.Configuration(tlsConfiguration: tls)
        c.timeout = .init(connect: .seconds(10), read: nil)
        // Every open watch holds a connection, so the pool must not cap them.
        c.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 10_000)
        // With fallback servers, a refused connection moves on to the next at
        // once instead of being retried until the connect timeout.
        c.connectionPool.retryConnectionEstablishment = config.fallbackServers.isEmpty
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }

    /// The PEM blocks of `text` whose type contains `type`.
    static func pemBlocks(_ text: String, _ type: String) -> String {
        var out = "", block = "", keep = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("-----BEGIN ") { block = ""; keep = line.contains(type) }
            block += line + "\n"
            if line.hasPrefix("-----END "), keep { out += block }
        }
        return out
    }

    /// Presents a new client certificate from now on (the kubelet's
    /// rotation): new requests use it; open watches end with the old
    /// connections, as client-go closes them, and their callers reconnect.
    public func rotateClientCertificate(certificatePEM: String, keyPEM: String) async throws(KubeClientError) {
        var config = self.config
        config.clientCertificatePEM = certificatePEM
        config.clientKeyPEM = keyPEM
        let fresh = try Self.makeHTTPClient(config)
        let old = current.withLock { c in
            let old = c
            c = fresh
            return old
        }
        try? await old.shutdown()
    }

    /// Closes connections.
    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: URLs

    static let queryAllowed: CharacterSet = {
        var s = CharacterSet.alphanumerics
        s.insert(charactersIn: "-._~")
        return s
    }()

    /// The URL of a collection or object.
    public func url(apiVersion: String, resource: String, namespace: String?, name: String? = nil, subresource: String? = nil,
                    query: [(String, String)] = []) -> String {
        var u = server + (apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)")
        if let namespace, !namespace.isEmpty { u += "/namespaces/\(namespace)" }
        u += "/\(resource)"
        if let name { u += "/\(name)" }
        if let subresource { u += "/\(subresource)" }
        if !query.isEmpty {
            u += "?" + query.map { k, v in "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: Self.queryAllowed) ?? v)" }.joined(separator: "&")
        }
        return u
    }

    static func query(_ o: ListOptions, watch: Bool) -> [(String, String)] {
        var q: [(String, String)] = []
        if watch { q.append(("watch", "true")) }
        if let v = o.labelSelector, !v.isEmpty { q.append(("labelSelector", v)) }
        if let v = o.fieldSelector, !v.isEmpty { q.append(("fieldSelector", v)) }
        if let v = o.limit { q.append(("limit", String(v))) }
        if let v = o.continueToken { q.append(("continue", v)) }
        if let v = o.resourceVersion { q.append(("resourceVersion", v)) }
        if let v = o.timeoutSeconds { q.append(("timeoutSeconds", String(v))) }
        if o.allowWatchBookmarks { q.append(("allowWatchBookmarks", "true")) }
        return q
    }

    func namespaceFor<T: KubeObject>(_ t: T.Type, _ ns: String?, _ resource: ResourceInfo? = nil) -> String? {
        (resource?.namespaced ?? T.namespaced) ? (ns ?? config.namespace) : nil
    }

    // MARK: raw requests

    /// Sends a request and returns the body; non-2xx answers throw `.status`.
    public func request(_ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, contentType: String = "application/json",
                        timeout: TimeAmount = .seconds(60)) async throws(KubeClientError) -> [UInt8] {
        let resp = try await send(method, url, body: body, contentType: contentType, timeout: timeout)
        let bytes: ByteBuffer
        do { bytes = try await resp.body.collect(upTo: 256 * 1024 * 1024) } catch { throw .transport("\(error)") }
        let data = Array(bytes.readableBytesView)
        guard (200..<300).contains(Int(resp.status.code)) else { throw Self.statusError(data, code: Int(resp.status.code)) }
        return data
    }

    func send(_ method: HTTPMethod, _ url: String, body: [UInt8]?, contentType: String, timeout: TimeAmount) async throws(KubeClientError) -> HTTPClientResponse {
        let servers = config.servers
        guard servers.count > 1, let base = servers.first(where: { url.hasPrefix($0 + "/") }) else {
            switch await sendOnce(method, url, body: body, contentType: contentType, timeout: timeout) {
            case .success(let response): return response
            case .failure(let failure): throw failure.error
            }
        }
        // Several API servers: when one cannot be reached try the others in
        // turn, and keep the one that answered for the requests that follow.
        let start = active.withLock { $0 }
        var firstError: KubeClientError?
        for step in 0..<servers.count {
            let index = (start + step) % servers.count
            let target = servers[index] + url.dropFirst(base.count)
            let outcome = await sendOnce(method, target, body: body, contentType: contentType, timeout: timeout)
            switch outcome {
            case .success(let response):
                if step > 0 { active.withLock { $0 = index } }
                return response
            case .failure(let failure) where failure.neverConnected:
                if firstError == nil { firstError = failure.error }
            case .failure(let failure):
                throw failure.error
            }
        }
        throw firstError ?? .transport("\(method) \(url): no API server answered")
    }

    /// Why one request failed, and whether it reached a server at all.
    struct SendFailure: Error {
        var error: KubeClientError
        /// No connection was made, so the request was certainly not
        /// processed and may go to another server.
        var neverConnected: Bool
    }

    func sendOnce(_ method: HTTPMethod, _ url: String, body: [UInt8]?, contentType: String, timeout: TimeAmount) async -> Result<HTTPClientResponse, SendFailure> {
        var req = HTTPClientRequest(url: url)
        req.method = method
        req.headers.add(name: "Accept", value: "application/json")
        req.headers.add(name: "User-Agent", value: config.userAgent)
        if let t = config.token { req.headers.add(name: "Authorization", value: "Bearer \(t)") }
        if let u = config.impersonateUser {
            req.headers.add(name: "Impersonate-User", value: u)
            for g in config.impersonateGroups { req.headers.add(name: "Impersonate-Group", value: g) }
        }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType)
            req.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            return .success(try await http.execute(req, timeout: timeout))
        } catch {
            return .failure(SendFailure(error: .transport("\(method) \(url): \(error)"), neverConnected: Self.neverConnected(error)))
        }
    }

    /// Whether `error` means no connection was made (refused, unreachable,
    /// connect timeout), so the request was certainly not processed.
    static func neverConnected(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let e = error as? HTTPClientError, e == .connectTimeout { return true }
        if let e = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(e.errnoCode) { return true }
        return false
    }

    static func statusError(_ data: [UInt8], code: Int) -> KubeClientError {
        if let s = try? KubeCodec.decode(Status.self, from: Data(data)), s.code != nil { return .status(s) }
        return .status(Status(message: String(decoding: data.prefix(512), as: UTF8.self), reason: "Unknown", code: code))
    }

    func decodeObject<T: KubeObject>(_ t: T.Type, _ data: [UInt8]) throws(KubeClientError) -> T {
        do { return try KubeCodec.decodeObject(t, from: Data(data)) } catch { throw .decoding(error.message) }
    }
}
