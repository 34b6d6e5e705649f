import NIOHTTP1

/// The request and response headers a reverse proxy rewrites: hop-by-hop
/// headers dropped (RFC 9110 §7.6.1) and `X-Forwarded-*` set as
/// ingress-nginx does by default (the client's own values are not trusted).
///
/// Every request and response passes through here, so names are compared
/// ASCII-case-insensitively in place and a head is copied only when a
/// header has to go.
enum ForwardedHeaders {
    /// Headers that describe one connection, never forwarded (lowercase).
    static let hopByHop = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                           "upgrade", "proxy-authenticate", "proxy-authorization"]

    /// What the proxy knows about the client's connection.
    struct Client {
        var address: String
        var scheme: String
        var port: Int
        /// `port` as sent in `X-Forwarded-Port`.
        let portText: String

        init(address: String, scheme: String, port: Int) {
            self.address = address
            self.scheme = scheme
            self.port = port
            portText = String(port)
        }
    }

    /// The request head to send to a backend.
    static func backendRequest(_ head: HTTPRequestHead, client: Client, upgrade: String?) -> HTTPRequestHead {
        var out = head
        out.version = .http1_1
        removeHopByHop(&out.headers)
        // The client's own X-Forwarded-* and X-Real-IP are replaced, not trusted.
        if out.headers.contains(where: { isClientForwarding($0.name) }) {
            let names = out.headers.compactMap { isClientForwarding($0.name) ? $0.name : nil }
            for name in names { out.headers.remove(name: name) }
        }
        let host = out.headers.first(name: "host")
        let originalHost = host ?? ""
        out.headers.add(name: "X-Real-IP", value: client.address)
        out.headers.add(name: "X-Forwarded-For", value: client.address)
        out.headers.add(name: "X-Forwarded-Host", value: originalHost)
        out.headers.add(name: "X-Forwarded-Port", value: client.portText)
        out.headers.add(name: "X-Forwarded-Proto", value: client.scheme)
        if let upgrade {
            out.headers.add(name: "Upgrade", value: upgrade)
            out.headers.add(name: "Connection", value: "upgrade")
        }
        if head.version.major == 2, host == nil {
            out.headers.add(name: "Host", value: originalHost)
        }
        return out
    }

    /// The response head to send to the client.
    static func clientResponse(_ head: HTTPResponseHead, version: HTTPVersion) -> HTTPResponseHead {
        var out = head
        out.version = version
        removeHopByHop(&out.headers)
        return out
    }

    /// Whether a request asks to switch protocols (websocket and other HTTP/1.1 upgrades); the `Upgrade` value.
    static func upgrade(_ head: HTTPRequestHead) -> String? {
        guard head.version == .http1_1,
              head.headers[canonicalForm: "connection"].contains(where: { equalsIgnoringCase($0, "upgrade") }),
              let value = head.headers.first(name: "upgrade"), !value.isEmpty else { return nil }
        return value
    }

    /// Drops the hop-by-hop headers and those the `Connection` header names.
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        guard headers.contains(where: { isHopByHop($0.name) }) else { return }
        var names = headers.compactMap { isHopByHop($0.name) ? $0.name : nil }
        names += headers[canonicalForm: "connection"].map(String.init)
        for name in names { headers.remove(name: name) }
    }

    static func isHopByHop(_ name: String) -> Bool {
        hopByHop.contains { equalsIgnoringCase(name, $0) }
    }

    static func isClientForwarding(_ name: String) -> Bool {
        hasPrefixIgnoringCase(name, "x-forwarded-") || equalsIgnoringCase(name, "x-real-ip")
    }

    /// ASCII-case-insensitive equality with a lowercase name, without allocating.
    static func equalsIgnoringCase<S: StringProtocol>(_ name: S, _ lowercase: String) -> Bool {
        name.utf8.count == lowercase.utf8.count && hasPrefixIgnoringCase(name, lowercase)
    }

    /// Whether `name` starts with the lowercase `prefix`, ignoring ASCII case.
    static func hasPrefixIgnoringCase<S: StringProtocol>(_ name: S, _ prefix: String) -> Bool {
        var bytes = name.utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = bytes.next() else { return false }
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded != expected { return false }
        }
        return true
    }
}
