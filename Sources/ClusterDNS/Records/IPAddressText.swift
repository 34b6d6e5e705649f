#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// IP addresses as the DNS records need them: text ↔ bytes, the dashed
/// form of pod and endpoint names (`10-244-1-5`, `fd00--5`), and reverse
/// names (`5.1.244.10.in-addr.arpa`).
public enum IPAddressText {
    /// The 4 or 16 bytes of an IPv4 or IPv6 address, nil if `text` is neither.
    public static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// The canonical text of 4 or 16 address bytes.
    public static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: bytes) }
        guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The address as one DNS label: dots (IPv4) or colons (IPv6) become dashes.
    public static func dashed(_ bytes: [UInt8]) -> String {
        let text = format(bytes)
        return bytes.count == 4 ? text.replacingDots() : text.replacingColons()
    }

    /// The address a dashed label stands for (`10-244-1-5`, `fd00--5`), nil if none.
    public static func parseDashed(_ label: String) -> [UInt8]? {
        let parts = label.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 4, let v4 = parse(parts.joined(separator: ".")), v4.count == 4 { return v4 }
        if let v6 = parse(parts.joined(separator: ":")), v6.count == 16 { return v6 }
        return nil
    }

    /// The reverse-lookup labels of an address (without a trailing root).
    public static func reverseLabels(_ bytes: [UInt8]) -> [String] {
        if bytes.count == 4 { return bytes.reversed().map(String.init) + ["in-addr", "arpa"] }
        return bytes.reversed().flatMap { [String($0 & 0x0F, radix: 16), String($0 >> 4, radix: 16)] } + ["ip6", "arpa"]
    }

    /// The address a reverse name stands for, nil if it is not a complete one.
    public static func parseReverse(_ labels: [String]) -> [UInt8]? {
        let l = labels.map { $0.lowercased() }
        if l.count == 6, l[4] == "in-addr", l[5] == "arpa" {
            var out: [UInt8] = []
            for part in l[0..<4].reversed() {
                guard let v = UInt8(part), String(v) == part else { return nil }
                out.append(v)
            }
            return out
        }
        if l.count == 34, l[32] == "ip6", l[33] == "arpa" {
            var nibbles: [UInt8] = []
            for part in l[0..<32].reversed() {
                guard part.count == 1, let v = UInt8(part, radix: 16) else { return nil }
                nibbles.append(v)
            }
            return stride(from: 0, to: 32, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
        }
        return nil
    }
}

extension String {
    fileprivate func replacingDots() -> String { String(map { $0 == "." ? "-" : $0 }) }
    fileprivate func replacingColons() -> String { String(map { $0 == ":" ? "-" : $0 }) }
}
