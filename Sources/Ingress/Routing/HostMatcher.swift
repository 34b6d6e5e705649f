/// Upstream's host matching for Ingress rules: a precise host matches the
/// request's host (without port, case-insensitively); `*.example.com`
/// matches exactly one more label (`a.example.com`, not `example.com` nor
/// `a.b.example.com`).
public enum HostMatcher {
    public static func matches(ruleHost: String, requestHost: String) -> Bool {
        let host = normalize(requestHost)
        let rule = ruleHost.lowercased()
        guard rule.hasPrefix("*.") else { return host == rule }
        let suffix = rule.dropFirst(1) // ".example.com"
        guard host.hasSuffix(suffix) else { return false }
        let label = host.dropLast(suffix.count)
        return !label.isEmpty && !label.contains(".")
    }

    /// The host of a `Host` header or `:authority`: lowercased, without port or IPv6 brackets, without a trailing dot.
    public static func normalize(_ hostHeader: String) -> String {
        let utf8 = hostHeader.utf8
        // The common case, `name` or `name:port` in lowercase: no copy through lowercased().
        guard !utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A || $0 == UInt8(ascii: "[") }) else { return slowNormalize(hostHeader) }
        var name = Substring(hostHeader)
        if let colon = utf8.firstIndex(of: UInt8(ascii: ":")) {
            // More than one colon: an IPv6 address without brackets, kept whole as before.
            guard utf8[utf8.index(after: colon)...].firstIndex(of: UInt8(ascii: ":")) == nil else { return slowNormalize(hostHeader) }
            name = hostHeader[..<colon]
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        return String(name)
    }

    static func slowNormalize(_ hostHeader: String) -> String {
        var h = Substring(hostHeader.lowercased())
        if h.hasPrefix("[") {
            if let close = h.firstIndex(of: "]") { h = h[h.index(after: h.startIndex)..<close] }
        } else if let colon = h.lastIndex(of: ":"), h.firstIndex(of: ":") == colon {
            h = h[..<colon]
        }
        if h.hasSuffix(".") { h = h.dropLast() }
        return String(h)
    }
}
