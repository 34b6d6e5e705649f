import Foundation
/// An IPv4 or IPv6 address as a number, for ranges and arithmetic.
public struct PoolAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var isV6: Bool
    public var value: UInt128

    public init(isV6: Bool, value: UInt128) {
        self.isV6 = isV6
        self.value = value
    }

    /// Parses dotted-quad IPv4 or colon IPv6 text (no zone).
    public init?(_ text: String) {
        if text.contains(":") {
            guard let v = Self.parseV6(text) else { return nil }
            self.init(isV6: true, value: v)
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var v: UInt128 = 0
            for p in parts {
                guard !p.isEmpty, p.count <= 3, let b = UInt8(p), String(b) == p else { return nil }
                v = v << 8 | UInt128(b)
            }
            self.init(isV6: false, value: v)
        }
    }

    static func parseV6(_ text: String) -> UInt128? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
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
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    /// The address in its usual text form (IPv6 with the longest zero run compressed).
    public var description: String {
        if !isV6 { return (0..<4).map { String(UInt8(truncatingIfNeeded: value >> (24 - 8 * $0))) }.joined(separator: ".") }
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> (112 - 16 * $0)) }
        var best = (start: -1, length: 0), run = (start: -1, length: 0)
        for (i, g) in groups.enumerated() {
            if g == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        if best.length < 2 { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.length)...].joined(separator: ":")
    }

    /// `IPv4` or `IPv6`, as Service `ipFamilies` name them.
    public var family: String { isV6 ? "IPv6" : "IPv4" }

    public static func < (a: PoolAddress, b: PoolAddress) -> Bool { (a.isV6 ? 1 : 0, a.value) < (b.isV6 ? 1 : 0, b.value) }
}

/// A pool of load-balancer addresses (`--lb-address-pool`): an inclusive
/// range `FIRST-LAST` or a CIDR (`192.0.2.0/28`, all of its addresses, as
/// MetalLB hands them out), of one family.
public struct AddressPool: Hashable, Sendable, CustomStringConvertible {
    public var first: PoolAddress
    public var last: PoolAddress

    /// Why a pool's text was refused.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var text: String
        public var reason: String
        public var description: String { "address pool \"\(text)\": \(reason) (write FIRST-LAST, e.g. 192.0.2.100-192.0.2.150, or a CIDR, e.g. 192.0.2.0/28)" }
    }

    public init(first: PoolAddress, last: PoolAddress) {
        self.first = first
        self.last = last
    }

    /// Parses `FIRST-LAST` or `ADDRESS/PREFIX`.
    public init(parsing raw: String) throws(ParseError) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let slash = text.firstIndex(of: "/") {
            guard let base = PoolAddress(String(text[..<slash])), let bits = Int(text[text.index(after: slash)...]) else {
                throw ParseError(text: text, reason: "not an address and prefix length")
            }
            let width = base.isV6 ? 128 : 32
            guard (0...width).contains(bits) else { throw ParseError(text: text, reason: "prefix length \(bits) is outside 0-\(width)") }
            let hostBits = width - bits
            let mask: UInt128 = hostBits == 128 ? ~0 : (UInt128(1) << UInt128(hostBits)) - 1
            self.init(first: PoolAddress(isV6: base.isV6, value: base.value & ~mask), last: PoolAddress(isV6: base.isV6, value: base.value | mask))
        } else {
            let ends = text.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, let a = PoolAddress(String(ends[0]).trimmingCharacters(in: .whitespaces)),
                  let b = PoolAddress(String(ends[1]).trimmingCharacters(in: .whitespaces)) else {
                throw ParseError(text: text, reason: "not a range of two addresses")
            }
            guard a.isV6 == b.isV6 else { throw ParseError(text: text, reason: "the two ends are of different IP families") }
            guard a <= b else { throw ParseError(text: text, reason: "\(a) comes after \(b)") }
            self.init(first: a, last: b)
        }
    }

    public var isV6: Bool { first.isV6 }
    public var family: String { first.family }
    public func contains(_ a: PoolAddress) -> Bool { a.isV6 == isV6 && first.value <= a.value && a.value <= last.value }
    public func overlaps(_ other: AddressPool) -> Bool {
        isV6 == other.isV6 && first.value <= other.last.value && other.first.value <= last.value
    }

    public var description: String { "\(first)-\(last)" }
}

extension AddressPool {
    /// Parses `--lb-address-pool` values (repeatable, comma-separated) and
    /// refuses pools that overlap one another or a range the cluster already
    /// uses (`reserved`: a flag name and its CIDR, e.g. the service CIDR),
    /// naming both.
    public static func parsePools(_ values: [String], reserved: [(flag: String, cidr: String)]) throws(ParseError) -> [AddressPool] {
        var pools: [AddressPool] = []
        for text in values.flatMap({ $0.split(separator: ",").map(String.init) }) where !text.trimmingCharacters(in: .whitespaces).isEmpty {
            let pool = try AddressPool(parsing: text)
            if let other = pools.first(where: { $0.overlaps(pool) }) {
                throw ParseError(text: text, reason: "overlaps the pool \(other)")
            }
            for (flag, cidr) in reserved {
                guard let range = try? AddressPool(parsing: cidr), range.overlaps(pool) else { continue }
                throw ParseError(text: text, reason: "overlaps \(flag) \(cidr); load-balancer addresses must lie outside it")
            }
            pools.append(pool)
        }
        return pools
    }
}
