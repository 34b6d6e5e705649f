/// A URL of Kubernetes' CEL URL library (`kubernetes.URL`), parsed as Go's
/// `net/url` parses it: `url()` and `isURL()` accept what `ParseRequestURI`
/// accepts (an absolute URI or an absolute path), and the parts are those of
/// `url.Parse` (so a fragment is split off).
public struct CELURL: Sendable, Hashable, CustomStringConvertible {
    public let scheme: String
    /// `host[:port]` as written (an IPv6 literal keeps its brackets).
    public let host: String
    /// The path as written (still escaped).
    public let rawPath: String
    public let rawQuery: String
    let text: String

    /// Parses `text`, or throws upstream's message.
    public init(parsing text: String) throws(CELEvaluator.Failure) {
        func bad(_ why: String) -> CELEvaluator.Failure {
            .error("URL parse error during conversion from string: parse \(FieldError.quote(text)): \(why)")
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw bad("net/url: invalid control character in URL")
        }
        // ParseRequestURI: an absolute URI or an absolute path. It keeps a `#` (in the
        // host it is an error); the parts are url.Parse's, with the fragment split off.
        var rest = Substring(text)
        var fragmentCut = false
        if let fragment = rest.firstIndex(of: "#") {
            rest = rest[..<fragment]
            fragmentCut = true
        }
        var scheme = ""
        if let colon = rest.firstIndex(of: ":"), let first = rest.first, first.isLetter, first.isASCII,
           rest[..<colon].unicodeScalars.allSatisfy({ Self.isUnreserved($0) && $0 != "_" && $0 != "~" || $0 == "+" }) {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(after: colon)...]
        } else if rest.first == ":" {
            throw bad("missing protocol scheme")
        }
        guard !scheme.isEmpty || rest.hasPrefix("/") else { throw bad("invalid URI for request") }
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        var host = ""
        if rest.hasPrefix("//") {
            let authority = rest.dropFirst(2).prefix { $0 != "/" }
            if fragmentCut, authority.endIndex == rest.endIndex, query.isEmpty {
                throw bad("invalid character \"#\" in host name")
            }
            rest = rest.dropFirst(2 + authority.count)
            let hostPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
            try Self.checkHost(hostPort, bad)
            host = String(hostPort)
        } else if !scheme.isEmpty, !rest.hasPrefix("/") {
            // An opaque URL (`mailto:x@y`): no host, no path.
            rest = ""
        }
        guard Self.unescape(rest) != nil else { throw bad("invalid URL escape") }
        self.scheme = scheme
        self.host = host
        self.rawPath = String(rest)
        self.rawQuery = query
        self.text = text
    }

    /// Go's host checks: a bracketed IPv6 literal or a name, then an optional numeric port.
    static func checkHost(_ h: Substring, _ bad: (String) -> CELEvaluator.Failure) throws(CELEvaluator.Failure) {
        var name = h
        var port: Substring = ""
        if h.hasPrefix("[") {
            guard let close = h.firstIndex(of: "]") else { throw bad("missing ']' in host") }
            name = h[h.index(after: h.startIndex)..<close]
            let after = h[h.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw bad("invalid port \(FieldError.quote(String(after))) after host") }
                port = after.dropFirst()
            }
            guard (try? CELIP(parsing: String(name.prefix { $0 != "%" })))?.isIPv4 == false else {
                throw bad("invalid IPv6 host")
            }
            name = ""
        } else if let colon = h.lastIndex(of: ":") {
            name = h[..<colon]
            port = h[h.index(after: colon)...]
        }
        guard port.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw bad("invalid port \(FieldError.quote(":" + port)) after host")
        }
        for c in name.unicodeScalars where c.isASCII && !(c.properties.isAlphabetic || ("0"..."9").contains(c) || "-._~!$&'()*+,;=%<>\"".unicodeScalars.contains(c)) {
            throw bad("invalid character \(FieldError.quote(String(c))) in host name")
        }
    }

    /// `getHostname()`: the host without port and brackets.
    public var hostname: String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<close])
        }
        return String(host.prefix { $0 != ":" })
    }

    /// `getPort()`: the port as written, or "".
    public var port: String {
        guard let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") else { return "" }
        if host.hasPrefix("["), !host[..<colon].hasSuffix("]") { return "" }
        return String(host[host.index(after: colon)...])
    }

    /// `getEscapedPath()`: the path as written when it is a valid escaping,
    /// otherwise the decoded path escaped as Go escapes a path.
    public var escapedPath: String {
        let valid = rawPath.unicodeScalars.allSatisfy { c in
            Self.isUnreserved(c) || "!$&'()*+,;=:@/%".unicodeScalars.contains(c)
        }
        if valid { return rawPath }
        let decoded = Self.unescape(Substring(rawPath)) ?? rawPath
        var out = ""
        for b in decoded.utf8 {
            let c = Unicode.Scalar(b)
            if b < 0x80, Self.isUnreserved(c) || "$&+,/:;=@".unicodeScalars.contains(c) {
                out.unicodeScalars.append(c)
            } else {
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    /// `getQuery()`: each key's values, decoded (`+` is a space), as `url.ParseQuery`.
    public var query: [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in rawQuery.split(separator: "&") where !pair.isEmpty && !pair.contains(";") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? { Self.unescape(Substring(String(s.map { $0 == "+" ? " " : $0 }))) }
            guard let k = decode(kv[0]), let v = decode(kv.count > 1 ? kv[1] : "") else { continue }
            out[k, default: []].append(v)
        }
        return out
    }

    static func isUnreserved(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "." || c == "_" || c == "~"
    }

    /// Percent-decoding, or nil for a bad escape.
    static func unescape(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard it.count >= 2, it.prefix(2).allSatisfy({ Unicode.Scalar($0).properties.isASCIIHexDigit }),
                  let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(v)
            it = it.dropFirst(2)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { text }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
