import NIOHTTP1

/// The request and response headers a reverse proxy rewrites: hop-by-hop
/// headers dropped (RFC 9110 §7.6.1) and `X-Forwarded-*` set as
/// ingress-nginx does by default (the client's own values are not trusted).
enum ForwardedHeaders {
    /// Headers that describe one connection, never forwarded.
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                                        "upgrade", "proxy-authenticate", "proxy-authorization"]

    /// What the proxy knows about the client's connection.
    struct Client {
        var address: String
        var scheme: String
        var port: Int
    }

    /// The request head to send to a backend.
    static func backendRequest(_ head: HTTPRequestHead, client: Client, upgrade: String?) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        var host: String?
        // Headers named in Connection are hop-by-hop too.
        let named = Set(head.headers[canonicalForm: "connection"].map { $0.lowercased() })
        for (name, value) in head.headers {
            let lower = name.lowercased()
            if hopByHop.contains(lower) || named.contains(lower) { continue }
            if lower.hasPrefix("x-forwarded-") || lower == "x-real-ip" { continue }
            if lower == "host" { host = value }
            headers.add(name: name, value: value)
        }
        let originalHost = host ?? ""
        headers.add(name: "X-Real-IP", value: client.address)
        headers.add(name: "X-Forwarded-For", value: client.address)
        headers.add(name: "X-Forwarded-Host", value: originalHost)
        headers.add(name: "X-Forwarded-Port", value: String(client.port))
        headers.add(name: "X-Forwarded-Proto", value: client.scheme)
        if let upgrade {
            headers.add(name: "Upgrade", value: upgrade)
            headers.add(name: "Connection", value: "upgrade")
        }
        var out = HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
        if head.version.major == 2, host == nil {
            out.headers.add(name: "Host", value: originalHost)
        }
        return out
    }

    /// The response head to send to the client.
    static func clientResponse(_ head: HTTPResponseHead, version: HTTPVersion) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        let named = Set(head.headers[canonicalForm: "connection"].map { $0.lowercased() })
        for (name, value) in head.headers {
            let lower = name.lowercased()
            if hopByHop.contains(lower) || named.contains(lower) { continue }
            headers.add(name: name, value: value)
        }
        return HTTPResponseHead(version: version, status: head.status, headers: headers)
    }

    /// Whether a request asks to switch protocols (websocket and other HTTP/1.1 upgrades); the `Upgrade` value.
    static func upgrade(_ head: HTTPRequestHead) -> String? {
        guard head.version == .http1_1,
              head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "upgrade" }),
              let value = head.headers.first(name: "upgrade"), !value.isEmpty else { return nil }
        return value
    }
}
