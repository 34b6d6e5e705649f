#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IP address of Kubernetes' CEL IP library (`net.IP`): 4 or 16 bytes,
/// parsed as Go's `netip.ParseAddr` parses (no leading zeros in IPv4, no
/// zones, no IPv4-mapped IPv6) and printed as it prints (RFC 5952).
public struct CELIP: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Parses `text`, or throws the message upstream's `ip()` gives.
    public init(parsing text: String) throws(CELEvaluator.Failure) {
        if text.contains("%") {
            throw .error("IP address \(FieldError.quote(text)) with zone value is not allowed")
        }
        if let v4 = Self.parseIPv4(Substring(text)) {
            bytes = v4
            return
        }
        var raw = in6_addr()
        guard text.contains(":"), !text.unicodeScalars.contains("\0"), inet_pton(AF_INET6, text, &raw) == 1 else {
            throw .error("IP Address \(FieldError.quote(text)) parse error during conversion from string: ParseAddr(\(FieldError.quote(text))): unable to parse IP")
        }
        let b = withUnsafeBytes(of: raw) { Array($0) }
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xff, b[11] == 0xff {
            throw .error("IPv4-mapped IPv6 address \(FieldError.quote(text)) is not allowed")
        }
        bytes = b
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Dotted decimal with no leading zeros, or nil.
    static func parseIPv4(_ s: Substring) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  p.count == 1 || p.first != "0", let n = UInt8(p) else { return nil }
            out.append(n)
        }
        return out
    }

    public var isIPv4: Bool { bytes.count == 4 }
    /// 4 or 6.
    public var family: Int64 { isIPv4 ? 4 : 6 }

    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }
    public var isLoopback: Bool { isIPv4 ? bytes[0] == 127 : bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1 }
    public var isMulticast: Bool { isIPv4 ? bytes[0] & 0xf0 == 0xe0 : bytes[0] == 0xff }
    public var isLinkLocalMulticast: Bool { isIPv4 ? bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0 : bytes[0] == 0xff && bytes[1] & 0x0f == 0x02 }
    public var isLinkLocalUnicast: Bool { isIPv4 ? bytes[0] == 169 && bytes[1] == 254 : bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 }
    /// Go's `IsGlobalUnicast`: none of the special kinds above, nor IPv4's broadcast address.
    public var isGlobalUnicast: Bool {
        if isIPv4, bytes.allSatisfy({ $0 == 0xff }) { return false }
        return !isUnspecified && !isLoopback && !isMulticast && !isLinkLocalUnicast
    }

    /// The first `bits` bits, the rest zero.
    func masked(_ bits: Int) -> CELIP {
        var out = bytes
        for i in out.indices {
            let keep = max(0, min(8, bits - i * 8))
            out[i] &= keep == 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return CELIP(bytes: out)
    }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let words = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        // The longest run of two or more zero words (the first of equals) becomes "::".
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            guard words[i] == 0 else { i += 1; continue }
            var j = i
            while j < 8, words[j] == 0 { j += 1 }
            if j - i > best.length, j - i >= 2 { best = (i, j - i) }
            i = j
        }
        func hex(_ r: Range<Int>) -> String { words[r].map { String($0, radix: 16) }.joined(separator: ":") }
        guard best.start >= 0 else { return hex(0..<8) }
        return hex(0..<best.start) + "::" + hex((best.start + best.length)..<8)
    }
}

/// A network of Kubernetes' CEL CIDR library (`net.CIDR`): the address as
/// written and its prefix length.
public struct CELCIDR: Sendable, Hashable, CustomStringConvertible {
    public let ip: CELIP
    public let prefixLength: Int

    /// Parses `text` as Go's `netip.ParsePrefix`, or throws upstream's message.
    public init(parsing text: String) throws(CELEvaluator.Failure) {
        func bad(_ why: String) -> CELEvaluator.Failure {
            .error("network address parse error during conversion from string: netip.ParsePrefix(\(FieldError.quote(text))): \(why)")
        }
        guard let slash = text.lastIndex(of: "/") else { throw bad("no '/'") }
        let address = String(text[..<slash]), bits = text[text.index(after: slash)...]
        if address.contains("%") { throw .error("CIDR \(FieldError.quote(text)) with zone value is not allowed") }
        let ip: CELIP
        do { ip = try CELIP(parsing: address) } catch {
            if case .error(let m) = error, m.hasPrefix("IPv4-mapped") { throw error }
            throw bad("ParseAddr(\(FieldError.quote(address))): unable to parse IP")
        }
        guard !bits.isEmpty, bits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), bits.count == 1 || bits.first != "0",
              let n = Int(bits), n <= ip.bytes.count * 8 else {
            throw bad("bad bits after slash: \(FieldError.quote(String(bits)))")
        }
        self.ip = ip
        prefixLength = n
    }

    init(ip: CELIP, prefixLength: Int) {
        self.ip = ip
        self.prefixLength = prefixLength
    }

    /// The network: the address with the bits past the prefix cleared.
    public var masked: CELCIDR { CELCIDR(ip: ip.masked(prefixLength), prefixLength: prefixLength) }

    public func contains(_ other: CELIP) -> Bool {
        other.bytes.count == ip.bytes.count && other.masked(prefixLength) == ip.masked(prefixLength)
    }

    public func contains(_ other: CELCIDR) -> Bool {
        other.prefixLength >= prefixLength && contains(other.ip)
    }

    public var description: String { "\(ip)/\(prefixLength)" }
}
