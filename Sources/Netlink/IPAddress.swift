/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible, Comparable, Codable {
    case v4(UInt32)
    case v6(UInt64, UInt64)

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::`).
    public init?(_ text: String) {
        if text.contains(":") {
            guard let v = IPAddress.parseV6(text) else { return nil }
            self = v
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for p in parts {
                guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isNumber), let octet = UInt8(p) else { return nil }
                value = value << 8 | UInt32(octet)
            }
            self = .v4(value)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let v = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not an IP address"))
        }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public var isV4: Bool { if case .v4 = self { return true }; return false }

    /// AF_INET or AF_INET6.
    public var family: UInt8 { isV4 ? 2 : 10 }

    /// The address in network byte order.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let v): return v.bigEndianBytes
        case .v6(let hi, let lo): return hi.bigEndianBytes + lo.bigEndianBytes
        }
    }

    /// Builds an address from network-order bytes (4 or 16 of them).
    public init?(bytes: ArraySlice<UInt8>) {
        switch bytes.count {
        case 4: self = .v4(UInt32(bigEndianBytes: bytes, at: 0))
        case 16: self = .v6(UInt64(bigEndianBytes: bytes, at: 0), UInt64(bigEndianBytes: bytes, at: 8))
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let v):
            return "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        case .v6(let hi, let lo):
            let groups = (0..<4).map { UInt16(truncatingIfNeeded: hi >> (48 - 16 * $0)) } + (0..<4).map { UInt16(truncatingIfNeeded: lo >> (48 - 16 * $0)) }
            // Compress the longest run of zero groups (RFC 5952).
            var best = (start: -1, length: 0), current = (start: -1, length: 0)
            for (i, g) in groups.enumerated() {
                if g == 0 {
                    current = current.start < 0 ? (i, 1) : (current.start, current.length + 1)
                    if current.length > best.length { best = current }
                } else {
                    current = (-1, 0)
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            if best.length < 2 { return hex.joined(separator: ":") }
            let head = hex[0..<best.start].joined(separator: ":")
            let tail = hex[(best.start + best.length)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x < y
        case (.v6(let xh, let xl), .v6(let yh, let yl)): return (xh, xl) < (yh, yl)
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }

    /// The address `n` places after this one (wrapping within the family).
    public func advanced(by n: Int) -> IPAddress {
        switch self {
        case .v4(let v): return .v4(v &+ UInt32(truncatingIfNeeded: n))
        case .v6(let hi, let lo):
            let (sum, overflow) = lo.addingReportingOverflow(UInt64(truncatingIfNeeded: n))
            return .v6(hi &+ (overflow ? 1 : 0), sum)
        }
    }

    static func parseV6(_ text: String) -> IPAddress? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() {
                if i == parts.count - 1, p.contains("."), case .v4(let v)? = IPAddress(String(p)) {
                    out += [UInt16(v >> 16), UInt16(v & 0xffff)]
                } else {
                    guard !p.isEmpty, p.count <= 4, let g = UInt16(p, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        let hi = all[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let lo = all[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return .v6(hi, lo)
    }
}

extension String {
    /// Splits on a multi-character separator.
    func components(separatedBy separator: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let range = rest.range(of: separator) {
            out.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

extension Substring {
    func range(of needle: String) -> Range<Substring.Index>? {
        guard !needle.isEmpty, count >= needle.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) {
                return i..<index(i, offsetBy: needle.count)
            }
            i = index(after: i)
        }
        return nil
    }
}

/// An address block: `10.244.1.0/24`, `fd00::/64`.
public struct CIDR: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The network address (host bits cleared).
    public let network: IPAddress
    public let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let prefix = Int(parts[1]),
              prefix >= 0, prefix <= (address.isV4 ? 32 : 128) else { return nil }
        self.init(address: address, prefix: prefix)
    }

    public init(address: IPAddress, prefix: Int) {
        self.prefix = prefix
        switch address {
        case .v4(let v):
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
            network = .v4(v & mask)
        case .v6(let hi, let lo):
            let hiMask: UInt64 = prefix >= 64 ? ~0 : (prefix == 0 ? 0 : ~UInt64(0) << UInt64(64 - prefix))
            let loMask: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? ~0 : ~UInt64(0) << UInt64(128 - prefix))
            network = .v6(hi & hiMask, lo & loMask)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let v = CIDR(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not a CIDR"))
        }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public var description: String { "\(network)/\(prefix)" }

    /// Whether `address` lies in this block.
    public func contains(_ address: IPAddress) -> Bool {
        CIDR(address: address, prefix: prefix).network == network && address.isV4 == network.isV4
    }

    /// The number of addresses (capped at Int.max).
    public var size: Int {
        let bits = (network.isV4 ? 32 : 128) - prefix
        return bits >= 62 ? Int.max : 1 << bits
    }

    /// The `n`th address of the block.
    public func address(at n: Int) -> IPAddress { network.advanced(by: n) }
}
