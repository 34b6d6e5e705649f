/// What a reverse proxy knows of header names given as strings (HTTP/2
/// heads; HTTP/1.x heads are read in place by ``HTTP1Head``): hop-by-hop
/// headers (RFC 9110 §7.6.1) and the `X-Forwarded-*` ones that the proxy
/// sets itself, as ingress-nginx does by default (the client's own values
/// are not trusted). Names are compared ASCII-case-insensitively without
/// allocating.
package enum ForwardedHeaders {
    /// Headers that describe one connection, never forwarded (lowercase).
    static let hopByHop = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                           "upgrade", "proxy-authenticate", "proxy-authorization"]

    /// What the proxy knows about the client's connection.
    package struct Client {
        var address: String
        var scheme: String
        var port: Int
        /// `port` as sent in `X-Forwarded-Port`.
        let portText: String

        package init(address: String, scheme: String, port: Int) {
            self.address = address
            self.scheme = scheme
            self.port = port
            portText = String(port)
        }
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
