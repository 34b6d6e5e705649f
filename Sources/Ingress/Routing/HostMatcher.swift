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
        // The common case, `name` or `name:port` in lowercase, in one pass over the bytes and without lowercased()'s copy.
        let fast: String?? = hostHeader.utf8.withContiguousStorageIfAvailable { b -> String? in
            var colon: Int?
            for i in b.indices {
                let c = b[i]
                if c >= 0x41 && c <= 0x5A || c == UInt8(ascii: "[") { return nil }
                if c == UInt8(ascii: ":") {
                    // More than one colon: an IPv6 address without brackets, kept whole.
                    if colon != nil { return nil }
                    colon = i
                }
            }
            var end = colon ?? b.count
            if end > 0, b[end - 1] == UInt8(ascii: ".") { end -= 1 }
            return end == b.count ? hostHeader : String(decoding: UnsafeBufferPointer(rebasing: b[..<end]), as: UTF8.self)
        }
        if case .some(.some(let host)) = fast { return host }
        return slowNormalize(hostHeader)
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
