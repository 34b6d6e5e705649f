/// What a reverse proxy knows of header names given as strings (HTTP/2
/// heads; HTTP/1.x heads are read in place by ``HTTP1Head``): hop-by-hop
/// headers (RFC 9110 §7.6.1) and the `X-Forwarded-*` ones that the proxy
/// sets itself, as ingress-nginx does by default (the client's own values
/// are not trusted). Names are compared ASCII-case-insensitively without
/// allocating.
package enum ForwardedHeaders {
    /// Headers that describe one connection, never forwarded (lowercase).
    static let hopByHop: [StaticString] = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                           "upgrade", "proxy-authenticate", "proxy-authorization"]

    /// What the proxy knows about the client's connection.
    package struct Client {
        /// The client's address, for logs.
        let address: String
        /// The headers the proxy sets on each request of this connection, as written before and after the `X-Forwarded-Host` value.
        let forwardedBeforeHost: [UInt8]
        let forwardedAfterHost: [UInt8]

        package init(address: String, scheme: String, port: Int) {
            self.address = address
            forwardedBeforeHost = Array("X-Real-IP: \(address)\r\nX-Forwarded-For: \(address)\r\nX-Forwarded-Host: ".utf8)
            forwardedAfterHost = Array("\r\nX-Forwarded-Port: \(port)\r\nX-Forwarded-Proto: \(scheme)\r\n".utf8)
        }

        /// The bytes of the proxy's lines, without the host, the upgrade's lines and the empty line after them (2 bytes).
        var forwardedBytes: Int { forwardedBeforeHost.count + forwardedAfterHost.count + 2 }
    }

    static func isHopByHop(_ name: String) -> Bool {
        hopByHop.contains { equalsIgnoringCase(name, $0) }
    }

    static func isClientForwarding(_ name: String) -> Bool {
        hasPrefixIgnoringCase(name, "x-forwarded-") || equalsIgnoringCase(name, "x-real-ip")
    }

    /// ASCII-case-insensitive equality with a lowercase name, without allocating.
    static func equalsIgnoringCase<S: StringProtocol>(_ name: S, _ lowercase: StaticString) -> Bool {
        name.utf8.count == lowercase.utf8CodeUnitCount && hasPrefixIgnoringCase(name, lowercase)
    }

    /// Whether `name` starts with the lowercase `prefix`, ignoring ASCII case.
    static func hasPrefixIgnoringCase<S: StringProtocol>(_ name: S, _ prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { expected in
            var bytes = name.utf8.makeIterator()
            for e in expected {
                guard let byte = bytes.next(), HTTP1Syntax.lower(byte) == e else { return false }
            }
            return true
        }
    }
}
