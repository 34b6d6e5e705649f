import NIOCore
public import NIOHTTP1
public import KubeAPI

/// A fully read HTTP request.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The raw request target, e.g. `/api/v1/pods?watch=1`.
    public var uri: String
    /// The percent-decoded path.
    public var path: String
    /// Query parameters (decoded), in order of appearance.
    public var query: [String: [String]]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The DER bytes of the TLS client certificate, not yet verified (see
    /// ``HTTPServer``'s `acceptsClientCertificates`); nil when none was presented.
    public var peerCertificate: [UInt8]?

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: [UInt8]) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.path = Self.percentDecode(String(parts.first ?? ""))
        var q: [String: [String]] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let k = Self.percentDecode(String(kv[0]).replacingOccurrences(of: "+", with: " "))
                let v = kv.count > 1 ? Self.percentDecode(String(kv[1]).replacingOccurrences(of: "+", with: " ")) : ""
                q[k, default: []].append(v)
            }
        }
        self.query = q
    }

    /// The first value of a query parameter.
    public func param(_ name: String) -> String? { query[name]?.first }

    /// The media type of the body (`Content-Type` without parameters,
    /// lowercased), "" when the header is absent.
    public var contentMediaType: String { Self.mediaType(headers.first(name: "content-type") ?? "") }

    /// A media type or range without its parameters, lowercased:
    /// `application/json; charset=utf-8` → `application/json`.
    public static func mediaType(_ value: some StringProtocol) -> String {
        (value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "").lowercased()
    }

    /// True for `name=true` or `name=1`.
    public func flag(_ name: String) -> Bool {
        guard let v = param(name) else { return false }
        return v == "true" || v == "1" || v.isEmpty
    }

    static func percentDecode(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.first {
            bytes = bytes.dropFirst()
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes chunks of a streaming response.
public protocol ResponseStreamWriter: Sendable {
    /// Sends one chunk and flushes it.
    func write(_ bytes: [UInt8]) async throws
}

/// An HTTP response: a complete body, a stream produced by a closure
/// (watches), or an upgrade that takes the connection over
/// (exec/attach/port-forward).
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(@Sendable (any ResponseStreamWriter) async throws -> Void)
        /// Sent with status 101 and the headers of the new protocol; the
        /// closure then speaks it over the raw connection, which closes when
        /// the closure returns.
        case upgrade(@Sendable (UpgradedConnection) async throws -> Void)
    }

    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response.
    public static func json(_ value: some Sendable & Encodable, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        .jsonBytes(KubeJSON.bytes(value), status: status)
    }

    /// A `Status` as kube-apiserver writes it (its field order, a trailing
    /// newline), with the HTTP status of its code.
    public static func status(_ status: Status, code: HTTPResponseStatus? = nil) -> HTTPResponse {
        .jsonBytes(status.jsonBytes, status: code ?? HTTPResponseStatus(statusCode: status.code ?? 500))
    }

    /// A response with JSON bytes.
    public static func jsonBytes(_ bytes: [UInt8], status: HTTPResponseStatus = .ok, contentType: String = "application/json") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .bytes(bytes))
    }

    /// `101 Switching Protocols` with `headers` (Upgrade, Connection, the
    /// protocol's own), after which `handler` owns the connection.
    public static func upgrade(headers: HTTPHeaders, _ handler: @escaping @Sendable (UpgradedConnection) async throws -> Void) -> HTTPResponse {
        HTTPResponse(status: .switchingProtocols, headers: headers, body: .upgrade(handler))
    }

    /// A plain text response.
    public static func text(_ s: String, status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .bytes(Array(s.utf8)))
    }
}

import Foundation

/// Encodes Encodable values as compact JSON.
enum KubeJSON {
    static func bytes(_ value: some Encodable) -> [UInt8] {
        JSONWriter.bytes(KubeCodec.encode(value))
    }
}
