/// A domain name as a list of labels, compared and hashed without regard to
/// ASCII case (as DNS requires) while keeping the case it was written in, so
/// answers can echo the question exactly.
///
/// ```swift
/// let name = try DNSName("web.default.svc.cluster.local.")
/// name.labels            // ["web", "default", "svc", "cluster", "local"]
/// name == (try DNSName("WEB.Default.svc.cluster.local"))   // true
/// ```
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// The labels, most specific first, as written.
    public let labels: [String]

    /// The root name (`.`).
    public static let root = DNSName(unchecked: [])

    /// A name from labels; each must be 1…63 bytes and the whole at most 255 bytes on the wire.
    public init(labels: [String]) throws(DNSWireError) {
        var length = 1
        for label in labels {
            let n = label.utf8.count
            guard n > 0 else { throw .invalidName(labels.joined(separator: "."), reason: "empty label") }
            guard n <= 63 else { throw .invalidName(labels.joined(separator: "."), reason: "label \"\(label)\" is \(n) bytes, over 63") }
            length += n + 1
        }
        guard length <= 255 else { throw .invalidName(labels.joined(separator: "."), reason: "\(length) bytes on the wire, over 255") }
        self.labels = labels
    }

    /// A name from dotted text; a trailing dot is optional, `""` and `"."` are the root.
    public init(_ text: String) throws(DNSWireError) {
        var t = Substring(text)
        if t.hasSuffix(".") { t = t.dropLast() }
        try self.init(labels: t.isEmpty ? [] : t.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
    }

    /// For labels already checked (decoded from the wire or built from checked parts).
    init(unchecked labels: [String]) { self.labels = labels }

    /// The labels in lower case: what lookups compare.
    public var lowercasedLabels: [String] { labels.map { $0.lowercased() } }

    /// The lower-case dotted form without the trailing dot (`""` for the root).
    public var key: String { lowercasedLabels.joined(separator: ".") }

    /// Bytes on the wire, uncompressed.
    public var wireLength: Int { labels.reduce(1) { $0 + $1.utf8.count + 1 } }

    public var description: String { labels.isEmpty ? "." : labels.joined(separator: ".") + "." }

    public static func == (a: DNSName, b: DNSName) -> Bool {
        a.labels.count == b.labels.count && a.key == b.key
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// Whether this name is `zone` or below it.
    public func isSubdomain(of zone: DNSName) -> Bool { relative(to: zone) != nil }

    /// The lower-case labels in front of `zone` (empty for the zone itself), or nil when not under it.
    public func relative(to zone: DNSName) -> [String]? {
        guard labels.count >= zone.labels.count else { return nil }
        let split = labels.count - zone.labels.count
        for (a, b) in zip(labels[split...], zone.labels) where a.lowercased() != b.lowercased() { return nil }
        return labels[..<split].map { $0.lowercased() }
    }

    /// This name with `prefix` labels in front; throws when the result is not a valid name.
    public func prepending(_ prefix: [String]) throws(DNSWireError) -> DNSName {
        try DNSName(labels: prefix + labels)
    }
}
